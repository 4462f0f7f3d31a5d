"""Memory across photos (or frames): the latest scenes, what changed between the last two, where a thing was last seen.

A plain class over Scenes, so a conversation, a server session or a live camera loop can each keep one. Answers are
composed from the stored scenes in the narration's words (pure code, table-tested), never guessed by the LLM.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from echollama.language import narration
from echollama.language.facts import Grounding, ground
from echollama.scene.words import counted, more_things, number_word, plural
from echollama.types import Detection, PlacedText, Scene

# Photos kept: enough for "two photos ago" after a few turns; older places are too stale to act on.
MEMORY_SCENES = 5
# Kinds of object named in one "what changed" answer per side (added, gone); the rest are counted.
MAX_CHANGED_GROUPS = 4

NO_EARLIER_PHOTOS = "I do not remember any earlier photos."
_CHANGED = re.compile(
    r"\b(what(?:'s| is| has)? changed|what(?:'s| is) (?:new|different)|anything (?:new|different|changed)|"
    r"(?:any|what) changes|differen(?:t|ce) (?:from|since|to) (?:the )?(?:last|previous|earlier))\b",
    re.IGNORECASE,
)
_PAST = re.compile(r"\b(where (?:was|were|did)|last (?:see|seen|saw)|did you see|have you seen)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Sighting:
    """Where objects with one label were in an earlier scene; `ago` = 1 for the scene before the current one."""

    label: str
    members: tuple[Detection, ...]  # nearest first
    scene: Scene
    ago: int


@dataclass(frozen=True)
class Changes:
    """What differs between two scenes: objects only in the newer (added), only in the older (removed)."""

    added: tuple[Detection, ...]
    removed: tuple[Detection, ...]
    kept: tuple[Detection, ...]  # in the newer scene, matched to one in the older


class SceneMemory:
    """The `capacity` latest scenes, oldest first; the last one is the current scene."""

    def __init__(self, capacity: int = MEMORY_SCENES) -> None:
        if capacity < 2:
            raise ValueError("a memory needs room for at least two scenes to compare")
        self._scenes: deque[Scene] = deque(maxlen=capacity)

    @property
    def scenes(self) -> list[Scene]:
        return list(self._scenes)

    def remember(self, scene: Scene) -> None:
        self._scenes.append(scene)

    def forget(self) -> int:
        """Forget every scene before the current one; returns how many were forgotten."""
        earlier = max(0, len(self._scenes) - 1)
        current = self._scenes[-1] if self._scenes else None
        self._scenes.clear()
        if current is not None:
            self._scenes.append(current)
        return earlier

    def last_seen(self, label: str) -> Sighting | None:
        """The most recent earlier scene holding `label` (the current scene is not searched)."""
        earlier = list(self._scenes)[:-1]
        for ago, scene in enumerate(reversed(earlier), start=1):
            members = [d for d in scene.detections if d.label == label]
            if members:
                members.sort(key=lambda d: (not d.certain, narration.nearness(d, scene)))
                return Sighting(label, tuple(members), scene, ago)
        return None

    def changes(self) -> Changes | None:
        """What changed from the previous scene to the current one; None with fewer than two scenes."""
        if len(self._scenes) < 2:
            return None
        return compare(self._scenes[-2], self._scenes[-1])


def compare(older: Scene, newer: Scene) -> Changes:
    """Match objects of the same label between two scenes, nearest directions first; the unmatched came or went.

    The camera may have moved between photos, so a match needs only the same label; direction decides which of
    several same-label objects pair up."""
    added: list[Detection] = []
    removed: list[Detection] = []
    kept: list[Detection] = []
    for label in dict.fromkeys(d.label for d in [*newer.detections, *older.detections]):
        before = [d for d in older.detections if d.label == label]
        after = [d for d in newer.detections if d.label == label]
        pairs = sorted(
            (
                (abs(narration.azimuth(a, newer) - narration.azimuth(b, older)), i, j)
                for i, a in enumerate(after)
                for j, b in enumerate(before)
            ),
        )
        matched_after: set[int] = set()
        matched_before: set[int] = set()
        for _, i, j in pairs:
            if i not in matched_after and j not in matched_before:
                matched_after.add(i)
                matched_before.add(j)
        kept += [d for i, d in enumerate(after) if i in matched_after]
        added += [d for i, d in enumerate(after) if i not in matched_after]
        removed += [d for j, d in enumerate(before) if j not in matched_before]
    return Changes(tuple(added), tuple(removed), tuple(kept))


def ground_with_memory(question: str, scene: Scene, vocabulary: Iterable[str], memory: SceneMemory) -> Grounding:
    """`facts.ground`, plus what the memory holds: "what changed?" is answered from the last two scenes, and an
    object asked about that is not here now is placed where it was last seen."""
    if asks_what_changed(question):
        sentences = changes_sentences(memory)
        spoken = " ".join(" ".join(sentences).split())  # pieces cut mid-sentence already end with a space
        return Grounding(facts=spoken, pieces=tuple(sentences), remembered=True)

    def recall(label: str) -> str | None:
        sighting = memory.last_seen(label)
        if sighting is not None:
            return last_seen_sentence(sighting)
        if asks_about_the_past(question):
            return never_seen_sentence(label) if len(memory.scenes) > 1 else NO_EARLIER_PHOTOS
        return None

    return ground(question, scene, vocabulary, recall=recall)


def asks_what_changed(question: str) -> bool:
    return bool(_CHANGED.search(question))


def asks_about_the_past(question: str) -> bool:
    return bool(_PAST.search(question))


def photos_ago(ago: int, unit: str = "photo") -> str:
    """'in the previous photo', 'two photos ago'."""
    return f"in the previous {unit}" if ago == 1 else f"{number_word(ago)} {plural(unit)} ago"


def last_seen_sentence(sighting: Sighting, unit: str = "photo") -> PlacedText:
    """'I last saw the cup two photos ago, on your left, about 1 metre away.' Said from where it was."""
    scene, members = sighting.scene, list(sighting.members)
    nearest = members[0]
    place = narration.where(nearest, scene) or "in the picture"
    when = photos_ago(sighting.ago, unit)
    if len(members) == 1:
        what = (
            f"I last saw the {sighting.label}"
            if nearest.certain
            else f"I may have seen {narration.article(sighting.label)}"
        )
        text = f"{what} {when}, {place}."
    else:
        what = "I last saw" if nearest.certain else "I may have seen"
        text = f"{what} {counted(sighting.label, len(members))} {when}, the nearest {place}."
    return PlacedText(text, narration.azimuth(nearest, scene))


def never_seen_sentence(label: str, unit: str = "photo") -> str:
    return f"I have not seen any {plural(label)} in the earlier {plural(unit)} I remember either."


def changes_sentences(memory: SceneMemory, unit: str = "photo") -> list[str]:
    """'New since the last photo: a dog straight ahead, ...', 'Gone: the cup that was slightly left, ...': the
    sentences, those about new things cut where each member is placed (PlacedText, heard from there)."""
    changes = memory.changes()
    if changes is None:
        return [f"I have no earlier {unit} to compare this one with."]
    older, newer = memory.scenes[-2], memory.scenes[-1]
    changes = _worth_saying(changes)
    if not changes.added and not changes.removed:
        still = narration.overview(_groups(changes.kept, newer))
        return [f"Nothing has changed since the last {unit}" + (f": I still see {still}." if still else ".")]
    sentences: list[str] = []
    added = _groups(changes.added, newer)
    for index, members in enumerate(added[:MAX_CHANGED_GROUPS]):
        opener = f"New since the last {unit}" if index == 0 else "Also new"
        pieces = narration.group_phrase_pieces(members, newer, max_members=1)  # each member from its side
        # "New since the last photo: a dog …", but "New since the last photo — two chairs: one …" (one colon a sentence)
        pieces[0] = pieces[0].but(f"{opener}{' —' if ':' in ''.join(pieces) else ':'} {pieces[0]}")
        pieces[-1] = pieces[-1].but(f"{pieces[-1]}.")
        sentences += pieces
    sentences += _more(added)
    kept_labels = {d.label for d in changes.kept}
    removed = _groups(changes.removed, older)
    for index, members in enumerate(removed[:MAX_CHANGED_GROUPS]):
        opener = "Gone" if index == 0 else "Also gone"
        phrase = _gone_phrase(members, older, some_left=members[0].label in kept_labels)
        sentences.append(PlacedText(f"{opener}: {phrase}.", narration.azimuth(members[0], older)))
    sentences += _more(removed)
    if changes.kept:
        sentences.append(f"Still there: {narration.overview(_groups(changes.kept, newer))}.")
    return sentences


def _worth_saying(changes: Changes) -> Changes:
    """Without the unsure detections that came or went beside sure ones of their kind still there: "possibly a
    person gone" beside "still there: at least four people" is the detector's noise, not a change."""
    kept = {d.label for d in changes.kept}

    def real(detections: tuple[Detection, ...]) -> tuple[Detection, ...]:
        return tuple(d for d in detections if d.certain or d.label not in kept)

    return Changes(real(changes.added), real(changes.removed), changes.kept)


def _gone_phrase(members: list[Detection], scene: Scene, some_left: bool) -> str:
    """'the cup that was slightly left, within reach', 'one person that was on your right', 'two chairs, the nearest
    on your left, about 2 metres away'."""
    label, nearest = members[0].label, members[0]
    place = narration.where(nearest, scene) or "in the picture"
    if len(members) == 1 and not nearest.certain:
        return f"possibly {narration.article(label)}, which was {place}"
    if len(members) == 1:
        return f"{'one' if some_left else 'the'} {label} that was {place}"
    maybe = "" if narration.any_sure(members) else "possibly "
    return f"{maybe}{counted(label, len(members))}, the nearest {place}"


def _groups(detections: Iterable[Detection], scene: Scene) -> list[list[Detection]]:
    """Detections grouped and ordered as the narration orders them."""
    return narration.groups(
        Scene(scene.width, scene.height, list(detections), "", scene.depth_unit, camera=scene.camera)
    )


def _more(ordered: list[list[Detection]]) -> list[str]:
    rest = sum(len(g) for g in ordered[MAX_CHANGED_GROUPS:])
    return [f"And {more_things(rest)}."] if rest else []


def describe_forgetting(forgotten: int, unit: str = "photo") -> str:
    if not forgotten:
        return f"There were no earlier {plural(unit)} to forget."
    return f"I have forgotten the {counted('earlier ' + unit, forgotten)}; I only remember this one."
