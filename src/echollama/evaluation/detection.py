"""Detection quality against hand-drawn boxes: greedy IoU matching, precision and recall.

A detection is a true positive when it has the right label and IoU >= 0.5 with a not-yet-matched labelled box.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from echollama.scene.dedupe import iou
from echollama.types import Box, Detection

if TYPE_CHECKING:
    from echollama.evaluation.labelled_set import LabelledObject

IOU_MATCH = 0.5


def matches_labelled(label: str, box: Box, objects: Iterable[LabelledObject]) -> bool:
    """Whether a box of this label matches any of the labelled objects (a name it accepts, IoU >= IOU_MATCH)."""
    return any(label in o.names and iou(box, o.box) >= IOU_MATCH for o in objects)


@dataclass
class MatchCounts:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    def __add__(self, other: MatchCounts) -> MatchCounts:
        return MatchCounts(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
        )

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        truth = self.true_positives + self.false_negatives
        return self.true_positives / truth if truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match(detections: Sequence[Detection], truth: Sequence[tuple[str, Box]]) -> MatchCounts:
    """Greedy matching, highest-scoring detection first."""
    unmatched = list(truth)
    counts = MatchCounts()
    for detection in sorted(detections, key=lambda d: -d.score):
        candidates = [
            (iou(detection.box, box), i) for i, (label, box) in enumerate(unmatched) if label == detection.label
        ]
        best = max(candidates, default=(0.0, -1))
        if best[0] >= IOU_MATCH:
            unmatched.pop(best[1])
            counts.true_positives += 1
        else:
            counts.false_positives += 1
    counts.false_negatives = len(unmatched)
    return counts
