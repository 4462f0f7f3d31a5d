"""Detection metrics on hand-computed cases, and `echollama eval` end to end with the tiny LLM."""

import json
import os
import subprocess
import sys

import pytest

from echollama.evaluation.detection import iou, match
from echollama.evaluation.labelled_set import labelled_images
from echollama.types import Detection


@pytest.mark.parametrize(
    "a, b, expected",
    [((0, 0, 10, 10), (0, 0, 10, 10), 1.0), ((0, 0, 10, 10), (5, 0, 15, 10), 50 / 150),
     ((0, 0, 10, 10), (20, 20, 30, 30), 0.0), ((0, 0, 10, 10), (2, 2, 8, 8), 36 / 100)],
)
def test_iou(a, b, expected):
    assert iou(a, b) == pytest.approx(expected)


def test_match_counts_each_truth_once_and_needs_the_right_label():
    truth = [("cup", (0, 0, 10, 10)), ("cat", (50, 50, 90, 90))]
    detections = [
        Detection("cup", 0.9, (0, 0, 10, 11)),  # TP
        Detection("cup", 0.8, (0, 0, 10, 10)),  # duplicate of a matched truth: FP
        Detection("dog", 0.7, (50, 50, 90, 90)),  # right place, wrong label: FP; the cat stays missed
    ]
    counts = match(detections, truth)
    assert (counts.true_positives, counts.false_positives, counts.false_negatives) == (1, 2, 1)
    assert counts.precision == pytest.approx(1 / 3) and counts.recall == pytest.approx(1 / 2)
    assert counts.f1 == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_empty_cases_are_perfect_not_undefined():
    counts = match([], [])
    assert counts.precision == 1.0 and counts.recall == 1.0


def run_eval(out, *extra):
    return subprocess.run([sys.executable, "-m", "echollama.cli", "eval", "--compare", "tiny", "--out", str(out),
                           "--json", *extra], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})


@pytest.mark.slow
def test_eval_with_speech_and_spoken_questions(tmp_path):
    out = tmp_path / "report"
    result = run_eval(out)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["asr_phrases"]["whisper"]["wer"] < 0.1
    tiny = report["llms"]["tiny"]
    assert tiny["speech"]["round_trip_wer"] < 0.5
    assert tiny["questions"]["questions"] == 14 and tiny["questions"]["accuracy"] >= 0.8


def test_eval_command_writes_report(tmp_path):
    out = tmp_path / "report"
    result = run_eval(out, "--no-speech")
    assert result.returncode == 0, result.stderr
    headline = json.loads(result.stdout)[0]
    assert headline["LLM"] == "tiny" and headline["invented objects"].endswith("%")
    report = json.loads((out / "report.json").read_text())
    assert report["detection"]["per_image"]["coffee"]["tp"] >= 2
    assert report["depth"]["objects"][0]["label"] == "motorcycle"
    assert 1.0 < report["depth"]["objects"][0]["true_m"] < 4.0
    tiny = report["llms"]["tiny"]
    assert set(tiny["per_image"]) == {item.name for item in labelled_images()}
    assert tiny["grounding"]["spatial_claims"] >= 0
    html = (out / "index.html").read_text()
    assert "<table>" in html and "alt=" in html
    for picture in ("grounding.png", "latency-tiny.png", "coffee.png"):
        assert (out / "images" / picture).stat().st_size > 1000


class _Box:
    def __init__(self, label, box):
        self.label, self.box = label, box


@pytest.mark.parametrize(
    "kind, label, expected, answer, right",
    [
        ("presence", "dog", False, "I cannot see any dogs here. I can only see one cat.", True),
        ("presence", "dog", False, "Yes, a dog sleeps on the left.", False),
        ("presence", "cat", True, "The cat is straight ahead at 12 o'clock.", True),
        ("presence", "cat", True, "There is no cat.", False),
        ("count", "person", 0, "I cannot see any people here.", True),
        ("count", "cat", 1, "I can see one cat. The cat is straight ahead.", True),
        ("count", "cat", 1, "I can see two cats.", False),
        ("count", "cat", 1, "The cat is about 1.1 metres away.", False),  # a distance is not a count
        ("position", "cat", None, "The cat is straight ahead at 12 o'clock, in the middle.", True),
        ("position", "cat", None, "The cat is on your right at 3 o'clock.", False),
        ("position", "cat", None, "It is a lovely cat.", False),  # no position given
    ],
)
def test_spoken_question_checker(kind, label, expected, answer, right):
    from echollama.evaluation.questions import Question, check_answer, truth_scene

    truth = truth_scene(600, 400, [_Box("cat", (200, 50, 400, 350))])
    assert check_answer(Question("x", "?", kind, label, expected), answer, truth) is right
