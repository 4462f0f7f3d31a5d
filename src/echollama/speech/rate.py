"""Speech rate: how much faster (or slower) than the voice's own pace an answer is spoken.

Screen-reader users listen at 1.5-3x; one number from 0.5 to 3.0 says it everywhere (CLI `--rate`, the config file,
the HTTP API's `rate` field, the page's control). Each voice applies it its own way: Piper changes its synthesis rate
(VITS's length scale: same pitch, fewer samples); Orpheus cannot, so its audio is resampled (faster and higher).
"""

from __future__ import annotations

import math

MIN_RATE = 0.5
MAX_RATE = 3.0
DEFAULT_RATE = 1.0


def check_rate(rate: object, name: str = "the speech rate") -> float:
    """`rate` as a float in [MIN_RATE, MAX_RATE]; ValueError with one clear sentence otherwise."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate):
        raise ValueError(f"{name} must be a number from {MIN_RATE} to {MAX_RATE} (1.0 is the voice's own pace)")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"{name} must be from {MIN_RATE} to {MAX_RATE} (1.0 is the voice's own pace), not {rate:g}")
    return float(rate)
