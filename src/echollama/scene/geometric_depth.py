"""Embedded depth: metric distance per object from geometry alone, since no depth network ships offline.

Two cues, both from a pinhole camera with focal length f (EXIF, else a default field of view):
- size: an object of real height H spanning h pixels is f*H/h metres away (width likewise, trusted less);
- ground plane: for an object standing on the floor, the pixel rows between its bottom edge and the horizon (the
  image's middle row for a level camera) give f*camera_height/rows. The camera height is itself estimated from the
  scene's size cues, so the ground cue mostly evens out one object's odd size prior against the others.
Cues are combined by a weighted geometric mean; boxes cut by the image border do not vote on that axis.
Both cues measure depth along the optical axis (z); the distance a listener hears is the range along the line of
sight, z / cos(bearing): an object at the picture's edge is farther than its z says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from statistics import median

from echollama.scene.grid import bearing_degrees
from echollama.scene.image import LoadedImage
from echollama.scene.size_priors import FALLBACK_SIZE_M, SIZE_PRIORS_M, STANDS_ON_FLOOR
from echollama.types import Camera, Detection

DEFAULT_CAMERA_HEIGHT_M = 1.4  # a phone held at chest height by a standing adult
_CAMERA_HEIGHT_RANGE_M = (0.3, 2.5)
_DISTANCE_RANGE_M = (0.2, 100.0)
_EDGE_PX = 2.0  # a box this close to the border is taken as cut off there
_MIN_ROWS_BELOW_HORIZON = 0.05  # fraction of the image height; nearer the horizon the ground cue blows up
_WEIGHTS = {"height": 2.0, "width": 1.0, "ground": 1.5}


class GeometricDepthEstimator:
    name = "geometric-size-and-ground"
    unit = "metres"

    def estimate_depth(self, image: LoadedImage, detections: Sequence[Detection], camera: Camera) -> list[Detection]:
        return estimate_distances(detections, camera)


def size_cues(detection: Detection, camera: Camera) -> dict[str, float]:
    """Distances implied by the object's pixel height and width, for the axes its box is not cut off on."""
    real_height, real_width = SIZE_PRIORS_M.get(detection.label, FALLBACK_SIZE_M)
    x1, y1, x2, y2 = detection.box
    cues = {}
    if y1 > _EDGE_PX and y2 < camera.height - _EDGE_PX:
        cues["height"] = camera.focal_px * real_height / detection.height
    if x1 > _EDGE_PX and x2 < camera.width - _EDGE_PX:
        cues["width"] = camera.focal_px * real_width / detection.width
    return cues


def _rows_below_horizon(detection: Detection, camera: Camera) -> float | None:
    """Pixel rows from the horizon down to the object's foot, when the ground cue can be trusted."""
    if detection.label not in STANDS_ON_FLOOR or detection.box[3] >= camera.height - _EDGE_PX:
        return None
    rows = detection.box[3] - camera.height / 2.0
    return rows if rows > _MIN_ROWS_BELOW_HORIZON * camera.height else None


def _weighted_geometric_mean(cues: dict[str, float]) -> float:
    total = sum(_WEIGHTS[name] for name in cues)
    return math.exp(sum(_WEIGHTS[name] * math.log(value) for name, value in cues.items()) / total)


def estimate_camera_height(detections: Sequence[Detection], camera: Camera) -> float:
    """Camera height that makes the floor-standing objects' ground cue agree with their size cue (median)."""
    heights = []
    for detection in detections:
        rows = _rows_below_horizon(detection, camera)
        cues = size_cues(detection, camera)
        if rows is not None and cues:
            heights.append(_weighted_geometric_mean(cues) * rows / camera.focal_px)
    if not heights:
        return DEFAULT_CAMERA_HEIGHT_M
    low, high = _CAMERA_HEIGHT_RANGE_M
    return min(high, max(low, median(heights)))


def estimate_distances(detections: Sequence[Detection], camera: Camera) -> list[Detection]:
    """Each detection with `z` (metres along the optical axis) and `distance_m` (metres along the line of sight)."""
    camera_height = estimate_camera_height(detections, camera)
    results = []
    for detection in detections:
        cues = size_cues(detection, camera)
        rows = _rows_below_horizon(detection, camera)
        if rows is not None:
            cues["ground"] = camera.focal_px * camera_height / rows
        if cues:
            depth = _weighted_geometric_mean(cues)
        else:
            # Cut off on every side: the object fills the view, so it is at most as far as its smaller axis says.
            real_height, real_width = SIZE_PRIORS_M.get(detection.label, FALLBACK_SIZE_M)
            depth = camera.focal_px * min(real_height / detection.height, real_width / detection.width)
        depth = min(_DISTANCE_RANGE_M[1], max(_DISTANCE_RANGE_M[0], depth))
        sight_line = depth / math.cos(math.radians(bearing_degrees(detection.center[0], camera)))
        results.append(replace(detection, z=round(depth, 2), distance_m=round(sight_line, 2)))
    return results
