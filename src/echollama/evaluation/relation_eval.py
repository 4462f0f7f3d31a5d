"""Relation claims said, judged against what a person saw (evaluation/photos/relation_labels.json).

Each relation a description says ("a dog in front of the bicycle") is found with the claim parser, tied to the
computed relation that bears it out (and so to two detections), and the detections to the hand-labelled objects by
their boxes (IoU >= 0.5, best first; the same label, or one the labels accept for that object, as the listener
judge does: the porch's pickup labelled "truck" may be heard as "car"). It is right when the labels list it as true; a relation the
labels do not list, or about an object no labelled box matches, counts as wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from echollama.evaluation.detection import IOU_MATCH
from echollama.evaluation.labelled_set import PHOTOS_DIR, LabelledImage
from echollama.language.claim_parser import parse, split_sentences
from echollama.language.relation_claims import meant_pairs, relation_claims, verdict
from echollama.scene.dedupe import iou
from echollama.types import Relation, Scene

Triple = tuple[int, str, int]
NO_RELATION_LABELS: dict[str, frozenset[Triple]] = {"true": frozenset(), "false": frozenset()}  # an unlabelled photo's


@cache
def relation_labels() -> dict[str, dict[str, frozenset[Triple]]]:
    """Per photo, its true and false relations as (subject, kind, object) label indices, in one form each."""
    raw = json.loads((PHOTOS_DIR / "relation_labels.json").read_text(encoding="utf-8"))["photos"]
    return {
        name: {side: frozenset(canonical(*t) for t in entry[side]) for side in ("true", "false")}
        for name, entry in raw.items()
    }


def canonical(subject: int, kind: str, other: int) -> Triple:
    """One form per fact: 'a behind b' is 'b in front of a', 'a next to b' is the same both ways."""
    if kind == "behind":
        return other, "in front of", subject
    if kind == "next to":
        return min(subject, other), kind, max(subject, other)
    return subject, kind, other


def said_relations(text: str, scene: Scene) -> list[Relation]:
    """The computed relations a text says: for each relation claim the scene bears out, the relation of every pair
    of objects it could mean (the gate keeps a claim only when all of them hold)."""
    said: list[Relation] = []
    for sentence in split_sentences(text):
        for claim in relation_claims(parse(sentence)):
            if claim.subject is None or verdict(claim, scene) is not None:
                continue
            for a, b in meant_pairs(claim, scene):
                said += [r for r in scene.relations if {r.subject, r.object} == {a, b}][:1]
    return said


def _labelled_index(scene: Scene, photo: LabelledImage) -> dict[int, int]:
    """Detection index -> labelled object index, greedy by IoU (>= IOU_MATCH), highest score first."""
    matched: dict[int, int] = {}
    for i, detection in sorted(enumerate(scene.detections), key=lambda item: -item[1].score):
        candidates = [
            (iou(detection.box, o.box), k)
            for k, o in enumerate(photo.objects)
            if detection.label in o.names and k not in matched.values()
        ]
        best, k = max(candidates, default=(0.0, -1))
        if best >= IOU_MATCH:
            matched[i] = k
    return matched


@dataclass(frozen=True)
class JudgedRelation:
    said: str  # "dog in front of bicycle"
    right: bool
    why: str  # "labelled true", "labelled false", "not labelled", "no labelled box for ..."

    def to_dict(self) -> dict:
        return {"said": self.said, "right": self.right, "why": self.why}


def _on_labelled_boxes(relation: Relation, index: dict[int, int]) -> bool:
    """Whether both its objects matched a labelled box (`index`: detection -> labelled object)."""
    return relation.subject in index and relation.object in index


def _judged(relation: Relation, index: dict[int, int], labels: dict) -> JudgedRelation:
    """One relation, right or wrong by the photo's relation labels (`index`: detection -> labelled object)."""
    said = f"{relation.subject_label} {relation.kind} {relation.object_label}"
    if not _on_labelled_boxes(relation, index):
        return JudgedRelation(said, False, "no labelled box for one of them")
    fact = canonical(index[relation.subject], relation.kind, index[relation.object])
    if fact in labels["true"]:
        return JudgedRelation(said, True, "labelled true")
    return JudgedRelation(said, False, "labelled false" if fact in labels["false"] else "not labelled")


def judge_relations(text: str, scene: Scene, photo: LabelledImage) -> list[JudgedRelation]:
    """Each relation the text says, right or wrong by the photo's relation labels."""
    labels = relation_labels().get(photo.name, NO_RELATION_LABELS)
    index = _labelled_index(scene, photo)
    return [_judged(relation, index, labels) for relation in said_relations(text, scene)]


def summarise_relations(per_photo: dict[str, list[JudgedRelation]]) -> dict:
    """How many relation claims were said over the photos, and the share right."""
    judged = [j for rows in per_photo.values() for j in rows]
    right = sum(j.right for j in judged)
    return {
        "said": len(judged),
        "right": right,
        "share_right": right / len(judged) if judged else None,
        "photos_with_a_relation": sum(bool(rows) for rows in per_photo.values()),
        "wrong": [f"{name}: {j.said} ({j.why})" for name, rows in per_photo.items() for j in rows if not j.right],
    }


def relation_line(key: str, summary: dict) -> str:
    """One line for `echollama eval`: relation claims said, and how many were right."""
    share = summary["share_right"]
    right = "-" if share is None else f"{share:.0%}"
    return f"{key}: relation claims said {summary['said']}, right {right}"


def _in_group(relation: Relation, scene: Scene) -> bool:
    """Whether either end is one of several objects of its label ("one of the people holding a glass")."""
    labels = [d.label for d in scene.detections]
    return labels.count(relation.subject_label) > 1 or labels.count(relation.object_label) > 1


def computed_relation_figures(scenes: dict[str, Scene], photos: dict[str, LabelledImage]) -> dict:
    """Every relation perception computed (said or not), judged by the labels as said ones are, apart for relations
    between lone objects (those a description may say) and those inside a group (not said: which one?)."""
    labels = relation_labels()
    figures: dict[str, dict] = {
        side: {"computed": 0, "judged": 0, "right": 0, "no_box": 0, "wrong": []} for side in ("lone", "group")
    }
    for name, scene in scenes.items():
        if name not in photos:
            continue
        facts = labels.get(name, NO_RELATION_LABELS)
        index = _labelled_index(scene, photos[name])
        for relation in scene.relations:
            tally = figures["group" if _in_group(relation, scene) else "lone"]
            tally["computed"] += 1
            judged = _judged(relation, index, facts)
            if not _on_labelled_boxes(relation, index):
                tally["no_box"] += 1
                tally["wrong"].append(f"{name}: {judged.said} (no labelled box)")
                continue
            tally["judged"] += 1
            tally["right"] += judged.right
            if not judged.right:
                tally["wrong"].append(f"{name}: {judged.said} ({judged.why})")
    return figures


def computed_relation_line(figures: dict) -> str:
    """One line for `echollama eval`: every computed relation, lone and in groups, right against the labels."""

    def part(side: str) -> str:
        f = figures[side]
        strict = f"{f['right'] / f['computed']:.0%}" if f["computed"] else "-"
        judged = f"{f['right'] / f['judged']:.0%}" if f["judged"] else "-"
        return f"{side} {f['computed']} (right {f['right']}: {strict}; on labelled boxes {f['judged']}, right {judged})"

    return f"relations computed: {part('lone')}; {part('group')}"
