"""Sound from the object's direction: the panning law (pure), and `describe --spatial` with the real Piper voice on a
real photo with objects on both sides, where each object's sentence must be louder in the ear on its side.

Run: .venv/bin/python -m pytest -q tests/test_spatial.py
"""

import json
import math
import re

import numpy as np
import pytest
import soundfile

from echollama.evaluation.labelled_set import PHOTOS_DIR, labelled_image
from echollama.language.narration import narrate, narrate_pieces
from echollama.speech.panning import gains, pan_for, stereo
from echollama.speech.sentences import placed_sentences
from echollama.types import PlacedText
from test_describe_cli import run_cli
from test_narration import scene, seen


@pytest.mark.parametrize(
    "azimuth, pan",
    [(None, 0.0), (0.0, 0.0), (30.0, 0.5), (-30.0, -0.5), (90.0, 1.0), (-120.0, -1.0)],
)
def test_pan_is_the_sine_of_the_azimuth(azimuth, pan):
    assert pan_for(azimuth) == pytest.approx(pan)


@pytest.mark.parametrize("pan", [-1.0, -0.5, -0.1, 0.0, 0.3, 1.0])
def test_equal_loudness_across_the_field(pan):
    left, right = gains(pan)
    assert left**2 + right**2 == pytest.approx(1.0)
    assert right - left == pytest.approx(0.0, abs=1e-9) if pan == 0 else (right > left) == (pan > 0)


def test_stereo_keeps_the_power_of_the_mono_samples():
    mono = np.sin(np.linspace(0, 100, 1000)).astype(np.float32)
    for azimuth in (-25.0, 0.0, 12.0):
        frames = stereo(mono, azimuth)
        assert frames.shape == (1000, 2) and frames.dtype == np.float32
        assert np.sum(frames**2) == pytest.approx(np.sum(mono**2), rel=1e-5)
    assert gains(0.0) == pytest.approx((math.sqrt(0.5), math.sqrt(0.5)))


def test_narration_pieces_are_its_sentences_cut_at_each_object():
    things = scene(seen("dog", 80, 1.4), seen("bicycle", 300, 2.4), seen("car", 520, 10.0), seen("cup", 310, 0.5))
    for detail in ("brief", "normal", "full"):
        pieces = narrate_pieces(things, detail)
        assert "".join(pieces) == " ".join(narrate(things, detail)) + " "
    brief = narrate_pieces(things)
    assert brief[0] == "I can see a dog on your left, about 1.5 metres away, "
    assert brief[0].azimuth_deg < -20 and abs(brief[1].azimuth_deg) < 5 and brief[2].azimuth_deg > 15


def test_each_member_of_a_spread_group_is_heard_from_its_own_side():
    people = scene(
        seen("person", 560, 1.0), seen("person", 300, 1.5), seen("person", 120, 3.0), seen("person", 40, 4.0)
    )
    brief = narrate_pieces(people)
    assert brief == [
        "I can see at least four people, the nearest on your right, about 1 metre away; ",
        "two more on your left ",
        "and one straight ahead. ",
    ]
    assert brief[0].azimuth_deg > 15 and brief[1].azimuth_deg < -15 and abs(brief[2].azimuth_deg) < 5
    full = narrate_pieces(scene(seen("bus", 300, 5.0), seen("bus", 60, 8.0)), "full")
    assert full == [
        "I can see two buses: one straight ahead, about 5 metres away; ",
        "one on your left, about 8 metres away. ",
    ]
    assert abs(full[0].azimuth_deg) < 5 and full[1].azimuth_deg < -15


def test_a_placed_piece_is_cut_on_its_own_and_keeps_its_direction():
    pieces = [PlacedText("I can see a dog on your left, about 1.5 metres away, ", -25.0), "and then ", "more. "]
    sentences = list(placed_sentences(pieces))
    assert sentences == ["I can see a dog on your left,", "about 1.5 metres away,", "and then more."]
    assert [s.azimuth_deg for s in sentences] == [-25.0, -25.0, None]


@pytest.fixture(scope="module")
def both_sides_photo():
    # darknet's dog.jpg: a dog on the left, a bicycle in the middle, a truck on the right (hand-labelled thirds).
    photo = labelled_image("porch_dog_bicycle")
    assert {("dog", "left"), ("bicycle", "centre"), ("truck", "right")} <= {(o.label, o.third) for o in photo.objects}
    return PHOTOS_DIR / "porch_dog_bicycle.jpg"


def test_describe_spatial_plays_each_object_from_its_side(tmp_path, both_sides_photo):
    out = tmp_path / "spatial.wav"
    result = run_cli("describe", str(both_sides_photo), "-o", str(out), "--llm", "tiny", "--spatial", "--json", "-q")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    frames, rate = soundfile.read(out, dtype="float32")
    assert frames.ndim == 2 and frames.shape[1] == 2
    sentences = report["sentences"]
    starts = [s["audio_at_s"] for s in sentences] + [len(frames) / rate]
    heard = []
    for sentence, begin, end in zip(sentences, starts, starts[1:]):
        part = frames[int(begin * rate) : int(end * rate)]
        left, right = (float(np.sum(part[:, c] ** 2)) for c in (0, 1))
        assert left + right > 0, sentence
        heard.append((sentence["text"], sentence["azimuth_deg"], 10 * math.log10(right / left)))
    by_side = {"left": [], "right": [], "centre": []}
    for text, azimuth, right_over_left_db in heard:
        words = set(re.findall(r"[a-z]+", text.lower()))
        if azimuth is None:  # the LLM's words carry no direction (whatever side they happen to name): centred
            by_side["centre"].append(right_over_left_db)
        elif "left" in words:
            by_side["left"].append(right_over_left_db)
            assert azimuth < 0
        elif "right" in words:
            by_side["right"].append(right_over_left_db)
            assert azimuth > 0
        elif "straight ahead" in text:
            by_side["centre"].append(right_over_left_db)
    assert by_side["left"] and by_side["right"] and by_side["centre"], heard
    assert all(db < -2.0 for db in by_side["left"]), heard  # louder in the left ear
    assert all(db > 2.0 for db in by_side["right"]), heard
    assert all(abs(db) < 2.0 for db in by_side["centre"]), heard
