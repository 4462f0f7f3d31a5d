"""Paper captioner: Moondream2 (`vikhyatk/moondream2`, pinned revision) through its own remote code.

Revisions from 2025 on expose `model.caption(image, length=...)["caption"]`; the paper's 2024 revision exposes
`model.encode_image(image)` and `model.answer_question(encoded, question, tokenizer)`. Both documented interfaces work.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from echollama.errors import ModelError, missing_extra
from echollama.models.hub import local_model_dir
from echollama.models.torch_device import PRETRAINED_LOAD_LOCK, Placement, choose_placement, import_torch
from echollama.paper import PAPER_CAPTION_MODEL
from echollama.scene.image import LoadedImage
from echollama.types import Detection

PAPER_CAPTION_QUESTION = "Describe this image."  # older revisions have no caption(); they answer this question


class MoondreamCaptioner:
    def __init__(
        self, model: str | Path = PAPER_CAPTION_MODEL, placement: Placement | None = None, loaded=None, tokenizer=None
    ) -> None:
        """`loaded` (with `tokenizer` for old revisions) is an already built model object with the documented interface."""
        self.name = f"moondream:{Path(str(model)).name}"
        self._model_ref = model
        self._placement = placement
        self._model = loaded
        self._tokenizer = tokenizer
        self._lock = threading.Lock()

    def load(self):
        with self._lock:
            if self._model is None:
                import_torch()
                try:
                    from transformers import AutoModelForCausalLM, AutoTokenizer
                except ImportError:
                    raise missing_extra("transformers", "paper") from None
                folder = local_model_dir(self._model_ref)
                placement = self._placement or choose_placement()
                try:
                    # trust_remote_code runs the pinned revision's own Python files, downloaded by `models pull`.
                    with PRETRAINED_LOAD_LOCK:
                        model: Any = AutoModelForCausalLM.from_pretrained(
                            folder, trust_remote_code=True, dtype=placement.dtype
                        )
                        model.to(placement.device).eval()
                    if not hasattr(model, "caption"):
                        self._tokenizer = AutoTokenizer.from_pretrained(folder)
                except Exception as error:  # the checkpoint's own Python code can fail in any way
                    raise ModelError(
                        f"Moondream2's code at {folder} could not load ({type(error).__name__}: {error}); "
                        "a revision written for an older transformers may need a newer pinned revision "
                        "(PAPER_CAPTION_REVISION in echollama/config.py)"
                    ) from None
                self._model = model
        return self._model

    def caption(self, image: LoadedImage, detections: Sequence[Detection]) -> str:
        from PIL import Image

        model = self.load()
        picture = Image.fromarray(image.rgb)
        with self._lock:  # the remote code keeps per-call state in the model; one caption at a time
            if hasattr(model, "caption"):
                text = model.caption(picture, length="normal")["caption"]
            elif hasattr(model, "encode_image") and hasattr(model, "answer_question"):
                text = model.answer_question(model.encode_image(picture), PAPER_CAPTION_QUESTION, self._tokenizer)
            else:
                raise ModelError(
                    f"{self._model_ref} has neither caption() nor encode_image()/answer_question(); "
                    "pin a Moondream2 revision that does"
                )
        if not isinstance(text, str):  # caption(..., stream=True) would give a generator; we ask for the whole text
            text = "".join(text)
        return " ".join(text.split())
