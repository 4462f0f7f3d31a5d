"""Memory across photos, pure code on hand-written Scenes: what changed between the last two, where a thing was.

Run: .venv/bin/python -m pytest -q tests/test_memory.py   (< 1 s)
"""

import json

import pytest
import soundfile

from echollama.language.memory import (
    SceneMemory,
    asks_about_the_past,
    asks_what_changed,
    changes_sentences,
    compare,
    ground_with_memory,
    last_seen_sentence,
    photos_ago,
)
from echollama.scene.camera import camera_for
from echollama.scene.ssd_detector import COCO_LABELS
from echollama.types import Detection, PlacedText, Scene

VOCABULARY = tuple(COCO_LABELS.values())
WIDTH, HEIGHT = 600, 400  # default 60° field of view: thirds end at x = 200 and 400


def seen(label, x, metres, certain=True):
    return Detection(label, 0.9, (x - 10, 180, x + 10, 220), z=metres, distance_m=metres, certain=certain)


def scene(*detections):
    return Scene(WIDTH, HEIGHT, list(detections), "", "metres", camera=camera_for(WIDTH, HEIGHT))


CUP_LEFT = seen("cup", 60, 1.0)
DOG_AHEAD = seen("dog", 300, 1.5)
DOG_RIGHT = seen("dog", 560, 3.0)
CHAIR_RIGHT = seen("chair", 520, 2.0)


def memory_of(*scenes, capacity=5):
    memory = SceneMemory(capacity)
    for each in scenes:
        memory.remember(each)
    return memory


@pytest.mark.parametrize(
    "question, changed, past",
    [
        ("What changed since the last photo?", True, False),
        ("what's changed?", True, False),
        ("Is anything different?", True, False),
        ("anything new?", True, False),
        ("What is different from the last picture?", True, False),
        ("Where was my cup?", False, True),
        ("where did I leave the keys", False, True),
        ("When did you last see the dog?", False, True),
        ("Where is the cup?", False, False),
        ("What colour is the new chair?", False, False),
    ],
)
def test_questions_about_earlier_photos(question, changed, past):
    assert asks_what_changed(question) is changed
    assert asks_about_the_past(question) is past


@pytest.mark.parametrize(
    "older, newer, expected",
    [
        (
            scene(CUP_LEFT, DOG_AHEAD),
            scene(DOG_AHEAD, CHAIR_RIGHT),
            [
                "New since the last photo: a chair on your right, about 2 metres away.",
                "Gone: the cup that was on your left, about 1 metre away.",
                "Still there: a dog.",
            ],
        ),
        (
            scene(DOG_AHEAD),
            scene(DOG_AHEAD, DOG_RIGHT),  # one more of the same kind: the one far from the old one is new
            ["New since the last photo: a dog on your right, about 3 metres away.", "Still there: a dog."],
        ),
        (
            scene(DOG_AHEAD, DOG_RIGHT),
            scene(DOG_RIGHT),
            ["Gone: one dog that was straight ahead, about 1.5 metres away.", "Still there: a dog."],
        ),
        (
            scene(seen("cup", 60, 1.0, certain=False)),
            scene(),
            ["Gone: possibly a cup, which was on your left, about 1 metre away."],
        ),
        (
            scene(seen("chair", 280, 2.0, certain=False), seen("chair", 60, 2.5, certain=False)),
            scene(),
            ["Gone: possibly two chairs, the nearest straight ahead, about 2 metres away."],
        ),
        (  # an unsure one more or fewer beside sure ones still there is the detector's noise, not a change
            scene(DOG_AHEAD, seen("dog", 560, 3.0, certain=False)),
            scene(DOG_AHEAD),
            ["Nothing has changed since the last photo: I still see a dog."],
        ),
        (scene(CUP_LEFT), scene(CUP_LEFT), ["Nothing has changed since the last photo: I still see a cup."]),
        (scene(), scene(), ["Nothing has changed since the last photo."]),
    ],
)
def test_what_changed_names_what_came_and_went_with_sides(older, newer, expected):
    assert changes_sentences(memory_of(older, newer)) == expected


def test_what_changed_needs_an_earlier_photo():
    assert changes_sentences(memory_of(scene(CUP_LEFT))) == ["I have no earlier photo to compare this one with."]


def test_each_change_is_heard_from_where_it_is_or_was():
    added, gone, still = changes_sentences(memory_of(scene(CUP_LEFT, DOG_AHEAD), scene(DOG_AHEAD, CHAIR_RIGHT)))
    assert isinstance(added, PlacedText) and added.azimuth_deg > 15  # the chair, right
    assert isinstance(gone, PlacedText) and gone.azimuth_deg < -15  # the cup was left
    assert getattr(still, "azimuth_deg", None) is None


def test_new_things_of_one_kind_are_each_heard_from_their_side():
    sentences = changes_sentences(memory_of(scene(), scene(seen("chair", 300, 2.0), seen("chair", 60, 3.0))))
    assert sentences == [
        "New since the last photo — two chairs: one straight ahead, about 2 metres away, ",
        "and one on your left, about 3 metres away.",
    ]
    assert abs(sentences[0].azimuth_deg) < 5 and sentences[1].azimuth_deg < -15


def test_compare_matches_same_labels_by_direction():
    changes = compare(scene(DOG_AHEAD, CUP_LEFT), scene(DOG_RIGHT, seen("dog", 290, 1.4)))
    assert [d.center[0] for d in changes.added] == [560]
    assert [d.label for d in changes.removed] == ["cup"]
    assert [d.center[0] for d in changes.kept] == [290]


@pytest.mark.parametrize("ago, words", [(1, "in the previous photo"), (2, "two photos ago"), (4, "four photos ago")])
def test_photos_ago(ago, words):
    assert photos_ago(ago) == words


def test_where_was_my_cup_after_it_has_gone():
    memory = memory_of(scene(CUP_LEFT, DOG_AHEAD), scene(DOG_AHEAD), scene(CHAIR_RIGHT))
    sighting = memory.last_seen("cup")
    assert sighting is not None and sighting.ago == 2
    sentence = last_seen_sentence(sighting)
    assert sentence == "I last saw the cup two photos ago, on your left, about 1 metre away."
    assert sentence.azimuth_deg < -15
    grounding = ground_with_memory("Where was my cup?", memory.scenes[-1], VOCABULARY, memory)
    assert grounding.facts == (
        "I cannot see any cups here. I last saw the cup two photos ago, on your left, about 1 metre away. "
        "I can only see a chair."
    )
    assert grounding.settles_it  # no LLM guesses about where it went


@pytest.mark.parametrize(
    "members, sentence",
    [
        ([CUP_LEFT], "I last saw the cup in the previous photo, on your left, about 1 metre away."),
        (
            [seen("cup", 60, 1.0, certain=False)],
            "I may have seen a cup in the previous photo, on your left, about 1 metre away.",
        ),
        (
            [seen("cup", 300, 1.0), seen("cup", 560, 2.0, certain=False)],
            "I last saw two cups in the previous photo, the nearest straight ahead, about 1 metre away.",
        ),
        (
            [seen("cup", 300, 1.0, certain=False), seen("cup", 560, 2.0, certain=False)],
            "I may have seen two cups in the previous photo, the nearest straight ahead, about 1 metre away.",
        ),
    ],
)
def test_last_seen_says_how_sure_it_was(members, sentence):
    sighting = memory_of(scene(*members), scene(DOG_AHEAD)).last_seen("cup")
    assert sighting is not None and last_seen_sentence(sighting) == sentence


def test_an_object_still_here_is_answered_from_the_current_photo():
    memory = memory_of(scene(CUP_LEFT), scene(seen("cup", 300, 0.5)))
    grounding = ground_with_memory("Where was my cup?", memory.scenes[-1], VOCABULARY, memory)
    assert grounding.facts == "The cup is straight ahead, within reach."


def test_never_seen_is_said_only_when_asked_about_the_past():
    memory = memory_of(scene(DOG_AHEAD), scene(CHAIR_RIGHT))
    past = ground_with_memory("Where was my cup?", memory.scenes[-1], VOCABULARY, memory)
    assert "I have not seen any cups in the earlier photos I remember either." in past.facts
    present = ground_with_memory("Where is my cup?", memory.scenes[-1], VOCABULARY, memory)
    assert present.facts == "I cannot see any cups here. I can only see a chair."


def test_memory_is_bounded_and_forgets_all_but_the_current_photo():
    memory = memory_of(scene(CUP_LEFT), scene(DOG_AHEAD), scene(CHAIR_RIGHT), capacity=2)
    assert len(memory.scenes) == 2 and memory.last_seen("cup") is None  # the cup's photo fell out
    assert memory.forget() == 1
    assert memory.scenes == [memory.scenes[-1]] and memory.last_seen("dog") is None
    assert memory.changes() is None
    asked = ground_with_memory("Where was the dog?", memory.scenes[-1], VOCABULARY, memory)
    assert asked.facts == "I cannot see any dogs here. I do not remember any earlier photos. I can only see a chair."


def test_a_chat_across_photos_remembers_what_changed_and_where_the_cup_was(tmp_path):
    """The real `echollama chat` with typed lines: coffee (a cup), a dog indoors, then the porch (dog, bicycle, car)."""
    from echollama.evaluation.labelled_set import PHOTOS_DIR
    from echollama.samples import SAMPLE_IMAGE
    from test_conversation_cli import chat

    lines = "\n".join(
        [
            f"/image {PHOTOS_DIR / 'dog_indoors_floor.jpg'}",
            "What changed since the last photo?",
            f"/image {PHOTOS_DIR / 'porch_dog_bicycle.jpg'}",
            "Where was my cup?",
            "/forget",
            "What changed?",
        ]
    )
    out = tmp_path / "chat.wav"
    result = chat(str(SAMPLE_IMAGE), "-o", str(out), "--transcript", str(tmp_path / "t.json"), "-q", lines=lines)
    assert result.returncode == 0, result.stderr
    answers = [line.removeprefix("echollama: ").strip() for line in result.stdout.splitlines()]
    changed = answers[2]  # coffee summary, dog summary, then the answer
    assert changed.startswith("New since the last photo: a black dog straight ahead"), answers
    assert "Gone: the cup that was straight ahead, within reach." in changed
    assert answers[4].startswith("I cannot see any cups here. I last saw the cup two photos ago, straight ahead"), (
        answers
    )
    assert answers[5] == "I have forgotten the two earlier photos; I only remember this one."
    assert answers[6] == "I have no earlier photo to compare this one with."
    turns = json.loads((tmp_path / "t.json").read_text())["turns"]
    assert not any(turn.get("used_llm") for turn in turns)  # every answer came from the stored scenes
    assert soundfile.info(str(out)).channels == 1  # mono without --spatial
