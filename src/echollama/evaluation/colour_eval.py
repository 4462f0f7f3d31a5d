"""Colours said, against colour_labels.json: how often the colour words are right, and how often a clear colour is said.

Each detection is matched to a labelled object (a name the label accepts, LabelledObject.names; IoU >= 0.5, greedy
by IoU), as the relation and fine-name evals match: "a white car" said of a white pickup labelled "truck, also car"
is its colour said. A colour counts as said when its detection carries one and is certain (uncertain "possibly"
objects never get a colour: language/colour_words.py). A colour said on an object a person saw no clear colour in
counts as wrong; one on a detection that matches no labelled object (a false detection) is not judged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from echollama.evaluation.detection import IOU_MATCH
from echollama.evaluation.labelled_set import COLOUR_LABELS_FILE, PHOTOS_DIR, LabelledImage, labelled_images
from echollama.scene.dedupe import iou
from echollama.types import Detection, Scene

ColourLabels = dict[int, tuple[str, ...] | None]  # labelled object index -> accepted phrases, None: no clear colour
# The labelled set's; heldout/colour_labels.json is the held-out set's.
COLOUR_LABELS = PHOTOS_DIR / COLOUR_LABELS_FILE


@cache
def colour_labels(path: Path = COLOUR_LABELS) -> dict[str, ColourLabels]:
    """Photo name -> its colour labels, from a file in colour_labels.json's schema."""
    raw = json.loads(path.read_text(encoding="utf-8"))["photos"]
    return {
        photo: {int(i): None if words is None else tuple(words) for i, words in entries.items()}
        for photo, entries in raw.items()
    }


def matched(detections: list[Detection], item: LabelledImage) -> dict[int, Detection]:
    """Labelled object index -> the detection matched to it."""
    pairs = sorted(
        (
            (iou(d.box, o.box), i, j)
            for i, o in enumerate(item.objects)
            for j, d in enumerate(detections)
            if d.label in o.names
        ),
        reverse=True,
    )
    found: dict[int, Detection] = {}
    used: set[int] = set()
    for overlap, i, j in pairs:
        if overlap >= IOU_MATCH and i not in found and j not in used:
            found[i] = detections[j]
            used.add(j)
    return found


def _terms(words: str) -> frozenset[str]:
    """'brown and black' and 'black and brown' are the same two-tone."""
    return frozenset(words.split(" and "))


def said_colour(detection: Detection) -> str | None:
    return detection.colour.words if detection.colour is not None and detection.certain else None


def colour_figures(
    scenes: Mapping[str, Scene],
    labels: Mapping[str, ColourLabels] | None = None,
    photos: Sequence[LabelledImage] | None = None,
) -> dict:
    """Right / wrong colours said and the share of clear-colour objects that got one, over the photos in `scenes`;
    by default against the labelled set's colour labels and photos (`echollama eval`)."""
    labels = colour_labels() if labels is None else labels
    right = wrong = said_clear = clear = clear_found = clear_named = 0
    wrong_cases: list[str] = []
    for item in labelled_images() if photos is None else photos:
        if item.name not in scenes:
            continue
        found = matched(scenes[item.name].detections, item)
        for index, accepted in labels.get(item.name, {}).items():
            clear += accepted is not None
            detection = found.get(index)
            if detection is None:
                continue
            clear_found += accepted is not None
            clear_named += accepted is not None and detection.certain
            words = said_colour(detection)
            if words is None:
                continue
            if accepted is not None and _terms(words) in {_terms(a) for a in accepted}:
                right += 1
                said_clear += 1
            else:
                wrong += 1
                said_clear += accepted is not None
                wrong_cases.append(f"{item.name} {index} {detection.label}: said {words}, labelled {accepted}")
    said = right + wrong
    return {
        "said": said,
        "right": right,
        "right_share": right / said if said else None,
        "clear_colour_objects": clear,
        "clear_colour_objects_detected": clear_found,
        "said_share": said_clear / clear if clear else None,
        "said_share_of_detected": said_clear / clear_found if clear_found else None,
        "clear_colour_objects_named": clear_named,  # detected and named plainly, not "possibly"
        "said_share_of_named": said_clear / clear_named if clear_named else None,
        "wrong": wrong_cases,
    }


def on_hand_drawn_boxes(
    colourer, labels: Mapping[str, ColourLabels] | None = None, photos: Sequence[LabelledImage] | None = None
) -> dict:
    """The same figures with the colours measured in the labels' own boxes, every object taken as sure: a harder and
    larger test (far, small and half-hidden objects the detector misses) of the colour rule alone."""
    scenes = {}
    for item in labelled_images() if photos is None else photos:
        image = item.load()
        detections = item.as_detections()
        scenes[item.name] = Scene(image.width, image.height, colourer.colour(image.rgb, detections), "", "metres")
    return colour_figures(scenes, labels, photos)


def colour_line(figures: dict) -> str:
    """One line for `echollama eval`."""

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    hand = figures.get("hand_drawn_boxes")
    on_hand = f"; on the labels' own boxes {hand['said']} said, {pct(hand['right_share'])} right" if hand else ""
    return (
        f"colour words said: {figures['said']}, right {pct(figures['right_share'])} against the labels; "
        f"said for {pct(figures['said_share'])} of {figures['clear_colour_objects']} labelled clear-colour objects "
        f"({pct(figures['said_share_of_detected'])} of the {figures['clear_colour_objects_detected']} detected, "
        f"{pct(figures['said_share_of_named'])} of the {figures['clear_colour_objects_named']} named plainly){on_hand}"
    )
