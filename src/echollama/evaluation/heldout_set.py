"""The held-out labelled photos (evaluation/photos/heldout/labels.json): 26 photos no threshold or band was fitted
on, unlike the labelled set (aerial views, birds, a space shuttle, empty streets and landscapes, portraits, and
animals, vehicles and a ball of clear colour for the colour labels, heldout/colour_labels.json). Two colour rules
were drawn from two of them (object_colour.py: no potted plant is coloured, potted_plant; no tie is white,
grace_hopper, whose tie is also in a test): their colour figures are not out of sample for those two objects.
They measure the default detector out of sample (`echollama bench heldout`); `echollama eval` keeps to labels.json.
"""

from __future__ import annotations

from pathlib import Path

from echollama.evaluation.labelled_set import (
    LABELS_FILE,
    PHOTOS_DIR,
    LabelledImage,
    photo_entries,
    photos_in,
    setting_labels,
)

# Each set's folder holds its labels.json, fine_labels.json and colour_labels.json (labelled_set.LABELS_FILE...; the
# held-out ones judged by eye as the labelled set's are). "labelled" is what `echollama eval` scores.
SET_FOLDERS = {"labelled": PHOTOS_DIR, "heldout": PHOTOS_DIR / "heldout"}
SETS = tuple(SET_FOLDERS)
HELDOUT_DIR = SET_FOLDERS["heldout"]


def heldout_images() -> list[LabelledImage]:
    return photo_set("heldout")


def heldout_settings() -> dict[str, tuple[bool | None, tuple[str, ...]]]:
    """Photo name -> (indoors: True, False or None when unclear by eye, the place phrases that fit)."""
    return setting_labels(photo_entries(set_file("heldout")))


def set_file(name: str, file: str = LABELS_FILE) -> Path:
    """One of the named set's label files (labelled_set.LABELS_FILE, FINE_LABELS_FILE, COLOUR_LABELS_FILE)."""
    if name not in SET_FOLDERS:
        raise ValueError(f"no photo set named {name!r} (choose from {', '.join(SETS)})")
    return SET_FOLDERS[name] / file


def photo_set(name: str) -> list[LabelledImage]:
    """The photos of the named set."""
    return list(photos_in(set_file(name)))
