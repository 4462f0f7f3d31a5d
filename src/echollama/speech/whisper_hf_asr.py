"""Paper-profile speech recognition: Whisper through transformers' automatic-speech-recognition pipeline.

Takes 16 kHz mono audio (an `AudioClip`, or bare samples) and returns a `Transcript`, like the embedded recognisers.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from echollama.errors import InputError, ModelError, missing_extra
from echollama.models.hub import PAPER_ASR_MODEL, local_model_dir
from echollama.models.torch_device import PRETRAINED_LOAD_LOCK, Placement, choose_placement, import_torch
from echollama.speech.audio_in import ASR_SAMPLE_RATE
from echollama.speech.protocols import AudioClip, Transcript


class WhisperHfRecognizer:
    def __init__(
        self, model: str | Path = PAPER_ASR_MODEL, placement: Placement | None = None, max_new_tokens: int = 128
    ) -> None:
        self.name = f"whisper-hf:{Path(str(model)).name}"
        self._model_ref = model
        self._placement = placement
        self._max_new_tokens = max_new_tokens
        self._pipe: Any = None  # a transformers pipeline, loaded on first use
        self._lock = threading.Lock()

    def load(self):
        with self._lock:
            if self._pipe is None:
                import_torch()
                try:
                    from transformers import pipeline
                except ImportError:
                    raise missing_extra("transformers", "paper") from None
                folder = local_model_dir(self._model_ref)
                placement = self._placement or choose_placement()
                try:
                    with PRETRAINED_LOAD_LOCK:
                        self._pipe = pipeline(
                            "automatic-speech-recognition",
                            model=str(folder),
                            device=placement.device,
                            dtype=placement.dtype,
                        )
                except (OSError, ValueError) as error:
                    raise ModelError(f"transformers could not load Whisper from {folder}: {error}") from None
        return self._pipe

    def transcribe(self, audio: AudioClip | np.ndarray) -> Transcript:
        if not isinstance(audio, AudioClip):
            audio = AudioClip(np.asarray(audio, dtype=np.float32).reshape(-1), ASR_SAMPLE_RATE)
        if audio.sample_rate != ASR_SAMPLE_RATE:
            raise InputError(f"{audio.source}: Whisper needs {ASR_SAMPLE_RATE} Hz audio, got {audio.sample_rate} Hz")
        pipe = self.load()
        start = time.perf_counter()
        with self._lock:
            result = pipe(
                {"raw": audio.samples, "sampling_rate": audio.sample_rate},
                generate_kwargs={"max_new_tokens": self._max_new_tokens},
            )
        text = " ".join(str(result["text"]).split())
        if not text:
            raise InputError(f"{audio.source}: no words were recognised in the recording")
        return Transcript(text=text, backend=self.name, audio_s=audio.seconds, transcribe_s=time.perf_counter() - start)
