"""The DPO recipe: what `echollama train dpo` trains, from which data, and where the results go (paper §6.2).

configs/dpo_paper.yaml holds the paper's values; configs/dpo_cpu_small.yaml a CPU-sized run. Flags override both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LLAMA_PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def _help(text: str) -> dict:
    return {"help": text}


@dataclass
class DpoRecipe:
    base_model: str = field(
        default="meta-llama/Llama-3.2-1B-Instruct",
        metadata=_help(
            "base model: a hub id, a checkpoint folder, a .gguf file, or a bundled LLM key (tiny, 0.5b, 1.5b); GGUFs are "
            "converted once to a trainable checkpoint"
        ),
    )
    dataset: str = field(
        default="AquaLabs/Spatial-DPO-Dataset",
        metadata=_help("preference pairs: a JSONL file from `echollama dataset build`, or a hub dataset id"),
    )
    output_dir: str = field(default="runs/dpo", metadata=_help("where the adapter, merged model, logs and GGUF go"))
    max_rows: int | None = field(default=None, metadata=_help("train on at most this many rows"))
    lora_r: int = field(default=8, metadata=_help("LoRA rank (paper §6.2: 8)"))
    lora_alpha: int = field(default=16, metadata=_help("LoRA alpha (not in the paper; 2 x rank)"))
    lora_dropout: float = field(default=0.05, metadata=_help("LoRA dropout (not in the paper)"))
    lora_target_modules: list[str] = field(
        default_factory=lambda: list(LLAMA_PROJECTIONS), metadata=_help("modules that get LoRA adapters")
    )
    beta: float = field(default=0.1, metadata=_help("DPO beta (paper §6.2: 0.1)"))
    learning_rate: float = field(default=2e-5, metadata=_help("peak learning rate (paper §6.2: 2e-5)"))
    lr_scheduler_type: str = field(default="cosine", metadata=_help("schedule to 0 (paper §6.2: cosine)"))
    warmup_steps: int = field(default=0, metadata=_help("linear warm-up steps"))
    per_device_train_batch_size: int = field(default=2, metadata=_help("pairs per device per step (paper: 2)"))
    gradient_accumulation_steps: int = field(default=8, metadata=_help("steps per update (paper: 8)"))
    max_length: int = field(default=8192, metadata=_help("longest prompt + answer in tokens (paper: 8192)"))
    num_train_epochs: float = field(default=1.0, metadata=_help("epochs (paper: 1)"))
    max_steps: int = field(default=-1, metadata=_help("stop after this many updates (-1: the epochs decide)"))
    gradient_checkpointing: bool = field(default=False, metadata=_help("trade compute for memory"))
    seed: int = field(default=0, metadata=_help("seed for LoRA init and data order"))
    merge: bool = field(default=True, metadata=_help("merge the adapter into the base and save the merged model"))
    export_gguf: bool = field(default=True, metadata=_help("export the merged model to GGUF for the embedded runtime"))
    gguf_outtype: str = field(default="q8_0", metadata=_help("GGUF weight type: f32, f16, bf16 or q8_0"))

    def __post_init__(self) -> None:
        positive = ("lora_r", "lora_alpha", "per_device_train_batch_size", "gradient_accumulation_steps", "max_length")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not 0.0 <= self.lora_dropout < 1.0:
            raise ValueError("lora_dropout must be in [0, 1)")
        if self.beta <= 0 or self.learning_rate <= 0:
            raise ValueError("beta and learning_rate must be positive")
        if self.max_steps == 0 or self.max_steps < -1:
            raise ValueError("max_steps must be positive, or -1 to train for num_train_epochs")
        if self.max_rows is not None and self.max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        if not self.lora_target_modules:
            raise ValueError("lora_target_modules must name at least one module")
        if self.export_gguf and not self.merge:
            raise ValueError("export_gguf needs merge: the GGUF is written from the merged model")
        if self.gguf_outtype not in ("f32", "f16", "bf16", "q8_0"):
            raise ValueError(f"gguf_outtype {self.gguf_outtype!r}: choose f32, f16, bf16 or q8_0")

    @property
    def batch_size(self) -> int:
        """Pairs per optimiser update on one device (paper: 2 x 8 = 16)."""
        return self.per_device_train_batch_size * self.gradient_accumulation_steps
