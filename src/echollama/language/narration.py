"""The description's opening sentences, composed from the Scene alone: what is there, how many, where, how far.

A blind listener cannot check what they hear, so these facts never come from the LLM. They are spoken the moment
perception ends; the LLM only adds context after them, from `fact_sheet` (the same facts as a plain list).
People, vehicles, animals and street furniture come first, then the rest, nearest first within each; objects the
detector was unsure of come last, said as "possibly a ...". The brief names what does not fit in full by its side
only (language/brief_choice.py). Never coordinates, scores, cell names or markdown.
Pure code, table-tested.
"""

from __future__ import annotations

from dataclasses import dataclass

from echollama.config import DETAIL_LEVELS
from echollama.language.brief_choice import (
    BRIEF_WORDS,
    MAX_BRIEF_TAIL,
    any_sure,
    azimuth,
    brief_order,
    camera_of,
    share,
    sides,
    tail_order,
    tail_sentence,
    third_of,
    words,
)
from echollama.language.code_phrases import fenced_codes_for_prompt
from echollama.language.colour_words import coloured_name, group_colour
from echollama.language.fine_words import fine_name_words, setting_fact, setting_sentence
from echollama.language.phrase_joins import brief_sentences, joined, sentence_pieces, spoken_sentence
from echollama.language.readouts import repair
from echollama.language.relation_phrases import relation_facts, relation_words, spoken_relations
from echollama.language.text_phrases import fenced_text_for_prompt
from echollama.paper import PAPER_DEPTH_UNIT
from echollama.scene.grid import clock_direction
from echollama.scene.words import (
    GUESS_OPENING,
    counted,
    distance_words,
    join_words,
    more_things,
    number_word,
    side_words,
    singular_name,
)
from echollama.types import Detection, PlacedText, Scene

NOTHING_SEEN = "I cannot recognise any objects in this picture."

# Things a listener must hear about early: they move, or they are in the way outdoors.
EARLY_LABELS = frozenset(
    {
        "person",
        "bicycle",
        "car",
        "motorcycle",
        "bus",
        "train",
        "truck",
        "boat",
        "dog",
        "horse",
        "cow",
        "sheep",
        "elephant",
        "bear",
        "zebra",
        "giraffe",
        "traffic light",
        "stop sign",
        "fire hydrant",
        "parking meter",
        "bench",
    }
)


@dataclass(frozen=True)
class _Limits:
    groups: int | None  # object groups located; the rest counted ("and 3 more things") or, in brief, named short
    members: int | None  # members of one group located one by one; 1 = only the nearest


_LIMITS = {
    "brief": _Limits(groups=4, members=1),  # <= 3 sentences, about 10-15 s of speech
    "normal": _Limits(groups=8, members=3),
    "full": _Limits(groups=None, members=None),
}


def direction(detection: Detection, scene: Scene) -> str:
    """'straight ahead', 'slightly left', 'on your far right, at 2 o'clock'."""
    return side_words(
        third_of(detection, scene), azimuth(detection, scene), clock_direction(detection.center[0], camera_of(scene))
    )


def distance(detection: Detection, scene: Scene) -> str:
    """'within reach', 'about 2 metres away'; in a relative-depth scene 'the nearest thing' or 'farther away'."""
    if scene.depth_unit == PAPER_DEPTH_UNIT:  # MiDaS z, bigger = nearer, has no unit: never metres
        if detection.z is None or len(scene.detections) < 2:
            return ""
        nearest = max((d for d in scene.detections if d.z is not None), key=lambda d: d.z or 0.0)
        return "the nearest thing" if detection is nearest else "farther away"
    return distance_words(detection.distance_m)


def where(detection: Detection, scene: Scene) -> str:
    """'slightly left, about 2 metres away'."""
    return ", ".join(p for p in (direction(detection, scene), distance(detection, scene)) if p)


def nearness(detection: Detection, scene: Scene) -> float:
    """A sort key, smaller = nearer: metres, else minus MiDaS inverse depth, else minus the box's share of the image."""
    if detection.distance_m is not None:
        return detection.distance_m
    if detection.z is not None and scene.depth_unit == PAPER_DEPTH_UNIT:
        return -detection.z
    return -share(detection, scene)


def groups(scene: Scene) -> list[list[Detection]]:
    """Detections grouped by label, members nearest first, groups in speaking order (sure kinds first).

    Unsure detections beside a sure one of the same kind join its group and are said as plainly: on the 29 labelled
    photos 20 of 21 such detections (0.55-0.80 beside one of the same kind >= 0.80) were real, against 12 of 16 of
    the unsure ones without (those stay "possibly"). Split apart, "three people and possibly two more" was heard as
    three.
    """
    by_label: dict[str, list[Detection]] = {}
    for detection in scene.detections:
        by_label.setdefault(detection.label, []).append(detection)
    ordered = [sorted(members, key=lambda d: nearness(d, scene)) for members in by_label.values()]
    return sorted(ordered, key=lambda g: (not any_sure(g), g[0].label not in EARLY_LABELS, nearness(g[0], scene)))


def article(label: str) -> str:
    """'a cup', 'an apple', 'a pair of skis'."""
    name = singular_name(label)
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


# Where a member of a group is, by the picture's thirds: how the others are said once the nearest is placed.
_THIRD_WORDS = ("on your left", "straight ahead", "on your right")


def group_phrase(members: list[Detection], scene: Scene, max_members: int | None = 1) -> str:
    """'a dog on your left, about 3 metres away', 'two chairs on your right, the nearest about 2 metres away',
    'at least five people, the nearest slightly left, about 2 metres away; three more straight ahead and one on your
    right': every member's side is said, in few words."""
    return "".join(group_phrase_pieces(members, scene, max_members))


def group_phrase_pieces(
    members: list[Detection], scene: Scene, max_members: int | None = 1, relation: str = ""
) -> list[PlacedText]:
    """`group_phrase` cut where each member (or each side's count of the rest) is placed, each piece heard from
    there: in "two buses: one straight ahead, and one on your left" the second bus is heard from the left.
    `relation` (a lone object's, e.g. " on the table,") follows its name."""
    count = len(members)
    name = _name(members)
    here = azimuth(members[0], scene)
    if count == 1:
        only = where(members[0], scene)
        fine = fine_name_words(members[0])  # ", probably a Doberman,"
        words = name + fine + (relation[1:] if fine and relation.startswith(",") else relation)
        return [PlacedText((words + (f" {only}" if only else "")).rstrip(","), here)]
    # Within a group only metres are worth saying; "nearest" and "farther" compare with the whole scene.
    metric = scene.depth_unit != PAPER_DEPTH_UNIT

    def place(d: Detection) -> PlacedText:
        return PlacedText(f"one {where(d, scene) if metric else direction(d, scene)}", azimuth(d, scene))

    directions = [direction(d, scene) for d in members]
    nearest_distance = distance(members[0], scene) if metric else ""
    if len(set(directions)) == 1 and (max_members == 1 or not nearest_distance):
        return [
            PlacedText(
                f"{name} {directions[0]}" + (f", the nearest {nearest_distance}" if nearest_distance else ""), here
            )
        ]
    if max_members == 1:
        if count == 2:
            first, second = place(members[0]), place(members[1])
            return [first.but(f"{name}: {first}, "), second.but(f"and {second}")]
        nearest = place(members[0]).removeprefix("one ")
        return [PlacedText(f"{name}, the nearest {nearest}; ", here), *_others_by_side(members[1:], scene)]
    shown = members if max_members is None else members[:max_members]
    places = [place(d) for d in shown]
    places[0] = places[0].but(f"{name}: {places[0]}")
    rest = _others_by_side(members[len(shown) :], scene) if len(shown) < count else []
    ended = [p.but(p + "; ") for p in places]  # "one ...; one ...; two more on your right"
    return ended + rest if rest else ended[:-1] + places[-1:]


def _others_by_side(others: list[Detection], scene: Scene) -> list[PlacedText]:
    """'two more straight ahead and one on your right': the rest of a group counted per third, left to right, each
    count heard from the middle of its members."""
    parts: list[PlacedText] = []
    for third in range(3):
        here = [d for d in others if third_of(d, scene) == third]
        if here:
            middle = sum(azimuth(d, scene) for d in here) / len(here)
            parts.append(PlacedText(f"{number_word(len(here))} {_THIRD_WORDS[third]}", middle))
    parts[0] = parts[0].but(parts[0].replace(" ", " more ", 1))
    return joined(parts)


MAX_BRIEF_SENTENCES = 3  # about 10-15 s of speech


def _brief(said: list[list[Detection]], phrases: list[list[PlacedText]], scene: Scene) -> list[list[PlacedText]]:
    """At most three sentences within about BRIEF_WORDS: the first `said` groups in full (side and distance), as many
    as fit beside the last sentence, which names the rest short (`_brief_tail`)."""
    located = len(phrases)
    while True:
        sentences = brief_sentences(phrases[:located], tail_follows=located < len(said))
        tail = _brief_tail(said[located:], scene, words(sentences))
        fits = len(sentences) + len(tail) <= MAX_BRIEF_SENTENCES and words(sentences + tail) <= BRIEF_WORDS
        if fits or located == 1:
            return sentences + tail
        located -= 1


def _brief_tail(leftover: list[list[Detection]], scene: Scene, words_before: int) -> list[list[PlacedText]]:
    """'Also possibly a dining table straight ahead, a bottle straight ahead and two more things.': the groups left
    over, named with their side only, as many as keep the brief within BRIEF_WORDS (the first always, in place of a
    bare "And three more things."), the rest counted."""
    if not leftover:
        return []
    ordered = tail_order(leftover, scene, EARLY_LABELS)
    items = [PlacedText(f"{_name(g)} {sides(g, scene)}", azimuth(g[0], scene)) for g in ordered[:MAX_BRIEF_TAIL]]
    tails = [tail_sentence(items[:n], sum(len(g) for g in ordered[n:])) for n in range(1, len(items) + 1)]
    fitting = [tail for tail in tails[1:] if words_before + words([tail]) <= BRIEF_WORDS]
    return [fitting[-1] if fitting else tails[0]]


def narrate(scene: Scene, detail: str = "brief") -> list[str]:
    """The description's opening sentences, in speaking order."""
    return ["".join(pieces) for pieces in _narration(scene, detail)]


def narrate_pieces(scene: Scene, detail: str = "brief") -> list[PlacedText]:
    """The same words cut where each object's phrase begins, each piece carrying that object's azimuth (the nearest
    of a group): what is spoken, so each object can be heard from its direction. Joined, they are `narrate`'s
    sentences, each followed by a space."""
    pieces: list[PlacedText] = []
    for sentence in _narration(scene, detail):
        pieces += sentence[:-1] + [sentence[-1].but(sentence[-1] + " ")]
    return pieces


def _narration(scene: Scene, detail: str) -> list[list[PlacedText]]:
    if detail not in _LIMITS:
        raise ValueError(f"detail must be one of {', '.join(DETAIL_LEVELS)}, not {detail!r}")
    limits = _LIMITS[detail]
    ordered = groups(scene)
    if not ordered:
        # With no object recognised, the whole-picture classifier's guess is all there is: said once, as a guess
        # (home.jpg: a palace facade, "It might show a monastery").
        guess = impression(scene)
        if not guess.startswith(GUESS_OPENING):
            return [[PlacedText(NOTHING_SEEN)]]
        return [
            [PlacedText(NOTHING_SEEN)],
            [PlacedText(f"It might show {guess[len(GUESS_OPENING) :]}, but that is only a guess.")],
        ]
    said = brief_order(ordered, scene) if detail == "brief" else ordered
    located = said if limits.groups is None else said[: limits.groups]
    relations = _relations_said(located, scene, detail)
    phrases = [group_phrase_pieces(g, scene, limits.members, relations.get(id(g[0]), "")) for g in located]
    if detail == "brief":
        sentences = _brief(said, phrases, scene)
        setting = setting_sentence(scene.setting, detail)
        return sentences + [[PlacedText(setting)]] if setting else sentences
    elif len(ordered) > 2:  # the inventory first, then one sentence per kind of object
        total = sum(len(g) for g in ordered)
        sentences = [[PlacedText(f"I can see {number_word(total)} things: {overview(ordered)}.")]]
        sentences += [sentence_pieces([p]) for p in phrases]
    else:
        sentences = [sentence_pieces([phrases[0]], "I can see")]
        sentences += [sentence_pieces([p]) for p in phrases[1:]]
    rest = sum(len(g) for g in ordered[len(located) :])
    if rest:
        sentences.append([PlacedText(f"And {more_things(rest)}.")])
    setting = setting_sentence(scene.setting, detail)
    return sentences + [[PlacedText(setting)]] if setting else sentences


def _relations_said(located: list[list[Detection]], scene: Scene, detail: str) -> dict[int, str]:
    """The words of the relations said (scene/relations.py), by the id of the lone object whose phrase says them."""
    index = {id(d): i for i, d in enumerate(scene.detections)}
    lone = {index[id(g[0])] for g in located if len(g) == 1 and id(g[0]) in index}
    chosen = spoken_relations(scene, lone, detail)
    return {id(scene.detections[i]): relation_words(r, scene, back) for i, (r, back) in chosen.items()}


def overview(ordered: list[list[Detection]]) -> str:
    """'a person, two chairs and possibly a cat'."""
    return join_words([_name(g) for g in ordered])


def _name(members: list[Detection]) -> str:
    """'a cat', 'two chairs', 'at least three people', 'possibly a cat', 'possibly two chairs'.

    Three or more of a kind are "at least": SSD misses people in groups and small things in rows far more often than
    it finds too many (on the labelled photos 7 people were found as 5, 6 as 5, 8 as 7, 6 kites as 3)."""
    label, count = members[0].label, len(members)
    colour = group_colour(members)
    if count == 1:
        name = coloured_name(label, 1, colour) if colour else article(label)
    else:
        named = coloured_name(label, count, colour) if colour else counted(label, count)
        name = ("at least " if count >= 3 and any_sure(members) else "") + named
    return name if any_sure(members) else f"possibly {name}"


def fact_sheet(scene: Scene) -> str:
    """The same facts for the LLM's prompt, as a plain-words list (no coordinates, scores or grid)."""
    ordered = groups(scene)
    lines = ["Objects found in the photo, in the order they matter to the listener (nothing else was found):"]
    if not ordered:
        lines = ["No objects were found in the photo."]
    for members in ordered:
        # Sentences, not bullets: what the LLM reads is what it imitates, and the voice must not read list marks.
        lines.append(spoken_sentence([group_phrase(members, scene, max_members=None)]))
    if ordered:
        lines.append(f"Counts: {overview(ordered)}.")
    if relation_facts(scene):
        lines.append(f"How they relate, measured from their boxes: {relation_facts(scene)}.")
    if setting_fact(scene.setting):
        lines.append(setting_fact(scene.setting))
    if impression(scene):
        lines.append(f"Overall impression (a guess, often wrong): {impression(scene)}.")
    fenced = fenced_text_for_prompt(scene.text)
    if fenced:
        lines.append(fenced)
    codes = fenced_codes_for_prompt(scene.codes)
    if codes:
        lines.append(codes)
    return "\n".join(lines)


def impression(scene: Scene) -> str:
    """The caption's first clause, the whole-picture guess ("The whole picture may show an espresso"); the rest of
    the caption repeats the objects the fact sheet lists."""
    if not scene.caption:
        return ""
    return repair(scene.caption.split(";")[0].replace(" (a guess)", "").strip()).rstrip(".")
