"""The held-out labelled photos (evaluation/photos/heldout/labels.json): 26 photos no threshold or band was fitted
on, unlike the labelled set (aerial views, birds, a space shuttle, empty streets and landscapes, portraits, and
animals, vehicles and a ball of clear colour for the colour labels, heldout/colour_labels.json). Two colour rules
were drawn from two of them (object_colour.py: no potted plant is coloured, potted_plant; no tie is white,
grace_hopper, whose tie is also in a test): their colour figures are not out of sample for those two objects.
They measure the default detector out of sample (`echollama bench heldout`); `echollama eval` keeps to labels.json.
"""

from __future__ import annotations

import json
from functools import cache

from echollama.evaluation.labelled_set import PHOTOS_DIR, LabelledImage, labelled_images, photos_in

HELDOUT_LABELS = PHOTOS_DIR / "heldout" / "labels.json"
SETS = ("labelled", "heldout")


@cache
def heldout_images() -> tuple[LabelledImage, ...]:
    return photos_in(HELDOUT_LABELS)


@cache
def heldout_settings() -> dict[str, tuple[bool | None, tuple[str, ...]]]:
    """Photo name -> (indoors: True, False or None when unclear by eye, the place phrases that fit)."""
    raw = json.loads(HELDOUT_LABELS.read_text(encoding="utf-8"))["photos"]
    return {name: (e["setting"]["indoors"], tuple(e["setting"]["places"])) for name, e in raw.items()}


def photo_set(name: str) -> list[LabelledImage]:
    """The photos of the named set: "labelled" (labels.json, what `echollama eval` scores) or "heldout"."""
    if name == "heldout":
        return list(heldout_images())
    if name == "labelled":
        return labelled_images()
    raise ValueError(f"no photo set named {name!r} (choose from {', '.join(SETS)})")


@cache
def heldout_fine_labels() -> dict:
    """Photo name -> {"objects": [{label, box, fine}]}: the held-out objects of clear kind and the fine names a
    listener accepts for them (heldout/fine_labels.json, judged by eye as ../fine_labels.json is)."""
    return json.loads((HELDOUT_LABELS.parent / "fine_labels.json").read_text(encoding="utf-8"))["photos"]


def heldout_colour_labels() -> dict:
    """Photo name -> {labelled object index: the colour phrases a listener accepts, None: no clear colour}
    (heldout/colour_labels.json, judged by eye as ../colour_labels.json is; the colour rule was fitted on neither
    these labels nor these photos, but for its potted plant and tie rules: see the module's notes)."""
    from echollama.evaluation.colour_eval import colour_labels

    return colour_labels(HELDOUT_LABELS.parent / "colour_labels.json")
