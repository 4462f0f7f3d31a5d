"""A second opinion on boxes that fill the picture: the embedded detectors sometimes box the whole frame as one
object (SSD: a palace's facade as a bird at 0.77, the Linux penguin logo as a clock, a blob chart as a stop sign).
Such a box of a class the ImageNet classifier (EfficientNet-Lite3) also knows is kept only when the classifier's five
likeliest classes for the box's own crop include one under that class (scene/imagenet_to_coco.py).

The crop, not the whole picture: judged by the whole picture's classes, a grey-and-white cat lying across a desk
(SSD: cat 0.64, box 58 % of the picture) was dropped because the picture's top classes said "coffee mug". Measured
at the default thresholds on the 29 labelled photos and OpenCV's sample pictures (Debian opencv-doc), SSD and
YOLOv5s: the crop rule removes the same four wrong boxes as the whole-picture rule (home.jpg's bird, aloeGT.png's
bird, LinuxLogo.jpg's clock, detect_blob.png's stop sign) and keeps the right ones (chelsea's cat, chicky_512.png's
dog; crop top classes "Egyptian cat", "Pekinese"). Persons, cars and the rest are not checked: ImageNet has no person
class, and its vehicle classes are too fine to trust as a veto.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from echollama.scene.fine_names import padded_crop
from echollama.scene.image import LoadedImage
from echollama.scene.imagenet_to_coco import under
from echollama.types import Detection

WHOLE_FRAME_SHARE = 0.5  # of the picture's area: a box at least this big needs the classifier's agreement
CONFIRMING_TOP = 5  # the crop's likeliest classes searched for one under the box's label

CHECKED = ("bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "clock", "stop sign")

# COCO label -> the ImageNet-1k class indices that confirm it (standard ImageNet order, as efficientnet_labels.txt).
CONFIRMING_CLASSES: dict[str, frozenset[int]] = {label: under(label) for label in CHECKED}


class WholeFrameCheck:
    """Drops a picture-filling box of a checked class unless its crop's top classes confirm it."""

    def __init__(self, probabilities: Callable[[np.ndarray], np.ndarray]) -> None:
        self.probabilities = probabilities  # RGB array -> ImageNet-1k probabilities

    def confirmed(self, image: LoadedImage, detection: Detection) -> bool:
        scores = self.probabilities(padded_crop(image.rgb, detection.box))
        top = {int(i) for i in np.argsort(scores)[::-1][:CONFIRMING_TOP]}
        return bool(CONFIRMING_CLASSES[detection.label] & top)

    def __call__(self, image: LoadedImage, detections: Sequence[Detection]) -> list[Detection]:
        area = float(image.width * image.height)
        return [
            d
            for d in detections
            if d.label not in CONFIRMING_CLASSES
            or d.width * d.height < WHOLE_FRAME_SHARE * area
            or self.confirmed(image, d)  # one classifier run, only for such a box
        ]
