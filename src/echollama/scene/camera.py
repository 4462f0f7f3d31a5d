"""The pinhole camera we assume for a photo: focal length in pixels from EXIF, else a default field of view.

Both the clock directions and the geometric distances depend on it, so it is decided once per image.
"""

from __future__ import annotations

import math

from echollama.types import Camera

# With no EXIF focal length we assume a 60° horizontal field of view: between a phone main camera (about 67° for a
# 26 mm-equivalent lens on a 4:3 frame) and a normal 50 mm lens (about 40°).
DEFAULT_HORIZONTAL_FOV_DEG = 60.0

# Width of the 35 mm film frame: converts EXIF FocalLengthIn35mmFilm into pixels.
FILM_35MM_WIDTH_MM = 36.0


def camera_for(width: int, height: int, focal_35mm: float | None = None) -> Camera:
    """Camera for a width x height image; the 35 mm frame's long side maps onto the image's long side."""
    long_side = max(width, height)
    if focal_35mm:
        return Camera(width, height, focal_35mm / FILM_35MM_WIDTH_MM * long_side, "exif")
    focal = (long_side / 2.0) / math.tan(math.radians(DEFAULT_HORIZONTAL_FOV_DEG) / 2.0)
    return Camera(width, height, focal, "default field of view")
