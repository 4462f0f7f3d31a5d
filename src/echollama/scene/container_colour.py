"""The colour of a thing whose box holds something else: a bowl's rim and wall, not the food in it; a table's top
between the things on it, not the plates and people; a cup's wall below its drink.

A bowl seen from eye height is a round opening that fills its box: its rim and outer wall run along the box's edge,
its contents sit in the middle. So its pixels are the object's own (GrabCut, as for every object) in the ring between
the ellipse inscribed in the box and one `RIM_INNER` of its size. A table's box holds what stands on it and the
people around it: its pixels are its box's less every other detection's box, and it gets a colour only when enough of
them are left. All are named with the same rule as every other object (container_colour below).

Measured on the labelled photos (colour_labels.json): the three sure bowls the detector finds and can colour (size
over ColourRule.min_pixels), all labelled white, measure white on the ring and nothing or brown (their food) on the
whole object; the one sure table (a brown woven tray) measures brown (54 %) on the fifth of its box left. On the labels'
own boxes a glass table, seen through, measured brown: a known wrong colour (no detector found that table).
A cup seen from above shows its drink in the upper part of its box and its wall below: the wall's colour is said when
it is a colour (not black, grey or white) that the drink does not hold, since a cup is often a glass, whose "wall" is
its drink or what is behind it. The labelled espresso cup measures red; the bar photo's three glasses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from echollama.scene.object_colour import (
    ACHROMATIC_WORDS,
    COLOUR_RULE,
    TERMS,
    UNCHANGED_LIGHT,
    ColourRule,
    PhotoLight,
    lit_lab,
    name_colour,
    pixel_terms,
)
from echollama.scene.object_pixels import crop_around_box, downscaled, grabcut_object_mask
from echollama.types import Detection, ObjectColour

CONTAINER_LABELS = frozenset({"bowl", "dining table", "cup"})
# The inner ellipse of a bowl's rim ring, as a share of the box's inscribed ellipse: at 0.7 the food reached into the
# ring and two of the three labelled bowls measured no clear colour.
RIM_INNER = 0.8
# A table has no tyres or windows: its colour must hold most of its uncovered top, not only outnumber its black, grey
# and white parts (ColourRule.over_achromatic, for vehicles). A patterned tablecloth in the labels' bar photo measured
# brown 41 % over mixed shades.
MAJORITY_ONLY_LABELS = frozenset({"dining table"})
# A cup seen from above: its opening (the drink) in the upper part of its box, its wall in the lowest quarter, both
# away from the handle and the background at the box's sides. Not GrabCut: it took the espresso cup's red wall for
# its red saucer, background.
CUP_WALL_ROWS, CUP_OPENING_ROWS, CUP_MIDDLE = (0.75, 1.0), (0.15, 0.5), (0.25, 0.75)
# A cup is often a glass, whose wall is what is in it or behind it: its colour is said only when chromatic (a glass
# of water reads grey) and when it holds under this share of the opening (a glass of tea reads brown on both). On the
# labels: the espresso cup's red wall is 11 % of its opening; the bar's glasses 60 to 70 % of theirs.
CUP_CONTENTS_MAX_SHARE = 0.25


def rim_pixels(rgb: np.ndarray, box) -> np.ndarray:
    """The RGB pixels (N x 3) of a bowl's rim and outer wall: GrabCut's object pixels (on the crop every object's are
    measured on, object_pixels.crop_around_box) in the ring along its box."""
    crop, rect = crop_around_box(rgb, box)
    rows, columns = np.mgrid[: crop.shape[0], : crop.shape[1]]
    half_w, half_h = rect[2] / 2, rect[3] / 2
    radius = np.hypot((columns + 0.5 - rect[0] - half_w) / half_w, (rows + 0.5 - rect[1] - half_h) / half_h)
    ring = (radius > RIM_INNER) & (radius <= 1.0)
    chosen = grabcut_object_mask(crop, rect)
    if chosen is None:  # a degenerate crop (one colour throughout): the whole ring
        return crop[ring]
    own = ring & chosen
    return crop[own] if own.sum() >= 0.1 * ring.sum() else crop[ring]


def table_top_pixels(rgb: np.ndarray, table: Detection, detections: list[Detection]) -> tuple[np.ndarray, int]:
    """The RGB pixels (N x 3, on the box's crop averaged down as every object's are) of the table's box outside every
    other detection's box, and how many pixels at full size that is."""
    x1, y1, x2, y2 = (int(round(v)) for v in table.box)
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(rgb.shape[1], max(x1 + 1, x2)), min(rgb.shape[0], max(y1 + 1, y2))
    uncovered = np.ones((y2 - y1, x2 - x1), np.uint8)
    for other in detections:
        if (other.label, other.box) != (table.label, table.box):  # the table itself, even when listed twice
            ox1, oy1, ox2, oy2 = (int(round(v)) for v in other.box)
            uncovered[max(0, oy1 - y1) : max(0, oy2 - y1), max(0, ox1 - x1) : max(0, ox2 - x1)] = 0
    crop = downscaled(rgb[y1:y2, x1:x2])
    small = cv2.resize(uncovered, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_NEAREST).astype(bool)
    return crop[small], int(uncovered.sum())


def _part(rgb: np.ndarray, box, rows: tuple[float, float], columns: tuple[float, float]) -> np.ndarray:
    """The pixels (N x 3, averaged down as every object's are) of a part of the box, as shares of its height and width."""
    x1, y1, x2, y2 = box
    top, left = int(y1 + rows[0] * (y2 - y1)), int(x1 + columns[0] * (x2 - x1))
    bottom, right = max(top + 1, int(y1 + rows[1] * (y2 - y1))), max(left + 1, int(x1 + columns[1] * (x2 - x1)))
    return downscaled(rgb[max(0, top) : bottom, max(0, left) : right]).reshape(-1, 3)


@dataclass(frozen=True)
class ContainerPixels:
    """A container's own pixels (N x 3), how they were chosen, how many pixels of the photo they stand for (a table's
    top left uncovered, a bowl's or cup's whole box), and for a cup what is in it, to tell a glass from a cup."""

    pixels: np.ndarray
    method: str
    seen: int
    contents: np.ndarray | None = None


def container_pixels(rgb: np.ndarray, detection: Detection, detections: list[Detection]) -> ContainerPixels:
    """A bowl's rim, a table's uncovered top or a cup's lower wall (see the module's notes)."""
    area = int(detection.width * detection.height)
    if detection.label == "bowl":
        return ContainerPixels(rim_pixels(rgb, detection.box), "rim", area)
    if detection.label == "dining table":
        pixels, seen = table_top_pixels(rgb, detection, detections)
        return ContainerPixels(pixels, "uncovered top", seen)
    if detection.label == "cup":
        wall = _part(rgb, detection.box, CUP_WALL_ROWS, CUP_MIDDLE)
        return ContainerPixels(wall, "lower wall", area, _part(rgb, detection.box, CUP_OPENING_ROWS, CUP_MIDDLE))
    raise ValueError(f"not a container: {detection.label!r}")


def container_colour(
    rgb: np.ndarray,
    detection: Detection,
    detections: list[Detection],
    rule: ColourRule = COLOUR_RULE,
    light: PhotoLight = UNCHANGED_LIGHT,
) -> ObjectColour | None:
    """A bowl's colour from its rim, a table's from its top between the things on it, a cup's from its wall below the
    drink, or None; `detections` are all the photo's."""
    found = container_pixels(rgb, detection, detections)
    if found.seen < rule.min_pixels or len(found.pixels) == 0:
        return None
    rule = replace(rule, pattern=1.0)  # black and white is a coat's pattern, not crockery's
    if detection.label in MAJORITY_ONLY_LABELS:
        rule = replace(rule, over_achromatic=0.0)
    colour = name_colour(lit_lab(found.pixels, light.gains), found.method, rule)
    if colour is None or found.contents is None:
        return colour
    if set(colour.share) & ACHROMATIC_WORDS:  # a glass's wall reads grey or white
        return None
    in_contents = pixel_terms(lit_lab(found.contents, light.gains), rule)
    shares = [float(np.mean(in_contents == TERMS.index(term))) for term in colour.share]
    return colour if max(shares) < CUP_CONTENTS_MAX_SHARE else None
