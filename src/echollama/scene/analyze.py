"""Perception in one call: detect, then estimate depth and caption concurrently, then place objects on the grid.

The result is a `Scene`; stage times (seconds) are recorded in `scene.timings`.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from echollama.scene.camera import camera_for
from echollama.scene.grid import clock_direction, format_matrix, grid_cell
from echollama.scene.image import LoadedImage
from echollama.scene.protocols import Captioner, DepthEstimator, Detector
from echollama.types import Detection, Scene


class SceneAnalyzer:
    def __init__(self, detector: Detector, depth: DepthEstimator, captioner: Captioner, threshold: float) -> None:
        self.detector = detector
        self.depth = depth
        self.captioner = captioner
        self.threshold = threshold
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="perception")

    def load(self) -> None:
        """Load every perception model now (each backend otherwise loads on first use)."""
        for backend in (self.detector, self.depth, self.captioner):
            load = getattr(backend, "load", None)
            if load is not None:
                load()

    def analyze(self, image: LoadedImage) -> Scene:
        timings: dict[str, float] = {}
        camera = camera_for(image.width, image.height, image.focal_35mm)

        start = time.perf_counter()
        detections = self.detector.detect(image, self.threshold)
        timings["detect_s"] = time.perf_counter() - start

        # Depth and caption both need the detections but not each other.
        depth_future = self._pool.submit(_timed, self.depth.estimate_depth, image, detections, camera)
        caption_future = self._pool.submit(_timed, self.captioner.caption, image, detections)
        detections, timings["depth_s"] = depth_future.result()
        caption, timings["caption_s"] = caption_future.result()
        timings["perception_s"] = time.perf_counter() - start

        placed = [_place(d, image, camera) for d in detections]
        return Scene(
            width=image.width,
            height=image.height,
            detections=placed,
            caption=caption,
            depth_unit=self.depth.unit,
            camera=camera,
            source=image.source,
            matrix=format_matrix(placed, image.width, image.height),
            timings=timings,
        )


def _place(detection: Detection, image: LoadedImage, camera) -> Detection:
    x, y = detection.center
    return replace(detection, cell=grid_cell(x, y, image.width, image.height), clock=clock_direction(x, camera))


def _timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start
