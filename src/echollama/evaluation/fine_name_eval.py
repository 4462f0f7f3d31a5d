"""Fine names and settings against what a person saw (evaluation/photos/fine_labels.json).

- Fine names said: each object said with a fine name ("a dog, probably a Doberman") whose box matches (IoU >= 0.5)
  a labelled object of clear kind is right when the name is one of that object's accepted names.
- Disagreements: objects whose crop named another class than the detector's; whether the detector or the crop was
  right (labels.json), and CHAIR-i of the brief descriptions under each rule (lower to "possibly", drop, correct the
  label, ignore), judged by the listener metrics.
- Settings said: indoors/outdoors and the kind of place, against the photo's setting labels.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from functools import cache

from echollama.evaluation.detection import IOU_MATCH, iou, matches_labelled
from echollama.evaluation.labelled_set import PHOTOS_DIR, LabelledImage, labelled_images
from echollama.evaluation.listener import score_description, summarise_listener
from echollama.language.fine_words import fine_name_words
from echollama.language.narration import narrate
from echollama.scene.fine_names import MIN_CROP_PX, NAME_FROM, FineNamer, padded_crop
from echollama.scene.imagenet_to_coco import KINDS_OF, NOT_SAID, SPOKEN_INSTEAD
from echollama.types import Detection, Scene

RULES = ("lower", "ignore", "drop", "correct")  # "lower" is what perception does (scene/fine_names.py)


@cache
def fine_labels() -> dict:
    return json.loads((PHOTOS_DIR / "fine_labels.json").read_text(encoding="utf-8"))["photos"]


def _agreeing(detection: Detection) -> bool:
    fine = detection.fine_name
    return fine is not None and fine.under == detection.label and detection.certain


def _accepted(detection: Detection, objects: list[dict], also: dict | None = None) -> list[str] | None:
    """The accepted fine names of the labelled object this detection is, or None when it is none of clear kind.
    `also`: (label, box) -> the other labels a listener accepts for that object (labels.json), so a van labelled
    "car" and found as a "truck" is still judged."""
    for labelled in objects:
        box = tuple(labelled["box"])
        names = {labelled["label"], *(also or {}).get((labelled["label"], box), ())}
        if detection.label in names and iou(detection.box, box) >= IOU_MATCH:
            return [name.lower() for name in labelled["fine"]]
    return None


def _also(photo: LabelledImage) -> dict:
    return {(o.label, tuple(o.box)): o.also for o in photo.objects}


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


def evaluate_fine_names(analyzer, images) -> dict:
    """Fine names, disagreements and settings on the labelled photos among `images` (name, image, truth)."""
    truth = {item.name: item for item in labelled_images()}
    labels = fine_labels()
    settings = {"said": 0, "judged": 0, "right": 0, "places_said": 0, "places_right": 0, "wrong": []}
    heard: dict[str, list] = {rule: [] for rule in RULES}
    scenes: dict[str, Scene] = {}
    for name, image, _ in images:
        if name not in labels or name not in truth:
            continue
        scene = scenes[name] = analyzer.analyze(image, read_text=False)
        for rule in RULES:
            heard[rule].append(
                score_description(" ".join(narrate(under_rule(scene, rule, analyzer.certain_from))), truth[name])
            )
        _judge_setting(scene, labels[name]["setting"], name, settings)
    return {
        **score_scenes(scenes, [truth[name] for name in scenes], labels),
        "chair_i_by_rule": {rule: summarise_listener(scores)["chair_i"] for rule, scores in heard.items() if scores},
        "settings": settings,
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
        spoken = " ".join(narrate(scene))
        for d in scene.detections:
            if _agreeing(d):
                said = fine_name_words(d).rstrip(",") in spoken
                _judge_name(d, objects, said, tally, wrong_names, photo.name, _also(photo))
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
    how many get a contradiction (always wrong here: the box holds what its label says). `photos` and `labels`: the
    labelled set and fine_labels.json unless given (the held-out set)."""
    photos = labelled_images() if photos is None else photos
    labels = fine_labels() if labels is None else labels
    bands = best_class_by_band(namer, photos, labels)
    every_object = replace(namer, limit=1000)
    tally = {"objects": 0, "named": 0, "right": 0, "contradicted": 0}
    wrong: list[str] = []
    for item in photos:
        judged = {(o["label"], tuple(o["box"])): o["fine"] for o in labels.get(item.name, {"objects": []})["objects"]}
        if not judged:
            continue
        # Every labelled object is passed, as perception passes every detection: one inside another's box is no
        # contradiction of it (a cup in a table's crop).
        named = every_object(item.load(), [Detection(o.label, 1.0, o.box) for o in item.objects])
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


def best_class_by_band(namer: FineNamer, photos: Sequence[LabelledImage], labels: dict) -> dict[str, dict[str, int]]:
    """What the naming threshold keeps out: on every labelled object of clear kind big enough to classify, the crop's
    likeliest class under the object's label (those never said left out), right or wrong, by its probability."""
    names = namer.names()
    tally = {band: {"judged": 0, "right": 0} for _, band in BANDS}
    for item in photos:
        objects = [o for o in labels.get(item.name, {"objects": []})["objects"] if o["label"] in KINDS_OF]
        if not objects:
            continue
        rgb = item.load().rgb
        for o in objects:
            x1, y1, x2, y2 = o["box"]
            if min(x2 - x1, y2 - y1) < MIN_CROP_PX:
                continue
            probabilities = namer.probabilities(padded_crop(rgb, o["box"]))
            best = max(KINDS_OF[o["label"]], key=lambda i: probabilities[i])
            if best in NOT_SAID:
                continue
            band = next(band for start, band in BANDS if probabilities[best] >= start)
            tally[band]["judged"] += 1
            tally[band]["right"] += SPOKEN_INSTEAD.get(best, names[best]).lower() in [n.lower() for n in o["fine"]]
    return tally


def _judge_name(
    d: Detection, objects: list[dict], said: bool, tally: dict, wrong: list[str], photo: str, also: dict
) -> None:
    """Counts one agreeing fine name: computed (and said, when the brief description says it), judged, right."""
    tally["computed"] += 1
    tally["said"] += said
    accepted = _accepted(d, objects, also)
    if accepted is None or d.fine_name is None:
        return
    ok = d.fine_name.name.lower() in accepted
    tally["judged"] += 1
    tally["right"] += ok
    tally["said_judged"] += said
    tally["said_right"] += said and ok
    if not ok:
        wrong.append(f"{photo}: {d.label} named {d.fine_name.name}")


def _judge_setting(scene: Scene, labelled: dict, name: str, tally: dict) -> None:
    setting = scene.setting
    if setting is None:
        return
    tally["said"] += 1
    if labelled["indoors"] is not None:
        tally["judged"] += 1
        ok = setting.indoors == labelled["indoors"]
        tally["right"] += ok
        if not ok:
            tally["wrong"].append(f"{name}: {'indoors' if setting.indoors else 'outdoors'}")
    if setting.place:
        tally["places_said"] += 1
        ok = setting.place in labelled["places"]
        tally["places_right"] += ok
        if not ok:
            tally["wrong"].append(f"{name}: {setting.place}")


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
