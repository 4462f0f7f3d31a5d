"""Colour words in an object's phrase ("a black dog", "two white chairs"), said only where code measured them.

A colour is said before the label when perception measured one (scene/object_colour.py) for every member of the
group and all agree; never for an object said as "possibly" (perception measures none for those: on the labelled
photos 2 of the 6 colours measured on unsure detections were right), never for "a pair of ..." (it reads badly).
"""

from __future__ import annotations

from echollama.language.brief_choice import any_sure
from echollama.scene.words import PAIRED, number_word, plural
from echollama.types import Detection


def group_colour(members: list[Detection]) -> str:
    """The colour words the group's phrase says before its label, or ""."""
    words = {d.colour.words if d.colour is not None else "" for d in members}
    if len(words) != 1 or members[0].label in PAIRED or not any_sure(members):
        return ""
    colour = words.pop()
    return "" if colour == members[0].label else colour  # never "an orange orange"


def coloured_name(label: str, count: int, colour: str) -> str:
    """'a black dog', 'an orange bus', 'two white chairs' (no article or bound: the caller adds "at least")."""
    if count == 1:
        return f"{'an' if colour[0] in 'aeiou' else 'a'} {colour} {label}"
    return f"{number_word(count)} {colour} {plural(label)}"
