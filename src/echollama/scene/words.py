"""Turning labels and counts into plain English: "one cup", "two people", "a cup, a bowl and a dining table"."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import cache

# How the embedded whole-picture caption opens its guess (gist_captioner.py); narration says the guess back from it.
GUESS_OPENING = "The whole picture may show "

# Words people say or write for the detector's COCO labels; shared by question grounding and the answer checker.
SPOKEN_NAMES = {
    "kitty": "cat",
    "kitten": "cat",
    "puppy": "dog",
    "people": "person",
    "man": "person",
    "men": "person",
    "woman": "person",
    "women": "person",
    "someone": "person",
    "anyone": "person",
    "anybody": "person",
    "somebody": "person",
    "child": "person",
    "children": "person",
    "kid": "person",
    "boy": "person",
    "girl": "person",
    "sofa": "couch",
    "table": "dining table",
    "desk": "dining table",
    "television": "tv",
    "monitor": "tv",
    "screen": "tv",
    "phone": "cell phone",
    "smartphone": "cell phone",
    "fridge": "refrigerator",
    "plant": "potted plant",
    "mug": "cup",
    "motorbike": "motorcycle",
    "bike": "bicycle",
    "ball": "sports ball",
    "computer": "laptop",
    "armchair": "chair",
    "bag": "handbag",
    # People an LLM invents around a scene ("a seating area for customers") must count as people to be caught.
    "customer": "person",
    "pedestrian": "person",
    "passenger": "person",
    "player": "person",
    "baby": "person",
    "lady": "person",
    "guy": "person",
    "adult": "person",
    "automobile": "car",
    "taxi": "car",
    "pickup": "truck",
    "cellphone": "cell phone",
}

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# Labels that name a pair ("skis", "scissors"): one is "a pair of skis", never "one skis" or "the skis is".
PAIRED = frozenset({"skis", "scissors"})
# What inflect would get wrong for the detector's labels: "tvs" is read letter by letter only as "TVs".
_PLURALS = {"tv": "TVs", "skis": "skis", "scissors": "scissors", "mouse": "mice", "broccoli": "broccoli"}


@cache
def plural(label: str) -> str:
    """'cup' -> 'cups', 'person' -> 'people', 'knife' -> 'knives', 'tv' -> 'TVs', 'skis' -> 'skis'."""
    if label in _PLURALS:
        return _PLURALS[label]
    return str(inflect_engine().plural_noun(label))


@cache
def inflect_engine():
    """The one inflect engine (plurals here, number words in the claim parser)."""
    import inflect  # 6 ms; imported on first use so `--help` and the server's start never wait for it

    return inflect.engine()


def singular_name(label: str) -> str:
    """How one of a label is named: 'cup', 'pair of skis'."""
    return f"pair of {label}" if label in PAIRED else label


def number_word(count: int) -> str:
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else str(count)


def more_things(count: int) -> str:
    """'one more thing', 'two more things', '12 more things': what is counted, not named."""
    return f"{number_word(count)} more {'thing' if count == 1 else 'things'}"


def counted(label: str, count: int) -> str:
    """'one cup', 'three people', '12 chairs', 'two pairs of skis'."""
    if label in PAIRED:
        return f"{number_word(count)} {'pair' if count == 1 else 'pairs'} of {label}"
    return f"{number_word(count)} {label if count == 1 else plural(label)}"


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def count_phrase(labels: Iterable[str]) -> str:
    """Labels counted in first-seen order: 'one cup, two chairs and one dining table'."""
    counts = Counter(labels)
    return join_words([counted(label, n) for label, n in counts.items()])


# --- Where and how far, in words a listener can act on ------------------------------------------------------------
# The side comes from the picture's thirds (the grid's columns), so it agrees with the clock and with what a person
# marking the photo would say; inside a side third the angle grades it, finer than 30° clock hours.
SLIGHTLY_UNDER_DEG = 20.0  # a side-third object nearer the axis than this is "slightly left"
# A middle-third object this far off axis is "slightly left", not "straight ahead": only wide lenses reach it (the
# middle third of a 60° lens ends 11° off axis; of a 120° ultra-wide, 30°).
STRAIGHT_AHEAD_UNDER_DEG = 15.0
FAR_FROM_DEG = 45.0  # ... and this far off axis "on your far left" (only wide lenses reach it)
WITHIN_REACH_UNDER_M = 0.8  # an arm's length
_HALF_METRES_UNDER_M = 3.0  # 0.5 m steps below this, whole metres from here on
_FIVE_METRES_FROM_M = 20.0


def side_words(third: int, bearing_deg: float, clock: int | None = None) -> str:
    """'straight ahead', 'slightly left', 'on your right', 'on your far left, at 10 o'clock'.

    `third` is 0, 1, 2 for the left, middle and right third of the picture; the clock is added only off to the far
    sides, where it tells the listener how far to turn and the words alone would not.
    """
    angle = abs(bearing_deg)
    if third == 1:
        off = "left" if bearing_deg < 0 else "right"
        return f"slightly {off}" if angle >= STRAIGHT_AHEAD_UNDER_DEG else "straight ahead"
    side = "left" if third == 0 else "right"
    if angle < SLIGHTLY_UNDER_DEG:
        return f"slightly {side}"
    if angle < FAR_FROM_DEG:
        return f"on your {side}"
    return f"on your far {side}" + (f", at {clock} o'clock" if clock else "")


def rounded_metres(metres: float) -> float:
    """0.5 m steps under 3 m, whole metres up to 20 m, 5 m steps beyond: what an estimate this rough deserves.
    Halves round up (1.25 m -> 1.5 m, 2.5 m -> 3 m), as a listener would, not to even (Python's `round`)."""
    if metres < _HALF_METRES_UNDER_M:
        return max(1.0, _half_up(metres * 2.0) / 2.0)
    if metres < _FIVE_METRES_FROM_M:
        return _half_up(metres)
    return _half_up(metres / 5.0) * 5


def _half_up(value: float) -> float:
    return float(math.floor(value + 0.5))


def metres_words(metres: float) -> str:
    """'1 metre', '1.5 metres', '4 metres'."""
    text = f"{metres:g}"
    return f"{text} metre" if text == "1" else f"{text} metres"


def distance_words(metres: float | None) -> str:
    """'within reach', 'about 1.5 metres away', 'about 5 metres away'; '' when no distance is known."""
    if metres is None:
        return ""
    if metres < WITHIN_REACH_UNDER_M:
        return "within reach"
    return f"about {metres_words(rounded_metres(metres))} away"
