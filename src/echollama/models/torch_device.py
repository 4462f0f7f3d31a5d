"""Where the paper profile's torch models run: CUDA in bf16 (fp16 on GPUs without bf16), else MPS, else CPU fp32.

Every paper backend asks here once, at load time, so one machine gets one consistent placement.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from echollama.errors import missing_extra

# transformers' from_pretrained is not thread-safe: two models built at once (the paper profile loads its LLM, voice
# and perception in parallel threads) can leave weights on the meta device ("Cannot copy out of meta tensor").
# Every paper backend builds its models under this lock; the models then run concurrently as before.
PRETRAINED_LOAD_LOCK = threading.RLock()


@dataclass(frozen=True)
class Placement:
    device: str  # "cuda", "mps" or "cpu"
    dtype: Any  # a torch.dtype

    def __str__(self) -> str:
        return f"{self.device}/{str(self.dtype).removeprefix('torch.')}"


def import_torch():
    """torch, or the error that names the `paper` extra."""
    try:
        import torch
    except ImportError:
        raise missing_extra("torch", "paper") from None
    return torch


def choose_placement(prefer: str | None = None) -> Placement:
    """The best device here; ECHOLLAMA_DEVICE (cuda, mps, cpu) overrides the automatic choice."""
    torch = import_torch()
    wanted = prefer or os.environ.get("ECHOLLAMA_DEVICE") or ""
    if wanted in ("", "cuda") and torch.cuda.is_available():
        # T4-class GPUs have no bf16 units: fp16 keeps them fast (the paper's own runs used 2x T4).
        return Placement("cuda", torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
    mps = getattr(torch.backends, "mps", None)
    if wanted in ("", "mps") and mps is not None and mps.is_available():
        return Placement("mps", torch.float16)
    # CPU kernels for half precision are slow or missing: fp32.
    return Placement("cpu", torch.float32)


def load_pretrained_pair(
    what: str, model_ref, processor_class: str, model_class: str, placement: Placement | None = None
):
    """(torch, processor, model, placement): a transformers processor/tokenizer and model from a local folder,
    the model moved to the chosen device in eval mode; one-line ModelErrors for a missing extra or a bad folder."""
    from echollama.errors import ModelError
    from echollama.models.hub import local_model_dir

    torch = import_torch()
    try:
        import transformers

        processor_type, model_type = getattr(transformers, processor_class), getattr(transformers, model_class)
    except (ImportError, AttributeError):
        raise missing_extra("transformers", "paper") from None
    folder = local_model_dir(model_ref)
    placement = placement or choose_placement()
    try:
        with PRETRAINED_LOAD_LOCK:
            processor = processor_type.from_pretrained(folder)
            model = model_type.from_pretrained(folder, dtype=placement.dtype)
            model.to(placement.device).eval()
    except (OSError, ValueError) as error:
        raise ModelError(f"{what} could not load {folder}: {error}") from None
    return torch, processor, model, placement
