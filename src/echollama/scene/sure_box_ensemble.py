"""YOLOv5s with SSD-MobileNet-v2's sure boxes beside it: the embedded default detector.

YOLOv5s finds more (recall 0.70 vs 0.51 at precision 0.86 on the 29 labelled photos) but scores some obvious,
close-up objects low: the bundled espresso cup 0.54 (SSD 0.95), the astronaut's portrait 0.36 (SSD person 0.81), a
truck filling half a street photo 0.48 (SSD 0.98). So SSD runs beside it, on the other core, and each of its boxes
scoring >= SURE_FROM (SSD's own plain-word band, scene/analyze.py) either confirms YOLO's box of the same label there
(which takes SSD's score: said plainly) or, where YOLO has no such box, is added. Measured on the 29 labelled photos
(`echollama bench detector`): must-see objects named 90 -> 95 %, labelled objects given a position 69 -> 72 %,
no object invented; box precision/recall 0.887/0.720 -> 0.882/0.732 at the same per-label thresholds.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import replace

from echollama.scene.dedupe import iou
from echollama.scene.image import LoadedImage
from echollama.scene.protocols import Detector
from echollama.types import Detection

SURE_FROM = 0.80  # SSD's scores from which it is said plainly (EMBEDDED_CERTAIN_FROM in scene/analyze.py)
SAME_PLACE_IOU = 0.5  # the eval's own matching rule: one object
CONFIRMABLE_FROM = 0.40  # a primary box under this is not taken as the primary's opinion of that object
# SSD's dining tables are kept from its own threshold (config.EMBEDDED_DETECTION_THRESHOLD), as "possibly", where
# YOLOv5s has none near: YOLOv5s finds 4 of the 7 labelled tables even at 0.30, and "on the table" needs one. On the
# labelled photos this adds the bundled photo's table (SSD 0.76; YOLOv5s 0.18): labelled objects given a position
# 72 -> 73 %, nothing invented.
# People too: YOLOv5s scores a close-up portrait low (skimage's astronaut as a 512 px JPEG: person 0.31, SSD 0.6), and
# a person in front of the camera must not go unsaid; on the labelled photos this changes nothing measured.
ALSO_FROM = {"dining table": 0.51, "person": 0.51}
NEAR_IOU = 0.3  # a primary box of the label this near is the same table, boxed differently


class SureBoxEnsemble:
    def __init__(self, primary: Detector, second: Detector, lane: Executor | None = None) -> None:
        self.primary = primary
        self.second = second
        self.name = f"{primary.name} + {second.name} sure boxes"
        # The second core's lane: SSD leaves room on it beside YOLOv5s for work that needs no detections
        # (SceneAnalyzer's `second_lane`, the same executor).
        self._second_lane = lane or ThreadPoolExecutor(max_workers=1, thread_name_prefix="second-detector")
        self._lock = threading.Lock()

    def load(self) -> None:
        """Both networks, side by side (a fresh `describe` waits for the slower, not for both)."""
        second = self._second_lane.submit(_load, self.second)
        _load(self.primary)
        second.result()

    def detect(self, image: LoadedImage, threshold: float) -> list[Detection]:
        with self._lock:  # one call at a time, as every backend (scene/protocols.py)
            second = self._second_lane.submit(self.second.detect, image, min(SURE_FROM, *ALSO_FROM.values()))
            found = self.primary.detect(image, threshold)
            seconds = second.result()
            merged = merge_sure_boxes(found, [d for d in seconds if d.score >= SURE_FROM])
            return add_unsure_boxes(merged, [d for d in seconds if d.score < SURE_FROM])


def _load(backend: Detector) -> None:
    load = getattr(backend, "load", None)
    if load is not None:
        load()


def add_unsure_boxes(merged: list[Detection], unsure: list[Detection]) -> list[Detection]:
    """The second detector's unsure boxes of the ALSO_FROM labels scoring at least their own threshold, marked
    unsure (said as "possibly" whatever the primary's bands), where no box of the label is near, or lifting a lower
    near one to its score (YOLOv5s's 0.31 astronaut portrait under SSD's 0.75 would otherwise vanish); best first."""
    added = list(merged)
    for box in unsure:
        if box.score < ALSO_FROM.get(box.label, 1.1):
            continue
        near = [i for i, d in enumerate(added) if d.label == box.label and iou(d.box, box.box) >= NEAR_IOU]
        if not near:
            added.append(replace(box, certain=False))
        elif added[near[0]].score < box.score:  # the primary saw it too, lower: both opinions make it "possibly"
            added[near[0]] = replace(added[near[0]], score=box.score, certain=False)
    return sorted(added, key=lambda d: -d.score)


def merge_sure_boxes(primary: list[Detection], sure: list[Detection]) -> list[Detection]:
    """`primary` with each of `sure` either confirming the primary's box of its label at its place (the box takes the
    higher score) or added beside them; best first."""
    merged = list(primary)
    for box in sure:
        twins = [
            i
            for i, d in enumerate(merged)
            if d.label == box.label and d.score >= CONFIRMABLE_FROM and iou(d.box, box.box) >= SAME_PLACE_IOU
        ]
        if not twins:
            merged.append(box)
        elif merged[twins[0]].score < box.score:
            merged[twins[0]] = replace(merged[twins[0]], score=box.score)
    return sorted(merged, key=lambda d: -d.score)
