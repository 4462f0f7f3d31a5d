"""The colour stage of SceneAnalyzer: each sure detection's colour, from its own pixels (object_colour.py) or, for a
bowl, table or cup, from the part of it that is not what it holds (container_colour.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from echollama.scene.container_colour import CONTAINER_LABELS, container_colour
from echollama.scene.object_colour import (
    COLOUR_RULE,
    NO_COLOUR_LABELS,
    VEHICLE_LABELS,
    ColourRule,
    PhotoLight,
    downscaled,
    greyscale_photo,
    object_colour,
    photo_light,
)
from echollama.scene.vehicle_paint import vehicle_paint_colour
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
        """Each detection's colour, in order (None where not clear, and for unsure detections)."""
        sample = downscaled(rgb)  # one small copy for both photo-wide checks (a 12 MP photo's takes ~20 ms)
        if not detections or greyscale_photo(sample, self.rule):
            return [None] * len(detections)
        light = photo_light(sample, self.rule)
        # Unsure detections get none: on the labels 2 of their 6 colours were right, and their phrase is "possibly".
        # The largest few only, so a crowded photo does not hold up the first sentence (GrabCut ~10 ms an object).
        wanted = [i for i, d in enumerate(detections) if d.certain and d.label not in NO_COLOUR_LABELS]
        wanted = sorted(wanted, key=lambda i: -detections[i].width * detections[i].height)[:MAX_COLOURED]
        return [self._colour(rgb, d, detections, light) if i in wanted else None for i, d in enumerate(detections)]

    def _colour(
        self, rgb: np.ndarray, detection: Detection, detections: list[Detection], light: PhotoLight
    ) -> ObjectColour | None:
        if detection.label in CONTAINER_LABELS:
            return container_colour(rgb, detection, detections, self.rule, light)
        colour = object_colour(rgb, detection, self.method, self.rule, light)
        # A vehicle whose pixels as a whole name no colour may still show its paint (vehicle_paint.py).
        if (
            colour is None
            and detection.label in VEHICLE_LABELS
            and detection.width * detection.height >= self.rule.min_pixels
        ):
            return vehicle_paint_colour(rgb, detection, light, self.rule)
        return colour

    def colour(self, rgb: np.ndarray, detections: list[Detection]) -> list[Detection]:
        """The detections with their colours."""
        return [replace(d, colour=c) for d, c in zip(detections, self.colours(rgb, detections))]
