"""The claim checker between the LLM and the voice: what a text claims about the scene, and whether it may be said.

Claims it understands (per sentence, each attached to the nearest object mention):
  side (left / right / centre / straight ahead), height (top / bottom), clock direction ("at 2 o'clock"), distance
  ("1.5 metres"), count ("two chairs"), nearest / farthest, "in front of" / "behind" another object, absence ("no dog").
Objects are COCO labels or common synonyms; a mentioned object the scene does not contain is a hallucination.
Readouts a listener should never hear (coordinates, scores, percentages, grid-cell names, "matrix", markdown) are
found and cut by language/readouts.py; `check_sentence` decides per sentence: keep, repair (strip markdown, drop a
trailing score or coordinate clause) or drop. One checker for `echollama eval`, the Spatial-DPO pair scorer and the
live description.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from echollama.language.readouts import readouts, repair
from echollama.paper import GRID_COLS, GRID_ROWS
from echollama.scene.size_priors import SIZE_PRIORS_M
from echollama.scene.words import SPOKEN_NAMES, plural
from echollama.types import Detection, Scene

# Labels that are far more often another word in a description ("an orange suit") are not treated as objects.
_AMBIGUOUS = {"orange"}
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "several": None,
    "many": None,
}
DISTANCE_TOLERANCE = 0.5  # a spoken distance within ±50 % of the estimate agrees (the estimate itself is rough)


def _vocabulary() -> dict[str, str]:
    labels = [label for label in SIZE_PRIORS_M if label not in _AMBIGUOUS]
    words = {label: label for label in labels}
    words.update({plural(label): label for label in labels})
    words.update(SPOKEN_NAMES)
    irregular = ("people", "men", "women", "children", "someone", "anyone", "anybody", "somebody")
    words.update({plural(word): label for word, label in SPOKEN_NAMES.items() if word not in irregular})
    return words


_VOCAB = _vocabulary()
# An ambiguous label is the object in the plural, or when no noun follows it: "an orange on your left", "an orange."
_AS_OBJECT = (
    r"(?=\s*(?:[,.;:!?]|$)|\s+(?:on|in|at|to|near|by|beside|next|slightly|straight|far|about|within|and|"
    r"is|was|sits|lies)\b)"
)
_AMBIGUOUS_MENTION = "|".join(f"{re.escape(label)}{_AS_OBJECT}|{re.escape(plural(label))}" for label in _AMBIGUOUS)
_VOCAB.update({word: label for label in _AMBIGUOUS for word in (label, plural(label))})
# (?<!') keeps "o'clock" from mentioning a clock.
_MENTION = re.compile(
    r"(?<!')\b("
    + _AMBIGUOUS_MENTION
    + "|"
    + "|".join(
        sorted(map(re.escape, set(_VOCAB) - _AMBIGUOUS - {plural(a) for a in _AMBIGUOUS}), key=len, reverse=True)
    )
    + r")\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_PATTERNS = {
    # "left"/"right" only as places ("on the left", "your right", "left side"), not "right next to" or "left behind".
    "side": re.compile(
        r"\b(?:the|your|far|slightly|to)\s+(left|right)\b|\b(left|right)(?=[\s-]+(?:side|hand|of|"
        r"corner|edge)\b)|\b(cent(?:er|re)|middle|straight ahead)\b",
        re.IGNORECASE,
    ),
    "height": re.compile(r"\b(top|upper|bottom|lower)\b", re.IGNORECASE),
    "clock": re.compile(r"\b(1[0-2]|[1-9])\s*o'?\s*clock\b", re.IGNORECASE),
    "distance": re.compile(r"\b(\d+(?:\.\d+)?)\s*(m|meters?|metres?|cm|centimet(?:er|re)s?)\b", re.IGNORECASE),
    "extreme": re.compile(r"\b(closest|nearest|farthest|furthest)\b", re.IGNORECASE),
    "relation": re.compile(r"\b(in front of|behind)\b", re.IGNORECASE),
}
_CLAUSE = re.compile(r",|;|\b(?:and|but|while|whereas)\b", re.IGNORECASE)
_ABSENCE = re.compile(
    r"\b(no|not(?!\s+(?:sure|certain|quite))|without|isn't|aren't|cannot see|can't see|don't see|doesn't)\b",
    re.IGNORECASE,
)


@dataclass
class Claim:
    kind: str
    label: str
    value: object
    sentence: str
    agrees: bool | None  # None: the scene cannot settle it (e.g. no distances in a relative-depth scene)

    @property
    def why(self) -> str:
        if self.kind == "absence":
            return f"said to be absent, but the scene has it: {self.label}"
        return f"wrong {self.kind} for the {self.label}: {self.value}"


@dataclass
class GroundingReport:
    claims: list[Claim] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)  # scene-checkable object labels the text mentions
    hallucinated: list[str] = field(default_factory=list)  # mentioned as present but not in the scene
    readouts: list[str] = field(default_factory=list)  # what a listener should not hear: "score: 0.96", ...

    @property
    def checked(self) -> list[Claim]:
        return [c for c in self.claims if c.agrees is not None]

    @property
    def agreement(self) -> float | None:
        """Share of checkable spatial claims that agree with the scene (None when there are none)."""
        checked = [c for c in self.checked if c.kind != "absence"]
        return sum(bool(c.agrees) for c in checked) / len(checked) if checked else None

    @property
    def hallucination_rate(self) -> float | None:
        return len(self.hallucinated) / len(self.mentioned) if self.mentioned else None

    def score(self) -> float:
        """One number for ranking answers: agreeing claims minus disagreeing ones, invented objects and readouts."""
        agree = sum(1 for c in self.checked if c.agrees)
        disagree = sum(1 for c in self.checked if not c.agrees)
        return float(agree - disagree - 2 * len(self.hallucinated) - len(self.readouts))

    def to_dict(self) -> dict:
        return {
            "agreement": self.agreement,
            "hallucination_rate": self.hallucination_rate,
            "score": self.score(),
            "mentioned": self.mentioned,
            "hallucinated": self.hallucinated,
            "readouts": self.readouts,
            "claims": [c.__dict__ for c in self.claims],
        }


def _side(detection: Detection, scene: Scene) -> str:
    col = min(GRID_COLS - 1, int(detection.center[0] * GRID_COLS // scene.width))
    return ("left", "centre", "right")[col] if GRID_COLS == 3 else str(col)


def _row(detection: Detection, scene: Scene) -> str:
    return "top" if detection.center[1] * GRID_ROWS // scene.height == 0 else "bottom"


def _check(kind: str, value, members: list[Detection], scene: Scene, others: dict[str, list[Detection]]) -> bool | None:
    if kind == "side":
        wanted = {"center": "centre", "middle": "centre", "straight ahead": "centre"}.get(value, value)
        return any(_side(d, scene) == wanted for d in members)
    if kind == "height":
        wanted = "top" if value in ("top", "upper") else "bottom"
        return any(_row(d, scene) == wanted for d in members)
    if kind == "clock":
        return (
            any(d.clock is not None and min((d.clock - value) % 12, (value - d.clock) % 12) <= 1 for d in members)
            if any(d.clock is not None for d in members)
            else None
        )
    distances = [d.distance_m for d in members if d.distance_m is not None]
    if kind == "distance":
        return any(abs(value - d) <= DISTANCE_TOLERANCE * d for d in distances) if distances else None
    if kind == "count":  # "two chairs, and possibly another" counts the sure ones; "three chairs" all of them
        return None if value is None else value in (len(members), sum(d.certain for d in members))
    everyone = [d.distance_m for group in others.values() for d in group if d.distance_m is not None]
    if kind == "extreme":
        if not distances or len(everyone) < 2:
            return None
        return min(distances) == min(everyone) if value in ("closest", "nearest") else max(distances) == max(everyone)
    if kind == "relation":
        relation, other = value
        theirs = [d.distance_m for d in others.get(other, []) if d.distance_m is not None]
        if not distances or not theirs:
            return None
        return min(distances) < min(theirs) if relation == "in front of" else min(distances) > min(theirs)
    return None


def check_text(text: str, scene: Scene) -> GroundingReport:
    """Every claim in `text` about `scene`, each marked as agreeing, disagreeing or unverifiable."""
    by_label: dict[str, list[Detection]] = {}
    for detection in scene.detections:
        by_label.setdefault(detection.label, []).append(detection)
    report = GroundingReport()
    for sentence in filter(None, (s.strip() for s in _SENTENCE.split(text))):
        report.readouts.extend(readouts(sentence))
        mentions = [(m.start(), m.end(), _VOCAB[m.group(1).lower()], m.group(1)) for m in _MENTION.finditer(sentence)]
        if not mentions:
            continue
        negated = bool(_ABSENCE.search(sentence))
        for start, _end, label, _word in mentions:
            if negated:
                report.claims.append(Claim("absence", label, None, sentence, agrees=label not in by_label))
                continue
            report.mentioned.append(label)
            if label not in by_label and label not in report.hallucinated:
                report.hallucinated.append(label)
            count = _count_before(sentence, start)
            if count is not _NO_COUNT:
                report.claims.append(
                    Claim(
                        "count",
                        label,
                        count,
                        sentence,
                        _check("count", count, by_label.get(label, []), scene, by_label),
                    )
                )
        clauses = [0] + [m.end() for m in _CLAUSE.finditer(sentence)] + [len(sentence) + 1]
        for kind, pattern in _PATTERNS.items():
            for match in pattern.finditer(sentence):
                start, _, label, word = min(_same_clause(mentions, match, clauses), key=lambda m: _gap(m, match))
                if negated or label not in by_label:
                    continue
                if kind == "extreme" and (_plural(word, label) or _several(_count_before(sentence, start))):
                    continue  # "two chairs, the nearest on your left": nearest of them, true by construction
                value = _claim_value(kind, match, sentence, mentions, label)
                if value is None:
                    continue
                report.claims.append(
                    Claim(kind, label, value, sentence, _check(kind, value, by_label[label], scene, by_label))
                )
    report.mentioned = list(dict.fromkeys(report.mentioned))
    return report


_NO_COUNT = object()


def _count_before(sentence: str, start: int):
    """The number word right before a mention ("two chairs"), or _NO_COUNT when there is none."""
    words = sentence[:start].split()
    if not words:
        return _NO_COUNT
    word = words[-1].lower().strip(",")
    if word.isdigit():
        return int(word)
    if word in ("a", "an"):
        return _NO_COUNT  # "a chair" names one of possibly several: not a count claim
    return _NUMBERS.get(word, _NO_COUNT)


def _several(count) -> bool:
    return isinstance(count, int) and count >= 2


def _plural(word: str, label: str) -> bool:
    word = word.lower()
    return word != label and (
        word == plural(label)
        or word in ("people", "men", "women", "children", "kids")
        or word.endswith("s")
        and not label.endswith("s")
    )


def _same_clause(mentions, match, clauses):
    """Mentions in the clause holding `match`; when that clause names no object, the ones before it (a trailing
    "about 2 metres away" describes what came before), else all of the sentence's ("On the left, a chair")."""
    low = max(b for b in clauses if b <= match.start())
    high = min(b for b in clauses if b > match.start())
    inside = [m for m in mentions if low <= m[0] < high]
    return inside or [m for m in mentions if m[0] < match.start()] or mentions


def _gap(mention, match) -> int:
    start, end = mention[0], mention[1]
    return max(0, match.start() - end, start - match.end())


def _claim_value(kind, match, sentence, mentions, label):
    text = next(g for g in match.groups() if g).lower()
    if kind == "clock":
        return int(text)
    if kind == "distance":
        unit = match.group(2).lower()
        return float(text) / 100.0 if unit.startswith("c") else float(text)
    if kind == "relation":
        after = [m for m in mentions if m[0] >= match.end() and m[2] != label]
        return (text, after[0][2]) if after else None
    return text


def summarise(reports: list[GroundingReport]) -> dict:
    """Totals over many texts: agreement of all checkable spatial claims, hallucinated share of mentions."""
    claims = [c for r in reports for c in r.checked if c.kind != "absence"]
    mentioned = sum(len(r.mentioned) for r in reports)
    hallucinated = sum(len(r.hallucinated) for r in reports)
    return {
        "spatial_claims": len(claims),
        "agreement": sum(bool(c.agrees) for c in claims) / len(claims) if claims else None,
        "by_kind": {
            kind: {"claims": n, "agree": sum(c.agrees for c in claims if c.kind == kind)}
            for kind, n in Counter(c.kind for c in claims).items()
        },
        "mentions": mentioned,
        "hallucination_rate": hallucinated / mentioned if mentioned else None,
        "readouts": sum(len(r.readouts) for r in reports),
        "readouts_per_text": sum(len(r.readouts) for r in reports) / len(reports) if reports else None,
    }


# --- The verdict per sentence: keep, repair or drop ----------------------------------------------------------------
_HEDGE = re.compile(
    r"\b(possibly|maybe|perhaps|might|may|could|probably|likely|appears?|seems?|looks like|"
    r"not sure|what looks)\b",
    re.IGNORECASE,
)
_DANGLING = re.compile(
    r"\b(?:is|are|was|were|at|in|on|of|the|a|an|with|and)\W*$", re.IGNORECASE
)  # a repair cut it short
_UNIT_METRES = re.compile(r"\b\d+(?:\.\d+)?\s*(?:m|metres?|meters?|cm|centimet(?:er|re)s?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """What may be spoken of one sentence: kept as is, repaired, or dropped, and why."""

    action: str  # "keep", "repair" or "drop"
    text: str  # what to speak; "" when dropped
    reasons: tuple[str, ...] = ()

    @property
    def spoken(self) -> bool:
        return self.action != "drop"


def check_sentence(sentence: str, scene: Scene) -> Verdict:
    """Keep, repair or drop one sentence before it is spoken, judged against `scene` alone."""
    original = sentence.strip()
    found = readouts(original)
    text = repair(original) if found else original
    reasons = [f"repaired {r}" for r in found]
    left = readouts(text)
    if left:
        return Verdict("drop", "", tuple(left))
    if not re.search(r"[A-Za-z]", text) or (text != original and _DANGLING.search(text)):
        return Verdict("drop", "", (*reasons, "nothing left to say"))
    report = check_text(text, scene)
    problems = [f"not in the scene: {label}" for label in report.hallucinated]
    problems += [claim.why for claim in report.checked if not claim.agrees]
    if scene.depth_unit != "metres" and _UNIT_METRES.search(text):
        problems.append("a distance in metres, but this scene's depth is only relative")
    unsure = {d.label for d in scene.detections if not d.certain} - {d.label for d in scene.detections if d.certain}
    if not _HEDGE.search(text):
        problems += [
            f"said as certain, but the detector was unsure: {label}" for label in report.mentioned if label in unsure
        ]
    if problems:
        return Verdict("drop", "", tuple(problems))
    return Verdict("repair", text, tuple(reasons)) if text != original else Verdict("keep", text)
