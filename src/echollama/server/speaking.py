"""Speaking an answer into memory while it is generated: text pieces and audio chunks go out as they are made.

The same sentence streaming as the CLI (`speak_stream`); the sink keeps the samples for the WAV and hands each chunk
to the caller (the WebSocket). A cancel event stops generation between two pieces.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from echollama.speech.streaming import speak_stream


class Cancelled(Exception):
    pass


@dataclass
class Spoken:
    text: str
    samples: np.ndarray
    sample_rate: int
    first_text_s: float | None  # seconds from the caller's start to the first text piece / the first audio
    first_audio_s: float | None
    synthesis_s: float

    @property
    def audio_s(self) -> float:
        return self.samples.size / self.sample_rate


def pcm16(samples: np.ndarray) -> bytes:
    """Little-endian 16-bit PCM: what the page turns back into Web Audio buffers."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def speak_to_memory(pieces: Iterable[str], tts, cancel: threading.Event,
                    on_text: Callable[[str], None] | None = None,
                    on_audio: Callable[[np.ndarray], None] | None = None, start: float | None = None) -> Spoken:
    """Speak `pieces` sentence by sentence; first_text_s/first_audio_s count from `start` (perf_counter; now)."""
    start = time.perf_counter() if start is None else start
    chunks: list[np.ndarray] = []
    first_text: list[float] = []

    def sink(samples: np.ndarray) -> None:
        chunks.append(samples)
        if on_audio is not None and samples.size:
            on_audio(samples)

    def text(piece: str) -> None:
        if not first_text:
            first_text.append(time.perf_counter() - start)
        if on_text is not None:
            on_text(piece)

    result = speak_stream(_until_cancelled(pieces, cancel), tts, sink, text)
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, dtype=np.float32)
    return Spoken(text=result.text.strip(), samples=samples, sample_rate=tts.sample_rate,
                  first_text_s=first_text[0] if first_text else None,
                  first_audio_s=(result.first_audio_at - start) if result.first_audio_at else None,
                  synthesis_s=result.synthesis_s)


def _until_cancelled(pieces: Iterable[str], cancel: threading.Event) -> Iterator[str]:
    iterator = iter(pieces)
    try:
        for piece in iterator:
            if cancel.is_set():
                raise Cancelled("stopped: the request timed out or the client left")
            yield piece
    finally:
        # Closing the LLM's generator now releases its model lock now, not whenever it is garbage-collected.
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
