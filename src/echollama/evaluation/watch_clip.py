"""A video made from real bundled photos, with changes at known moments: what `watch` must announce, and when.

The background is the hand-labelled giraffe-and-zebra photo; the walker is the person cut from the hand-labelled
field photo (box 190,100-275,375 in labels.json). The person walks in from the right edge, stands, comes towards the
camera (the cut-out grows from 200 to 450 pixels tall: about 4.7 m to 2.1 m for a 1.7 m person at the default 60°
field of view), stands, and walks out to the right. The giraffe and the zebra never change: they are said once, in
the opening overview, and never again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

PHOTOS = Path(__file__).parent / "photos"
FPS = 10
SIZE = (640, 480)
WALKER_BOX = (190, 100, 275, 375)  # the person in field_dog_person_horse.jpg (labels.json)
RIGHT_MARGIN = 20  # pixels between the standing walker and the right edge


@dataclass(frozen=True)
class Change:
    kind: str  # "appeared", "approaching" or "left"
    label: str
    side: str  # the horizontal third: "left", "centre" or "right"
    at_s: float  # when it happens in the clip


# While the walker is in the clip: (start s, end s, walker height px at start, at end, gap between the walker's right
# edge and the frame's right side at start, at end; a negative gap is outside the frame). Only the background before
# 2.0 s and after 7.6 s.
_SCRIPT = [
    (2.0, 3.0, 200, 200, -70, RIGHT_MARGIN),  # walks in from the right edge
    (3.0, 5.0, 200, 200, RIGHT_MARGIN, RIGHT_MARGIN),
    (5.0, 6.0, 200, 450, RIGHT_MARGIN, RIGHT_MARGIN),  # comes closer: 4.7 m to 2.1 m in one second
    (6.0, 7.0, 450, 450, RIGHT_MARGIN, RIGHT_MARGIN),
    (7.0, 7.6, 450, 450, RIGHT_MARGIN, -160),  # walks out to the right
]
DURATION_S = 11.0
# What happens, by hand from the script above: the moment the walker is first whole in view, starts coming closer,
# and is last seen.
CHANGES = (
    Change("appeared", "person", "right", 2.6),
    Change("approaching", "person", "right", 5.0),
    Change("left", "person", "right", 7.5),
)
STILL = ("giraffe", "zebra")  # in view all along: said once at the start, never again


def _walker() -> np.ndarray:
    x1, y1, x2, y2 = WALKER_BOX
    return np.asarray(Image.open(PHOTOS / "field_dog_person_horse.jpg").convert("RGB"))[y1:y2, x1:x2]


def frame_at(t: float, background: np.ndarray, walker: np.ndarray) -> np.ndarray:
    frame = background.copy()
    for start, end, h0, h1, r0, r1 in _SCRIPT:
        if not start <= t < end:
            continue
        share = (t - start) / (end - start)
        height = round(h0 + (h1 - h0) * share)
        right = SIZE[0] - round(r0 + (r1 - r0) * share)
        width = round(walker.shape[1] * height / walker.shape[0])
        cut = np.asarray(Image.fromarray(walker).resize((width, height), Image.Resampling.BILINEAR))
        left = right - width
        shown = slice(max(0, left), min(SIZE[0], right))
        if shown.stop > shown.start:
            frame[SIZE[1] - height :, shown] = cut[:, shown.start - left : shown.stop - left]
    return frame


def write_clip(path: str | Path, loops: int = 1) -> Path:
    """Write the clip (MJPG in AVI, 10 frames a second) to `path`, `loops` times over."""
    background = np.asarray(Image.open(PHOTOS / "giraffe_zebra.jpg").convert("RGB").resize(SIZE))
    walker = _walker()
    frames = [frame_at(i / FPS, background, walker) for i in range(round(DURATION_S * FPS))]
    return write_video(path, frames * loops, FPS)


def write_video(path: str | Path, frames: list[np.ndarray], fps: float) -> Path:
    """RGB frames (all one size) as an MJPG AVI that OpenCV, and so `watch`, reads back."""
    import cv2

    path = Path(path)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    try:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame[:, :, ::-1]))
    finally:
        writer.release()
    return path
