"""The spatial-grounding checker, table-driven on a hand-made scene."""

import pytest

from echollama.language.claims import check_text, summarise
from echollama.scene.camera import camera_for
from echollama.scene.grid import clock_direction, grid_cell
from echollama.types import Detection, Scene


def placed(label, box, distance):
    camera = camera_for(600, 400)
    d = Detection(label, 0.9, box, z=distance, distance_m=distance)
    x, y = d.center
    return Detection(label, 0.9, box, z=distance, distance_m=distance, cell=grid_cell(x, y, 600, 400),
                     clock=clock_direction(x, camera))


@pytest.fixture(scope="module")
def scene():
    # 600 x 400, 60° field of view: a cup centre-top at 0.5 m, chairs left (2 m) and right (3 m), a person mid-bottom.
    return Scene(width=600, height=400, caption="", depth_unit="metres", camera=camera_for(600, 400), detections=[
        placed("cup", (260, 50, 340, 150), 0.5),
        placed("chair", (20, 250, 120, 390), 2.0),
        placed("chair", (480, 250, 580, 390), 3.0),
        placed("person", (250, 220, 350, 395), 1.5),
    ])


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
    assert sides == {"cup": ("middle", True), "chair": ("right", True)}


def test_summary_rates(scene):
    reports = [check_text("The cup is in the center. The cup is on the left. A dog sleeps.", scene)]
    summary = summarise(reports)
    assert summary["spatial_claims"] == 2 and summary["agreement"] == 0.5
    assert summary["hallucination_rate"] == pytest.approx(1 / 2)  # cup, dog mentioned; dog invented
    assert reports[0].score() == 1 - 1 - 2
