"""The default-deny gate (language/gate.py) and its parser (language/claim_parser.py), on hand-made scenes.

The "Why" sentences of issue 19 were all kept by the old deny-list against a scene with one dog on the right.
"""

import pytest

from echollama.language.claim_parser import parse
from echollama.language.gate import category, check_sentence
from echollama.scene.camera import camera_for
from echollama.types import Detection, Scene


def _scene(*detections: Detection) -> Scene:
    return Scene(
        width=600, height=400, caption="", depth_unit="metres", camera=camera_for(600, 400), detections=list(detections)
    )


DOG_ON_THE_RIGHT = _scene(Detection("dog", 0.9, (450, 150, 560, 350), distance_m=2.0, clock=2))
UNSURE_DOG = _scene(Detection("dog", 0.6, (450, 150, 560, 350), distance_m=2.0, clock=2, certain=False))


@pytest.mark.parametrize(
    "sentence, why",
    [
        ("There is no cat here, but a horse stands on your left.", "not in the scene"),
        ("A cat without a collar sits on your left.", "not in the scene"),
        ("It is on your left.", "unnamed"),
        ("There is a staircase straight ahead.", "unknowable"),
        ("A vehicle is parked on your left.", "not in the scene"),
        ("Two pets are on your left.", "count"),
        ("A dog is in the upper left.", "position"),
        ("The dog is at the top left.", "position"),
        ("The dog is directly ahead.", "position"),
        ("The dog is at three o'clock.", "clock hour"),
        ("The dog is at 9 o\u2019clock.", "clock hour"),
        ("There are three wooden chairs.", "count"),
        ("There are twelve chairs.", "count"),
        ("A couple of dogs are playing.", "count"),
        ("A dozen dogs are playing.", "count"),
        ("Both chairs are empty.", "count"),
        ("The dog is about ten metres away.", "distance"),
        ("The dog is thirty feet away.", "distance"),
        ("The dog is half a metre away.", "distance"),
        ("The dog is about two metres away.", "distance"),  # true, but only code says distances
        ("The listener has already heard that object found in the photo.", "listener"),
        ("The listener has already heard that object found in the photo.", "machinery"),
        ("A dog is on your right, and you may want to be careful.", "position"),
        ("Something is moving on your right.", "unnamed"),
        ("The dog is definitely friendly.", "certainty"),
        ("There is no cat in the room.", "absence"),
        ("A dog sits by the door.", "unknowable"),
        ("Mind the kerb.", "unknowable"),
        ("The detector found a dog.", "machinery"),
        # Found by feeding the gate what an LLM might say of a street: advice a listener could act on.
        ("The dog is friendly, so it is safe to approach.", "safety advice"),
        ("It is safe to walk forward.", "safety advice"),
        ("Turn right to find the dog.", "safety advice"),
        ("Another dog sits there.", "count"),
        ("There might be a second dog.", "count"),
        ("The dog sits alone.", "absence"),
        # Said by SmolLM2 in `describe --llm tiny` on the labelled photos.
        ("A very interesting thing!", "not in the scene"),
        ("The cat looks at you from behind.", "listener"),
        ("The truck's cargo holds a large amount of trash.", "unknowable"),
    ],
)
def test_the_issues_sentences_are_dropped(sentence, why):
    verdict = check_sentence(sentence, DOG_ON_THE_RIGHT)
    assert verdict.action == "drop"
    assert why in {category(reason) for reason in verdict.reasons}, verdict.reasons


@pytest.mark.parametrize(
    "sentence",
    [
        "The dog looks happy and relaxed.",
        "The dog has a fluffy coat.",
        "It looks like a warm and cosy kitchen on a sunny morning.",
        "The animal looks calm.",
        "The setting looks like a park on a sunny day.",
        "The dog appears to be a friendly pet.",
        "A puppy with soft fur.",  # "golden fur": a colour perception did not measure, dropped (test_colour_claims)
        "It seems to be a quiet afternoon.",
    ],
)
def test_context_about_what_the_scene_holds_is_kept(sentence):
    assert check_sentence(sentence, DOG_ON_THE_RIGHT).action == "keep", check_sentence(sentence, DOG_ON_THE_RIGHT)


def test_an_unsure_object_needs_its_hedge_in_its_own_clause():
    assert check_sentence("Possibly a dog, resting.", UNSURE_DOG).action == "keep"
    assert check_sentence("It may be a dog.", UNSURE_DOG).action == "keep"
    hedge_elsewhere = check_sentence("A dog rests, and it may be tired.", UNSURE_DOG)
    assert "said as certain, but the detector was unsure: dog" in hedge_elsewhere.reasons


def test_a_plural_of_what_the_scene_holds_once_is_a_count():
    assert "count: dogs, but the scene holds one" in check_sentence("The dogs look happy.", DOG_ON_THE_RIGHT).reasons
    two = _scene(*DOG_ON_THE_RIGHT.detections, Detection("dog", 0.9, (50, 150, 160, 350), distance_m=3.0))
    assert check_sentence("The dogs look happy.", two).action == "keep"


@pytest.mark.parametrize(
    "sentence, label, value, at_least",
    [
        ("There are three wooden chairs.", "chair", 3, False),
        ("I can see at least five people.", "person", 5, True),
        ("A couple of dogs.", "dog", 2, False),
        ("Half a dozen cups.", "cup", 6, False),
        ("Both chairs.", "chair", 2, False),
        ("Several bottles.", "bottle", None, True),
        ("Twenty-one cars.", "car", 21, False),
    ],
)
def test_counts(sentence, label, value, at_least):
    (mention,) = parse(sentence).mentions
    assert (mention.label, mention.count.value, mention.count.at_least) == (label, value, at_least)


@pytest.mark.parametrize(
    "sentence, metres",
    [
        ("about ten metres away", 10.0),
        ("thirty feet away", 9.144),
        ("half a metre away", 0.5),
        ("1.5 m away", 1.5),
        ("150 cm away", 1.5),
        ("a metre and a half away", 1.5),
        ("two and a half metres", 2.5),
    ],
)
def test_distances(sentence, metres):
    (distance,) = parse(sentence).of_kind("distance")
    assert distance.value == pytest.approx(metres)


def test_negation_reaches_only_to_the_end_of_its_clause():
    cat, horse = parse("There is no cat here, but a horse stands there.").mentions
    assert cat.negated and not horse.negated
    (cat,) = parse("A cat without a collar.").mentions
    assert not cat.negated


def test_quoted_text_names_nothing():
    assert parse('A sign reads "Dog park".').mentions == ()
    assert parse("A sign reads \u201cDog park\u201d.").mentions == ()


def test_hypernyms_name_any_of_their_labels():
    (vehicle,) = parse("A vehicle.").mentions
    assert vehicle.general and "car" in vehicle.labels and "dog" not in vehicle.labels
    (pets,) = parse("Pets.").mentions
    assert pets.plural and pets.labels == {"dog", "cat"}


@pytest.mark.parametrize(
    "sentence",
    ["Counts: a truck.", "Add one or two short sentences about the kind of place.", "Overall impression: a bar."],
)
def test_the_fact_sheets_words_said_back_are_recognised(sentence):
    from echollama.language.restatement import reads_the_fact_sheet

    assert reads_the_fact_sheet(sentence)
    assert not reads_the_fact_sheet("The cat counts as a pet.")
