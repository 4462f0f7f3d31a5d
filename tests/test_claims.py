"""The spatial-grounding checker, table-driven on a hand-made scene."""

import pytest

from echollama.language.claims import check_text, summarise
from echollama.language.gate import check_sentence
from echollama.language.readouts import readouts
from echollama.scene.camera import camera_for
from echollama.scene.grid import clock_direction, grid_cell
from echollama.types import Detection, Scene


def placed(label, box, distance):
    camera = camera_for(600, 400)
    d = Detection(label, 0.9, box, z=distance, distance_m=distance)
    x, y = d.center
    return Detection(
        label,
        0.9,
        box,
        z=distance,
        distance_m=distance,
        cell=grid_cell(x, y, 600, 400),
        clock=clock_direction(x, camera),
    )


@pytest.fixture(scope="module")
def scene():
    # 600 x 400, 60° field of view: a cup centre-top at 0.5 m, chairs left (2 m) and right (3 m), a person mid-bottom.
    return Scene(
        width=600,
        height=400,
        caption="",
        depth_unit="metres",
        camera=camera_for(600, 400),
        detections=[
            placed("cup", (260, 50, 340, 150), 0.5),
            placed("chair", (20, 250, 120, 390), 2.0),
            placed("chair", (480, 250, 580, 390), 3.0),
            placed("person", (250, 220, 350, 395), 1.5),
        ],
    )


@pytest.mark.parametrize(
    "text, kind, agrees",
    [
        ("The cup is in the center.", "side", True),
        ("The cup is on the left.", "side", False),
        ("There is a chair on the left.", "side", True),
        ("A chair stands on the right side.", "side", True),
        ("The cup is near the top of the picture.", "height", True),
        ("The person is at the bottom.", "height", True),
        ("The person is at the top.", "height", False),
        ("The cup is at 12 o'clock.", "clock", True),
        ("The cup is at 3 o'clock.", "clock", False),
        ("The chair on the right is at 1 o'clock.", "clock", True),
        ("The person is about 1.5 metres away.", "distance", True),
        ("The person is 150 cm away.", "distance", True),
        ("The person is 6 meters away.", "distance", False),
        ("There are two chairs.", "count", True),
        ("There are three chairs.", "count", False),
        ("One person is standing.", "count", True),
        ("The cup is the closest object.", "extreme", True),
        ("The person is the nearest thing.", "extreme", False),
        ("The person is in front of the chair.", "relation", True),
        ("The person is behind the cup.", "relation", True),
        ("The cup is behind the person.", "relation", False),
        ("There is no dog here.", "absence", True),
        ("There is no cup here.", "absence", False),
    ],
)
def test_claims(scene, text, kind, agrees):
    claims = [c for c in check_text(text, scene).claims if c.kind == kind]
    assert claims, f"no {kind} claim found in {text!r}"
    assert claims[0].agrees is agrees


@pytest.mark.parametrize(
    "text, hallucinated",
    [
        ("A cup sits on a table next to a laptop.", ["dining table", "laptop"]),
        ("Two chairs and a person; the mug is close.", []),  # mug is a cup
        ("The man is at 2 o'clock.", []),  # o'clock mentions no clock, the man is a person
        ("An orange cup.", []),  # the colour is not the fruit
        ("There is no dog.", []),  # absence is not a mention
    ],
)
def test_hallucinated_objects(scene, text, hallucinated):
    assert check_text(text, scene).hallucinated == hallucinated


def test_claims_attach_to_the_nearest_object(scene):
    report = check_text("The cup is in the middle and a chair is on the right.", scene)
    sides = {c.label: (c.value, c.agrees) for c in report.claims if c.kind == "side"}
    assert sides == {"cup": ("in the middle", True), "chair": ("right", True)}


def test_summary_rates(scene):
    reports = [check_text("The cup is in the center. The cup is on the left. A dog sleeps.", scene)]
    summary = summarise(reports)
    assert summary["spatial_claims"] == 2 and summary["agreement"] == 0.5
    assert summary["hallucination_rate"] == pytest.approx(1 / 2)  # cup, dog mentioned; dog invented
    assert reports[0].score() == 1 - 1 - 2


# --- check_sentence: what may reach the voice ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def unsure_scene(scene):
    """The same room plus a cat the detector was unsure of (said as "possibly a cat")."""
    cat = placed("cat", (140, 60, 190, 110), 2.5)
    return Scene(
        width=600,
        height=400,
        caption="",
        depth_unit="metres",
        camera=scene.camera,
        detections=scene.detections
        + [Detection(cat.label, 0.5, cat.box, z=2.5, distance_m=2.5, cell=cat.cell, clock=cat.clock, certain=False)],
    )


@pytest.mark.parametrize(
    "sentence, action, spoken, reason",
    [
        # Default-deny: even a true position, distance or nearness is said only by code (language/gate.py).
        ("The cup is straight ahead, within reach.", "drop", "", "position: straight ahead"),
        ("The person is about 2 metres away.", "drop", "", "distance: 2 metres"),
        ("The chair on the right is 2.5 metres away.", "drop", "", "distance: 2.5 metres"),
        ("Turn left to find the door.", "drop", "", "unknowable: door"),
        (
            "The person is right next to the cup.",
            "drop",
            "",
            "unverified relation: person next to cup",
        ),  # no computed relation says so
        ("Possibly a cat on the left.", "drop", "", "position: left"),
        ("The cup looks clean.", "keep", "The cup looks clean.", None),
        ("Possibly a cat, curled up and asleep.", "keep", "Possibly a cat, curled up and asleep.", None),
        ("There is a horse by the window.", "drop", "", "not in the scene: horse"),  # invented object
        ("Two laptops sit on the desk.", "drop", "", "not in the scene: laptop"),  # plural, and desk = dining table
        ("The cup is on the left.", "drop", "", "wrong side for the cup: left"),
        ("A chair is straight ahead.", "drop", "", "wrong side for the chair: straight ahead"),
        ("There are three chairs.", "drop", "", "wrong count for the chair: 3"),
        ("The person is 6 metres away.", "drop", "", "wrong distance for the person: 6.0"),
        ("A cat sleeps on the floor.", "drop", "", "said as certain, but the detector was unsure: cat"),
        ("The cup is at (291, 129).", "drop", "", "nothing left to say"),  # repairing it would leave "The cup is."
        ("The cup (0.96) looks clean.", "repair", "The cup looks clean.", None),
        ("The dog is at coordinates (135, 309) with a confidence of 0.6 metres away.", "drop", "", "score: confidence"),
        ("The cup scores 0.96.", "drop", "", "score: scores 0.96"),
        ("It is a cup, I am 84 % sure of it.", "drop", "", "percentage: 84 %"),
        ("The cup sits in the Mid Top cell.", "drop", "", "grid cell: Mid Top"),
        ("The matrix lists a cup.", "drop", "", "grid cell: matrix"),
        ("A cup at position r(291, 129) with a confidence score of 0.96.", "repair", "A cup.", None),
        ("Left Top: a cup.", "repair", "A cup.", None),
        ("A cup, 84% confident.", "repair", "A cup.", None),
        ("**The cup** looks clean.", "repair", "The cup looks clean.", None),
        ("- The cup looks clean.", "repair", "The cup looks clean.", None),
        ("## Objects", "repair", "Objects", None),
        ("**", "drop", "", "nothing left to say"),
    ],
)
def test_check_sentence(unsure_scene, sentence, action, spoken, reason):
    verdict = check_sentence(sentence, unsure_scene)
    assert (verdict.action, verdict.text) == (action, spoken), verdict.reasons
    if reason:
        assert reason in verdict.reasons
    assert verdict.spoken is (action != "drop")


@pytest.mark.parametrize(
    "sentence, found",
    [
        ("The cup is at r(291, 129, 0.46).", ["coordinates: r", "coordinates: (291, 129, 0.46)", "score: 0.46"]),
        ("Cup: 0.96", ["score: 0.96"]),
        ("It is 2.5 metres away, or 1.5 m, or 30 cm.", []),
        ("The cup is at 12 o'clock.", []),
        ("The ratio is 0.5.", ["score: 0.5"]),
        ("She holds a cell phone.", []),
    ],
)
def test_readouts(sentence, found):
    assert readouts(sentence) == found


def test_metres_are_not_said_about_a_relative_depth_scene():
    paper = Scene(
        width=600,
        height=400,
        caption="",
        depth_unit="inverse relative depth",
        detections=[Detection("cup", 0.95, (260, 50, 340, 150), z=120.5)],
    )
    assert check_sentence("The cup is about 2 metres away.", paper).action == "drop"
    assert check_sentence("The cup is the nearest thing.", paper).reasons == ("nearness: nearest",)


def test_readouts_cost_a_point_in_the_pair_score(scene):
    assert check_text("The cup is in the center.", scene).score() == 1.0
    assert check_text("The cup is in the center (0.96).", scene).score() == 0.0


@pytest.mark.parametrize(
    "sentence",
    [
        "It looks like a coffee shop with a seating area for customers.",  # the bundled photo's invented people
        "There are also two people.",
        "A taxi waits outside.",
    ],
)
def test_what_the_paper_prompt_invented_is_caught(sentence):
    coffee = Scene(
        width=600, height=400, caption="", depth_unit="metres", detections=[placed("cup", (172, 15, 412, 240), 0.25)]
    )
    assert check_sentence(sentence, coffee).action == "drop"


@pytest.mark.parametrize(
    "text, mentioned",
    [
        ("An orange cup.", ["cup"]),  # the colour
        ("An orange on your left.", ["orange"]),  # the fruit
        ("Two oranges and a cup.", ["orange", "cup"]),
        ("There is an orange.", ["orange"]),
    ],
)
def test_orange_is_a_fruit_only_without_a_noun_after_it(scene, text, mentioned):
    assert check_text(text, scene).mentioned == mentioned


def test_an_absence_claim_about_a_present_object_is_dropped_but_doubt_is_no_absence(scene):
    assert "said to be absent, but the scene has it: cup" in check_sentence("There is no cup here.", scene).reasons
    assert check_text("I am not sure, but there may be a cup straight ahead.", scene).claims[0].kind == "side"
    assert check_sentence("I am not sure, but there may be a cup.", scene).action == "keep"
