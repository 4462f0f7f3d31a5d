"""The colour of a thing whose box holds something else: a bowl's rim and wall, not the food in it; a table's top
between the things on it, not the plates and people; a cup's wall below its drink.

A bowl seen from eye height is a round opening that fills its box: its rim and outer wall run along the box's edge,
its contents sit in the middle. So its pixels are the object's own (GrabCut, as for every object) in the ring between
the ellipse inscribed in the box and one `RIM_INNER` of its size. A table's box holds what stands on it and the
people around it: its pixels are its box's less every other detection's box, and it gets a colour only when enough of
them are left. All are named with the same rule as every other object (object_colour.container_colour).

Measured on the labelled photos (colour_labels.json): the three sure bowls the detector finds and can colour (size
over ColourRule.min_pixels), all labelled white, measure white on the ring and nothing or brown (their food) on the
whole object; the one sure table (a brown woven tray) measures brown (54 %) on the fifth of its box left. On the labels'
own boxes a glass table, seen through, measured brown: a known wrong colour (no detector found that table).
A cup seen from above shows its drink in the upper part of its box and its wall below: the wall's colour is said when
it is a colour (not black, grey or white) that the drink does not hold, since a cup is often a glass, whose "wall" is
its drink or what is behind it. The labelled espresso cup measures red; the bar photo's three glasses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from echollama.types import Detection

CONTAINER_LABELS = frozenset({"bowl", "dining table", "cup"})
# The inner ellipse of a bowl's rim ring, as a share of the box's inscribed ellipse: at 0.7 the food reached into the
# ring and two of the three labelled bowls measured no clear colour.
RIM_INNER = 0.8
# A table has no tyres or windows: its colour must hold most of its uncovered top, not only outnumber its black, grey
# and white parts (ColourRule.over_achromatic, for vehicles). A patterned tablecloth in the labels' bar photo measured
# brown 44 % over mixed shades.
MAJORITY_ONLY_LABELS = frozenset({"dining table"})
# A cup seen from above: its opening (the drink) in the upper part of its box, its wall in the lowest quarter, both
# away from the handle and the background at the box's sides. Not GrabCut: it took the espresso cup's red wall for
# its red saucer, background.
CUP_WALL_ROWS, CUP_OPENING_ROWS, CUP_MIDDLE = (0.75, 1.0), (0.15, 0.5), (0.25, 0.75)
# A cup is often a glass, whose wall is what is in it or behind it: its colour is said only when chromatic (a glass
# of water reads grey) and when it holds under this share of the opening (a glass of tea reads brown on both). On the
# labels: the espresso cup's red wall is 11 % of its opening; the bar's glasses 60 to 70 % of theirs.
CUP_CONTENTS_MAX_SHARE = 0.25


def _small(crop: np.ndarray, side: int) -> np.ndarray:
    """Averaged down to at most `side` pixels along its long side, as every object's pixels are."""
    scale = side / max(crop.shape[:2])
    if scale >= 1:
        return crop
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA)


def rim_pixels(rgb: np.ndarray, box, side: int, margin: float, iterations: int) -> np.ndarray:
    """The RGB pixels (N x 3) of a bowl's rim and outer wall: GrabCut's object pixels (on a crop of at most `side`
    pixels with `margin` of the box around it, as object_colour.object_pixels) in the ring along its box."""
    height, width = rgb.shape[:2]
    x1, y1, x2, y2 = box
    bw, bh = x2 - x1, y2 - y1
    px1, py1 = max(0, int(x1 - margin * bw)), max(0, int(y1 - margin * bh))
    px2, py2 = min(width, int(x2 + margin * bw) + 1), min(height, int(y2 + margin * bh) + 1)
    crop = _small(rgb[py1:py2, px1:px2], side)
    scale = crop.shape[1] / (px2 - px1)
    rect = (int((x1 - px1) * scale), int((y1 - py1) * scale), max(2, int(bw * scale)), max(2, int(bh * scale)))
    rows, columns = np.mgrid[: crop.shape[0], : crop.shape[1]]
    half_w, half_h = rect[2] / 2, rect[3] / 2
    radius = np.hypot((columns + 0.5 - rect[0] - half_w) / half_w, (rows + 0.5 - rect[1] - half_h) / half_h)
    ring = (radius > RIM_INNER) & (radius <= 1.0)
    mask = np.zeros(crop.shape[:2], np.uint8)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # the same photo gets the same colours
    try:
        cv2.grabCut(np.ascontiguousarray(crop[:, :, ::-1]), mask, rect, background, foreground, iterations,
                    cv2.GC_INIT_WITH_RECT)  # fmt: skip
    except cv2.error:  # a degenerate crop (one colour throughout): the whole ring
        return crop[ring]
    own = ring & ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD))
    return crop[own] if own.sum() >= 0.1 * ring.sum() else crop[ring]


def table_top_pixels(
    rgb: np.ndarray, table: Detection, detections: list[Detection], side: int
) -> tuple[np.ndarray, int]:
    """The RGB pixels (N x 3, on the box's crop averaged down to at most `side`) of the table's box outside every
    other detection's box, and how many pixels at full size that is."""
    x1, y1, x2, y2 = (int(round(v)) for v in table.box)
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(rgb.shape[1], max(x1 + 1, x2)), min(rgb.shape[0], max(y1 + 1, y2))
    uncovered = np.ones((y2 - y1, x2 - x1), np.uint8)
    for other in detections:
        if other is not table:
            ox1, oy1, ox2, oy2 = (int(round(v)) for v in other.box)
            uncovered[max(0, oy1 - y1) : max(0, oy2 - y1), max(0, ox1 - x1) : max(0, ox2 - x1)] = 0
    crop = _small(rgb[y1:y2, x1:x2], side)
    small = cv2.resize(uncovered, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_NEAREST).astype(bool)
    return crop[small], int(uncovered.sum())


def _part(rgb: np.ndarray, box, rows: tuple[float, float], columns: tuple[float, float], side: int) -> np.ndarray:
    """The pixels (N x 3, averaged down to at most `side`) of a part of the box, as shares of its height and width."""
    x1, y1, x2, y2 = box
    top, left = int(y1 + rows[0] * (y2 - y1)), int(x1 + columns[0] * (x2 - x1))
    bottom, right = max(top + 1, int(y1 + rows[1] * (y2 - y1))), max(left + 1, int(x1 + columns[1] * (x2 - x1)))
    return _small(rgb[max(0, top) : bottom, max(0, left) : right], side).reshape(-1, 3)


@dataclass(frozen=True)
class ContainerPixels:
    """A container's own pixels (N x 3), how they were chosen, how many pixels of the photo they stand for (a table's
    top left uncovered, a bowl's or cup's whole box), and for a cup what is in it, to tell a glass from a cup."""

    pixels: np.ndarray
    method: str
    seen: int
    contents: np.ndarray | None = None


def container_pixels(
    rgb: np.ndarray, detection: Detection, detections: list[Detection], side: int, margin: float, iterations: int
) -> ContainerPixels:
    """A bowl's rim, a table's uncovered top or a cup's lower wall (see the module's notes)."""
    area = int(detection.width * detection.height)
    if detection.label == "bowl":
        return ContainerPixels(rim_pixels(rgb, detection.box, side, margin, iterations), "rim", area)
    if detection.label == "dining table":
        pixels, seen = table_top_pixels(rgb, detection, detections, side)
        return ContainerPixels(pixels, "uncovered top", seen)
    if detection.label == "cup":
        wall = _part(rgb, detection.box, CUP_WALL_ROWS, CUP_MIDDLE, side)
        return ContainerPixels(wall, "lower wall", area, _part(rgb, detection.box, CUP_OPENING_ROWS, CUP_MIDDLE, side))
    raise ValueError(f"not a container: {detection.label!r}")
