"""What each object is, more exactly: the shipped ImageNet classifier (EfficientNet-Lite3) run on the object's own
crop. When the crop's likeliest class falls under the detector's class (scene/imagenet_to_coco.py) and is confident
enough, the object gets a fine name, said hedged ("a dog, probably a Doberman"); when a confident crop class falls
under another COCO class, the object is lowered to "possibly" (the rule and its figures: CONTRADICTS_FROM).

The thresholds below were measured on the 29 labelled photos (evaluation/photos/fine_labels.json, `echollama eval`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from echollama.scene.dedupe import iou
from echollama.scene.image import LoadedImage
from echollama.scene.imagenet_to_coco import (
    INDOOR_CLASSES,
    KINDS_OF,
    NOT_JUDGED_FINE,
    NOT_SAID,
    OUTDOOR_CLASSES,
    PLACES,
    SPOKEN_INSTEAD,
    coco_of,
    confusable,
    under,
)
from echollama.types import Detection, FineName

PAD = 0.1  # of the box's width and height, added on each side: the classifier was trained on framed objects
MAX_CROPS = 4  # the biggest objects classified; each crop costs one classifier run (about 14 ms on 2 cores)
MIN_CROP_PX = 40  # shorter crops are too blurred at the classifier's 280 px to name a breed
# A fine name is said when its class's probability reaches this. On the labelled photos and OpenCV's samples
# (SSD boxes, crops judged by eye), names at 0.6 and above were right or plausible (espresso cup 0.87, soccer
# ball 0.91, airliner 0.86, Pekinese 0.97); between 0.4 and 0.6 came the wrong ones (a collie-like dog as a borzoi
# 0.51, a sport motorcycle as a moped 0.36 just under).
NAME_FROM = 0.60
# The crop contradicts the detector when its top class reaches CONTRADICTS_FROM while the classes under the
# detector's label share under CONTRADICTED_BELOW, and that top class is neither a close cousin of the label
# (imagenet_to_coco.CONFUSABLE), nor another object found filling much of the box (a table's box holding a cup, a
# spoon's box lying in a cup's: _inside), nor a place.
# Measured: on the labelled photos no detection met it (the two candidates were a table box around a cup and a
# giraffe box around a zebra, both explained); on OpenCV's samples all four that met it were wrong detections (a
# squirrel as a bird, crop "fox squirrel" 0.97; a mandrill's face as a tie, "baboon" 0.96; two potted aloes as
# vases, "pot" 0.62 and 0.80). Three of the four crop classes are under no COCO class, so the label cannot be
# corrected to them: the rule lowers the object to "possibly" and keeps the crop's verdict as evidence.
CONTRADICTS_FROM = 0.50
CONTRADICTED_BELOW = 0.05
# A crop whose likeliest landscape class reaches this, with the label's classes under CONTRADICTED_BELOW, shows land
# seen from afar, not the object: lowered to "possibly" (the second check of scene/sure_word_guard.py). An aerial city
# view was "a train" at 0.57 (SSD: nothing), its crop "seashore" 0.52 and train classes 0.000; on the labelled photos
# no crop of a box came above 0.11 for any place, and none has a place as its top class. Rooms and shops stay the
# crop's background, as above: an object inside a restaurant is no contradiction of it.
SCENERY_FROM = 0.30
# The places (imagenet_to_coco.PLACES) among ImageNet's geological formations, alp (970) to volcano (980): today alp,
# cliff, lakeside, promontory, sandbar, seashore and valley. Rooms, shops, a patio, a pier or a dock are not land.
LANDSCAPES = frozenset(i for i in PLACES if 970 <= i <= 980)
INSIDE_SHARE = 0.8  # of another box's area within this one: that object is in this crop
# Another box covering this share of this box fills much of its crop, so the crop may show that object rather than
# this one. On the labels' own boxes of the labelled set, the two objects wrongly contradicted were so covered: the
# coffee spoon lying in the cup (the cup's box covers 80 % of the spoon's; crop "espresso" 0.62) and the bench behind
# the motorbike (73 %; crop "moped" 0.55). 0.5: half the crop is another object's.
EXPLAINS_SHARE = 0.5
SAME_THING_IOU = 0.5  # a box this close to this one is the same thing under another label (evaluation's IoU match)
EVIDENCE_CLASSES = 3
NOT_JUDGED = NOT_JUDGED_FINE  # ImageNet has no person class: a person's crop names their clothes
_SCENERY = frozenset(PLACES) | INDOOR_CLASSES | OUTDOOR_CLASSES  # a crop's background, not another object


def padded_crop(rgb: np.ndarray, box: Sequence[float], pad: float = PAD) -> np.ndarray:
    """The box's pixels, widened by `pad` of its size on each side, clipped to the picture."""
    height, width = rgb.shape[:2]
    x1, y1, x2, y2 = box
    dx, dy = (x2 - x1) * pad, (y2 - y1) * pad
    left, top = max(0, int(x1 - dx)), max(0, int(y1 - dy))
    right, bottom = min(width, int(round(x2 + dx))), min(height, int(round(y2 + dy)))
    return np.ascontiguousarray(rgb[top : max(bottom, top + 1), left : max(right, left + 1)])


def judge_crop(
    label: str,
    probabilities: np.ndarray,
    names: Sequence[str],
    inside: frozenset[str] = frozenset(),
    scenery_verdict: bool = True,
) -> FineName | None:
    """The crop's verdict on a `label` object: a fine name under `label`, a contradiction (a FineName under another
    class, or under none: `under` empty), or None when the crop says nothing sure. `inside`: labels of the other
    objects whose boxes fill much of this one (_inside); `scenery_verdict`: a crop of a landscape contradicts too
    (SCENERY_FROM)."""
    order = np.argsort(probabilities)[::-1]
    evidence = tuple((names[int(i)], round(float(probabilities[i]), 3)) for i in order[:EVIDENCE_CLASSES])
    kinds = KINDS_OF.get(label, frozenset())
    if kinds:
        best = max(kinds, key=lambda i: probabilities[i])
        if probabilities[best] >= NAME_FROM:
            if best in NOT_SAID:
                return None
            return FineName(SPOKEN_INSTEAD.get(best, names[best]), float(probabilities[best]), label, evidence)
    if float(sum(probabilities[i] for i in under(label))) >= CONTRADICTED_BELOW:
        return None  # the crop gives the label's own classes enough: no contradiction, by landscape or by class
    if scenery_verdict and (scenery := _scenery(probabilities, names, evidence)) is not None:
        return scenery
    top = int(order[0])
    other = coco_of().get(top)
    if (
        probabilities[top] < CONTRADICTS_FROM
        or top in _SCENERY
        or (other is not None and (confusable(label, other) or other in inside))
    ):
        return None
    return FineName(SPOKEN_INSTEAD.get(top, names[top]), float(probabilities[top]), other or "", evidence)


def _scenery(probabilities: np.ndarray, names: Sequence[str], evidence) -> FineName | None:
    """A contradiction (under no class) when the crop is a landscape (SCENERY_FROM); judge_crop has found it is not
    the label's object."""
    place = max(LANDSCAPES, key=lambda i: probabilities[i])
    if probabilities[place] < SCENERY_FROM:
        return None
    return FineName(names[place], float(probabilities[place]), "", evidence)


def _inside(detections: Sequence[Detection], index: int) -> frozenset[str]:
    """Labels of the other objects whose boxes overlap detection `index`'s enough to fill its crop: lying (mostly)
    inside its box (a cup in a table's box), or covering half of it or more (EXPLAINS_SHARE: a spoon's box lying in a
    cup's, a bench's box behind a motorbike's). The same thing found twice under two labels is no other object: a box
    nearly the same as this one (IoU >= SAME_THING_IOU) explains nothing, so a "sheep" whose crop says Doberman is
    still lowered when the dog was also found in the same place."""
    box = detections[index].box
    x1, y1, x2, y2 = box
    area = max(1e-9, (x2 - x1) * (y2 - y1))
    found = set()
    for j, other in enumerate(detections):
        a1, b1, a2, b2 = other.box
        overlap = max(0.0, min(x2, a2) - max(x1, a1)) * max(0.0, min(y2, b2) - max(y1, b1))
        other_area = max(1e-9, other.width * other.height)
        fills = overlap >= INSIDE_SHARE * other_area or overlap >= EXPLAINS_SHARE * area
        if j != index and fills and iou(box, other.box) < SAME_THING_IOU:
            found.add(other.label)
    return frozenset(found)


def salient(detections: Sequence[Detection], limit: int = MAX_CROPS) -> list[int]:
    """Indices of the objects worth a classifier run: judged kinds, big enough, the biggest first."""
    worth = [
        i
        for i, d in enumerate(detections)
        if d.label not in NOT_JUDGED and (d.label in KINDS_OF) and min(d.width, d.height) >= MIN_CROP_PX
    ]
    return sorted(worth, key=lambda i: -detections[i].width * detections[i].height)[:limit]


@dataclass
class FineNamer:
    """Gives the biggest objects a fine name from their crops and lowers those whose crop contradicts them."""

    probabilities: Callable[[np.ndarray], np.ndarray]  # RGB array -> ImageNet-1k probabilities
    names: Callable[[], list[str]]  # the 1,000 class names, as said
    limit: int = MAX_CROPS
    scenery_verdict: bool = True  # a crop of a landscape lowers its object (SCENERY_FROM); off to measure without it
    # Crops classified side by side (the classifier has an interpreter per core: gist_captioner.py); 1: in turn.
    lanes: int = 1
    _crops: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.lanes > 1:
            self._crops = ThreadPoolExecutor(max_workers=self.lanes, thread_name_prefix="fine-name-crops")

    def __call__(self, image: LoadedImage, detections: Sequence[Detection]) -> list[Detection]:
        return self.judge(detections, self.classify(image, detections))

    def classify(self, image: LoadedImage, detections: Sequence[Detection]) -> dict[int, np.ndarray]:
        """Detection index -> its crop's ImageNet probabilities, for the objects worth a classifier run (salient)."""
        chosen = salient(detections, self.limit)
        crops = [padded_crop(image.rgb, detections[i].box) for i in chosen]
        classified = self._crops.map(self.probabilities, crops) if self._crops else map(self.probabilities, crops)
        return dict(zip(chosen, classified))

    def judge(self, detections: Sequence[Detection], classified: Mapping[int, np.ndarray]) -> list[Detection]:
        """The detections with their crops' verdicts (`classified`: from `classify`)."""
        judged = list(detections)
        names = self.names()
        for i, probabilities in classified.items():
            detection = detections[i]
            fine = judge_crop(detection.label, probabilities, names, _inside(detections, i), self.scenery_verdict)
            if fine is None:
                continue
            if fine.under == detection.label:
                judged[i] = replace(detection, fine_name=fine)
            else:  # kept as evidence for --json; only "possibly" is heard
                judged[i] = replace(detection, fine_name=fine, certain=False)
        return judged
