"""SNAC decoding frame by frame: audio for each frame as soon as the frames around it have arrived.

SNAC's decoder is convolutional, so a frame decoded alone clicks at its edges. Each frame is decoded inside a window
with one frame of left context and two of right context, and only its own samples are kept; `flush` finishes the tail.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Streaming decode: each window of frames is decoded with one frame of left context and two of right context, and
# only the frame(s) in between are kept (public Orpheus code decodes 4-frame windows and keeps the second frame).
SNAC_LEFT_CONTEXT_FRAMES = 1

SNAC_RIGHT_CONTEXT_FRAMES = 2

Frame = tuple[np.ndarray, np.ndarray, np.ndarray]  # level 0, 1, 2 codes of one frame: 1, 2 and 4 of them


class SnacStreamDecoder:
    def __init__(
        self, snac, device: str = "cpu", left: int = SNAC_LEFT_CONTEXT_FRAMES, right: int = SNAC_RIGHT_CONTEXT_FRAMES
    ) -> None:
        self._snac = snac
        self._device = device
        self._left = left
        self._right = right
        self._frames: list[Frame] = []
        self._emitted = 0  # frames whose audio has been returned
        # One level-0 code spans vq_strides[0] steps of hop_length samples: 4 x 512 = 2048 at 24 kHz.
        self.samples_per_frame = int(np.prod(snac.encoder_rates)) * int(snac.vq_strides[0])

    def push(self, frame: Frame) -> np.ndarray | None:
        """Add one frame; returns the audio of the frame `right` places back, once its right context exists."""
        self._frames.append(frame)
        target = len(self._frames) - 1 - self._right
        if target < self._emitted:
            return None
        return self._decode_from(target, len(self._frames))

    def flush(self) -> np.ndarray | None:
        """Audio of the frames still held back for right context (the last `right` frames)."""
        if self._emitted >= len(self._frames):
            return None
        return self._decode_from(self._emitted, len(self._frames), through_end=True)

    def _decode_from(self, target: int, end: int, through_end: bool = False) -> np.ndarray:
        start = max(0, target - self._left)
        audio = decode_frames(self._snac, self._frames[start:end], self._device)
        stop = end if through_end else target + 1
        first = (target - start) * self.samples_per_frame
        self._emitted = stop
        return audio[first : (stop - start) * self.samples_per_frame]


def decode_frames(snac, frames: Sequence[Frame], device: str = "cpu") -> np.ndarray:
    """Decode whole frames with SNAC in one pass; float32 mono samples (len(frames) x samples per frame)."""
    import torch

    codes = [
        torch.from_numpy(np.concatenate([frame[level] for frame in frames]).astype(np.int64))[None].to(device)
        for level in range(3)
    ]
    with torch.inference_mode():
        audio = snac.decode(codes)
    return audio.reshape(-1).float().cpu().numpy().astype(np.float32)
