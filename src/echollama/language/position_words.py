"""Where a sentence places things, as a blind listener hears it: absolute positions ("on your left", "slightly
right of centre", "at 11 o'clock", "at three o'clock", "in the upper left", "directly ahead"), each with the thirds
of the photo it truthfully describes.

Relative positions ("left of the dog") and adverbs ("right next to", "that's right") are not positions. Part of the
claim parser (language/claim_parser.py): the gate drops every position an LLM says, the judge
(evaluation/listener.py) checks each against the hand labels. Expects curly quotes folded ("9 o’clock").
"""

from __future__ import annotations

import re

_CLOCK_WORDS = {
    word: n
    for n, word in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
    )
}
CLOCK = re.compile(
    r"\b(1[0-2]|[1-9]|" + "|".join(sorted(_CLOCK_WORDS, key=len, reverse=True)) + r")\s*o'?\s*clock\b",
    re.IGNORECASE,
)
_SLIGHT = r"(?:slightly|a little|a bit|just|somewhat|a touch)"
_SIDE = re.compile(
    r"\b(?P<slight>" + _SLIGHT + r"\s+(?:to\s+|towards?\s+|on\s+)?(?:the\s+|your\s+)?)?"
    r"(?P<far>far\s+(?:to\s+)?(?:the\s+|your\s+)?)?(?P<side>left|right)\b"
    r"(?P<of>\s+of\b(?!\s+(?:the\s+|this\s+)?(?:picture|image|photo|photograph|frame|scene|view)\b))?"
    r"(?P<centre>\s+(?:of\s+)?(?:the\s+)?(?:cent(?:re|er)|middle))?",
    re.IGNORECASE,
)
_CENTRE = re.compile(
    r"\b(?:in\s+the\s+(?:cent(?:re|er)|middle)|cent(?:re|er)|middle|straight ahead|"
    r"directly ahead|dead ahead|right in front of you)\b(?![-\w])",
    re.IGNORECASE,
)
# "left"/"right" name a side only after a word like these ("on the left", "far right", "bottom left") or before one
# ("right-hand side"); otherwise they are adverbs or agreement: "right next to", "right now", "that's right".
_SIDE_BEFORE = {
    "the",
    "your",
    "far",
    "to",
    "towards",
    "toward",
    "on",
    "at",
    "top",
    "bottom",
    "upper",
    "lower",
    "slightly",
    "bit",
    "little",
    "just",
    "its",
    "their",
    "his",
    "her",
    "my",
    "extreme",
    "very",
}
_SIDE_AFTER = {"side", "hand", "half", "third", "corner", "edge", "part", "end", "sides"}


def clock_hour(words: str) -> int:
    """'3', 'three' -> 3."""
    word = words.lower()
    return int(word) if word.isdigit() else _CLOCK_WORDS[word]


def _thirds_for_clock(hour: int) -> frozenset[str] | None:
    if hour == 12:
        return frozenset({"centre"})
    if hour == 11:
        return frozenset({"left", "centre"})
    if hour == 1:
        return frozenset({"centre", "right"})
    if 7 <= hour <= 10:
        return frozenset({"left"})
    if 2 <= hour <= 5:
        return frozenset({"right"})
    return None  # 6 o'clock is behind the listener: nothing in a photo


def position_words(sentence: str) -> list[tuple[int, int, str, frozenset[str]]]:
    """(start, end, words, thirds) for each absolute position in a sentence; "left of the dog" is relative: skipped."""
    found, taken = [], []
    for match in CLOCK.finditer(sentence):
        thirds = _thirds_for_clock(clock_hour(match.group(1)))
        if thirds:
            found.append((match.start(), match.end(), match.group(0), thirds))
        taken.append((match.start(), match.end()))
    for match in _SIDE.finditer(sentence):
        side = match.group("side").lower()
        at = match.start("side")
        if any(s <= at < e for s, e in taken):
            continue
        before = re.search(r"(\w+)\W*$", sentence[:at])
        after = re.match(r"\W*(\w+)", sentence[match.end("side") :])
        if not (
            match.group("centre")
            or (before and before.group(1).lower() in _SIDE_BEFORE)
            or (after and after.group(1).lower() in _SIDE_AFTER)
        ):
            continue
        if match.group("of") and not match.group("centre"):
            continue  # "to the left of the bicycle": a relation between two objects
        if re.match(r"\s+(?:top|bottom)\b", sentence[match.end("side") :], re.IGNORECASE):
            continue  # "the Left Top axis": the paper's grid-cell name, counted as a readout instead
        slight = bool(match.group("slight") or match.group("centre"))
        thirds = frozenset({side, "centre"}) if slight else frozenset({side})
        found.append((match.start(), match.end(), match.group(0), thirds))
        taken.append((match.start(), match.end()))
    for match in _CENTRE.finditer(sentence):
        if not any(s <= match.start() < e for s, e in taken):
            found.append((match.start(), match.end(), match.group(0), frozenset({"centre"})))
    return sorted(found)
