"""A video for find mode made from one real photo by a camera move: the dog enters from the left, comes within reach
(the camera zooms in on it), then leaves to the left; where the dog really is in each frame is known.

The photo is the hand-labelled field photo (labels.json: the dog at 65,263-205,345 in 640x424). The camera is a 4:3
window over it, scaled to 640x480: starting right of the dog (not in view), it pans left so the dog enters at the
left edge, zooms in until the dog fills the picture (about 0.7 m away for a dog at the default 60° field of view),
holds, and pans right so the dog leaves at the left edge.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from echollama.evaluation.watch_clip import PHOTOS, write_video

FPS = 10
SIZE = (640, 480)
DOG_BOX = (65, 263, 205, 345)  # in field_dog_person_horse.jpg (labels.json)
# (start s, end s, window left at start, at end, window height at start, at end); the window's top keeps the dog's
# middle row in the middle of the picture where the photo allows.
_MOVE = [
    (0.0, 0.5, 240, 240, 300, 300),  # the dog is left of the picture
    (0.5, 2.5, 240, 0, 300, 300),  # pans left: the dog enters at the left edge
    (2.5, 4.5, 0, 66, 300, 104),  # zooms in on the dog: it comes within reach
    (4.5, 5.5, 66, 66, 104, 104),
    (5.5, 7.0, 66, 215, 104, 104),  # pans right: the dog leaves at the left edge
    (7.0, 9.0, 215, 215, 104, 104),
]
DURATION_S = 9.0
ENTERS_S, WITHIN_REACH_S, LEAVES_S = 1.0, 4.0, 6.9  # by hand from the move: half in view, zoomed in, last pixels


def _window(t: float) -> tuple[float, float, float]:
    """The window's left, top and height (photo pixels) at `t`."""
    for start, end, l0, l1, h0, h1 in _MOVE:
        if start <= t < end or (t >= end and end == DURATION_S):
            share = min(1.0, (t - start) / (end - start))
            left, height = l0 + (l1 - l0) * share, h0 + (h1 - h0) * share
            middle = (DOG_BOX[1] + DOG_BOX[3]) / 2
            top = min(max(0.0, middle - height / 2), 424 - height)
            return left, top, height
    raise ValueError(f"{t} s is not in the clip")


def dog_box_at(t: float) -> tuple[float, float, float, float] | None:
    """The part of the dog in view at `t`, in the picture's pixels (None: out of view)."""
    left, top, height = _window(t)
    scale = SIZE[1] / height
    x1, y1, x2, y2 = ((DOG_BOX[0] - left) * scale, (DOG_BOX[1] - top) * scale,
                      (DOG_BOX[2] - left) * scale, (DOG_BOX[3] - top) * scale)  # fmt: skip
    x1, x2 = max(0.0, x1), min(float(SIZE[0]), x2)
    return (x1, max(0.0, y1), x2, min(float(SIZE[1]), y2)) if x2 - x1 > 1 else None


def frame_at(t: float, photo: Image.Image) -> np.ndarray:
    left, top, height = _window(t)
    width = height * SIZE[0] / SIZE[1]
    return np.asarray(photo.resize(SIZE, Image.Resampling.BILINEAR, box=(left, top, left + width, top + height)))


def clip_frames(every: int = 1) -> list[tuple[float, np.ndarray]]:
    """(time, RGB frame) for every `every`th frame of the clip."""
    photo = Image.open(PHOTOS / "field_dog_person_horse.jpg").convert("RGB")
    return [(i / FPS, frame_at(i / FPS, photo)) for i in range(0, round(DURATION_S * FPS), every)]


def write_find_clip(path: str | Path) -> Path:
    """Write the clip (MJPG in AVI, 10 frames a second) to `path`."""
    return write_video(path, [frame for _, frame in clip_frames()], FPS)
