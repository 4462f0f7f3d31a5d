"""Find mode's sound: short sine tones synthesised with numpy, panned like `--spatial` speech, on the session clock.

One tone stream: `TonePlayer` holds the one tone sounding now (live/find.py says which) and writes its beeps into the
watch timeline up to the clock. A beep due while speech is playing is skipped, not queued: a phrase is never
talked over, and beeps never pile up behind it.
"""

from __future__ import annotations

import threading

import numpy as np

from echollama.live.find import Tone
from echollama.speech.panning import stereo

BEEP_S = 0.07  # short enough to hear the repeat rate at its fastest (0.15 s)
FADE_S = 0.01  # raised-cosine edges: no click at the start or end
LEVEL = 0.3


def beep(pitch_hz: float, sample_rate: int, duration_s: float = BEEP_S) -> np.ndarray:
    """Mono float32 samples of one sine tone with faded edges."""
    count = int(duration_s * sample_rate)
    t = np.arange(count, dtype=np.float32) / sample_rate
    wave = np.sin(2 * np.pi * pitch_hz * t).astype(np.float32) * LEVEL
    fade = min(int(FADE_S * sample_rate), count // 2)
    edge = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, fade, dtype=np.float32))).astype(np.float32)
    wave[:fade] *= edge
    wave[count - fade :] *= edge[::-1]
    return wave


class TonePlayer:
    """The tone now (or none) and when its next beep is due; `play(now, sink)` writes the beeps due by `now`."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.tone: Tone | None = None
        self.next_s: float | None = None
        self.beeps = 0
        self._lock = threading.Lock()  # set from the frame loop, played from the speaker's thread

    def set(self, tone: Tone | None) -> None:
        with self._lock:
            if tone is None:
                self.tone, self.next_s = None, None
                return
            if self.next_s is None:
                self.next_s = tone.at_s  # starts at once
            else:  # nearer now: the faster repeat applies from the next beep, not after the old interval
                self.next_s = min(self.next_s, tone.at_s + tone.interval_s)
            self.tone = tone

    def play(self, now: float, sink) -> None:
        """Write each beep due by `now` into `sink` (a TimelineSink taking (n, 2) frames) at its moment, or skip it
        when the sink is already past that moment (speech is playing)."""
        while True:
            with self._lock:
                tone, due = self.tone, self.next_s
                if tone is None or due is None or due > now:
                    return
                self.next_s = due + tone.interval_s
            if sink.position_s <= due:
                sink.at(due)
                sink(stereo(beep(tone.pitch_hz, self.sample_rate), _azimuth(tone.pan)))
                self.beeps += 1


def _azimuth(pan: float) -> float:
    """The azimuth whose pan is `pan` (panning.stereo takes azimuths)."""
    return float(np.degrees(np.arcsin(max(-1.0, min(1.0, pan)))))
