"""What one sentence claims: the objects it names (by any name: synonyms, plurals, hypernyms), each with the count
said before it, whether its clause denies it ("no cat, but a dog") or hedges it ("possibly a dog"); and the positions,
clock hours, distances (any unit, in digits or words), nearness, certainty, absence and other nouns it says.

One parser for the gate (language/gate.py), the claim scorer (language/claims.py: `echollama eval`, the Spatial-DPO
pair scorer) and the listener judge (evaluation/listener.py). Pure regular expressions over the sentence with curly
quotes folded and quoted text ("a sign reading 'Dog park'") blanked out, so offsets stay those of the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol, TypeVar

from echollama.language.noun_phrases import other_nouns
from echollama.language.position_words import CLOCK, clock_hour, position_words
from echollama.language.vocabulary import (
    NOT_OBJECTS,
    NUMBER_WORDS,
    QUANTIFIERS,
    fine_name_words,
    hypernym_words,
    object_words,
)
from echollama.scene.words import PAIRED

_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"})
_QUOTED = re.compile(r'"[^"]*"|(?<!\w)\'[^\']*\'(?!\w)')
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
# A clause ends at punctuation or a conjunction: negation and hedges reach only to its end ("no cat, but a dog").
_CLAUSE = re.compile(r"[,;:()]|\s-\s|\b(?:and|but|while|whereas|although|though|yet)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:no|not(?!\s+(?:sure|certain|quite|clear))|without|neither|nor|never|none|nothing|nobody|"
    r"no one|cannot(?!\s+(?:tell|say|be sure))|can't(?!\s+(?:tell|say|be sure))|don't|doesn't|isn't|aren't|"
    r"wasn't|weren't|lacks?|lacking|absent|missing|empty)\b|n't\b",
    re.IGNORECASE,
)
HEDGE = re.compile(
    r"\b(?:possibly|maybe|perhaps|might|may|could|probably|likely|appears?|seems?|looks? like|not sure|"
    r"what looks|apparently|presumably|if)\b",
    re.IGNORECASE,
)
_UNIT_METRES = {
    "m": 1.0, "metre": 1.0, "meter": 1.0, "cm": 0.01, "centimetre": 0.01, "centimeter": 0.01, "mm": 0.001,
    "millimetre": 0.001, "millimeter": 0.001, "km": 1000.0, "kilometre": 1000.0, "kilometer": 1000.0,
    "ft": 0.3048, "foot": 0.3048, "feet": 0.3048, "inch": 0.0254, "yard": 0.9144, "yd": 0.9144, "mile": 1609.0,
    "step": 0.75, "pace": 0.75,
}  # fmt: skip
_NUMBER = r"\d+(?:\.\d+)?|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True))
_DISTANCE = re.compile(
    r"\b(?P<number>(?:" + _NUMBER + r")(?:\s+and\s+a\s+half)?|half\s+an?|an?\s+few|a\s+couple\s+of|an?|a\s+half)"
    r"(?:(?<=\d)\s*|\s*-\s*|\s+)(?P<unit>m|cm|mm|km|ft|yds?|(?:centi|milli|kilo)?met(?:re|er)s?|feet|foot|inch(?:es)?|yards?|miles?|"
    r"steps?|paces?)(?P<half>\s+and\s+a\s+half)?\b"
    r"|\bwithin\s+(?:arm's\s+)?reach\b|\barm's\s+length\b|\bwithin\s+touching\s+distance\b",
    re.IGNORECASE,
)
_HEIGHT = re.compile(
    r"\b(?:top|bottom|upper|lower|above|below|overhead|underneath|beneath|under|foreground|background|corner|edge|"
    r"on\s+top\s+of|up\s+high|down\s+low)\b",
    re.IGNORECASE,
)
_NEARNESS = re.compile(
    r"\b(?:nearest|closest|farthest|furthest|nearby|near(?:er)?|close(?:r|st|ly)?(?:\s+(?:by|to))?|far(?:ther)?|"
    r"next\s+to|beside|besides|behind|in\s+front(?:\s+of)?|between|opposite|across\s+from|away|distance|distant|"
    r"approaching|adjacent|alongside|ahead|around\s+you|by\s+the|surrounded|towards?)\b",
    re.IGNORECASE,
)
_CERTAINTY = re.compile(
    r"\b(?:definitely|certainly|clearly|surely|for sure|undoubtedly|without (?:a |any )?doubt|obviously|"
    r"absolutely|exactly|precisely|unmistakabl[ey]|I (?:can )?confirm|I am (?:sure|certain)|I'm (?:sure|certain)|"
    r"there is no doubt|guaranteed)\b",
    re.IGNORECASE,
)
_LISTENER = re.compile(
    r"\b(?:you|your|yours|yourself|listener|listeners|user|users|blind|visually impaired|sighted)\b", re.IGNORECASE
)
_MACHINERY = re.compile(
    r"\b(?:models?|AI|algorithms?|neural|detect(?:ed|ion|ions|or|ors|s)?|classif(?:ier|iers|ied|ication)|"
    r"recogni[sz](?:ed|er|ers|es|ing|ion)|identifi(?:ed|es|cation)|(?:the|these|those|my) facts?|fact sheet|"
    r"listed|the list|labels?|labell?ed|prompt|caption|data|dataset|system|software|already (?:heard|mentioned|said|"
    r"described|noted)|mentioned|heard|found in the (?:photo|picture|image)|the description|overall impression|"
    r"whole picture|estimates?|estimated|measured|sensor|camera)\b",
    re.IGNORECASE,
)
# Advice a listener could act on (walk, turn, cross, "it is safe"): never from an LLM that cannot see the way.
_GUIDANCE = re.compile(
    r"\b(?:safe(?:ly|ty)?|unsafe|danger(?:s|ous)?|hazard(?:s|ous)?|careful(?:ly)?|caution|cautious(?:ly)?|beware|"
    r"watch out|look out|mind the|avoid|approach(?:ing)?|cross(?:ing)?|walk(?:ing)? (?:forward|ahead|straight|past|"
    r"around|through)|step (?:forward|back|aside|over)|move (?:forward|ahead|on|left|right)|"
    r"go (?:straight|ahead|forward|on|left|right)|turn (?:left|right|around)|keep (?:left|right|going|walking)|"
    r"head (?:left|right|straight)|straight on|forward|room to (?:walk|move|pass)|clear (?:path|way)|"
    r"(?:path|way) is (?:clear|free|open)|trip(?:ping)?|obstruct\w*|block(?:s|ed|ing)? (?:the|your) (?:way|path))\b",
    re.IGNORECASE,
)
# Company or solitude: claims about everything else in the picture ("the dog sits alone", "has company").
_ALONE = re.compile(r"\b(?:alone|by (?:it|him|her|them)sel(?:f|ves)|on (?:its|their) own|company|only)\b", re.I)
# Colour words, by the basic term each is heard as: "the black dog", "a brown and white cup", "the bus is red".
COLOUR_TERMS = {
    **{t: t for t in ("black", "white", "grey", "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown")},
    "gray": "grey", "silver": "grey", "golden": "yellow", "gold": "yellow", "crimson": "red", "scarlet": "red",
    "maroon": "red", "navy": "blue", "turquoise": "blue", "violet": "purple", "lilac": "purple", "tan": "brown",
    "beige": "brown", "cream": "white", "ivory": "white",
}  # fmt: skip
_ONE_COLOUR = r"(?:" + "|".join(sorted(COLOUR_TERMS, key=len, reverse=True)) + r")"
_COLOUR = re.compile(
    r"(?<![\w-])" + _ONE_COLOUR + r"(?:(?:\s+and\s+|\s*-\s*|\s*/\s*)" + _ONE_COLOUR + r")?(?:-?colou?red)?\b",
    re.IGNORECASE,
)
_LOOSE_NUMBER = re.compile(r"\b(?:\d+(?:\.\d+)?|" + _NUMBER + r"|dozens?|hundreds?|thousands?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Count:
    """A number said before a mention: 3 in "three wooden chairs"; None for "several"; `at_least`: a lower bound."""

    value: int | None
    at_least: bool
    words: str


@dataclass(frozen=True)
class Mention:
    """An object named in a sentence, by `word`; `labels` it may be (one, or a hypernym's many)."""

    word: str
    label: str  # the detector label, or the hypernym itself ("vehicle") when `general`
    labels: frozenset[str]
    start: int
    end: int
    plural: bool
    negated: bool  # its clause denies it: "no cat", "without a collar"
    hedged: bool  # its clause hedges it: "possibly a dog", "what may be a dog"
    count: Count | None
    general: bool = False  # a hypernym: "a vehicle", "two pets"


@dataclass(frozen=True)
class Said:
    """A claim's words in the sentence: a position, clock hour, distance, nearness word, ..."""

    kind: str
    words: str
    start: int
    end: int
    value: frozenset[str] | float | None = None  # thirds (positions), the hour (clock), metres or None (distance),
    # basic colour terms (colour)

    @property
    def thirds(self) -> frozenset[str]:
        return self.value if isinstance(self.value, frozenset) else frozenset()

    @property
    def number(self) -> float | None:
        return self.value if isinstance(self.value, (int, float)) else None


@dataclass(frozen=True)
class ParsedSentence:
    text: str  # folded, with quoted text blanked
    mentions: tuple[Mention, ...]
    said: tuple[Said, ...]  # every claim but the mentions', in sentence order
    nouns: tuple[Said, ...]  # other nouns it names: kind "unknowable", "unknown" (or "allowed")

    def of_kind(self, *kinds: str) -> list[Said]:
        return [s for s in self.said if s.kind in kinds]


def fold_quotes(text: str) -> str:
    """Curly quotes as straight ones: "9 o’clock" is "9 o'clock"."""
    return text.translate(_FOLD)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(fold_quotes(text)) if s.strip()]


def clause_start(sentence: str, position: int) -> int:
    return max((m.end() for m in _CLAUSE.finditer(sentence, 0, position)), default=0)


def clause_end(sentence: str, position: int) -> int:
    return min((m.start() for m in _CLAUSE.finditer(sentence, position)), default=len(sentence))


class _Spanned(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


SpannedT = TypeVar("SpannedT", bound=_Spanned)


def owner(mentions: list[SpannedT], start: int, end: int, sentence: str) -> SpannedT | None:
    """The object a claim at sentence[start:end] belongs to: in its clause the nearest mention before it, else after
    it; else the last before the clause (a trailing "about 2 metres away" describes what came before). The gate and
    the eval's listener both resolve claims through this."""
    low, high = clause_start(sentence, start), clause_end(sentence, end)
    clause = [m for m in mentions if low <= m.start < high]
    before = [m for m in clause if m.end <= start]
    after = [m for m in clause if m.start >= end]
    if before:
        return before[-1]
    if after:
        return after[0]
    earlier = [m for m in mentions if m.end <= start]
    return earlier[-1] if earlier else None


def _blank_quotes(sentence: str) -> str:
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), sentence)


# "orange" is the fruit only as a noun: in the plural, or with no noun after it ("an orange on your left").
_ORANGE = (
    r"orange(?=\s*(?:[,.;:!?]|$)|\s+(?:on|in|at|to|near|by|beside|next|slightly|straight|far|about|within|"
    r"and|or|but|is|was|are|sits|lies|rests|looks|seems|here|there|with|which|that)\b)"
)
_Words = dict[str, tuple[frozenset[str], bool, bool]]  # word -> (labels, plural, general)


def _pattern(words: _Words) -> re.Pattern[str]:
    names = sorted((re.escape(w) for w in words if w not in NOT_OBJECTS), key=len, reverse=True)
    return re.compile(r"(?<!['\w-])(" + _ORANGE + "|" + "|".join(names) + r")\b", re.IGNORECASE)


@cache
def _vocabulary() -> tuple[re.Pattern[str], _Words]:
    words = {w.lower(): (frozenset({label}), many, False) for w, (label, many) in object_words().items()}
    for word, (labels, many) in hypernym_words().items():
        words.setdefault(word.lower(), (labels, many, True))
    words["orange"] = (frozenset({"orange"}), False, False)
    for word, (label, _) in fine_name_words().items():  # "a Doberman" names a dog (claims.py checks which)
        words.setdefault(word, (frozenset({label}), False, False))
    return _pattern(words), words


@lru_cache(maxsize=64)
def _with_extra(extra: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], _Words]:
    words = {**_vocabulary()[1], **{w.lower(): (frozenset({label}), False, False) for w, label in extra}}
    return _pattern(words), words


def parse(sentence: str, extra_words: dict[str, str] | None = None) -> ParsedSentence:
    """Everything `sentence` claims (see the module's docstring); `extra_words` adds names for labels (the judge's
    hand-labelled "also" words)."""
    text = _blank_quotes(fold_quotes(sentence))
    pattern, words = _vocabulary()
    if extra_words:
        pattern, words = _with_extra(tuple(sorted(extra_words.items())))
    mentions = tuple(_mention(text, m, words) for m in pattern.finditer(text))
    said = _claims(text)
    taken = [(m.start, m.end) for m in mentions] + [(s.start, s.end) for s in said]
    nouns = tuple(Said(kind, word, start, end) for kind, word, start, end in other_nouns(text, taken))
    return ParsedSentence(text, mentions, said, nouns)


def _mention(text: str, match: re.Match[str], words: _Words) -> Mention:
    word = match.group(1)
    labels, many, general = words[word.lower()]
    low, high = clause_start(text, match.start()), clause_end(text, match.end())
    before = text[low : match.start()]
    return Mention(
        word=word,
        label=next(iter(labels)) if len(labels) == 1 else word.lower(),
        labels=labels,
        start=match.start(),
        end=match.end(),
        plural=many,
        negated=bool(_NEGATION.search(before)),
        hedged=bool(HEDGE.search(text[low:high])),
        count=_count(text[low : match.start()], labels),
        general=general,
    )


_PAIRS_OF = re.compile(r"\b(?:(?P<a>an?|the)\s+)?pairs?\s+of\s*$", re.IGNORECASE)


def _count(head: str, labels: frozenset[str]) -> Count | None:
    """`count_before`, where "a pair of skis" is one of the label "skis" and "two pairs of scissors" two."""
    pairs = _PAIRS_OF.search(head) if labels <= PAIRED else None
    if pairs is None:
        return count_before(head)
    return None if pairs.group("a") else count_before(head[: pairs.start()])


_COUNT_AT_END = re.compile(
    r"(?:^|\W)(?P<bound>at least|no fewer than|not fewer than|more than|over|almost|nearly|about|around|roughly|"
    r"some)?\s*(?P<n>\d+|"
    + "|".join(sorted(map(re.escape, [*NUMBER_WORDS, *QUANTIFIERS]), key=len, reverse=True))
    + r")(?:\s+(?:more|other|others|of\s+the|separate|different|individual))?\s*$",
    re.IGNORECASE,
)
# Words between a number and its noun that are not adjectives: "three of the chairs" still counts, "three, and a
# chair" does not (the clause ends), "a chair" is not a count.
_NOT_ADJECTIVE = re.compile(
    r"^(?:a|an|the|is|are|was|were|be|there|here|of|in|on|at|with|by|for|to|from|it|its|this|that|these|those|"
    r"i|can|see|sit|sits|stand|stands|lie|lies|has|have|had)$",
    re.IGNORECASE,
)


def count_before(head: str) -> Count | None:
    """The number said at the end of `head` (the clause up to a mention), skipping up to two adjectives:
    'three wooden' -> 3, 'at least five' -> 5 (a lower bound), 'a couple of' -> 2, 'several' -> None."""
    head = head.rstrip().rstrip(",").rstrip()
    for _ in range(3):
        found = _COUNT_AT_END.search(head)
        if found:
            word = found.group("n").lower()
            bound = (found.group("bound") or "").lower()
            if word in QUANTIFIERS:
                value, at_least = QUANTIFIERS[word]
            else:
                value, at_least = (int(word) if word.isdigit() else NUMBER_WORDS[word]), False
            at_least = at_least or bound in ("at least", "no fewer than", "not fewer than", "more than", "over")
            return Count(value, at_least, found.group(0).strip())
        last = re.search(r"(?:^|\s)([A-Za-z-]+)$", head)
        if not last or _NOT_ADJECTIVE.match(last.group(1)):
            return None
        head = head[: last.start(1)].rstrip()
    return None


def _claims(text: str) -> tuple[Said, ...]:
    said: list[Said] = []
    for start, end, words, thirds in position_words(text):
        said.append(Said("position", words, start, end, thirds))
    for match in CLOCK.finditer(text):
        said.append(Said("clock", match.group(0), match.start(), match.end(), clock_hour(match.group(1))))
    for match in _DISTANCE.finditer(text):
        said.append(Said("distance", match.group(0), match.start(), match.end(), _metres(match)))
    simple = (
        ("height", _HEIGHT),
        ("nearness", _NEARNESS),
        ("certainty", _CERTAINTY),
        ("listener", _LISTENER),
        ("machinery", _MACHINERY),
        ("guidance", _GUIDANCE),
        ("alone", _ALONE),
    )
    for kind, pattern in simple:
        said += [Said(kind, m.group(0), m.start(), m.end()) for m in pattern.finditer(text)]
    for match in _NEGATION.finditer(text):
        said.append(Said("negation", match.group(0), match.start(), match.end()))
    for match in HEDGE.finditer(text):
        said.append(Said("hedge", match.group(0), match.start(), match.end()))
    for match in _COLOUR.finditer(text):
        if not match.group(0).lower().startswith("orange") or not re.match(_ORANGE, text[match.start() :], re.I):
            said.append(Said("colour", match.group(0), match.start(), match.end(), colour_terms(match.group(0))))
    for match in _LOOSE_NUMBER.finditer(text):
        said.append(Said("number", match.group(0), match.start(), match.end()))
    return tuple(sorted(said, key=lambda s: (s.start, s.kind)))


def colour_terms(words: str) -> frozenset[str]:
    """The basic colour terms of colour words: 'Brown and white' -> {brown, white}, 'gray' -> {grey}."""
    return frozenset(COLOUR_TERMS[w] for w in re.findall(r"[a-z]+", words.lower()) if w in COLOUR_TERMS)


def _metres(match: re.Match[str]) -> float | None:
    """The distance in metres; None where the words say no number ("a few metres", "within reach": under 0.8 m)."""
    if not match.group("unit"):
        return None
    number = re.sub(r"\s+", " ", match.group("number").lower())
    half = bool(match.group("half")) or number.endswith("and a half")
    number = number.removesuffix(" and a half")
    if number in ("a few", "an few", "a couple of"):
        return None
    if number.startswith("half"):
        value = 0.5
    elif number in ("a", "an"):
        value = 1.0
    elif number == "a half":
        value = 0.5
    else:
        value = float(number) if number[0].isdigit() else float(NUMBER_WORDS[number])
    unit = match.group("unit").lower()
    unit = {"feet": "feet", "inches": "inch", "yds": "yd"}.get(unit, unit.removesuffix("s") if len(unit) > 2 else unit)
    return (value + (0.5 if half else 0.0)) * _UNIT_METRES.get(unit, 1.0)
