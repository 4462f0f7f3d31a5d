"""The rules an LLM sentence must pass before it is spoken (language/drop_rules.py), table-tested on a hand-made
scene: each rule drops what it is named for and gives its reason; a sentence no rule drops goes on to the claim
checker, which keeps, repairs or drops it."""

import pytest

from echollama.language.drop_rules import (
    DROP_RULES,
    FactSheetWords,
    GuessRestated,
    PictureTextUnquoted,
    Repetition,
    SaidSoFar,
    Unfinished,
    judge,
)
from echollama.scene.camera import camera_for
from echollama.scene.grid import clock_direction, grid_cell
from echollama.types import Detection, Scene, TextRegion

CAMERA = camera_for(600, 400)


def _placed(label: str, box, distance: float) -> Detection:
    x, _ = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    cell = grid_cell(x, (box[1] + box[3]) / 2, 600, 400)
    return Detection(label, 0.9, box, z=distance, distance_m=distance, cell=cell, clock=clock_direction(x, CAMERA))


SCENE = Scene(
    width=600,
    height=400,
    detections=[_placed("cup", (260, 50, 340, 150), 0.5), _placed("chair", (20, 250, 120, 390), 2.0)],
    caption="The whole picture may show an espresso (a guess); a cup and a chair.",
    depth_unit="metres",
    camera=CAMERA,
    text=[TextRegion("the room is empty now", 0.9, (400, 20, 560, 60))],
)
SAID = SaidSoFar(SCENE, "I can see a cup straight ahead, half a metre away, and a chair on your left.")

DROPPED = [
    (PictureTextUnquoted(), "I think the room is empty now.", "says the picture's text unquoted"),
    (Repetition(), "I can see a cup straight ahead.", "repeats what was already said"),
    (GuessRestated(), "The whole picture may show an espresso.", "repeats the whole-picture guess"),
    (FactSheetWords(), "The overall impression is of a busy kitchen.", "speaks in the fact sheet's words"),
    (Unfinished(), "It looks like a quiet morning and the", "unfinished: the answer hit its length limit"),
]


@pytest.mark.parametrize(("rule", "sentence", "reason"), DROPPED, ids=[type(r).__name__ for r, _, _ in DROPPED])
def test_each_rule_drops_what_it_is_named_for(rule, sentence, reason):
    assert rule.reason(sentence, SAID) == reason
    assert rule.reason("It looks like a quiet morning.", SAID) is None  # says something of its own
    judgement = judge(sentence, SAID)
    assert judgement.spoken is None and judgement.report == {"sentence": sentence, "reasons": [reason]}


def test_quoted_text_is_not_an_echo():
    assert PictureTextUnquoted().reason('A sign reads "the room is empty now".', SAID) is None


def test_a_sentence_every_rule_passes_goes_to_the_claim_checker():
    assert all(rule.reason("It looks like a quiet morning.", SAID) is None for rule in DROP_RULES)
    assert judge("It looks like a quiet morning.", SAID).spoken == "It looks like a quiet morning."
    refused = judge("There is a dog on the sofa.", SAID)  # no dog, no sofa: the claim checker's call
    assert refused.spoken is None and refused.report is not None and refused.report["reasons"]
