"""`echollama watch --find` end to end: a real process, the embedded models, --fast, on a video made from a real photo
by a camera move (evaluation/find_clip.py): the dog enters from the left, comes within reach, leaves to the left."""

import json

import numpy as np
import pytest
import soundfile

from echollama.evaluation.find_clip import ENTERS_S, LEAVES_S, SIZE, dog_box_at, write_find_clip
from test_describe_cli import run_cli

SIDE_DEAD_ZONE = 0.05 * SIZE[0]  # within this of the middle, the dog is straight ahead: no side to follow


def watch(*args):
    return run_cli("watch", *args, timeout=120)


@pytest.fixture(scope="module")
def find_clip(tmp_path_factory):
    return write_find_clip(tmp_path_factory.mktemp("clip") / "dog.avi")


@pytest.mark.slow  # about 40-60 s on two shared cores (45 frames, the voice)
def test_the_tone_follows_the_dog_and_lost_and_within_reach_are_said_once(find_clip, tmp_path):
    out = tmp_path / "find.wav"
    # SSD: within reach the clip is a 5x-upscaled crop of one photo, blurrier than any camera frame; YOLOv5s (the
    # default) loses the dog there, so "within reach" would never come (a limit of the clip, noted in issue 20).
    done = watch(str(find_clip), "--fast", "--json", "--find", "my dog", "--detector", "ssd", "-o", str(out))
    assert done.returncode == 0, done.stderr
    items = [json.loads(line) for line in done.stdout.splitlines()]
    tones = [i for i in items if i["type"] == "tone"]
    assert tones and all({"at_s", "pan", "interval_s", "pitch_hz"} <= set(t) for t in tones)
    assert ENTERS_S <= tones[0]["at_s"] <= ENTERS_S + 1.5 and tones[0]["pan"] < 0  # it came in on the left

    sided = []  # (the tone's side, the dog's real side) in each frame where the dog is followed and off the middle
    for tone in tones:
        box = dog_box_at(tone["at_s"])
        assert box is not None, tone  # a tone only while the dog is in view
        offset = (box[0] + box[2]) / 2 - SIZE[0] / 2
        if abs(offset) > SIDE_DEAD_ZONE:
            sided.append((np.sign(tone["pan"]), np.sign(offset)))
    assert len(sided) >= 8
    assert sum(pan == side for pan, side in sided) >= 0.95 * len(sided)

    near, far = min(tones, key=lambda t: t["distance_m"]), max(tones, key=lambda t: t["distance_m"])
    assert near["interval_s"] < far["interval_s"]  # faster when nearer
    spoken = [i for i in items if i["type"] == "spoken"]
    assert [s["sentence"] for s in spoken] == ["The dog is within reach, straight ahead.", "Lost the dog."]
    stops = [i for i in items if i["type"] == "tone_stop"]
    assert len(stops) == 1 and LEAVES_S <= stops[0]["at_s"] <= LEAVES_S + 1.5
    assert all(t["at_s"] < stops[0]["at_s"] for t in tones)

    summary = items[-1]
    assert summary["type"] == "summary" and summary["tones_played"] > 0
    samples, rate = soundfile.read(out)
    assert samples.shape[1] == 2  # stereo: the tones are panned
    first = samples[int(tones[0]["at_s"] * rate) : int((tones[0]["at_s"] + 0.07) * rate)]
    assert np.abs(first[:, 0]).max() > np.abs(first[:, 1]).max() > 0  # the first tone is heard from the left


def test_an_unknown_name_gets_one_line_and_exit_2_before_any_model_loads(find_clip):
    done = watch(str(find_clip), "--find", "unicorn")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "echollama: error: I cannot look for 'unicorn': I can find the 80 kinds of thing the detector knows (chair, cup, "
        "bottle, person, dog, ...) and their usual names; `echollama watch --find list` lists them"
    ]
    listed = watch(str(find_clip), "--find", "list")
    assert listed.returncode == 0 and "chair" in listed.stdout.split("\n") and "dining table" in listed.stdout
