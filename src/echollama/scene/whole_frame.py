"""A second opinion on boxes that fill the picture: the embedded detector (SSD-MobileNet-v2) sometimes boxes the whole
frame as one object (a palace's facade as a bird at 0.77, the Linux penguin logo as a clock, a blob chart as a stop
sign). Such a box of a class the whole-picture classifier (EfficientNet-Lite3, ImageNet-1k) also knows is kept only
when the classifier's five likeliest classes include that object.

Measured on the 29 labelled photos and OpenCV's sample pictures (Debian opencv-doc) at the 0.51 threshold: of the
boxes covering at least half the picture, it removed all four wrong ones of checked classes (home.jpg's bird,
aloeGT.png's bird, LinuxLogo.jpg's clock, detect_blob.png's stop sign) and kept both right ones (chelsea's cat,
chicky_512.png's dog; top classes "Egyptian cat", "Pekinese"). Persons, cars and the rest are not checked: ImageNet has
no person class, and its vehicle classes are too fine to trust as a veto.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from echollama.scene.image import LoadedImage
from echollama.types import Detection

WHOLE_FRAME_SHARE = 0.5  # of the picture's area: a box at least this big needs the classifier's agreement


def _span(first: int, last: int) -> frozenset[int]:
    return frozenset(range(first, last + 1))


# COCO label -> the ImageNet-1k class indices that confirm it (standard ImageNet order, as efficientnet_labels.txt).
CONFIRMING_CLASSES: dict[str, frozenset[int]] = {
    "bird": _span(7, 24) | _span(80, 100) | _span(127, 146),
    "cat": _span(281, 285),
    "dog": _span(151, 268),
    "horse": frozenset({339, 603}),  # sorrel, horse cart
    "sheep": frozenset({348, 349}),  # ram, bighorn
    "cow": _span(345, 347),  # ox, water buffalo, bison
    "elephant": frozenset({101, 385, 386}),  # tusker, Indian and African elephant
    "bear": _span(294, 297),
    "zebra": frozenset({340}),
    "clock": frozenset({409, 530, 892}),  # analog, digital, wall clock
    "stop sign": frozenset({919}),  # street sign
}


class WholeFrameCheck:
    """Drops a picture-filling box of a checked class unless the classifier's top classes confirm it."""

    def __init__(self, top_classes: Callable[[LoadedImage], list[int]]) -> None:
        self.top_classes = top_classes

    def __call__(self, image: LoadedImage, detections: Sequence[Detection]) -> list[Detection]:
        area = float(image.width * image.height)
        doubtful = [
            d for d in detections if d.label in CONFIRMING_CLASSES and d.width * d.height >= WHOLE_FRAME_SHARE * area
        ]
        if not doubtful:
            return list(detections)
        top = set(self.top_classes(image))  # one classifier run, only for pictures with such a box
        unconfirmed = {id(d) for d in doubtful if not CONFIRMING_CLASSES[d.label] & top}
        return [d for d in detections if id(d) not in unconfirmed]
