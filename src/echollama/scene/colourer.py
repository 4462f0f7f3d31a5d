"""The colour stage of SceneAnalyzer: each sure detection's colour, from its own pixels (object_colour.py); for a
bowl, table or cup from the part of it that is not what it holds (container_colour.py); for a vehicle whose windows
and shade hide its colour, from its paint (vehicle_colour.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from echollama.scene.container_colour import CONTAINER_LABELS, container_colour
from echollama.scene.object_colour import (
    COLOUR_RULE,
    NO_COLOUR_LABELS,
    ColourRule,
    PhotoLight,
    greyscale_photo,
    object_colour,
    photo_light,
)
from echollama.scene.object_pixels import downscaled
from echollama.scene.vehicle_colour import VEHICLE_LABELS, vehicle_colour
from echollama.types import Detection, ObjectColour

MAX_COLOURED = 6  # objects coloured per photo, largest first (brief speaks of four kinds at most)


class ObjectColourer:
    """Adds each detection's colour (`Detection.colour`) where it is clear; the scene stage of SceneAnalyzer."""

    def __init__(self, method: str = "grabcut", rule: ColourRule = COLOUR_RULE) -> None:
        if method not in ("grabcut", "centre"):
            raise ValueError(f"colour method must be 'grabcut' or 'centre', not {method!r}")
        self.method = method
        self.rule = rule

    def colours(self, rgb: np.ndarray, detections: list[Detection]) -> list[ObjectColour | None]:
        """Each detection's colour, in order (None where not clear, for unsure detections and for a box wholly outside
        the photo; a box reaching past its edge is measured on the part inside)."""
        if not detections or greyscale_photo(rgb, self.rule):
            return [None] * len(detections)
        light = photo_light(downscaled(rgb), self.rule)  # a small copy is enough (a 12 MP photo's takes ~20 ms)
        inside = [_inside(d, rgb.shape[1], rgb.shape[0]) for d in detections]
        shown = [d for d in inside if d is not None]
        # Unsure detections get none: on the labels 2 of their 6 colours were right, and their phrase is "possibly".
        # The largest few only, so a crowded photo does not hold up the first sentence (GrabCut ~10 ms an object).
        sure = {i: d for i, d in enumerate(inside) if d is not None and d.certain and d.label not in NO_COLOUR_LABELS}
        wanted = set(sorted(sure, key=lambda i: -sure[i].width * sure[i].height)[:MAX_COLOURED])
        return [self._measured(rgb, sure[i], shown, light) if i in wanted else None for i in range(len(detections))]

    def _measured(
        self, rgb: np.ndarray, detection: Detection, detections: list[Detection], light: PhotoLight
    ) -> ObjectColour | None:
        if detection.label in CONTAINER_LABELS:  # GrabCut on its rim, or no GrabCut, whatever `method` says
            return container_colour(rgb, detection, detections, self.rule, light)
        if detection.label in VEHICLE_LABELS:
            return vehicle_colour(rgb, detection, self.method, light, self.rule)
        return object_colour(rgb, detection, self.method, self.rule, light)

    def colour(self, rgb: np.ndarray, detections: list[Detection]) -> list[Detection]:
        """The detections with their colours."""
        return with_colours(detections, self.colours(rgb, detections))


def with_colours(detections: list[Detection], colours: list[ObjectColour | None]) -> list[Detection]:
    """The detections, each with its colour (`ObjectColourer.colours`, in the same order)."""
    return [replace(d, colour=c) for d, c in zip(detections, colours)]


def _inside(detection: Detection, width: int, height: int) -> Detection | None:
    """The detection with its box cut to the photo (detectors clip theirs; a caller's may reach past an edge, and a
    slice off the photo would wrap round or be empty), or None when none of it is inside."""
    x1, y1, x2, y2 = detection.box
    box = (max(0.0, x1), max(0.0, y1), min(float(width), x2), min(float(height), y2))
    if box == tuple(detection.box):
        return detection  # the same object: a table's top is found by leaving out every other detection's box
    return replace(detection, box=box) if box[2] > box[0] and box[3] > box[1] else None
