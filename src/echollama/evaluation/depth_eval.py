"""Depth accuracy on the Middlebury motorcycle scene, whose stereo disparity gives true metric depth.

Calibration from scikit-image's `stereo_motorcycle` docstring. Per detected object: the median true depth inside its
box vs the estimate (metres and %); over objects: near/far order agreement (Spearman rho when 2+ objects).
"""

from __future__ import annotations

import numpy as np

from echollama.evaluation.labelled_set import labelled_images
from echollama.scene.analyze import SceneAnalyzer

FOCAL_PX, DOFFS_PX, BASELINE_MM = 994.978, 31.086, 193.001


def true_depth_map() -> np.ndarray:
    """Metres per pixel of the left view (inf where the disparity is unknown)."""
    from skimage import data

    _, _, disparity = data.stereo_motorcycle()
    with np.errstate(invalid="ignore", divide="ignore"):
        return BASELINE_MM * FOCAL_PX / (disparity + DOFFS_PX) / 1000.0


def evaluate_depth(analyzer: SceneAnalyzer) -> dict:
    item = next(i for i in labelled_images() if i.name == "motorcycle")
    scene = analyzer.analyze(item.load())
    depth = true_depth_map()
    objects = []
    for detection in scene.detections:
        x1, y1, x2, y2 = (int(round(v)) for v in detection.box)
        inside = depth[y1:y2, x1:x2]
        inside = inside[np.isfinite(inside)]
        if not inside.size or detection.distance_m is None:
            continue
        truth = float(np.median(inside))
        error = detection.distance_m - truth
        objects.append(
            {
                "label": detection.label,
                "estimated_m": detection.distance_m,
                "true_m": round(truth, 3),
                "error_m": round(error, 3),
                "error_pct": round(100 * abs(error) / truth, 1),
            }
        )
    result = {
        "image": item.name,
        "unit": scene.depth_unit,
        "objects": objects,
        "mean_abs_error_m": float(np.mean([abs(float(o["error_m"])) for o in objects])) if objects else None,  # type: ignore[arg-type]
        "mean_abs_error_pct": float(np.mean([o["error_pct"] for o in objects])) if objects else None,
        "order_spearman": None,
    }
    if len(objects) >= 2:
        from scipy.stats import spearmanr

        result["order_spearman"] = float(
            spearmanr([o["estimated_m"] for o in objects], [o["true_m"] for o in objects])[0]
        )
    return result
