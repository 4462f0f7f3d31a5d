"""What a blind listener hears, judged against the hand labels (evaluation/photos/labels.json).

Per description: the objects it names (CHAIR: named but not in the photo), objects a person marked absent that it
names anyway, its left/centre/right claims against each object's labelled third, which must-see objects it names and
places, its count and near/far claims, the readouts a listener should never hear (coordinates, scores, grid-cell
names, "matrix", markdown) and its seconds of speech.

Pure functions over plain inputs (the text, a LabelledImage, seconds of audio), so they score any variant's output.
The judge is deliberately separate from the claim checker it judges: it shares only the word lists of scene/words.py.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from echollama.evaluation.labelled_set import LabelledImage
from echollama.evaluation.listener_positions import position_words
from echollama.paper import GRID_CELL_NAMES
from echollama.scene.ssd_detector import COCO_LABELS
from echollama.scene.words import SPOKEN_NAMES, plural

# Words people use for COCO classes beyond the question vocabulary in SPOKEN_NAMES.
_MORE_NAMES = {
    "plane": "airplane",
    "aeroplane": "airplane",
    "jet": "airplane",
    "aircraft": "airplane",
    "lorry": "truck",
    "pickup": "truck",
    "van": "car",
    "automobile": "car",
    "taxi": "car",
    "scooter": "motorcycle",
    "ship": "boat",
    "yacht": "boat",
    "canoe": "boat",
    "tram": "train",
    "pony": "horse",
    "foal": "horse",
    "calf": "cow",
    "cattle": "cow",
    "lamb": "sheep",
    "doggy": "dog",
    "eagle": "bird",
    "duck": "bird",
    "gull": "bird",
    "seagull": "bird",
    "pigeon": "bird",
    "football": "sports ball",
    "soccer ball": "sports ball",
    "basketball": "sports ball",
    "tennis ball": "sports ball",
    "billiard ball": "sports ball",
    "player": "person",
    "crowd": "person",
    "pedestrian": "person",
    "guy": "person",
    "lady": "person",
    "gentleman": "person",
    "adult": "person",
    "baby": "person",
    "human": "person",
    "passenger": "person",
    "waiter": "person",
    "spectator": "person",
    "teenager": "person",
    "customer": "person",
    "shopper": "person",
    "diner": "person",
    "visitor": "person",
    "tourist": "person",
    "worker": "person",
    "athlete": "person",
    "settee": "couch",
    "tv set": "tv",
    "cellphone": "cell phone",
    "mobile phone": "cell phone",
    "purse": "handbag",
    "rucksack": "backpack",
    "luggage": "suitcase",
    "hydrant": "fire hydrant",
    "houseplant": "potted plant",
    "flowerpot": "potted plant",
    "hair dryer": "hair drier",
    "doughnut": "donut",
    "hotdog": "hot dog",
    "teddy": "teddy bear",
    "racket": "tennis racket",
    "racquet": "tennis racket",
    "necktie": "tie",
    "remote control": "remote",
    "wineglass": "wine glass",
    "stool": "chair",
    "oranges": "orange",
}
# Class names that are more often another word in a description: "an orange bus", "a remote valley", "glasses".
_NOT_OBJECTS = {"orange", "remote"}
_IRREGULAR = {"people", "men", "women", "children", "someone", "anyone", "anybody", "somebody", "oranges"}


def _vocabulary() -> dict[str, str]:
    names = {label: label for label in COCO_LABELS.values() if label not in _NOT_OBJECTS}
    names.update(SPOKEN_NAMES)
    names.update(_MORE_NAMES)
    words = dict(names)
    words.update({plural(word): label for word, label in names.items() if word not in _IRREGULAR})
    return {word: label for word, label in words.items() if word not in _NOT_OBJECTS}


VOCABULARY = _vocabulary()
_MENTION = re.compile(
    r"(?<!['\w-])(" + "|".join(sorted(map(re.escape, VOCABULARY), key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# A clause ends at punctuation or a conjunction; negation reaches only to the end of its clause ("no cat, but a dog").
_CLAUSE = re.compile(r"[,;:()]|\b(?:and|but|while|whereas|although|though)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:no|not|without|neither|nor|never|none|cannot|can't|don't|doesn't|isn't|aren't|"
    r"nothing)\b|n't\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "single": 1,
    "pair of": 2,
    "couple of": 2,
}

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
_DISTANCE = re.compile(r"\b(\d+(?:\.\d+)?)\s*(m|metres?|meters?|cm|centimet(?:re|er)s?)\b", re.IGNORECASE)


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
    return [s.strip() for s in _SENTENCE.split(_plain(text)) if s.strip()]


def _plain(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _clause_start(sentence: str, position: int) -> int:
    return max((m.end() for m in _CLAUSE.finditer(sentence, 0, position)), default=0)


_QUOTED = re.compile(r'"[^"]*"|“[^”]*”')


def mentions(text: str, extra_words: dict[str, str] | None = None) -> list[Mention]:
    """Every object the text names, with its COCO label; `negated` when its clause denies it ("no cat")."""
    pattern, vocabulary = _MENTION, VOCABULARY
    if extra_words:
        vocabulary = {**VOCABULARY, **{w.lower(): label for w, label in extra_words.items()}}
        pattern = re.compile(
            r"(?<!['\w-])(" + "|".join(sorted(map(re.escape, vocabulary), key=len, reverse=True)) + r")\b",
            re.IGNORECASE,
        )
    found = []
    for index, sentence in enumerate(sentences(text)):
        quoted = [range(q.start(), q.end()) for q in _QUOTED.finditer(sentence)]
        for match in pattern.finditer(sentence):
            if any(match.start() in span for span in quoted):
                continue  # words read off a sign ("... at the ship") are quoted text, not an object said to be there
            before = sentence[_clause_start(sentence, match.start()) : match.start()]
            found.append(
                Mention(
                    vocabulary[match.group(1).lower()],
                    match.group(1),
                    index,
                    match.start(),
                    match.end(),
                    bool(_NEGATION.search(before)),
                )
            )
    return found


def readouts(text: str) -> list[tuple[str, str]]:
    """(kind, text) for each coordinate, score, grid-cell name, jargon word or markdown mark in the text."""
    return [
        (kind, match.group(0).strip() or match.group(0))
        for kind, pattern in _READOUTS.items()
        for match in pattern.finditer(_plain(text))
    ]


def _nearest(mentions_here: list[Mention], start: int, end: int, sentence: str) -> Mention | None:
    """The object a position belongs to: in its clause the nearest before it, else after it; else the sentence's."""
    low = _clause_start(sentence, start)
    high = min((m.start() for m in _CLAUSE.finditer(sentence, end)), default=len(sentence))
    clause = [m for m in mentions_here if low <= m.start < high]
    before = [m for m in clause if m.end <= start]
    after = [m for m in clause if m.start >= end]
    if before:
        return before[-1]
    if after:
        return after[0]
    earlier = [m for m in mentions_here if m.end <= start]
    return earlier[-1] if earlier else None


def _count_before(sentence: str, start: int) -> tuple[int, bool] | None:
    """The number said right before a mention, and whether it is a lower bound ("at least five people")."""
    head = sentence[:start].lower().rstrip()
    value = None
    for word, number in _NUMBER_WORDS.items():
        if head.endswith(" " + word) or head == word:
            value, head = number, head[: -len(word)].rstrip()
            break
    else:
        digits = re.search(r"(?:^|\s)(\d+)$", head)
        if digits:
            value, head = int(digits.group(1)), head[: digits.start(1)].rstrip()
    if value is None:
        return None
    return value, bool(re.search(r"(?:^|\W)(?:at least|no fewer than|not fewer than)$", head))


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
        here = [m for m in present if m.sentence == index]
        for start, end, words, thirds in position_words(sentence):
            owner = _nearest(here, start, end, sentence)
            if owner is not None and owner.label in thirds_of:
                right = bool(thirds & thirds_of[owner.label])
                score.positions.append(PositionClaim(owner.label, words, thirds, right))
        for m in here:
            count = _count_before(sentence, m.start)
            if count is not None and m.label in photo.counts:
                said, at_least = count
                true = photo.counts[m.label]
                score.counts.append((m.label, said, said <= true if at_least else said == true))
        for match in _DISTANCE.finditer(sentence):
            owner = _nearest(here, match.start(), match.end(), sentence)
            if owner is not None:
                metres = float(match.group(1)) / (100.0 if match.group(2).lower().startswith("c") else 1.0)
                stated.setdefault(owner.label, []).append(metres)
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
