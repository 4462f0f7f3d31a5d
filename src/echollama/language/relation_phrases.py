"""The relations the description says, and their words: "a cup on the table straight ahead, within reach", "a person
riding a horse on your left", "a dog in front of the bicycle".

Pure code over the scene's computed relations (scene/relations.py). Each is said inside the phrase of the object it
is about, right after its name, so a relation never needs a sentence of its own; at most two in a brief description,
the most useful kinds first (riding, holding, on, then in front of / behind, then next to), nearest first.
"""

from __future__ import annotations

from echollama.scene.words import singular_name
from echollama.types import Detection, Relation, Scene

# How many relations each detail level says (None: every one that can be said).
MAX_RELATIONS = {"brief": 2, "normal": 4, "full": None}
_USEFUL_FIRST = ("riding", "holding", "on", "in front of", "next to")
# Shorter names for the object of a relation: "on the table", not "on the dining table".
_SHORT_NAMES = {"dining table": "table"}


def relation_words(relation: Relation, scene: Scene, from_object: bool = False) -> str:
    """What follows the named object, up to the comma before its place: ' on the table,', ' behind the bus,' (said
    from the relation's object's side), or ', possibly on the table,' when the detector was unsure of the table
    (and sure of the named object: "possibly a tv next to the person" is hedged once)."""
    named = scene.detections[relation.object if from_object else relation.subject]
    other = scene.detections[relation.subject if from_object else relation.object]
    kind = "behind" if from_object else relation.kind
    words = f"{kind} the {_SHORT_NAMES.get(other.label, singular_name(other.label))}"
    return f" {words}," if other.certain or not named.certain else f", possibly {words},"


def _alone(label: str, scene: Scene) -> bool:
    return sum(d.label == label for d in scene.detections) == 1


def spoken_relations(scene: Scene, sayable: set[int], detail: str = "brief") -> dict[int, tuple[Relation, bool]]:
    """Which relation each object's phrase carries, by detection index: (the relation, whether the object says it
    from the relation's other end, "behind"). `sayable` holds the detections whose phrase can carry one (a single
    object of its kind, placed on its own). At most one per object, and MAX_RELATIONS[detail] in all."""
    chosen: dict[int, tuple[Relation, bool]] = {}
    limit = MAX_RELATIONS.get(detail)
    for relation in sorted(scene.relations, key=lambda r: _rank(r, scene)):
        if limit is not None and len(chosen) >= limit:
            break
        if not (_alone(relation.subject_label, scene) and _alone(relation.object_label, scene)):
            continue  # "in front of a person" among five: which one? ("the bus" names one a listener can find)
        ends = (scene.detections[relation.subject], scene.detections[relation.object])
        if relation.kind in ("in front of", "next to") and not all(d.certain for d in ends):
            continue  # "a laptop, possibly in front of the mouse" (left01.jpg): placed by a thing that may not be there
        if relation.kind == "in front of" and relation.subject not in sayable:
            carrier, from_object = relation.object, True  # "a car behind the person"
        else:
            carrier, from_object = relation.subject, False
        said = {i for r, _ in chosen.values() for i in (r.subject, r.object)}
        if carrier in sayable and carrier not in chosen and not {relation.subject, relation.object} <= said:
            chosen[carrier] = (relation, from_object)
    return chosen


def _rank(relation: Relation, scene: Scene) -> tuple[int, float]:
    subject = scene.detections[relation.subject]
    distance = subject.distance_m if subject.distance_m is not None else float("inf")
    return _USEFUL_FIRST.index(relation.kind), distance


def relation_of(detection: Detection, scene: Scene) -> str:
    """The words of the most useful relation a lone object's phrase can carry (' on the table,'), or ''."""
    index = next((i for i, d in enumerate(scene.detections) if d is detection), None)
    if index is None:
        return ""
    chosen = spoken_relations(scene, {index}, "full")
    if index not in chosen:
        return ""
    relation, from_object = chosen[index]
    return relation_words(relation, scene, from_object)


def relation_facts(scene: Scene) -> str:
    """The relations for the LLM's fact sheet, in plain words: 'the cup is on the table; the dog is in front of the
    bicycle'. Only those between objects the scene holds one of (others could not be told apart)."""
    facts = []
    for relation in sorted(scene.relations, key=lambda r: _rank(r, scene)):
        if _alone(relation.subject_label, scene) and _alone(relation.object_label, scene):
            sure = scene.detections[relation.subject].certain and scene.detections[relation.object].certain
            subject = _SHORT_NAMES.get(relation.subject_label, singular_name(relation.subject_label))
            other = _SHORT_NAMES.get(relation.object_label, singular_name(relation.object_label))
            facts.append(f"the {subject} is {'' if sure else 'possibly '}{relation.kind} the {other}")
    return "; ".join(facts)
