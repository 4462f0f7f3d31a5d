"""The bundled sample photo and scikit-image's sample photos, used by tests, benchmarks, training and evaluation
(the hand-labelled set that names what is in them lives in evaluation/labelled_set.py)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np

from echollama.errors import EchollamaError

SAMPLE_IMAGE = Path(str(files("echollama").joinpath("data/coffee.jpg")))  # scikit-image's coffee photo, CC0


def skimage_rgb(name: str) -> np.ndarray:
    """An RGB uint8 sample image from scikit-image (a dev dependency; its photos ship inside its wheel)."""
    try:
        from skimage import data
    except ImportError:
        raise EchollamaError("the labelled images come from scikit-image; run: pip install 'echollama[dev]'") from None
    image = getattr(data, name)()
    if name == "stereo_motorcycle":
        image = image[0]  # the left view; [1] is the right view and [2] the disparity
    return np.ascontiguousarray(image[..., :3], dtype=np.uint8)
