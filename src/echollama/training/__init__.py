"""Training (issue 5): the Spatial-DPO dataset builder, DPO + LoRA fine-tuning, and the Orpheus TTS LoRA fine-tune.

Nothing here imports torch, transformers or trl at import time; each entry point imports what it needs.
"""
