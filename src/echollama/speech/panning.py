"""Constant-power stereo panning by azimuth: a sentence about an object is heard from the object's direction.

The pan position is sin(azimuth), -1 full left to 1 full right, and the gains are cos and sin of (pan + 1) * pi / 4,
so left^2 + right^2 = 1: a sentence is equally loud wherever it comes from. It is the law of Web Audio's
StereoPannerNode for a mono source, so the page, given the same pan value, places a sentence where the WAV does.
"""

from __future__ import annotations

import math

import numpy as np


def pan_for(azimuth_deg: float | None) -> float:
    """-1 (full left) to 1 (full right); 0 (centre) when there is no one direction."""
    if azimuth_deg is None:
        return 0.0
    return math.sin(math.radians(max(-90.0, min(90.0, azimuth_deg))))


def pan_field(azimuth_deg: float | None) -> float:
    """The pan as sent to the page and written in JSON: 3 decimals, never -0.0."""
    return round(pan_for(azimuth_deg), 3) + 0.0


def gains(pan: float) -> tuple[float, float]:
    """Left and right gains for a pan position, at constant power."""
    angle = (max(-1.0, min(1.0, pan)) + 1.0) * math.pi / 4.0
    return math.cos(angle), math.sin(angle)


def stereo(samples: np.ndarray, azimuth_deg: float | None) -> np.ndarray:
    """Mono float32 samples as (n, 2) left/right frames heard from `azimuth_deg`."""
    left, right = gains(pan_for(azimuth_deg))
    mono = np.asarray(samples, dtype=np.float32).reshape(-1, 1)
    return mono * np.array([left, right], dtype=np.float32)
