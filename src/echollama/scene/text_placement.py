"""Where a line of text read in the image sits: its grid cell, its spoken direction, and the detected object it is
written on (whose distance it then shares). Pure code; `language/text_phrases.py` words it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from echollama.scene.grid import grid_cell
from echollama.types import Box, Detection, TextRegion

_INSIDE = 0.9  # share of the text's box that must lie in an object's box for the text to be "on" it
# Furniture and plants seen behind text are not what it is written on: a sign in front of a table box is a sign
# (the coffee photo's table box spans the whole picture; a wall sign over opencv-doc's bench read "The bench's label").
_NOT_HOLDERS = frozenset({"dining table", "bed", "couch", "chair", "bench", "potted plant", "toilet", "sink"})


def horizontal_direction(box: Box, image_width: int) -> str:
    """'on your left', 'ahead', 'on your right' by thirds of the image (swap in finer wording freely)."""
    x = (box[0] + box[2]) / 2.0
    if x < image_width / 3.0:
        return "on your left"
    if x > 2.0 * image_width / 3.0:
        return "on your right"
    return "ahead"


def holder(box: Box, detections: Sequence[Detection]) -> Detection | None:
    """The smallest detected object whose box holds (nearly all of) the text's box, furniture aside."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    holding = []
    for detection in detections:
        if detection.label in _NOT_HOLDERS:
            continue
        dx1, dy1, dx2, dy2 = detection.box
        overlap_w = min(box[2], dx2) - max(box[0], dx1)
        overlap_h = min(box[3], dy2) - max(box[1], dy1)
        if overlap_w > 0 and overlap_h > 0 and overlap_w * overlap_h >= _INSIDE * area:
            holding.append(detection)
    return min(holding, key=lambda d: d.width * d.height, default=None)


def place_text(region: TextRegion, detections: Sequence[Detection], width: int, height: int) -> TextRegion:
    x, y = region.center
    on = holder(region.box, detections)
    return replace(
        region,
        cell=grid_cell(x, y, width, height),
        direction=horizontal_direction(region.box, width),
        on_object=on.label if on is not None else None,
        distance_m=on.distance_m if on is not None else None,
    )
