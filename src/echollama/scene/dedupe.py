"""One physical object, said once: merge a detector's same-box duplicates across easily confused classes.

SSD suppresses overlapping boxes per class only, so one pickup can come back as both a car and a truck, one mug as a
cup and a bowl. Two boxes are the same object when they overlap almost entirely (IoU >= 0.7) and their labels are the
same or a pair the detector is known to confuse, or, whatever the labels, when the boxes all but coincide
(IoU >= 0.85: on OpenCV's sample photos SSD boxes one mandrill as tie and bird, one sticker as cat and bird, one apple
as apple and vase); the higher-scoring label is kept.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from echollama.types import Box, Detection

SAME_OBJECT_IOU = 0.7  # for labels the detector confuses
SAME_BOX_IOU = 0.85  # for any two labels

# Pairs a COCO detector mixes up on one object (same shape, same place): vehicles, containers, seats, tables, animals.
_CONFUSABLE_GROUPS = (
    {"car", "truck", "bus", "train"},
    {"bicycle", "motorcycle"},
    {"cup", "bowl", "vase", "wine glass", "bottle"},
    {"couch", "chair", "bench", "bed"},
    {"dining table", "bench"},
    {"tv", "laptop", "microwave", "oven", "refrigerator"},
    {"cell phone", "remote"},
    {"handbag", "backpack", "suitcase"},
    {"dog", "cat", "sheep", "bear", "teddy bear", "horse", "cow"},
    {"donut", "cake", "sandwich", "pizza", "hot dog"},
    {"orange", "apple", "sports ball"},
    {"skis", "snowboard", "surfboard", "skateboard"},
    {"bird", "kite", "airplane"},
    {"boat", "surfboard"},
)


def confusable(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in _CONFUSABLE_GROUPS)


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def same_object(a: Detection, b: Detection) -> bool:
    overlap = iou(a.box, b.box)
    return overlap >= SAME_BOX_IOU or (overlap >= SAME_OBJECT_IOU and confusable(a.label, b.label))


def merge_duplicates(detections: Sequence[Detection], seen_for_sure: Collection[str] = ()) -> list[Detection]:
    """Detections best score first, each physical object once (a duplicate's lower-scored label is dropped).

    Where one box carries two labels the detector confuses and only the lower-scored one is a kind it found for sure
    elsewhere in the picture (`seen_for_sure`), the box takes that label: in a field of horses SSD scored one horse
    0.55 as a cow and 0.49 as a horse."""
    kept: list[Detection] = []
    for detection in sorted(detections, key=lambda d: -d.score):
        same = next((i for i, k in enumerate(kept) if same_object(detection, k)), None)
        if same is None:
            kept.append(detection)
        elif (
            detection.label in seen_for_sure
            and kept[same].label not in seen_for_sure
            and confusable(detection.label, kept[same].label)
        ):
            kept[same] = replace(kept[same], label=detection.label)
    return kept
