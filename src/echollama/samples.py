"""The bundled sample photo and the hand-labelled image set used by tests, benchmarks and evaluation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from echollama.errors import EchollamaError
from echollama.scene.image import LoadedImage

SAMPLE_IMAGE = Path(str(files("echollama").joinpath("data/coffee.jpg")))  # scikit-image's coffee photo, CC0


@dataclass(frozen=True)
class LabelledObject:
    label: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class LabelledImage:
    name: str
    source: str
    objects: tuple[LabelledObject, ...]

    def load(self) -> LoadedImage:
        return LoadedImage(rgb=skimage_rgb(self.source.removeprefix("skimage:")), source=self.source)


def labelled_images() -> list[LabelledImage]:
    raw = json.loads(files("echollama").joinpath("data/labels.json").read_text(encoding="utf-8"))
    return [
        LabelledImage(name, entry["source"], tuple(LabelledObject(o["label"], tuple(o["box"])) for o in entry["objects"]))
        for name, entry in raw["images"].items()
    ]


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
