"""The gate between the LLM and the listener's ear. Default-deny: an LLM sentence is spoken because it was shown safe,
not because no rule caught it.

A blind listener cannot check what they hear, so positions, distances, counts, clock hours, nearness, certainty and
absence are said only by code (language/narration.py, language/facts.py). An LLM sentence is spoken only if it makes
none of those claims, contradicts nothing (language/claims.py `contradictions`), and names only objects the scene
holds (by any name: synonyms, plurals, hypernyms such as "vehicle" or "pet") or nouns from the reviewed allow-list
(kinds of place, materials, weather, time of day: language/vocabulary.py). Dropped besides: physical things
perception cannot know (stairs, doors, kerbs), talk to or about the listener, our models, detectors or fact sheet.
A colour is spoken only where perception measured that colour for
that object (scene/object_colour.py). An unsure object stays unsure: its hedge ("possibly") must be in its own clause. Readouts (coordinates, scores,
markdown) are repaired where cutting them leaves the meaning, else dropped. Every drop says why.
A relation between two objects ("the cup on the table", "a man riding a horse") is spoken only when perception
computed it from the boxes (language/relation_claims.py); one it contradicts or did not compute is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from echollama.language import claims
from echollama.language.claim_parser import ParsedSentence, Said, clause_start, parse
from echollama.language.readouts import readouts, repair
from echollama.language.relation_claims import relation_reasons
from echollama.types import Scene

# Claim kinds only code may make, as each reason names them.
_CODE_ONLY = {
    "position": "position",
    "height": "position",
    "clock": "clock hour",
    "distance": "distance",
    "nearness": "nearness",
    "certainty": "certainty",
    "negation": "absence",
    "listener": "listener",
    "machinery": "machinery",
    "guidance": "safety advice",
    "alone": "absence",
}
# "another dog", "a second chair", "more people": a count of what the scene holds, said by the LLM.
_ANOTHER = re.compile(
    r"\b(?:another|second|third|fourth|other|others|more|extra|additional|further)\s+(?:[a-z-]+\s+)?$", re.I
)
_PLACING = ("position", "height", "clock", "distance", "nearness")
_DANGLING = re.compile(r"\b(?:is|are|was|were|at|in|on|of|the|a|an|with|and)\W*$", re.IGNORECASE)  # a repair cut it


@dataclass(frozen=True)
class Verdict:
    """What may be spoken of one sentence: kept as is, repaired, or dropped, and why ("category: detail")."""

    action: str  # "keep", "repair" or "drop"
    text: str  # what to speak; "" when dropped
    reasons: tuple[str, ...] = ()

    @property
    def spoken(self) -> bool:
        return self.action != "drop"


def check_sentence(sentence: str, scene: Scene) -> Verdict:
    """Keep, repair or drop one LLM sentence before it is spoken, judged against `scene` alone."""
    original = sentence.strip()
    found = readouts(original)
    text = repair(original) if found else original
    repaired = [f"repaired {r}" for r in found]
    left = readouts(text)
    if left:
        return Verdict("drop", "", tuple(left))
    if not re.search(r"[A-Za-z]", text) or (text != original and _DANGLING.search(text)):
        return Verdict("drop", "", (*repaired, "nothing left to say"))
    problems = claims.contradictions(text, scene) + unsaid_by_the_llm(parse(text), scene)
    if problems:
        return Verdict("drop", "", tuple(dict.fromkeys(problems)))
    return Verdict("repair", text, tuple(repaired)) if text != original else Verdict("keep", text)


def unsaid_by_the_llm(parsed: ParsedSentence, scene: Scene) -> list[str]:
    """What in a sentence only code may say, or nobody: one reason per claim, "category: the words"."""
    clocks = parsed.of_kind("clock")
    # A relation ("on the table", "behind the bus") is judged against the computed relations, not as a position.
    reasons, relation_spans = relation_reasons(parsed, scene)
    for said in parsed.said:
        if said.kind == "position" and any(_overlaps(said, c) for c in clocks):
            continue  # "at 9 o'clock" is a clock hour, said once
        if any(start <= said.start < end for start, end in relation_spans):
            continue
        if said.kind in _CODE_ONLY:
            reasons.append(f"{_CODE_ONLY[said.kind]}: {said.words}")
    if not parsed.mentions and any(s.kind in _PLACING for s in parsed.said):
        reasons.append("unnamed: places something without naming an object the scene holds")
    reasons += _counts(parsed, scene)
    reasons += unmeasured_colours(parsed, scene)
    for noun in parsed.nouns:
        if noun.kind == "unknowable":
            reasons.append(f"unknowable: {noun.words}")
        elif noun.kind == "unknown":
            reasons.append(f"not in the scene: {noun.words}")
    return reasons


def _counts(parsed: ParsedSentence, scene: Scene) -> list[str]:
    """Numbers and quantifiers ("three", "a couple of", "both"), and plurals of what the scene holds once."""
    reasons = []
    counted: list[Said] = []  # the number words of those counts, said once
    for m in parsed.mentions:
        if m.negated:
            continue
        more = _ANOTHER.search(parsed.text[clause_start(parsed.text, m.start) : m.start])
        if more:
            reasons.append(f"count: {more.group(0).strip()} {m.word}")
        if m.count is not None:
            reasons.append(f"count: {m.count.words} {m.word}")
            counted += [n for n in parsed.of_kind("number") if n.end <= m.start and n.words in m.count.words]
            continue
        held = sum(d.label in m.labels for d in scene.detections)
        if m.plural and 0 < held < 2:
            reasons.append(f"count: {m.word}, but the scene holds one")
    inside = parsed.of_kind("distance", "clock") + counted
    for number in parsed.of_kind("number"):
        if not any(_overlaps(number, s) for s in inside) and number.words.lower() != "one":
            reasons.append(f"count: {number.words}")
    return list(dict.fromkeys(reasons))


def unmeasured_colours(parsed: ParsedSentence, scene: Scene) -> list[str]:
    """Colours said of nothing perception measured a colour for: the LLM cannot see the photo, so "a yellow bus" is a
    guess from the noun, and a listener who cannot check would take it as seen. (Measured ones are checked by
    claims.contradictions.)"""
    reasons = []
    present = [m for m in parsed.mentions if not m.negated and not m.general]
    for said in parsed.of_kind("colour"):
        owner = claims.colour_owner(present, said, parsed.text)
        measured = owner is not None and any(d.colour and d.label == owner.label for d in scene.detections)
        if not measured:
            reasons.append(f"colour not measured: {said.words}" + (f" {owner.word}" if owner else ""))
    return reasons


def _overlaps(a: Said, b: Said) -> bool:
    return a.start < b.end and b.start < a.end


def category(reason: str) -> str:
    """The kind of a drop reason, for tallies: 'position', 'count', 'not in the scene', 'coordinates', ..."""
    head = reason.split(":", 1)[0].removeprefix("repaired ")
    wrong = re.match(r"wrong (\w+)", head)
    if wrong:
        return {"side": "position", "height": "position", "clock": "clock hour", "extreme": "nearness"}.get(
            wrong.group(1), wrong.group(1)
        )
    if head.startswith("said to be absent"):
        return "absence"
    if head.startswith("said as certain"):
        return "unsure said as sure"
    if head.startswith("a distance in metres"):
        return "distance"
    return head
