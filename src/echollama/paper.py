"""The EchoLLaMA paper's numbers and text, verbatim, with section references (seeds/echollama-paper.txt).

These are a spec: EchoLLaMA-1B was DPO-trained on exactly this prompt shape, so the `paper` profile sends it untouched.
Our own choices live beside the code that uses them.
"""

from __future__ import annotations

# §5.1: the object detection matrix splits the image into 2 rows x 3 columns, named row-major in this order.
GRID_ROWS = 2

GRID_COLS = 3

GRID_CELL_NAMES = (
    ("Left Top", "Mid Top", "Right Top"),
    ("Left Bottom", "Mid Bottom", "Right Bottom"),
)

# §5.1: "objects that do not provide a 90% match as a threshold value are not included in the matrix" (DETR).
PAPER_DETECTION_THRESHOLD = 0.90

# §6.1: the system prompt, verbatim. EchoLLaMA-1B was DPO-trained on exactly this text.
SYSTEM_PROMPT = (
    "You are a visual understanding and interpretation assistant. You will receive an input consisting of a natural "
    "language description of an image along with a grid-based object detection matrix, which contains object names, "
    "counts, and their spatial positions. Your task is to give information and answer questions about places."
)

# §6.1 "Prompt Format" (and §5.3): caption line, matrix sentence + matrix, instruction line.
USER_PROMPT_TEMPLATE = (
    "Image Description: {caption}\n"
    "This grid-based object detection matrix represents detected objects in different regions of the image. {matrix}\n"
    "Describe this place in detail."
)

# §6.1: generation settings used for both sides of the Spatial-DPO dataset.
DATASET_GENERATION = {"max_tokens": 1024, "temperature": 0.7, "top_p": 0.95}

# §4-5: DETR-R50. The "no_timm" branch holds the same weights behind transformers' own ResNet backbone (the main
# branch needs the timm package).
PAPER_DETECTOR_MODEL = "facebook/detr-resnet-50"

PAPER_DETECTOR_REVISION = "no_timm"

# §4-5: MiDaS/DPT relative inverse depth (bigger = nearer); z is the depth map at the box centre.
PAPER_DEPTH_MODEL = "Intel/dpt-hybrid-midas"

PAPER_DEPTH_REVISION = "main"

PAPER_DEPTH_UNIT = "inverse relative depth"

# §5.2: Moondream2; the paper cites revision 92d3d73, the commit behind the hub tag "2024-08-26".
PAPER_CAPTION_MODEL = "vikhyatk/moondream2"

PAPER_CAPTION_REVISION = "92d3d73b6fd61ab84d9fe093a9c7fd8c04bf2c0d"

# §6: EchoLLaMA-1B (Llama-3.2-1B-Instruct + spatial DPO). The id is config; there is no fallback to another model.
PAPER_LLM_MODEL = "AquaLabs/EchoLLaMA-1B"

PAPER_LLM_REVISION = "main"

# §7: Orpheus TTS fine-tuned on Elise; the base fine-tune is selectable. SNAC 24 kHz turns its codes into audio.
PAPER_TTS_MODELS = {"elise": "AquaLabs/Orpheus-3B-0.1-ft-Elise", "canopylabs": "canopylabs/orpheus-3b-0.1-ft"}

PAPER_TTS_DEFAULT = "elise"

PAPER_TTS_REVISION = "main"

PAPER_SNAC_MODEL = "hubertsiuzdak/snac_24khz"

PAPER_SNAC_REVISION = "main"

SNAC_SAMPLE_RATE = 24_000

# Spoken as `/describe` in a conversation: the paper's own instruction line (§6.1).
DESCRIBE_INSTRUCTION = "Describe this place in detail."
