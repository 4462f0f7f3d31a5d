"""Stand-ins for perception's networks, for tests of what the analyzer and the eval do with their outputs: a detector
with fixed boxes, no captioner, an ImageNet classifier with fixed probabilities; and the shipped class names."""

from __future__ import annotations

from functools import cache

import numpy as np

from echollama.scene.fine_names import LANDSCAPES
from echollama.scene.imagenet_to_coco import INDOOR_CLASSES, OUTDOOR_CLASSES, PLACES, coco_of
from echollama.types import Detection


class ScriptedDetector:
    """The boxes given, whatever the pixels: the analyzer's confidence policy is under test, not a network (whose boxes
    and scores near the 0.50 "possibly" line differ between CPUs and versions). `asked_from`: the threshold it was
    last asked for."""

    name = "scripted"

    def __init__(self, found: list[Detection]) -> None:
        self.found = found
        self.asked_from: float | None = None

    def detect(self, image, threshold):
        self.asked_from = threshold
        return [d for d in self.found if d.score >= threshold]


class NoCaption:
    name = "none"

    def caption(self, image, detections):
        return ""


class ScriptedClassifier:
    """The ImageNet probabilities measured on a photo, whatever the crop; the crops' shapes it was given are kept."""

    def __init__(self, measured: dict[int, float]) -> None:
        self.probabilities = probabilities_of(measured)
        self.crops: list[tuple[int, ...]] = []

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        self.crops.append(rgb.shape)
        return self.probabilities


def probabilities_of(measured: dict[int, float]) -> np.ndarray:
    """`measured` classes at their probabilities; the rest of the mass spread thin over classes that are neither
    under a COCO class nor a place, so that nothing else says a word."""
    said = set(coco_of()) | set(PLACES) | INDOOR_CLASSES | OUTDOOR_CLASSES | LANDSCAPES | set(measured)
    rest = [i for i in range(1000) if i not in said]
    probabilities = np.zeros(1000)
    probabilities[rest] = (1.0 - sum(measured.values())) / len(rest)
    for index, probability in measured.items():
        probabilities[index] = probability
    return probabilities


@cache
def shipped_class_names() -> list[str]:
    """The shipped classifier's ImageNet class names (its network is loaded, never run)."""
    from echollama.scene.gist_captioner import GistCaptioner

    return GistCaptioner(1).labels
