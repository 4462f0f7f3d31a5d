"""Real spoken test audio, made with our own Piper voice (no recordings are checked in): helpers for the speech tests."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import soundfile
import soxr

from echollama.speech.piper_tts import PiperSynthesizer


@functools.cache
def voice() -> PiperSynthesizer:
    return PiperSynthesizer(deterministic=True)


@functools.cache
def spoken(text: str, pad_s: float = 0.5) -> tuple[np.ndarray, int]:
    """Piper's float32 speech for `text` with `pad_s` of silence on each side, at the voice's 22.05 kHz."""
    tts = voice()
    pad = np.zeros(int(pad_s * tts.sample_rate), dtype=np.float32)
    return np.concatenate([pad, *tts.synthesize(text), pad]), tts.sample_rate


def write_spoken(
    path: Path,
    text: str = "Where is the cat?",
    rate: int | None = None,
    channels: int = 1,
    pad_s: float = 0.5,
    **soundfile_options,
) -> Path:
    """`text` spoken into `path` at `rate` with `channels` (the format follows the suffix, as soundfile decides)."""
    samples, native = spoken(text, pad_s)
    if rate is not None and rate != native:
        samples = soxr.resample(samples, native, rate).astype(np.float32)
    data = np.stack([samples * (0.9 - 0.3 * c) for c in range(channels)], axis=1) if channels > 1 else samples
    soundfile.write(path, data, rate or native, **soundfile_options)
    return path


def write_webm(path: Path, text: str = "Where is the cat?") -> Path:
    """`text` as Opus in a WebM container (what browsers record), encoded with PyAV."""
    import av

    samples, native = spoken(text)
    samples = soxr.resample(samples, native, 48000).astype(np.float32)
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48000, layout="mono")
        frame_size = 960
        for start in range(0, samples.size, frame_size):
            chunk = samples[start : start + frame_size]
            if chunk.size < frame_size:
                chunk = np.pad(chunk, (0, frame_size - chunk.size))
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="flt", layout="mono")
            frame.rate = 48000
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def write_noise(path: Path, seconds: float = 2.0, level: float = 0.1, rate: int = 16000) -> Path:
    rng = np.random.default_rng(0)
    soundfile.write(path, rng.normal(0.0, level, int(seconds * rate)).astype(np.float32), rate)
    return path


def write_silence(path: Path, seconds: float = 2.0, rate: int = 16000) -> Path:
    soundfile.write(path, np.zeros(int(seconds * rate), dtype=np.float32), rate)
    return path
