"""What a listener hears, judged against hand labels: hand-written descriptions with hand-worked answers."""

import pytest

from echollama.evaluation.labelled_set import LabelledImage, LabelledObject, labelled_image
from echollama.evaluation.listener import (
    TARGETS,
    mentions,
    readouts,
    score_description,
    summarise_listener,
    targets_met,
)
from echollama.language.position_words import position_words

# The porch photo as a person labelled it: a dog on the left, a bicycle in the middle, a pickup far right.
PORCH = LabelledImage(
    "porch",
    "photo:porch.jpg",
    (
        LabelledObject("dog", (130, 220, 310, 540), "left", True),
        LabelledObject("bicycle", (125, 140, 565, 420), "centre", True),
        LabelledObject("truck", (465, 75, 700, 170), "right", True, ("car", "pickup")),
    ),
    size=(768, 576),
    counts={"dog": 1, "bicycle": 1, "truck": 1},
    absent=("cat", "person", "chair"),
    near_far=(("dog", "truck"),),
)


@pytest.mark.parametrize(
    "text, invented, absent_named",
    [
        ("A dog sits beside a bicycle.", [], []),
        ("A dog sits beside a bicycle. A cat sleeps nearby.", ["cat"], ["cat"]),
        ("There are two people and a bench.", ["person", "bench"], ["person"]),
        ("I cannot see any cats or people here.", [], []),  # denied, not named
        ("There is no cat, but a dog sits there.", [], []),
        ("A pickup is parked across the street.", [], []),  # a word the labeller accepted for the truck
        ("A red car is parked across the street.", [], []),
        ("It is a sunny day in a small town near a river.", [], []),  # no COCO object named
        ("A man in an orange jacket waits.", ["person"], ["person"]),
        ("A coffee shop with customers.", ["person"], ["person"]),  # "orange" is a colour, not a fruit
        ("It is 12 o'clock.", [], []),  # o'clock is not a clock
    ],
)
def test_invented_and_absent_objects(text, invented, absent_named):
    score = score_description(text, PORCH)
    assert score.invented == invented and score.absent_named == absent_named


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A dog sits on your left.", [("dog", True)]),
        ("A dog sits on your right.", [("dog", False)]),  # labelled left: wrong
        ("On your far left is a dog.", [("dog", True)]),
        ("The bicycle is straight ahead at 12 o'clock.", [("bicycle", True), ("bicycle", True)]),
        ("The dog is slightly to your left.", [("dog", True)]),  # slightly left: the left or the centre third
        ("The truck is slightly to your left.", [("truck", False)]),
        ("The pickup is at 2 o'clock.", [("truck", True)]),
        ("The dog is at 11 o'clock.", [("dog", True)]),
        (
            "A dog is on the left, a bicycle in the middle and a truck on the right.",
            [("dog", True), ("bicycle", True), ("truck", True)],
        ),
        ("The dog sits to the left of the bicycle.", []),  # relative to another object: not a third
        ("The dog is right next to the bicycle.", []),  # "right" as an adverb
        ("The dog, on the right, watches.", [("dog", False)]),  # the position's clause names no object: the sentence's
        ("The cat is on the left.", []),  # not a labelled object: counted as invented, not as a position
        ("A dog is at the bottom left of the picture.", [("dog", True)]),
        ("The truck's position along the Left Top axis.", []),  # a grid-cell name: a readout, not a position
    ],
)
def test_position_claims_against_labelled_thirds(text, expected):
    score = score_description(text, PORCH)
    assert [(p.label, p.right) for p in score.positions] == expected


@pytest.mark.parametrize(
    "text, kinds",
    [
        (
            "Left Top: One cup at position r(291, 129) with a confidence score of 0.96.",
            {"grid cell", "coordinates", "score"},
        ),
        ("The dog is located at coordinates (135, 309).", {"coordinates"}),
        ("I am 84% confident it is a dog.", {"score"}),
        ("I am 84 % sure.", {"score"}),
        ("It scores 0.6 here.", {"score"}),
        ("A cup, 0.96.", {"score"}),
        ("The dog is about 2.5 metres away.", set()),  # a distance, not a score
        ("The cup is about 0.4 metres away, within reach.", set()),
        ("The dog is about 1.5 m away at 10 o'clock.", set()),
        ("According to the grid-based object detection matrix, a dog.", {"jargon"}),
        ("**Dog**: on the left.", {"markdown"}),
        ("# Scene\nA dog.", {"markdown"}),
        ("Objects:\n- a dog\n- a bicycle", {"markdown"}),
        ("1. A dog\n2. A bicycle", {"markdown"}),
        ("Someone left a cell phone on the table.", set()),  # a cell phone is not a grid cell
    ],
)
def test_readouts(text, kinds):
    assert {kind for kind, _ in readouts(text)} == kinds


@pytest.mark.parametrize(
    "text, counts",
    [
        ("I can see one dog and one bicycle.", [("dog", 1, True), ("bicycle", 1, True)]),
        ("There are two dogs.", [("dog", 2, False)]),
        ("A dog sits there.", []),  # "a dog" names one of possibly several: not a count
        ("There are 3 dogs.", [("dog", 3, False)]),
        # A lower bound is right when the true count reaches it.
        ("I can see at least one dog.", [("dog", 1, True)]),
        ("I can see at least two dogs.", [("dog", 2, False)]),
        ("At least three people wait there.", []),  # no count labelled for people
    ],
)
def test_count_claims(text, counts):
    assert score_description(text, PORCH).counts == counts


@pytest.mark.parametrize(
    "text, order",
    [
        ("The dog is about 1.5 metres away; the truck is about 12 metres away.", [("dog", "truck", True)]),
        ("The dog is about 9 metres away and the truck is 3 metres away.", [("dog", "truck", False)]),
        ("The dog is about 1.5 metres away.", []),  # only one side stated
    ],
)
def test_near_far_from_stated_distances(text, order):
    assert score_description(text, PORCH).near_far == order


def test_must_see_named_and_positioned():
    score = score_description("A dog sits on your left next to a bicycle.", PORCH)
    assert score.must_see == {"dog": True, "bicycle": True, "truck": False}
    assert score.positioned == {"dog": True, "bicycle": False, "truck": False}


def test_mentions_mark_denied_objects():
    found = mentions("No cat here, but a dog and two bicycles.")
    assert [(m.label, m.negated) for m in found] == [("cat", True), ("dog", False), ("bicycle", False)]


def test_positions_in_a_sentence():
    words = position_words("The dog is on your far left, the truck at 1 o'clock and the bicycle in the middle.")
    assert [(said, sorted(thirds)) for _, _, said, thirds in words] == [
        ("far left", ["left"]),
        ("1 o'clock", ["centre", "right"]),
        ("in the middle", ["centre"]),
    ]


def test_summary_over_descriptions():
    paper = score_description(
        "Left Top: one truck at r(291, 129), confidence 0.96. A cat sits on the right. The dog is on the right.",
        PORCH,
        53.0,
    )
    grounded = score_description(
        "A dog is on your left, about 1.5 metres away. A bicycle is straight ahead. A pickup is on your right.",
        PORCH,
        9.0,
    )
    summary = summarise_listener([paper, grounded])
    assert summary["descriptions"] == 2
    assert summary["chair_i"] == pytest.approx(1 / 6)  # cat of {truck, cat, dog} + {dog, bicycle, truck}
    assert summary["chair_s"] == pytest.approx(1 / 2)
    assert summary["absent_named"] == 1
    assert summary["positions_right"] == pytest.approx(3 / 4)  # the paper's dog is wrong; the grounded three right
    assert summary["must_see_named"] == pytest.approx(5 / 6)
    assert summary["descriptions_with_readouts"] == pytest.approx(1 / 2)
    assert summary["speech_s_median"] == pytest.approx(31.0)


def test_targets_from_issue_11():
    summary = {
        "descriptions_with_readouts": 0.0,
        "positions_right": 0.96,
        "must_see_positioned": 0.5,
        "chair_i": 0.03,
        "absent_named": 0,
        "speech_s_median": 15.5,
        "must_see_named": None,
    }
    met = targets_met(summary)
    assert [met[words] for _, _, words in TARGETS] == [True, True, False, True, True, False, None]


def test_on_a_real_labelled_photo():
    photo = labelled_image("field_dog_person_horse")
    score = score_description(
        "A dog on your left, a person in the middle and a pony on your right. There are also two sheep.", photo
    )
    assert all(p.right for p in score.positions) and len(score.positions) == 3
    assert score.invented == ["sheep"] and score.absent_named == ["sheep"]
    assert all(score.must_see.values())


def test_quoted_text_read_off_a_sign_is_not_an_object_mention():
    from echollama.evaluation.listener import mentions

    said = [m.label for m in mentions('A sign ahead reads: "galleries at the ship". A car is on your left.')]
    assert said == ["car"]
