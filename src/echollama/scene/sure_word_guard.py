"""Two checks against confident errors on photos unlike the labelled set; each lowers a sure object to "possibly",
never drops one: silence or "possibly" beats a wrong sure word, and a real object said as "possibly" is still said.
Their figures are in `echollama bench heldout`, which measures perception with them and without.

1. Things people hold, wear or fly (PERSON_BOUND) are said plainly only when a person is found in the picture too
   (`hedge_without_person`, here: SceneAnalyzer runs it on every frame, a watched one too, before the attributes).
   YOLOv5s boxed two of the small birds over a palace (opencv-doc home.jpg) as kites at 0.50 and 0.48 (SSD 0.25):
   too small for a crop to judge, scored like the right kites on the labelled beach (0.54-0.69), but with no one to
   fly them. On the 29 labelled photos every kite, ball and tie sure box has a person beside it, so nothing there
   changes; a kite photographed alone in the sky is said as "possibly a kite". Today's detector pair scores those
   two birds 0.48 and 0.45, under YOLOv5s's sure bar, so on today's held-out photos this check changes nothing:
   it stays for the next sure box of that kind (tests/test_sure_box_ensemble.py shows it on scripted detections).
2. A box whose own crop is a landscape is background, not an object: fine_names.judge_crop's contradiction rule
   extended to places (SCENERY_FROM, scene/fine_names.py), so that it costs no second classifier run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from echollama.types import Detection

# COCO things that are nearly always photographed with the person using them. Not balls, boards, skis, bags or
# umbrellas: those lie, lean and stand about on their own (the labelled street's umbrellas, a ball on a pitch).
PERSON_BOUND = frozenset({"kite", "frisbee", "tie", "baseball bat", "baseball glove", "tennis racket"})


def hedge_without_person(detections: Sequence[Detection]) -> list[Detection]:
    """The detections, with sure PERSON_BOUND objects lowered to "possibly" when no person was found at all."""
    if any(d.label == "person" for d in detections):
        return list(detections)
    return [replace(d, certain=False) if d.label in PERSON_BOUND and d.certain else d for d in detections]
