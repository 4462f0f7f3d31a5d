"""What a blind listener hears, judged against the hand labels (evaluation/photos/labels.json).

Per description: the objects it names (CHAIR: named but not in the photo), objects a person marked absent that it
names anyway, its left/centre/right claims against each object's labelled third, which must-see objects it names and
places, its count and near/far claims, the readouts a listener should never hear (coordinates, scores, grid-cell
names, "matrix", markdown) and its seconds of speech.

Pure functions over plain inputs (the text, a LabelledImage, seconds of audio), so they score any variant's output.
The judge keeps its own ground truth (the hand labels) and its own list of readouts, but reads sentences with the
same parser as the gate it judges (language/claim_parser.py): one reading of "no cat, but a dog", "three wooden
chairs" or "9 o'clock" for both. Hypernyms ("a vehicle") name no one label and are not judged.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from echollama.evaluation.labelled_set import LabelledImage
from echollama.language import claim_parser
from echollama.language.claim_parser import fold_quotes
from echollama.language.relation_claims import relation_claims
from echollama.paper import GRID_CELL_NAMES
from echollama.scene.words import plural

# Readouts: things a listener should never hear.
_READOUTS = {
    "coordinates": re.compile(
        r"\(\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)*\s*\)|\br\s*\(|\bcoordinates?\b|"
        r"\b[xy]\s*=\s*\d|\bpixels?\b",
        re.IGNORECASE,
    ),
    "score": re.compile(
        r"\b\d{1,3}(?:\.\d+)?\s*(?:%|per\s*cent\b)|\b(?:confidence|confident|probability|certainty|scores?)\b|"
        r"(?<![\d.])(?:0?\.\d+|1\.0+)(?!\d|\.\d)(?!\s*(?:m\b|metres?\b|meters?\b|cm\b|centimet|km\b|kilomet|mm\b|"
        r"feet\b|foot\b|ft\b|inch|seconds?\b|s\b|minutes?\b|hours?\b|kg\b|degrees?\b|°))",
        re.IGNORECASE,
    ),
    "grid cell": re.compile(
        r"\b(?:"
        + "|".join(re.escape(name) for row in GRID_CELL_NAMES for name in row)
        + r")\b|\bcells?\b(?!\s*phones?)",
        re.IGNORECASE,
    ),
    "jargon": re.compile(r"\b(?:matrix|bounding box(?:es)?|grid)\b", re.IGNORECASE),
    "markdown": re.compile(r"\*\*|__|`|^\s*#{1,6}\s|^\s*(?:[-*•+]|\d+[.)])\s+", re.IGNORECASE | re.MULTILINE),
}


@dataclass(frozen=True)
class Mention:
    label: str
    word: str
    sentence: int
    start: int  # offset within its sentence
    end: int
    negated: bool


@dataclass(frozen=True)
class PositionClaim:
    label: str
    said: str  # the words that placed it: "on your left", "11 o'clock"
    thirds: frozenset[str]  # the labelled thirds those words truthfully describe
    right: bool


@dataclass
class ListenerScore:
    """One description judged against one labelled photo."""

    mentioned: list[str] = field(default_factory=list)  # distinct labels named as present
    invented: list[str] = field(default_factory=list)  # named as present, but not in the photo (CHAIR)
    absent_named: list[str] = field(default_factory=list)  # named as present, marked absent by a person
    positions: list[PositionClaim] = field(default_factory=list)
    must_see: dict[str, bool] = field(default_factory=dict)  # must-see label -> named
    positioned: dict[str, bool] = field(default_factory=dict)  # labelled label -> given a position
    counts: list[tuple[str, int, bool]] = field(default_factory=list)  # (label, said, right)
    near_far: list[tuple[str, str, bool]] = field(default_factory=list)  # (nearer, farther, order right)
    readouts: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    seconds: float | None = None

    def to_dict(self) -> dict:
        return {
            "mentioned": self.mentioned,
            "invented": self.invented,
            "absent_named": self.absent_named,
            "positions": [
                {"label": p.label, "said": p.said, "thirds": sorted(p.thirds), "right": p.right} for p in self.positions
            ],
            "must_see": self.must_see,
            "positioned": self.positioned,
            "counts": [list(c) for c in self.counts],
            "near_far": [list(n) for n in self.near_far],
            "readouts": [list(r) for r in self.readouts],
            "seconds": self.seconds,
        }


def sentences(text: str) -> list[str]:
    return claim_parser.split_sentences(text)


def _plain(text: str) -> str:
    return fold_quotes(text)


def mentions(text: str, extra_words: dict[str, str] | None = None) -> list[Mention]:
    """Every object the text names, with its COCO label; `negated` when its clause denies it ("no cat")."""
    found = []
    for index, sentence in enumerate(sentences(text)):
        for m in claim_parser.parse(sentence, extra_words).mentions:
            if not m.general:
                found.append(Mention(m.label, m.word, index, m.start, m.end, m.negated))
    return found


def readouts(text: str) -> list[tuple[str, str]]:
    """(kind, text) for each coordinate, score, grid-cell name, jargon word or markdown mark in the text."""
    return [
        (kind, match.group(0).strip() or match.group(0))
        for kind, pattern in _READOUTS.items()
        for match in pattern.finditer(_plain(text))
    ]


def score_description(text: str, photo: LabelledImage, seconds: float | None = None) -> ListenerScore:
    """Judge one description (as spoken) against one labelled photo."""
    also = {word.lower(): o.label for o in photo.objects for word in o.also}
    also.update({plural(word): label for word, label in list(also.items())})
    found = mentions(text, also)
    present = [m for m in found if not m.negated]
    labels = photo.labels
    score = ListenerScore(seconds=seconds)
    score.mentioned = list(dict.fromkeys(m.label for m in present))  # an `also` word counts as its object's label
    score.invented = [label for label in score.mentioned if label not in labels]
    score.absent_named = [label for label in score.mentioned if label in photo.absent]

    thirds_of: dict[str, set[str]] = {}
    for o in photo.objects:
        thirds_of.setdefault(o.label, set()).add(o.third)
    split = sentences(text)
    stated: dict[str, list[float]] = {}
    for index, sentence in enumerate(split):
        parsed = claim_parser.parse(sentence, also)
        # "a dog in front of the bicycle, slightly left": the place is the dog's, not the bicycle's.
        related = {c.object.start for c in relation_claims(parsed) if c.subject is not None}
        here = [m for m in present if m.sentence == index and m.start not in related]
        for said in parsed.of_kind("position"):
            owner = claim_parser.owner(here, said.start, said.end, parsed.text)
            if owner is not None and owner.label in thirds_of:
                thirds = said.thirds
                score.positions.append(
                    PositionClaim(owner.label, said.words, thirds, bool(thirds & thirds_of[owner.label]))
                )
        for m in parsed.mentions:
            if m.negated or m.general or m.count is None or m.count.value is None or m.label not in photo.counts:
                continue
            said_count, true = m.count.value, photo.counts[m.label]
            score.counts.append((m.label, said_count, said_count <= true if m.count.at_least else said_count == true))
        for said in parsed.of_kind("distance"):
            owner = claim_parser.owner(here, said.start, said.end, parsed.text)
            if owner is not None and said.number is not None:
                stated.setdefault(owner.label, []).append(said.number)
    for nearer, farther in photo.near_far:
        if stated.get(nearer) and stated.get(farther):
            score.near_far.append((nearer, farther, min(stated[nearer]) < min(stated[farther])))

    named = set(score.mentioned)
    score.must_see = {label: label in named for label in dict.fromkeys(o.label for o in photo.objects if o.must_see)}
    placed = {p.label for p in score.positions}
    score.positioned = {label: label in placed for label in dict.fromkeys(o.label for o in photo.objects)}
    score.readouts = readouts(text)
    return score


def _share(hits: Iterable[bool]) -> float | None:
    hits = list(hits)
    return sum(hits) / len(hits) if hits else None


def summarise_listener(scores: list[ListenerScore]) -> dict:
    """Totals over descriptions: CHAIR-i/-s, absent named, positions, must-see, counts, readouts, speech seconds."""
    mentions_total = sum(len(s.mentioned) for s in scores)
    seconds = sorted(s.seconds for s in scores if s.seconds is not None)
    must_see_labels = [named for s in scores for named in s.must_see.values()]
    must_see_positioned = [s.positioned.get(label, False) for s in scores for label in s.must_see]
    return {
        "descriptions": len(scores),
        "object_mentions": mentions_total,
        "chair_i": sum(len(s.invented) for s in scores) / mentions_total if mentions_total else None,
        "chair_s": _share(bool(s.invented) for s in scores),
        "invented": sorted({label for s in scores for label in s.invented}),
        "absent_named": sum(len(s.absent_named) for s in scores),
        "position_claims": sum(len(s.positions) for s in scores),
        "positions_right": _share(p.right for s in scores for p in s.positions),
        "must_see_positioned": _share(must_see_positioned),
        "labelled_positioned": _share(v for s in scores for v in s.positioned.values()),
        "must_see_named": _share(must_see_labels),
        "count_claims": sum(len(s.counts) for s in scores),
        "counts_right": _share(right for s in scores for _, _, right in s.counts),
        "near_far_claims": sum(len(s.near_far) for s in scores),
        "near_far_right": _share(right for s in scores for _, _, right in s.near_far),
        "readouts_per_description": sum(len(s.readouts) for s in scores) / len(scores) if scores else None,
        "descriptions_with_readouts": _share(bool(s.readouts) for s in scores),
        "speech_s_median": statistics.median(seconds) if seconds else None,
        "speech_s_max": seconds[-1] if seconds else None,
    }


# Issue 11's "done means" for the grounded variant with the default model, as (summary key, test, wording).
TARGETS = (
    ("descriptions_with_readouts", lambda v: v == 0, "no description reads coordinates, scores, cells or markdown"),
    ("positions_right", lambda v: v >= 0.95, ">= 95% of position claims right"),
    # Over the must-see objects: the labels also hold spoons and parking meters no description needs to place.
    ("must_see_positioned", lambda v: v >= 0.90, ">= 90% of must-see objects given a position"),
    ("chair_i", lambda v: v <= 0.03, "CHAIR-i <= 3%"),
    ("absent_named", lambda v: v == 0, "no object marked absent is named"),
    ("speech_s_median", lambda v: v <= 15.0, "median speech <= 15 s"),
    ("must_see_named", lambda v: v >= 0.95, ">= 95% of must-see objects named"),
)


def targets_met(summary: dict) -> dict[str, bool | None]:
    """Each target's wording -> met (None when the summary has no figure for it)."""
    return {words: None if summary.get(key) is None else bool(test(summary[key])) for key, test, words in TARGETS}


def wav_seconds(path) -> float:
    """Seconds of audio in a WAV file (from its header)."""
    import soundfile

    return float(soundfile.info(str(path)).duration)
