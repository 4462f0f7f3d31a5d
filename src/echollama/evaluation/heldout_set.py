"""The held-out labelled photos (evaluation/photos/heldout/labels.json): 26 photos no threshold or band was fitted
on, unlike the labelled set (aerial views, birds, a space shuttle, empty streets and landscapes, portraits, and
animals, vehicles and a ball of clear colour for the colour labels, heldout/colour_labels.json). Two colour rules
were drawn from two of them (object_colour.py: no potted plant is coloured, potted_plant; no tie is white,
grace_hopper, whose tie is also in a test): their colour figures are not out of sample for those two objects.
They measure the default detector out of sample (`echollama bench heldout`); `echollama eval` keeps to labels.json.
"""

from __future__ import annotations

from pathlib import Path

from echollama.evaluation.labelled_set import PHOTOS_DIR, LabelledImage, photo_entries, photos_in, setting_labels

# Each set's folder holds its labels.json, fine_labels.json and colour_labels.json (the held-out ones judged by eye
# as the labelled set's are).
HELDOUT_DIR = PHOTOS_DIR / "heldout"
HELDOUT_LABELS = HELDOUT_DIR / "labels.json"
SETS = ("labelled", "heldout")


def heldout_images() -> tuple[LabelledImage, ...]:
    return photos_in(HELDOUT_LABELS)


def heldout_settings() -> dict[str, tuple[bool | None, tuple[str, ...]]]:
    """Photo name -> (indoors: True, False or None when unclear by eye, the place phrases that fit)."""
    return setting_labels(photo_entries(HELDOUT_LABELS))


def set_folder(name: str) -> Path:
    """The folder of the named set's label files: "labelled" (what `echollama eval` scores) or "heldout"."""
    folders = dict(zip(SETS, (PHOTOS_DIR, HELDOUT_DIR), strict=True))
    if name not in folders:
        raise ValueError(f"no photo set named {name!r} (choose from {', '.join(SETS)})")
    return folders[name]


def photo_set(name: str) -> list[LabelledImage]:
    """The photos of the named set (set_folder)."""
    return list(photos_in(set_folder(name) / "labels.json"))
