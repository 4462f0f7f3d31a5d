"""Finished answers as WAV bytes, addressed by unguessable random ids; kept in memory for a while, then dropped.

An id is only ever a dictionary key (checked against a strict pattern first), so no URL can reach the filesystem.
"""

from __future__ import annotations

import io
import re
import secrets
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

AUDIO_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")  # secrets.token_urlsafe(16): 128 random bits


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """16-bit PCM mono WAV, encoded in memory."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(
        buffer, np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0), sample_rate, subtype="PCM_16", format="WAV"
    )
    return buffer.getvalue()


class AudioStore:
    def __init__(self, ttl_s: float, max_bytes: int, folder: Path | None = None) -> None:
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes
        self.folder = folder
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()  # oldest first
        self._bytes = 0
        self._lock = threading.Lock()

    def put(self, data: bytes) -> str:
        audio_id = secrets.token_urlsafe(16)
        with self._lock:
            self._items[audio_id] = (time.monotonic(), data)
            self._bytes += len(data)
            self._evict()
        if self.folder is not None:  # only when the operator asked for a copy on disk
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{audio_id}.wav").write_bytes(data)
        return audio_id

    def get(self, audio_id: str) -> bytes | None:
        if not AUDIO_ID.fullmatch(audio_id):
            return None
        with self._lock:
            self._evict()
            item = self._items.get(audio_id)
        return item[1] if item else None

    def expire(self) -> None:
        with self._lock:
            self._evict()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def _evict(self) -> None:
        deadline = time.monotonic() - self.ttl_s
        while self._items:
            audio_id, (created, data) = next(iter(self._items.items()))
            if created >= deadline and self._bytes <= self.max_bytes:
                break
            del self._items[audio_id]
            self._bytes -= len(data)


def pcm16(samples: np.ndarray) -> bytes:
    """Little-endian 16-bit PCM: what the page turns back into Web Audio buffers."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
