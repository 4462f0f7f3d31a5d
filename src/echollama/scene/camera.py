"""The pinhole camera we assume for a photo: focal length in pixels from EXIF, else a default field of view.

Both the spoken directions and the geometric distances depend on it, so it is decided once per image.
"""

from __future__ import annotations

import math

from echollama.types import Camera

# With no EXIF focal length we assume a 60° horizontal field of view: between a phone main camera (about 67° for a
# 26 mm-equivalent lens on a 4:3 frame) and a normal 50 mm lens (about 40°).
DEFAULT_HORIZONTAL_FOV_DEG = 60.0

# A "35 mm-equivalent" focal length gives the same *diagonal* angle of view as on a 36 x 24 mm frame, so it converts
# through the diagonal (43.27 mm); mapping 36 mm onto the long side is 4 % off for a 4:3 phone photo.
FILM_35MM_DIAGONAL_MM = math.hypot(36.0, 24.0)


def camera_for(width: int, height: int, focal_35mm: float | None = None) -> Camera:
    """Camera for a width x height image: EXIF 35 mm-equivalent focal length if known, else the default field of view.

    The default is a *horizontal* field of view and is applied to the width, portrait or landscape alike, so the
    left/right wording never depends on how the phone was held.
    """
    if focal_35mm:
        return Camera(width, height, focal_35mm / FILM_35MM_DIAGONAL_MM * math.hypot(width, height), "exif")
    focal = (width / 2.0) / math.tan(math.radians(DEFAULT_HORIZONTAL_FOV_DEG) / 2.0)
    return Camera(width, height, focal, "default field of view")


def horizontal_fov_degrees(camera: Camera) -> float:
    return math.degrees(2.0 * math.atan(camera.width / 2.0 / camera.focal_px))
