"""The hand-labelled photo set that `echollama eval` measures against (evaluation/photos/labels.json).

Each photo names what a person sees in it: the COCO objects with a box and the horizontal third holding the box
centre, which of them a description must name, clear counts, classes a person confirmed are absent, and near/far
pairs. Loading the labels reads one small JSON file; a photo's pixels are decoded only when `load()` is called.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

from echollama.samples import skimage_rgb
from echollama.scene.image import LoadedImage, load_image
from echollama.types import Detection

THIRDS = ("left", "centre", "right")
PHOTOS_DIR = Path(str(files("echollama").joinpath("evaluation/photos")))
# Each photo set's folder holds these (the held-out set's too: heldout_set.py).
LABELS_FILE, FINE_LABELS_FILE, COLOUR_LABELS_FILE = "labels.json", "fine_labels.json", "colour_labels.json"


@dataclass(frozen=True)
class LabelledObject:
    label: str
    box: tuple[float, float, float, float]
    third: str = "centre"
    must_see: bool = False
    also: tuple[str, ...] = ()  # other words a listener would accept for this object ("pickup" for a truck)

    @property
    def names(self) -> tuple[str, ...]:
        """Every detector label this object may be found as: its label, then its `also` words (a pickup labelled
        "truck" may be found as a "car")."""
        return (self.label, *self.also)


@dataclass(frozen=True)
class LabelledImage:
    name: str
    source: str  # "photo:FILE.jpg" (in evaluation/photos) or "skimage:NAME" (scikit-image's bundled samples)
    objects: tuple[LabelledObject, ...]
    size: tuple[int, int] = (0, 0)  # width, height of the labelled pixels
    origin: dict = field(default_factory=dict)  # package, path, licence
    counts: dict[str, int] = field(default_factory=dict)
    absent: tuple[str, ...] = ()
    near_far: tuple[tuple[str, str], ...] = ()

    @property
    def labels(self) -> set[str]:
        return {o.label for o in self.objects}

    @property
    def names(self) -> set[str]:
        """Every label a detection may rightly carry here: each object's label and `also` words."""
        return {name for o in self.objects for name in o.names}

    def as_detections(self) -> list[Detection]:
        """Its labelled objects as sure detections in their own boxes (the evals' "on the labels' own boxes")."""
        return [Detection(o.label, 1.0, o.box) for o in self.objects]

    def load(self) -> LoadedImage:
        if self.source.startswith("photo:"):
            return load_image(PHOTOS_DIR / self.source.removeprefix("photo:"))
        return LoadedImage(rgb=skimage_rgb(self.source.removeprefix("skimage:")), source=self.source)


def third_of(box, width: float) -> str:
    """The horizontal third ("left", "centre", "right") holding a box's centre."""
    centre = (box[0] + box[2]) / 2
    return THIRDS[min(2, max(0, int(3 * centre // width)))]


def _photo(name: str, entry: dict) -> LabelledImage:
    objects = tuple(
        LabelledObject(o["label"], tuple(o["box"]), o["third"], bool(o["must_see"]), tuple(o.get("also", ())))
        for o in entry["objects"]
    )
    return LabelledImage(
        name,
        entry["source"],
        objects,
        tuple(entry["size"]),
        entry["origin"],
        dict(entry["counts"]),
        tuple(entry["absent"]),
        tuple(tuple(p) for p in entry["near_far"]),
    )


def _read() -> tuple[LabelledImage, ...]:
    return photos_in(PHOTOS_DIR / LABELS_FILE)


@cache
def photo_entries(labels_file: Path) -> dict[str, dict]:
    """Photo name -> its entry, as written in a labels file (labels.json, fine_labels.json, colour_labels.json)."""
    return json.loads(labels_file.read_text(encoding="utf-8"))["photos"]


@cache
def photos_in(labels_file: Path) -> tuple[LabelledImage, ...]:
    """The photos of a labels file in labels.json's schema (also evaluation/photos/heldout/labels.json)."""
    return tuple(_photo(name, entry) for name, entry in photo_entries(labels_file).items())


def setting_labels(entries: Mapping[str, dict]) -> dict[str, tuple[bool | None, tuple[str, ...]]]:
    """Photo name -> (indoors: True, False or None when unclear by eye, the place phrases that fit), from entries
    with a "setting" (the labelled set's in fine_labels.json, the held-out set's in its labels.json)."""
    return {name: (e["setting"]["indoors"], tuple(e["setting"]["places"])) for name, e in entries.items()}


def labelled_images() -> list[LabelledImage]:
    return list(_read())


def labelled_image(name: str) -> LabelledImage:
    for item in _read():
        if item.name == name:
            return item
    raise KeyError(f"no labelled photo named {name!r}")
