"""The Orpheus TTS LoRA recipe (paper §7.2-7.3, Tables 3-4): what `echollama train tts` trains and how.

configs/orpheus_elise.yaml holds the paper's values; flags override them. On a CPU the 4-bit base and the 8-bit
optimiser are unavailable: the run says so and uses full precision and `cpu_optim` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from echollama.training.dpo_config import LLAMA_PROJECTIONS


def _help(text: str) -> dict:
    return {"help": text}


@dataclass
class OrpheusRecipe:
    base_model: str = field(
        default="canopylabs/orpheus-3b-0.1-ft", metadata=_help("Orpheus checkpoint: hub id or folder")
    )
    snac_model: str = field(default="hubertsiuzdak/snac_24khz", metadata=_help("SNAC 24 kHz codec: hub id or folder"))
    dataset: str = field(
        default="MrDragonFox/Elise",
        metadata=_help(
            "speech: a hub dataset (audio + text columns) or a folder with metadata.jsonl ({audio, text, speaker})"
        ),
    )
    output_dir: str = field(default="runs/orpheus-elise", metadata=_help("where the adapter, logs and merged model go"))
    speaker: str | None = field(
        default=None,
        metadata=_help(
            "prefix every text with 'speaker: ' (multi-speaker prompts) when the data has no speaker column"
        ),
    )
    max_rows: int | None = field(default=None, metadata=_help("use at most this many utterances"))
    max_length: int = field(default=4096, metadata=_help("drop utterances longer than this many tokens"))
    dedupe: str = field(
        default="level0",
        metadata=_help(
            "redundant-frame removal: level0 (public Orpheus recipe: drop a frame whose level-0 code repeats the last "
            "kept frame's), frame (only exact repeats), none"
        ),
    )
    lora_r: int = field(default=64, metadata=_help("LoRA rank (paper §7.2: 64)"))
    lora_alpha: int = field(default=64, metadata=_help("LoRA alpha (paper: 64)"))
    lora_dropout: float = field(default=0.0, metadata=_help("LoRA dropout (paper: 0)"))
    lora_target_modules: list[str] = field(
        default_factory=lambda: list(LLAMA_PROJECTIONS),
        metadata=_help("modules that get LoRA adapters (paper: q/k/v/o/gate/up/down)"),
    )
    load_in_4bit: bool = field(default=True, metadata=_help("4-bit base via bitsandbytes (CUDA only; paper: yes)"))
    gradient_checkpointing: bool = field(default=True, metadata=_help("paper: yes"))
    learning_rate: float = field(default=2e-4, metadata=_help("paper: 2e-4"))
    lr_scheduler_type: str = field(default="linear", metadata=_help("schedule after warm-up"))
    max_steps: int = field(default=360, metadata=_help("paper: 360"))
    warmup_steps: int = field(default=5, metadata=_help("paper: 5"))
    per_device_train_batch_size: int = field(default=1, metadata=_help("paper: 1"))
    gradient_accumulation_steps: int = field(default=4, metadata=_help("paper: 4"))
    optim: str = field(default="adamw_8bit", metadata=_help("optimiser on CUDA with bitsandbytes (paper: adamw_8bit)"))
    cpu_optim: str = field(default="adamw_torch", metadata=_help("optimiser where adamw_8bit cannot run"))
    seed: int = field(default=0, metadata=_help("seed for LoRA init and data order"))
    merge: bool = field(default=True, metadata=_help("merge the adapter into a full-precision base and save it"))

    def __post_init__(self) -> None:
        for name in (
            "lora_r",
            "lora_alpha",
            "max_length",
            "max_steps",
            "per_device_train_batch_size",
            "gradient_accumulation_steps",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.warmup_steps < 0 or self.learning_rate <= 0:
            raise ValueError("warmup_steps must be >= 0 and learning_rate positive")
        if self.dedupe not in ("level0", "frame", "none"):
            raise ValueError(f"dedupe {self.dedupe!r}: choose level0, frame or none")
        if not 0.0 <= self.lora_dropout < 1.0:
            raise ValueError("lora_dropout must be in [0, 1)")
        if self.max_rows is not None and self.max_rows < 1:
            raise ValueError("max_rows must be at least 1")
