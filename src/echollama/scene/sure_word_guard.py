"""Two checks against confident errors on photos unlike the labelled set, run after the crops' fine names
(scene/fine_names.py); each lowers a sure object to "possibly", never drops one: silence or "possibly" beats a wrong
sure word, and a real object said as "possibly" is still said.

1. Things people hold, wear or fly (PERSON_BOUND) are said plainly only when a person is found in the picture too.
   YOLOv5s boxed two of the small birds over a palace (opencv-doc home.jpg) as kites at 0.50 and 0.48 (SSD 0.25):
   too small for a crop to judge, scored like the right kites on the labelled beach (0.54-0.69), but with no one to
   fly them. On the 29 labelled photos every kite, ball and tie sure box has a person beside it, so nothing there
   changes; a kite photographed alone in the sky is said as "possibly a kite".
2. A box whose own crop the ImageNet classifier calls a place or scenery (seashore, valley, ...) at >= SCENERY_FROM,
   with under CONTRADICTED_BELOW for the box's own classes, is background, not an object: an aerial city view was
   "a train" at 0.57 (SSD: nothing), its crop "seashore" 0.52 and train classes 0.000. No sure box of the labelled
   photos has a place as its crop's top class. This one is fine_names.judge_crop's contradiction rule extended to
   places (`scenery_verdict`), so that it costs no second classifier run; the measurements are in
   `echollama bench heldout`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from echollama.scene.fine_names import FineNamer
from echollama.scene.image import LoadedImage
from echollama.types import Detection

# COCO things that are nearly always photographed with the person using them. Not balls, boards, skis, bags or
# umbrellas: those lie, lean and stand about on their own (the labelled street's umbrellas, a ball on a pitch).
PERSON_BOUND = frozenset({"kite", "frisbee", "tie", "baseball bat", "baseball glove", "tennis racket"})


def hedge_without_person(detections: Sequence[Detection]) -> list[Detection]:
    """The detections, with sure PERSON_BOUND objects lowered to "possibly" when no person was found at all."""
    if any(d.label == "person" for d in detections):
        return list(detections)
    return [replace(d, certain=False) if d.label in PERSON_BOUND and d.certain else d for d in detections]


@dataclass
class SureWordGuard:
    """The fine namer (`inner`: FineNamer, whose crop check lowers scenery boxes), then the person check."""

    inner: FineNamer

    def __call__(self, image: LoadedImage, detections: Sequence[Detection]) -> list[Detection]:
        return hedge_without_person(self.inner(image, detections))
