"""Paper depth: MiDaS/DPT (`Intel/dpt-hybrid-midas`); z is the depth map at the box centre, as the paper does.

MiDaS gives relative inverse depth (bigger = nearer), affine-invariant: true inverse depth = scale * MiDaS + shift
with unknowns per image. Optionally (not the paper's way) it is turned into metres by fitting those to the embedded
geometric estimator: scale and shift by least squares when two or more objects have estimates, scale alone with one.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from echollama.models.torch_device import Placement, load_pretrained_pair
from echollama.paper import PAPER_DEPTH_MODEL, PAPER_DEPTH_UNIT
from echollama.scene.geometric_depth import estimate_distances
from echollama.scene.image import LoadedImage
from echollama.types import Camera, Detection


class DptDepthEstimator:
    def __init__(
        self, model: str | Path = PAPER_DEPTH_MODEL, in_metres: bool = False, placement: Placement | None = None
    ) -> None:
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
                self._loaded = load_pretrained_pair(
                    "DPT", self._model_ref, "DPTImageProcessorPil", "DPTForDepthEstimation", self._placement
                )
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


def sample_at_centres(
    depth: np.ndarray, detections: Sequence[Detection], camera: Camera | None = None
) -> list[Detection]:
    """z = the depth map at each box centre; with a camera, metres from MiDaS fitted to the geometric estimate."""
    height, width = depth.shape
    values = []
    for detection in detections:
        x, y = detection.center
        row = min(height - 1, max(0, int(y)))
        col = min(width - 1, max(0, int(x)))
        values.append(float(depth[row, col]))
    if camera is None:
        return [replace(d, z=round(v, 4)) for d, v in zip(detections, values)]
    geometric = estimate_distances(detections, camera)
    fit = fit_inverse_depth(values, [g.distance_m for g in geometric])
    if fit is None:
        return list(geometric)  # MiDaS gave no usable value: the geometric estimate alone
    scale, shift = fit
    results = []
    for g, v in zip(geometric, values):
        inverse = scale * v + shift
        metres = round(1.0 / inverse, 2) if v > 0 and inverse > 0 else g.distance_m
        results.append(replace(g, z=metres, distance_m=metres))
    return results


def fit_inverse_depth(midas: Sequence[float], metres: Sequence[float | None]) -> tuple[float, float] | None:
    """(scale, shift) with 1 / metres ~ scale * midas + shift over the objects that have both values.

    Least squares in inverse depth with two or more objects; with one, or where the affine fit would reverse MiDaS's
    order (scale <= 0, the geometry disagreeing with it), the shift is 0 and the scale is the median ratio, which
    keeps MiDaS's order. None when no object has a usable pair.
    """
    pairs = [(v, 1.0 / m) for v, m in zip(midas, metres) if v > 0 and m]
    if not pairs:
        return None
    x, y = (np.array(column, dtype=np.float64) for column in zip(*pairs))
    if len(pairs) >= 2 and np.ptp(x) > 0:
        scale, shift = np.polyfit(x, y, 1)
        if scale > 0:
            return float(scale), float(shift)
    return float(np.median(y / x)), 0.0
