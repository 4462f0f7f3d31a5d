"""Detection metrics on hand-computed cases, and `echollama eval` end to end with the tiny LLM."""

import json
import os
import subprocess
import sys

import pytest

from echollama.evaluation.detection import iou, match
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


def test_eval_command_writes_report(tmp_path):
    out = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "echollama.cli", "eval", "--compare", "tiny", "--out", str(out),
                             "--json"], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    headline = json.loads(result.stdout)[0]
    assert headline["LLM"] == "tiny" and headline["invented objects"].endswith("%")
    report = json.loads((out / "report.json").read_text())
    assert report["detection"]["per_image"]["coffee"]["tp"] >= 2
    assert report["depth"]["objects"][0]["label"] == "motorcycle"
    assert 1.0 < report["depth"]["objects"][0]["true_m"] < 4.0
    tiny = report["llms"]["tiny"]
    assert set(tiny["per_image"]) == {"coffee", "chelsea", "astronaut", "rocket", "motorcycle"}
    assert tiny["grounding"]["spatial_claims"] >= 0
    html = (out / "index.html").read_text()
    assert "<table>" in html and "alt=" in html
    for picture in ("grounding.png", "latency-tiny.png", "coffee.png"):
        assert (out / "images" / picture).stat().st_size > 1000
