"""The SpeechSynthesizer role: text in, float32 mono audio chunks out at the backend's own sample rate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np


class SpeechSynthesizer(Protocol):
    name: str
    sample_rate: int

    def synthesize(self, text: str) -> Iterator[np.ndarray]:
        """Yield float32 samples in [-1, 1], one chunk per sentence or so, as soon as each is ready."""
        ...
