"""The speech roles: SpeechSynthesizer (text in, float32 chunks out) and SpeechRecognizer (audio in, Transcript out).

Also the two values that cross the speech-in boundary: `AudioClip` (16 kHz mono samples) and `Transcript`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np


class SpeechSynthesizer(Protocol):
    name: str

    @property
    def sample_rate(self) -> int: ...

    def synthesize(self, text: str, rate: float = 1.0) -> Iterator[np.ndarray]:
        """Yield float32 samples in [-1, 1], one chunk per sentence or so, as soon as each is ready; `rate` (0.5-3.0,
        speech/rate.py) speaks that much faster than the voice's own pace."""
        ...


@dataclass(frozen=True)
class AudioClip:
    """Mono float32 samples in [-1, 1] at `sample_rate`, and where they came from."""

    samples: np.ndarray
    sample_rate: int
    source: str = "<audio>"
    original_rate: int = 0  # the file's own rate and channel count, before downmix and resampling
    original_channels: int = 1
    trimmed_s: float = 0.0  # silence removed from the ends by voice-activity trimming

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise ValueError("sample rate must be positive")
        if self.samples.ndim != 1 or self.samples.dtype != np.float32:
            raise ValueError("an AudioClip holds one channel of float32 samples")

    @property
    def seconds(self) -> float:
        return self.samples.size / self.sample_rate


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard, how long the audio was and how long recognition took."""

    text: str
    backend: str
    audio_s: float
    transcribe_s: float
    language: str = "en"

    @property
    def real_time_factor(self) -> float:
        return self.transcribe_s / self.audio_s if self.audio_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "backend": self.backend,
            "audio_s": self.audio_s,
            "transcribe_s": self.transcribe_s,
            "real_time_factor": self.real_time_factor,
            "language": self.language,
        }


class SpeechRecognizer(Protocol):
    name: str

    def transcribe(self, audio: AudioClip) -> Transcript:
        """Transcribe 16 kHz mono speech (already trimmed); raise InputError when no words are recognised."""
        ...
