"""Teacher-free preference selection: the grounding checker ranks the base model's answers; ties give no pair.

Run: .venv/bin/python -m pytest -q tests/test_training_preferences.py   (< 1 s)
"""

from __future__ import annotations

import pytest

from echollama.training.preferences import choose_pair, score_answers
from echollama.types import Detection, Scene

# 600 x 400 image: a cat on the left, 2 m away; a cup in the centre, 1 m away.
SCENE = Scene(
    width=600,
    height=400,
    caption="a room",
    depth_unit="metres",
    detections=[
        Detection("cat", 0.9, (20, 200, 180, 380), z=2.0, distance_m=2.0, cell="Left Bottom", clock=10),
        Detection("cup", 0.8, (260, 250, 340, 330), z=1.0, distance_m=1.0, cell="Mid Bottom", clock=12),
    ],
)
RIGHT = "The cat is on the left."  # +1
BOTH_RIGHT = "The cat is on the left. The cup is in the centre, about 1 metre away."  # +3
WRONG = "The cat is on the right."  # -1
INVENTED = "A dog lies by the door."  # -2 (hallucinated dog)
NEUTRAL = "It is a calm room."  # 0


@pytest.mark.parametrize(
    "answers, chosen, rejected",
    [
        ([RIGHT, WRONG], RIGHT, WRONG),
        ([WRONG, RIGHT], RIGHT, WRONG),
        ([NEUTRAL, BOTH_RIGHT, INVENTED, RIGHT], BOTH_RIGHT, INVENTED),
        ([INVENTED, WRONG], WRONG, INVENTED),
        ([NEUTRAL, "", RIGHT], RIGHT, NEUTRAL),  # an empty sample is not an answer
    ],
)
def test_best_grounded_is_chosen_and_worst_rejected(answers, chosen, rejected):
    pair = choose_pair(answers, SCENE)
    assert pair is not None and (pair[0].text, pair[1].text) == (chosen, rejected)
    assert pair[0].score > pair[1].score


@pytest.mark.parametrize(
    "answers",
    [
        [RIGHT, "The cup is in the middle."],  # both +1: a tie teaches nothing
        [NEUTRAL, NEUTRAL],
        [RIGHT],  # one answer is not a preference
        ["", "  "],
    ],
)
def test_ties_and_single_answers_give_no_pair(answers):
    assert choose_pair(answers, SCENE) is None


def test_scores_are_the_shared_checkers():
    from echollama.language.claims import check_text

    assert (
        [s.score for s in score_answers([RIGHT, WRONG, INVENTED, BOTH_RIGHT], SCENE)]
        == [check_text(t, SCENE).score() for t in (RIGHT, WRONG, INVENTED, BOTH_RIGHT)]
        == [1.0, -1.0, -2.0, 3.0]
    )
