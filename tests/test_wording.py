"""The small wording bugs of issue 19: plurals, pairs, round half up, repair debris, wide-lens sides, the sentence
splitter's abbreviations, and "How many dogs?" with one unsure dog."""

import pytest

from echollama.language.claims import contradictions
from echollama.language.facts import ground
from echollama.language.narration import direction, narrate
from echollama.language.readouts import repair
from echollama.scene.camera import camera_for
from echollama.scene.size_priors import SIZE_PRIORS_M
from echollama.scene.words import counted, plural, rounded_metres
from echollama.speech.sentences import split_sentences
from echollama.types import Camera, Detection, Scene


def _scene(*detections, camera=None):
    return Scene(600, 400, list(detections), "", "metres", camera=camera or camera_for(600, 400))


@pytest.mark.parametrize(
    "label, many", [("skis", "skis"), ("tv", "TVs"), ("person", "people"), ("knife", "knives"), ("bus", "buses")]
)
def test_plurals(label, many):
    assert plural(label) == many


def test_a_pair_is_one_thing():
    assert counted("skis", 1) == "one pair of skis" and counted("scissors", 2) == "two pairs of scissors"
    skis = _scene(Detection("skis", 0.9, (250, 100, 350, 300), distance_m=2.0, clock=12))
    assert narrate(skis) == ["I can see a pair of skis straight ahead, about 2 metres away."]
    answer = ground("Where are the skis?", skis, tuple(SIZE_PRIORS_M)).facts
    assert answer == "The pair of skis is straight ahead, about 2 metres away."
    assert contradictions(answer, skis) == []


@pytest.mark.parametrize("metres, said", [(1.25, 1.5), (1.75, 2.0), (2.75, 3.0), (3.5, 4.0), (22.5, 25.0), (0.9, 1.0)])
def test_distances_round_half_up(metres, said):
    assert rounded_metres(metres) == said


@pytest.mark.parametrize(
    "sentence, repaired",
    [
        ("The dog, at coordinates (135, 309), is on your right.", "The dog is on your right."),
        ("The dog (0.92), is on your right.", "The dog is on your right."),
        ("The dog, a terrier, is on your right (0.9).", "The dog, a terrier, is on your right."),
    ],
)
def test_a_repair_leaves_no_debris(sentence, repaired):
    assert repair(sentence) == repaired


def test_an_ultra_wide_lens_does_not_call_23_degrees_straight_ahead():
    wide = Camera(600, 400, focal_px=300 / 1.732, focal_source="exif")  # 120° across: the middle third spans ±30°
    x = 300 + wide.focal_px * 0.4245  # 23° right of the axis, inside the middle third
    dog = Detection("dog", 0.9, (x - 5, 100, x + 5, 200), distance_m=2.0)
    assert direction(dog, _scene(dog, camera=wide)) == "slightly right"
    ahead = Detection("dog", 0.9, (295, 100, 305, 200), distance_m=2.0)
    assert direction(ahead, _scene(ahead, camera=wide)) == "straight ahead"


@pytest.mark.parametrize("word", ["nearest", "first", "west", "items", "against"])
def test_sentences_end_after_words_ending_like_abbreviations(word):
    assert list(split_sentences([f"It is the {word}. The cup is here. "], first_clause=False)) == [
        f"It is the {word}.",
        "The cup is here.",
    ]
    assert list(split_sentences(["Dr. Smith and St. Paul, e.g. a cup. Next."], first_clause=False)) == [
        "Dr. Smith and St. Paul, e.g. a cup.",
        "Next.",
    ]


def test_how_many_with_one_unsure_dog_is_hedged_once():
    dog = _scene(Detection("dog", 0.6, (450, 150, 560, 350), distance_m=2.0, clock=2, certain=False))
    facts = ground("How many dogs?", dog, tuple(SIZE_PRIORS_M)).facts
    assert facts == "I am not sure, but there may be one dog on your right, about 2 metres away."
    assert contradictions(facts, dog) == []


def test_three_sure_chairs_are_at_least_three_as_in_the_narration():
    chairs = _scene(*(Detection("chair", 0.9, (x, 100, x + 40, 300), distance_m=2.0 + x / 300) for x in (20, 280, 520)))
    facts = ground("How many chairs are there?", chairs, tuple(SIZE_PRIORS_M)).facts
    assert facts.startswith("I can see at least three chairs: ")
    assert "at least three chairs" in " ".join(narrate(chairs, "normal"))
