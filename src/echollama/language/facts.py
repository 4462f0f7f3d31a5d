"""Grounded answers to questions, computed from the Scene alone: where each named object is, how far, how many.

A blind listener cannot check what they hear, so position answers do not depend on the LLM: these sentences open
the spoken answer; the LLM continues after them. They use the narration's words (`language/narration.py`), so an
answer never places an object differently from the description. Pure code, table-tested.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from echollama.language import narration
from echollama.language.colour_words import group_colour
from echollama.language.relation_phrases import relation_of
from echollama.language.text_answers import text_answer
from echollama.scene.words import (
    SPOKEN_NAMES,
    counted,
    plural,
    singular_name,
)
from echollama.types import Detection, PlacedText, Scene


@dataclass(frozen=True)
class Grounding:
    """What the scene says about the objects a question names."""

    present: tuple[str, ...] = ()  # labels asked about that the detector found
    absent: tuple[str, ...] = ()  # known labels asked about that it did not find
    facts: str = ""  # sentences to open the answer with; empty when the question names no known object
    details: dict = field(default_factory=dict)

    spatial: bool = False  # the question only asks where, how far, how many or whether something is there
    text: str = ""  # the answer from the text stage, when the question asks to read or names words read
    pieces: tuple[str, ...] = ()  # the facts' sentences, those about one object placed at it (PlacedText)
    remembered: bool = False  # answered from earlier photos (what changed, where something was)

    @property
    def settles_it(self) -> bool:
        """The facts are the whole answer (a spatial question about known objects, or only about absent ones, or a
        question about the text: an LLM cannot read, and a small one would invent lettering)."""
        return (
            bool(self.text)
            or self.remembered
            or (bool(self.absent or self.present) and (self.spatial or not self.present))
        )


def direction(detection: Detection, scene: Scene) -> str:
    """'straight ahead', 'slightly left', 'on your far right, at 2 o'clock'."""
    return narration.direction(detection, scene)


def distance(detection: Detection, scene: Scene) -> str:
    """'within reach', 'about 2 metres away' (or 'the nearest thing' when the depth is only relative)."""
    return narration.distance(detection, scene)


def where(detection: Detection, scene: Scene) -> str:
    """'slightly left, about 2 metres away'."""
    return narration.where(detection, scene) or "in the picture"


def describe_label(label: str, members: list[Detection], scene: Scene, counting: bool = False) -> str:
    """Where the objects with this label are, nearest first, counted and hedged as the narration does: a kind with
    one sure member is said plainly, all of it ("at least three chairs"); a kind the detector was only unsure of is
    hedged. `counting` ("how many") says a number even for one."""
    members = sorted(members, key=lambda d: narration.nearness(d, scene))
    sure = narration.any_sure(members)
    count = len(members)
    name = singular_name(label)
    if count == 1:
        if sure:
            name = f"{group_colour(members)} {name}".lstrip()  # "the black dog": measured colours only
            related = relation_of(members[0], scene).lstrip(",")  # " on the table,", " possibly on the table,"
            return (
                f"I can see one {name}. " if counting else ""
            ) + f"The {name} is{related} {where(members[0], scene)}."
        one = f"one {name}" if counting else narration.article(label)
        return f"I am not sure, but there may be {one} {where(members[0], scene)}."
    many = ("at least " if count >= 3 and sure else "") + counted(label, count)
    opening = "I can see" if sure else "I am not sure, but there may be"
    return f"{opening} {many}: {_places(members, scene)}."


def _places(members: list[Detection], scene: Scene) -> str:
    return "; ".join(f"one {where(d, scene)}" for d in members)


def _found_phrase(scene: Scene) -> str:
    """'I can only see at least five people and possibly two couches.': counted as the description counts them."""
    found = narration.groups(scene)
    return f"I can only see {narration.overview(found)}." if found else narration.NOTHING_SEEN


def summary(scene: Scene) -> str:
    """The whole scene as grounded sentences: what a listener hears first, before any question."""
    return " ".join(narration.narrate(scene, "normal"))


# Questions answered by the scene alone: where/how far/how many/is there ..., unless they also ask something else.
_SPATIAL = re.compile(
    r"^\s*(where|how (far|close|near|many|much further)|is there|are there|"
    r"do you see|can you see|any)\b",
    re.IGNORECASE,
)
_NOT_ONLY_SPATIAL = re.compile(
    r"\b(what|which|who|why|describe|colou?r|doing|look like|wear|kind|type)\b", re.IGNORECASE
)


_COUNT_QUESTION = re.compile(r"\bhow many\b", re.IGNORECASE)


def is_spatial_question(question: str) -> bool:
    return bool(_SPATIAL.search(question)) and not _NOT_ONLY_SPATIAL.search(question)


def mentioned_labels(question: str, vocabulary: Iterable[str]) -> list[str]:
    """Known labels a question names, by label, plural or common spoken name; longest names match first."""
    text = " " + " ".join(re.findall(r"[a-z]+", question.lower())) + " "
    names: dict[str, str] = {}
    for label in vocabulary:
        names[label] = label
        names[plural(label)] = label
    for spoken, label in SPOKEN_NAMES.items():
        if label in names.values():
            names.setdefault(spoken, label)
            names.setdefault(plural(spoken), label)
    found: list[str] = []
    for name in sorted(names, key=len, reverse=True):
        if f" {name} " in text:
            text = text.replace(f" {name} ", "  ")  # "dining table" must not also count as "table"
            if names[name] not in found:
                found.append(names[name])
    return found


def ground(
    question: str,
    scene: Scene,
    vocabulary: Iterable[str],
    recall: Callable[[str], str | None] | None = None,
) -> Grounding:
    """The facts the scene holds about what `question` names or asks to read (nothing when it names neither).

    `recall(label)` says where an object not in this scene was last seen (the conversation's memory of earlier
    photos), or None."""
    groups = _by_label(scene.detections)
    labels = mentioned_labels(question, set(vocabulary) | set(groups))
    present = tuple(label for label in labels if label in groups)
    absent = tuple(label for label in labels if label not in groups)
    counting = bool(_COUNT_QUESTION.search(question))  # "how many" deserves a number even for a single object
    sentences: list[str] = [
        PlacedText(
            describe_label(label, groups[label], scene, counting),
            _nearest_azimuth(groups[label], scene),
        )
        for label in present
    ]
    for label in absent:
        sentences.append(f"I cannot see any {plural(label)} here.")
        last_seen = recall(label) if recall is not None else None
        if last_seen:
            sentences.append(last_seen)
    if absent and not present:
        sentences.append(_found_phrase(scene))
    text = text_answer(question, scene.text, scene.detections, scene.width, labels)
    if text:
        sentences.append(text)
    details = {label: len(groups[label]) for label in present} | {label: 0 for label in absent}
    return Grounding(
        present=present,
        absent=absent,
        facts=" ".join(sentences),
        details=details,
        spatial=is_spatial_question(question),
        text=text,
        pieces=tuple(sentences),
    )


def _nearest_azimuth(members: list[Detection], scene: Scene) -> float:
    """Where a group is heard from: its nearest sure member (the one its sentence places first)."""
    sure = [d for d in members if d.certain] or members
    return narration.azimuth(min(sure, key=lambda d: narration.nearness(d, scene)), scene)


def _by_label(detections: Iterable[Detection]) -> dict[str, list[Detection]]:
    groups: dict[str, list[Detection]] = {}
    for detection in detections:
        groups.setdefault(detection.label, []).append(detection)
    return groups
