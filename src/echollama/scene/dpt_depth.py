"""Paper depth: MiDaS/DPT (`Intel/dpt-hybrid-midas`); z is the depth map at the box centre, as the paper does.

MiDaS gives relative inverse depth (bigger = nearer). Optionally (not the paper's way) it is scaled to metres with one
factor per image fitted to the embedded geometric estimator, keeping MiDaS's ordering and the geometry's scale.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from statistics import median

import numpy as np

from echollama.models.torch_device import Placement, load_pretrained_pair
from echollama.paper import PAPER_DEPTH_MODEL, PAPER_DEPTH_UNIT
from echollama.scene.geometric_depth import estimate_distances
from echollama.scene.image import LoadedImage
from echollama.types import Camera, Detection


class DptDepthEstimator:
    def __init__(self, model: str | Path = PAPER_DEPTH_MODEL, in_metres: bool = False,
                 placement: Placement | None = None) -> None:
        self.name = f"dpt:{Path(str(model)).name}" + ("+geometric-scale" if in_metres else "")
        self.unit = "metres" if in_metres else PAPER_DEPTH_UNIT
        self._model_ref = model
        self._in_metres = in_metres
        self._placement = placement
        self._loaded = None
        self._lock = threading.Lock()

    def load(self):
        with self._lock:
            if self._loaded is None:
                self._loaded = load_pretrained_pair("DPT", self._model_ref, "DPTImageProcessorPil",
                                                    "DPTForDepthEstimation", self._placement)
        return self._loaded

    def depth_map(self, image: LoadedImage) -> np.ndarray:
        """MiDaS relative inverse depth at the image's own size (H x W, float32)."""
        torch, processor, model, placement = self.load()
        inputs = processor(images=image.rgb, return_tensors="pt")
        pixel_values = inputs["pixel_values"].to(placement.device, dtype=placement.dtype)
        with torch.inference_mode():
            outputs = model(pixel_values=pixel_values)
        outputs.predicted_depth = outputs.predicted_depth.float().cpu()  # bicubic resize in float32
        result = processor.post_process_depth_estimation(outputs, target_sizes=[(image.height, image.width)])[0]
        return result["predicted_depth"].numpy().astype(np.float32)

    def estimate_depth(self, image: LoadedImage, detections: Sequence[Detection], camera: Camera) -> list[Detection]:
        if not detections:
            return []
        return sample_at_centres(self.depth_map(image), detections, camera if self._in_metres else None)


def sample_at_centres(depth: np.ndarray, detections: Sequence[Detection], camera: Camera | None = None) -> list[Detection]:
    """z = the depth map at each box centre; with a camera, metres from one scale fitted to the geometric estimate."""
    height, width = depth.shape
    values = []
    for detection in detections:
        x, y = detection.center
        row = min(height - 1, max(0, int(y)))
        col = min(width - 1, max(0, int(x)))
        values.append(float(depth[row, col]))
    if camera is None:
        return [replace(d, z=round(v, 4)) for d, v in zip(detections, values)]
    # Inverse depth is proportional to 1/distance: distance = scale / value, with the scale that best agrees with the
    # geometric distances (median of their products, robust to one odd size prior).
    geometric = estimate_distances(detections, camera)
    products = [g.distance_m * v for g, v in zip(geometric, values) if v > 0 and g.distance_m]
    if not products:
        return list(geometric)  # MiDaS gave no usable value: the geometric estimate alone
    scale = median(products)
    results = []
    for g, v in zip(geometric, values):
        metres = round(scale / v, 2) if v > 0 else g.distance_m
        results.append(replace(g, z=metres, distance_m=metres))
    return results
