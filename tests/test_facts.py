"""Grounded answers from a Scene, pure code: which objects a question names, and where they are in words.

Run: .venv/bin/python -m pytest -q tests/test_facts.py
"""

from dataclasses import replace

import pytest

from echollama.language.claims import contradictions
from echollama.language.facts import (
    direction,
    distance,
    ground,
    is_spatial_question,
    mentioned_labels,
    summary,
    where,
)
from echollama.scene.ssd_detector import COCO_LABELS
from echollama.types import Detection, Scene

VOCABULARY = tuple(COCO_LABELS.values())


def scene(*detections):
    return Scene(width=600, height=400, detections=list(detections), caption="test", depth_unit="metres")


CAT = Detection("cat", 0.91, (100, 40, 316, 258), z=0.39, distance_m=0.39, cell="Mid Top", clock=12)
CHAIR_LEFT = Detection("chair", 0.8, (0, 200, 100, 390), z=2.1, distance_m=2.1, cell="Left Bottom", clock=10)
CHAIR_RIGHT = Detection("chair", 0.7, (500, 200, 600, 390), z=2.6, distance_m=2.6, cell="Right Bottom", clock=2)
TABLE = Detection("dining table", 0.76, (200, 150, 400, 250), z=1.2, distance_m=1.2, cell="Mid Top", clock=12)


@pytest.mark.parametrize(
    "question, labels",
    [
        ("Where is the cat?", ["cat"]),
        ("where's the kitty", ["cat"]),
        ("How many chairs are there?", ["chair"]),
        ("Is the dining table near?", ["dining table"]),  # the two-word label, not also "table"
        ("Is there a table?", ["dining table"]),
        ("Are there people?", ["person"]),
        ("Is the sofa or the tv on?", ["couch", "tv"]),
        ("How far is the door?", []),  # not a label the detector knows
        ("Where is the catalogue?", []),  # whole words only
    ],
)
def test_mentioned_labels(question, labels):
    assert sorted(mentioned_labels(question, VOCABULARY)) == sorted(labels)


@pytest.mark.parametrize(
    "detection, words",
    [
        (CAT, "straight ahead, within reach"),
        (CHAIR_LEFT, "on your left, about 2 metres away"),
        (CHAIR_RIGHT, "on your right, about 2.5 metres away"),
        (TABLE, "straight ahead, about 1 metre away"),
    ],
)
def test_where_uses_the_narrations_words(detection, words):
    assert where(detection, scene(detection)) == words
    assert direction(detection, scene(detection)) + ", " + distance(detection, scene(detection)) == words


def test_position_question_is_answered_from_the_scene():
    answer = ground("Where is the cat?", scene(CAT), VOCABULARY)
    assert answer.facts == "The cat is straight ahead, within reach."
    assert answer.present == ("cat",) and answer.settles_it


def test_several_objects_are_counted_and_listed_nearest_first():
    answer = ground("How many chairs are there?", scene(CHAIR_RIGHT, CAT, CHAIR_LEFT), VOCABULARY)
    assert answer.facts == (
        "I can see two chairs: one on your left, about 2 metres away; one on your right, about 2.5 metres away."
    )
    assert answer.details == {"chair": 2}


def test_how_many_gets_a_number_even_for_one_object():
    answer = ground("How many cats are there?", scene(CAT), VOCABULARY)
    assert answer.facts.startswith("I can see one cat. The cat is straight ahead")


def test_an_unsure_object_is_answered_with_a_hedge():
    unsure_cat = replace(CAT, score=0.5, certain=False)
    answer = ground("Where is the cat?", scene(unsure_cat), VOCABULARY)
    assert answer.facts == "I am not sure, but there may be a cat straight ahead, within reach."


def test_sure_and_unsure_objects_of_one_kind_are_counted_as_the_narration_counts_them():
    unsure_chair = replace(CHAIR_RIGHT, score=0.6, certain=False)
    answer = ground("Where are the chairs?", scene(unsure_chair, CHAIR_LEFT), VOCABULARY)
    assert answer.facts == (  # as the narration counts them: an unsure one beside a sure one is said plainly
        "I can see two chairs: one on your left, about 2 metres away; one on your right, about 2.5 metres away."
    )
    both_unsure = [replace(c, score=0.6, certain=False) for c in (CHAIR_LEFT, CHAIR_RIGHT)]
    answer = ground("Where are the chairs?", scene(*both_unsure), VOCABULARY)
    assert answer.facts == (
        "I am not sure, but there may be two chairs: one on your left, about 2 metres away; "
        "one on your right, about 2.5 metres away."
    )
    for sentence in answer.facts.split(". "):
        assert contradictions(sentence, scene(*both_unsure)) == []


def test_an_object_not_in_the_scene_is_said_to_be_absent():
    answer = ground("Is there a chair on my left?", scene(CAT, TABLE), VOCABULARY)
    assert answer.facts == "I cannot see any chairs here. I can only see a cat and a dining table."
    assert answer.absent == ("chair",) and answer.settles_it


def test_other_questions_about_a_present_object_still_go_to_the_llm():
    answer = ground("What colour is the cat?", scene(CAT), VOCABULARY)
    assert answer.facts.startswith("The cat is straight ahead") and not answer.settles_it
    nothing_known = ground("How far is the door?", scene(CAT), VOCABULARY)
    assert nothing_known.facts == "" and not nothing_known.settles_it


@pytest.mark.parametrize(
    "question, spatial",
    [
        ("Where is the cat?", True),
        ("How far away is the door?", True),
        ("how many people are there", True),
        ("Is there a chair on my left?", True),
        ("Where is the cat and what is it doing?", False),
        ("What colour is the cat?", False),
        ("Is the cat asleep?", False),
    ],
)
def test_spatial_questions(question, spatial):
    assert is_spatial_question(question) is spatial


def test_summary_is_the_narration_and_names_every_object_or_says_there_are_none():
    assert summary(scene(CAT, TABLE)) == (
        "I can see a cat straight ahead, within reach. A dining table straight ahead, about 1 metre away."
    )
    assert summary(scene()) == "I cannot recognise any objects in this picture."
