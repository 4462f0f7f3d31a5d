"""Relation claims in a sentence ("the cup is on the table", "a man riding a horse", "the dog behind the bicycle"),
and whether the scene's computed relations (scene/relations.py) bear each out.

A relation is a position between two objects, so it is default-deny like every position: an LLM sentence saying one
is spoken only when code computed that relation; one the geometry contradicts ("the cup is under the table" where
the cup was found on it) is dropped as wrong, one code did not compute is dropped as unverified (the LLM cannot see,
and a relation a listener acts on, "the keys next to the phone", must come from the boxes). Part of the gate
(language/gate.py) and of `echollama eval`'s relation figures (evaluation/relation_eval.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from echollama.language.claim_parser import Mention, ParsedSentence
from echollama.scene.relations import RIDDEN
from echollama.types import Relation, Scene

# The words of a relation, as each is said, and the kind they claim.
_KIND_OF = {
    "on top of": "on", "on": "on", "upon": "on", "sits on": "on", "under": "under", "underneath": "under",
    "beneath": "under", "below": "under", "next to": "next to", "beside": "next to", "alongside": "next to",
    "riding": "riding", "rides": "riding", "ride": "riding", "rode": "riding", "on the back of": "riding",
    "holding": "holding", "holds": "holding", "hold": "holding", "held by": "held by", "carrying": "holding",
    "carries": "holding", "in front of": "in front of", "behind": "behind",
}  # fmt: skip
_WORDS = "|".join(sorted((re.escape(w) for w in _KIND_OF), key=len, reverse=True))
# The relation's words, then only articles and up to two describing words before the object's name.
_BEFORE_OBJECT = re.compile(
    r"\b(?P<words>" + _WORDS + r")\s+(?:(?:the|a|an|his|her|its|their|another|one|some)\s+)?"
    r"(?:[a-z-]+\s+){0,2}$",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(?:it|they|he|she|this|that|these|those|something|someone)\b", re.IGNORECASE)
# Words that end the subject's reach: a new clause with its own subject ("and the dog ...").
_NEW_SUBJECT = re.compile(r"[;:.!?]|\b(?:and|but|while|whereas)\b", re.IGNORECASE)


@dataclass(frozen=True)
class RelationClaim:
    """'the cup' 'on' 'the table': two mentions and the kind of relation said between them."""

    subject: Mention | None  # None: a pronoun ("it sits on the table"), which names nothing the scene can check
    kind: str  # on, under, next to, riding, holding, in front of, behind
    object: Mention
    words: str
    start: int  # where the relation's words are in the sentence
    end: int

    @property
    def said(self) -> str:
        return f"{self.subject.word if self.subject else 'it'} {self.words} {self.object.word}"


def relation_claims(parsed: ParsedSentence) -> list[RelationClaim]:
    """Each relation said between two objects the sentence names, the subject being the object named last before
    the relation's words (in the same clause or carried over a comma: "a cup, possibly on a table")."""
    claims: list[RelationClaim] = []
    mentions = list(parsed.mentions)
    for i, target in enumerate(mentions):
        start = mentions[i - 1].end if i else 0
        head = parsed.text[start : target.start]
        found = _BEFORE_OBJECT.search(head)
        if found is None or _NEW_SUBJECT.search(head[: found.start()]):
            continue
        subject: Mention | None = mentions[i - 1] if i else None
        if subject is None and not _PRONOUN.search(head[: found.start()]):
            continue  # "On the table, ...": no subject at all
        words = found.group("words").lower()
        kind = _KIND_OF[words]
        if kind == "held by" and subject is not None:
            subject, target, kind = target, subject, "holding"
        elif kind == "on" and target.labels & RIDDEN and subject is not None and "person" in subject.labels:
            kind = "riding"  # "a man on a horse"
        offset = start + found.start("words")
        claims.append(
            RelationClaim(subject, "holding" if kind == "held by" else kind, target, words, offset, offset + len(words))
        )
    return claims


def _computed(kind: str) -> str:
    """The computed kind a claimed one is checked against, and whether the claim names its ends the other way
    round ("the table under the cup" is "the cup on the table")."""
    return {"under": "on", "behind": "in front of"}.get(kind, kind)


def _reversed(kind: str) -> bool:
    return kind in ("under", "behind")


def _between(relation: Relation, a: Mention, b: Mention) -> bool:
    return relation.subject_label in a.labels and relation.object_label in b.labels


def _candidates(mention: Mention, scene: Scene) -> list[int]:
    """The detections a mention could mean: every one of its labels ("the man" may be any person)."""
    return [i for i, d in enumerate(scene.detections) if d.label in mention.labels]


def _holds(scene: Scene, kind: str, a: int, b: int) -> bool:
    """Whether code computed `kind` between detections a and b (next to either way; riding is also on)."""
    for relation in scene.relations:
        same = relation.kind == kind or (kind == "on" and relation.kind == "riding")
        ends = (relation.subject, relation.object)
        if same and (ends == (a, b) or (kind == "next to" and ends == (b, a))):
            return True
    return False


def _ends(claim: RelationClaim) -> tuple[Mention, Mention]:
    """The claim's two mentions in the computed kind's direction: 'the table under the cup' is the cup on the table."""
    assert claim.subject is not None
    return (claim.object, claim.subject) if _reversed(claim.kind) else (claim.subject, claim.object)


def meant_pairs(claim: RelationClaim, scene: Scene) -> list[tuple[int, int]]:
    """Every (subject, object) pair of detections the claim could mean, in the computed kind's direction."""
    first, second = _ends(claim)
    return [(a, b) for a in _candidates(first, scene) for b in _candidates(second, scene) if a != b]


def verdict(claim: RelationClaim, scene: Scene) -> str | None:
    """None when computed relations bear the claim out for every pair of objects it could mean; else the reason it
    is dropped: 'wrong relation: ...' when the scene holds the opposite, 'unverified relation: ...' when code
    computed nothing of the kind, or computed it for only some of the objects the words could mean ("the man behind
    the woman" among five people: which ones? a listener cannot tell, so it is not shown true)."""
    if claim.subject is None:
        return f"unverified relation: {claim.said}"
    kind = _computed(claim.kind)
    first, second = _ends(claim)
    held = [_holds(scene, kind, a, b) for a, b in meant_pairs(claim, scene)]
    if held and all(held):
        return None
    for relation in scene.relations:
        if relation.kind == kind and kind != "next to" and _between(relation, second, first):
            return f"wrong relation: {claim.said}"
        exclusive = {relation.kind, kind} <= {"on", "riding", "in front of"} and relation.kind != kind
        if exclusive and (_between(relation, first, second) or _between(relation, second, first)):
            return f"wrong relation: {claim.said}"
    if any(held):
        return f"unverified relation: {claim.said} (true of only some of the objects it could mean)"
    return f"unverified relation: {claim.said}"


def relation_reasons(parsed: ParsedSentence, scene: Scene) -> tuple[list[str], list[tuple[int, int]]]:
    """Why the relations a sentence says are dropped (empty when all are borne out), and the spans of their words,
    which the gate then does not also drop as positions or nearness."""
    claims = relation_claims(parsed)
    reasons = [r for r in (verdict(c, scene) for c in claims) if r is not None]
    return reasons, [(c.start, c.end) for c in claims]
