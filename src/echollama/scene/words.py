"""Turning labels and counts into plain English: "one cup", "two people", "a cup, a bowl and a dining table"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Words people say or write for the detector's COCO labels; shared by question grounding and the answer checker.
SPOKEN_NAMES = {
    "kitty": "cat", "kitten": "cat", "puppy": "dog", "people": "person", "man": "person", "men": "person",
    "woman": "person", "women": "person", "someone": "person", "anyone": "person", "anybody": "person",
    "somebody": "person", "child": "person", "children": "person", "kid": "person", "boy": "person",
    "girl": "person", "sofa": "couch", "table": "dining table", "desk": "dining table", "television": "tv",
    "monitor": "tv", "screen": "tv", "phone": "cell phone", "smartphone": "cell phone", "fridge": "refrigerator",
    "plant": "potted plant", "mug": "cup", "motorbike": "motorcycle", "bike": "bicycle", "ball": "sports ball",
    "computer": "laptop", "armchair": "chair", "bag": "handbag",
}

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_IRREGULAR_PLURALS = {"person": "people", "mouse": "mice", "knife": "knives", "skis": "skis", "sheep": "sheep"}


def plural(label: str) -> str:
    head, _, last = label.rpartition(" ")
    if last in _IRREGULAR_PLURALS:
        word = _IRREGULAR_PLURALS[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        word = last + "es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        word = last[:-1] + "ies"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def number_word(count: int) -> str:
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else str(count)


def counted(label: str, count: int) -> str:
    """'one cup', 'three people', '12 chairs'."""
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
