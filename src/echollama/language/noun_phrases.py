"""The other nouns of a sentence: the head of each noun phrase a determiner opens ("a warm and cosy kitchen" ->
kitchen, "the dog sleeping" -> dog), said to be a thing perception cannot know (stairs, doors), a reviewed allowed
noun (kinds of place, materials, weather, time of day) or unknown. Without a part-of-speech tagger (spaCy would cost
a dependency and a model for this alone), phrases are read with word lists: function words end a phrase, describing
words are skipped. Part of the claim parser (language/claim_parser.py); the gate drops what is unknown.
"""

from __future__ import annotations

import re
from functools import cache

from echollama.language.vocabulary import (
    ADJECTIVE_ENDINGS,
    ADJECTIVES,
    ALLOWED_NOUNS,
    PRONOUNS,
    UNKNOWABLE,
    object_words,
)

_WORD = re.compile(r"[^\W\d_][\w'-]*")
_DETERMINER = re.compile(
    r"\b(?:a|an|the|some|any|another|each|every|its|their|his|her|our|these|those|several|many|few|both|no|other)\s+",
    re.IGNORECASE,
)
_FUNCTION_WORDS = """
    a an the some any another each every its their his her our my your these those this that several many few both no
    other and or but of in on at to from with by for into onto over under near as than then so if while which who
    whose whom what where when why how there here it they them he she we i you me us is are was were be been being
    am has have had do does did will would can could may might must shall should not also just only still
    even more most less least all sits sit sitting stands stand standing lies lie lying rests waits
    about yet around through across out up down off after before during between behind beside against along among
    within without toward towards upon like unlike per via because since until though although whether
    looks look seems seem appears appear feels feel sounds holds hold wears wear carries carry faces face makes make
    gives give adds add shows show suggests suggest creates create walks walk runs run plays play hangs hang fills
    fill covers cover lines line sleeps sleep enjoys enjoy enjoying waiting resting playing looking walking made
    """
_FUNCTION = frozenset(_FUNCTION_WORDS.split())


def other_nouns(text: str, taken: list[tuple[int, int]]) -> list[tuple[str, str, int, int]]:
    """(kind, word, start, end) for the head noun of each phrase a determiner opens ("a cosy kitchen" -> kitchen)
    that no span in `taken` covers: 'unknowable' (stairs, doors), 'allowed' (kitchen, wood, morning) or 'unknown';
    and every unknowable thing wherever it is said."""
    found: list[tuple[str, str, int, int]] = []
    for match in _DETERMINER.finditer(text):
        head = _head(text, match.end())
        if head is None:
            continue
        start, end, word = head
        if any(s <= start < e for s, e in taken):
            continue
        found.append((_noun_kind(word), word, start, end))
    for match in _WORD.finditer(text):  # things a listener could trip on count wherever they are said
        word = match.group(0).lower()
        if word in UNKNOWABLE and not any(f[2] == match.start() for f in found):
            found.append(("unknowable", match.group(0), match.start(), match.end()))
    return sorted(found, key=lambda f: f[2])


def _head(text: str, position: int) -> tuple[int, int, str] | None:
    """The last word of the noun phrase starting at `position`: words up to a function word, a verb-like '-ing'
    or '-ed' word after the first, or punctuation; past 'and' / ',' while the head so far is an adjective."""
    run: list[tuple[int, int, str]] = []
    last_end = position
    for match in _WORD.finditer(text, position):
        gap = text[last_end : match.start()].strip()
        word = match.group(0).lower()
        joined = run and _adjective(run[-1][2]) and (gap == "," or word in ("and", "or"))
        if gap and not (gap == "," and joined):
            break
        last_end = match.end()
        if word in ("and", "or") and joined:
            continue
        # "the dog sleeping", not "a very interesting thing": after a noun, an -ing word ends the phrase
        verb_like = run and not _adjective(run[-1][2]) and word.endswith(("ing", "ed", "ly"))
        verb_like = verb_like and _noun_kind(word) == "unknown"
        if word in _FUNCTION or word in PRONOUNS or verb_like:
            break
        run.append((match.start(), match.end(), word))
        if _noun_kind(word) != "unknown" and not _adjective(word):
            break  # a known noun ends the phrase: "a kitchen table" is read as far as "kitchen"
    nouns = [w for w in run if not _adjective(w[2])]
    if not nouns:
        return None
    if len(nouns) >= 2 and nouns[-1][2].endswith("s") and _noun_kind(nouns[-1][2]) == "unknown":
        return nouns[-2]  # "a sign reads": the verb after the noun
    return nouns[-1]


def _noun_kind(word: str) -> str:
    singular = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    if word in UNKNOWABLE or singular in UNKNOWABLE:
        return "unknowable"
    if word in ALLOWED_NOUNS or singular in ALLOWED_NOUNS or word in PRONOUNS:
        return "allowed"
    return "unknown"


def _adjective(word: str) -> bool:
    """A describing word: listed, or by its ending ("comfortable", "wonderful") unless a noun we know ("table")."""
    if word in ADJECTIVES:
        return True
    return word.endswith(ADJECTIVE_ENDINGS) and word not in _object_words() and _noun_kind(word) == "unknown"


@cache
def _object_words() -> frozenset[str]:
    return frozenset(w.lower() for w in object_words())
