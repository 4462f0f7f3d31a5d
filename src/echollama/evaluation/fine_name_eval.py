"""Fine names and settings against what a person saw (evaluation/photos/fine_labels.json).

- Fine names said: each object said with a fine name ("a dog, probably a Doberman") whose box matches (IoU >= 0.5)
  a labelled object of clear kind is right when the name is one of that object's accepted names.
- Disagreements: objects whose crop named another class than the detector's; whether the detector or the crop was
  right (labels.json), and CHAIR-i of the brief descriptions under each rule (lower to "possibly", drop, correct the
  label, ignore), judged by the listener metrics.
- Settings said: indoors/outdoors and the kind of place, against the photo's setting labels.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from echollama.evaluation.detection import IOU_MATCH, iou, matches_labelled
from echollama.evaluation.labelled_set import (
    FINE_LABELS_FILE,
    PHOTOS_DIR,
    LabelledImage,
    LabelledObject,
    labelled_images,
    photo_entries,
    setting_labels,
)
from echollama.evaluation.listener import score_description, summarise_listener
from echollama.language.fine_words import fine_name_words
from echollama.language.narration import narrate
from echollama.scene.fine_names import NAME_FROM, FineNamer
from echollama.scene.imagenet_to_coco import KINDS_OF, NOT_SAID, SPOKEN_INSTEAD
from echollama.types import Detection, Scene, Setting

RULES = ("lower", "ignore", "drop", "correct")  # "lower" is what perception does (scene/fine_names.py)
# The labelled set's; heldout/fine_labels.json is the held-out set's.
FINE_LABELS = PHOTOS_DIR / FINE_LABELS_FILE
# Photo name -> (indoors: True, False or None when unclear by eye, the place phrases that fit).
SettingLabels = Mapping[str, tuple[bool | None, Collection[str]]]


def fine_labels(path: Path = FINE_LABELS) -> dict:
    """Photo name -> {"objects": [{label, box, fine}]}: the objects of clear kind and the fine names a listener
    accepts for them, from a file in fine_labels.json's schema (the labelled set's also has each photo's setting)."""
    return photo_entries(path)


def _agreeing(detection: Detection) -> bool:
    fine = detection.fine_name
    return fine is not None and fine.under == detection.label and detection.certain


NamesByBox = dict[tuple[str, tuple], tuple[str, ...]]  # (label, box) -> what that labelled object may be found as


def names_by_box(labelled: Sequence[LabelledObject]) -> NamesByBox:
    """A photo's labelled objects' `names`, by label and box (a fine label's object is one of them)."""
    return {(o.label, o.box): o.names for o in labelled}


def _accepted(detection: Detection, objects: list[dict], names_of: NamesByBox) -> list[str] | None:
    """The accepted fine names of the labelled object this detection is, or None when it is none of clear kind.
    `names_of`: the photo's names_by_box, so a van labelled "car, also truck" and found as a "truck" is judged."""
    for fine in objects:
        box = tuple(fine["box"])
        if detection.label in names_of[fine["label"], box] and iou(detection.box, box) >= IOU_MATCH:
            return [name.lower() for name in fine["fine"]]
    return None


def under_rule(scene: Scene, rule: str, certain_from: float | None) -> Scene:
    """The scene as a contradiction rule would leave it ("lower" is the scene itself)."""
    kept = []
    for d in scene.detections:
        contradicted = d.fine_name is not None and d.fine_name.under != d.label
        if not contradicted or rule == "lower":
            kept.append(d)
        elif rule == "ignore":
            kept.append(replace(d, certain=certain_from is None or d.score >= certain_from))
        elif rule == "correct" and d.fine_name is not None and d.fine_name.under:
            kept.append(replace(d, label=d.fine_name.under))
        elif rule == "correct":
            kept.append(d)  # a class under no COCO label cannot be said instead: lowered
    return replace(scene, detections=kept)


def evaluate_fine_names(analyzer, scenes: Mapping[str, Scene]) -> dict:
    """Fine names, disagreements and settings on the labelled photos among `scenes` (photo name -> the Scene
    `echollama eval` found in it)."""
    truth = {item.name: item for item in labelled_images()}
    labels = fine_labels()
    judged = {name: scene for name, scene in scenes.items() if name in labels and name in truth}
    heard = {
        rule: [
            score_description(" ".join(narrate(under_rule(scene, rule, analyzer.certain_from))), truth[name])
            for name, scene in judged.items()
        ]
        for rule in RULES
    }
    return {
        **score_scenes(judged, [truth[name] for name in judged], labels),
        "chair_i_by_rule": {rule: summarise_listener(scores)["chair_i"] for rule, scores in heard.items() if scores},
        "settings": _setting_tally(judged, setting_labels(labels)),
        "labelled_boxes": on_labelled_boxes(analyzer.fine_names) if analyzer.fine_names is not None else None,
    }


def score_scenes(scenes: dict[str, Scene], photos: Sequence[LabelledImage], labels: dict) -> dict:
    """The fine names of `scenes` (photo name -> Scene) against `labels` (photo name -> {"objects": [{label, box,
    fine}]}): computed and said (in the brief opening), judged (the box matches an object of clear kind), right; and
    the detector-vs-crop disagreements, whether the detector or the crop was right by `photos`' labels."""
    tally = {"computed": 0, "judged": 0, "right": 0, "said": 0, "said_judged": 0, "said_right": 0}
    wrong_names: list[str] = []
    disagreements: list[dict] = []
    for photo in photos:
        if photo.name not in scenes:
            continue
        scene, objects = scenes[photo.name], labels.get(photo.name, {"objects": []})["objects"]
        spoken, names_of = " ".join(narrate(scene)), names_by_box(photo.objects)
        for d in scene.detections:
            if _agreeing(d):
                said = fine_name_words(d).rstrip(",") in spoken
                _judge_name(d, _accepted(d, objects, names_of), said, tally, wrong_names, photo.name)
            elif d.fine_name is not None and d.fine_name.under != d.label:
                disagreements.append(
                    {
                        "photo": photo.name,
                        "label": d.label,
                        "crop": d.fine_name.name,
                        "crop_under": d.fine_name.under,
                        "detector_right": matches_labelled(d.label, d.box, photo.objects),
                        "crop_right": bool(d.fine_name.under)
                        and matches_labelled(d.fine_name.under, d.box, photo.objects),
                    }
                )
    return {
        **tally,
        "share_right": tally["right"] / tally["judged"] if tally["judged"] else None,
        "said_share_right": tally["said_right"] / tally["said_judged"] if tally["said_judged"] else None,
        "wrong": wrong_names,
        "disagreements": disagreements,
    }


def on_labelled_boxes(
    namer: FineNamer, photos: Sequence[LabelledImage] | None = None, labels: dict | None = None
) -> dict:
    """The crop rule alone on the labels' own boxes, every labelled object classified (not only the biggest four
    the detector found): how many labelled objects of clear kind get a fine name, and how many of those are right; and
    how many get a contradiction (always wrong here: the box holds what its label says); and what the naming threshold
    keeps out (_best_class), from the same crops. `photos` and `labels`: the labelled set and fine_labels.json unless
    given (the held-out set)."""
    photos = labelled_images() if photos is None else photos
    labels = fine_labels() if labels is None else labels
    namer = replace(namer, limit=1000)
    bands = {band: {"judged": 0, "right": 0} for _, band in BANDS}
    tally = {"objects": 0, "named": 0, "right": 0, "contradicted": 0}
    wrong: list[str] = []
    for item in photos:
        objects = labels.get(item.name, {"objects": []})["objects"]
        judged = {(o["label"], tuple(o["box"])): o["fine"] for o in objects}
        if not judged:
            continue
        # Every labelled object is passed, as perception passes every detection: one inside another's box is no
        # contradiction of it (a cup in a table's crop).
        detections = item.as_detections()
        classified = namer.classify(item.load(), detections)  # each crop once, for both figures
        named, names = namer.judge(detections, classified), namer.names()
        index = {(d.label, d.box): i for i, d in enumerate(detections)}
        for o in objects:
            probabilities = classified.get(index[o["label"], tuple(o["box"])])
            if probabilities is not None:
                _best_class(names, probabilities, o, bands)
        for d in named:
            accepted = judged.get((d.label, tuple(d.box)))
            if accepted is None:
                continue
            tally["objects"] += 1
            if d.fine_name is None:
                continue
            if d.fine_name.under != d.label:
                tally["contradicted"] += 1
                wrong.append(f"{item.name}: {d.label} contradicted by {d.fine_name.name}")
                continue
            ok = d.fine_name.name.lower() in [name.lower() for name in accepted]
            tally["named"] += 1
            tally["right"] += ok
            if not ok:
                wrong.append(f"{item.name}: {d.label} named {d.fine_name.name}")
    return {**tally, "wrong": wrong, "best_by_band": bands}


BANDS = ((NAME_FROM, "named"), (0.4, "0.4 to the naming threshold"), (0.0, "under 0.4"))


def _best_class(
    names: Sequence[str], probabilities: np.ndarray, labelled: dict, bands: dict[str, dict[str, int]]
) -> None:
    """Counts what the naming threshold keeps out, for one labelled object of clear kind whose crop the namer
    classified (big enough; FineNamer.classify): its crop's likeliest class under its label (one never said is left
    out), right or wrong, by its probability; `names`: the namer's class names (FineNamer.names)."""
    best = max(KINDS_OF[labelled["label"]], key=lambda i: probabilities[i])
    if best in NOT_SAID:
        return
    band = next(band for start, band in BANDS if probabilities[best] >= start)
    said = SPOKEN_INSTEAD.get(best, names[best])
    bands[band]["judged"] += 1
    bands[band]["right"] += said.lower() in [name.lower() for name in labelled["fine"]]


def _judge_name(
    d: Detection, accepted: list[str] | None, said: bool, tally: dict, wrong: list[str], photo: str
) -> None:
    """Counts one agreeing fine name (`accepted`: its object's accepted names, _accepted): computed (and said, when
    the brief description says it), judged, right."""
    tally["computed"] += 1
    tally["said"] += said
    if accepted is None or d.fine_name is None:
        return
    ok = d.fine_name.name.lower() in accepted
    tally["judged"] += 1
    tally["right"] += ok
    tally["said_judged"] += said
    tally["said_right"] += said and ok
    if not ok:
        wrong.append(f"{photo}: {d.label} named {d.fine_name.name}")


def judged_settings(
    scenes: Mapping[str, Scene], labels: SettingLabels
) -> list[tuple[str, Setting, bool | None, bool | None]]:
    """Each setting said in `scenes`, against `labels`: (photo, setting, whether indoors/outdoors is right or None
    when the label leaves it unclear, whether the place is right or None when none was said)."""
    judged = []
    for name, scene in scenes.items():
        if scene.setting is None:
            continue
        indoors, places = labels[name]
        side_right = None if indoors is None else scene.setting.indoors == indoors
        place_right = scene.setting.place in places if scene.setting.place else None
        judged.append((name, scene.setting, side_right, place_right))
    return judged


def _setting_tally(scenes: Mapping[str, Scene], labels: SettingLabels) -> dict:
    tally: dict = {"said": 0, "judged": 0, "right": 0, "places_said": 0, "places_right": 0, "wrong": []}
    for name, setting, side_right, place_right in judged_settings(scenes, labels):
        tally["said"] += 1
        if side_right is not None:
            tally["judged"] += 1
            tally["right"] += side_right
            if not side_right:
                tally["wrong"].append(f"{name}: {'indoors' if setting.indoors else 'outdoors'}")
        if place_right is not None:
            tally["places_said"] += 1
            tally["places_right"] += place_right
            if not place_right:
                tally["wrong"].append(f"{name}: {setting.place}")
    return tally


def summary_line(result: dict) -> str:
    """One line for `echollama eval`'s printout."""
    settings = result["settings"]
    right, said_right = (
        "-" if result[key] is None else f"{result[key]:.0%}" for key in ("share_right", "said_share_right")
    )
    setting_share = f"{settings['right'] / settings['judged']:.0%}" if settings["judged"] else "-"
    chair = ", ".join(f"{rule} {value:.1%}" for rule, value in result["chair_i_by_rule"].items() if value is not None)
    boxes = result.get("labelled_boxes")
    on_boxes = (
        f"; on the labels' own boxes: {boxes['named']} of {boxes['objects']} objects of clear kind named, "
        f"{boxes['right']} right, {boxes['contradicted']} contradicted"
        if boxes
        else ""
    )
    if boxes and boxes.get("best_by_band"):
        on_boxes += "; likeliest class under the label right by probability: " + ", ".join(
            f"{band} {t['right']}/{t['judged']}" for band, t in boxes["best_by_band"].items()
        )
    return (
        f"fine names said {result['said']} (judged {result['said_judged']}, right {said_right}); "
        f"computed {result['computed']} (judged {result['judged']}, right {right}); "
        f"detector-vs-crop disagreements {len(result['disagreements'])} (CHAIR-i by rule: {chair}); "
        f"settings said {settings['said']} (indoors/outdoors right {setting_share}), "
        f"places said {settings['places_said']} (right {settings['places_right']}){on_boxes}"
    )
