"""`echollama check`: the gate as a command, through the real CLI (a subprocess), on stored real scenes and one
real photo."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCENES = Path(__file__).parent / "data" / "gate_scenes"
COFFEE = SCENES / "coffee.json"
PHOTO = Path(__file__).parents[1] / "src" / "echollama" / "data" / "coffee.jpg"


def check(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "echollama.cli", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_json_verdicts_per_sentence_from_stdin_verbatim():
    lines = "The cup is on your left. The cup looks clean.\nThe cup (0.96) looks full.\n\nA horse  grazes.\n"
    done = check("--scene", str(COFFEE), "--json", stdin=lines)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)["sentences"]
    assert [s["sentence"] for s in got] == [
        "The cup is on your left.",
        "The cup looks clean.",
        "The cup (0.96) looks full.",
        "A horse  grazes.",
    ]
    assert [(s["spoken"], s["said"]) for s in got] == [
        (False, None),
        (True, "The cup looks clean."),
        (True, "The cup looks full."),
        (False, None),
    ]
    assert "position: left" in got[0]["reasons"] and got[1]["reasons"] == []
    assert got[2]["reasons"] == ["repaired score: 0.96"] and got[3]["reasons"] == ["not in the scene: horse"]


def test_a_whole_describe_json_output_is_a_scene(tmp_path):
    described = tmp_path / "described.json"
    described.write_text(json.dumps({"answer": "I can see a cup.", "scene": json.loads(COFFEE.read_text())}))
    done = check("--scene", str(described), "--text", "There are three cups.")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dropped: There are three cups.") and "count: three cups" in done.stdout


@pytest.mark.parametrize(
    "content, words",
    [
        ("{not json", "is not JSON"),
        ('{"width": 600}', "is not a scene"),
        ('{"scene": {"width": 600, "height": 400, "depth_unit": "metres", "detections": [{"label": "cup"}]}}', "not a"),
        ("[1, 2]", "is not a scene"),
    ],
)
def test_bad_scene_json_is_one_line_and_exit_2(tmp_path, content, words):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    done = check("--scene", str(bad), "--text", "A cup.")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and words in done.stderr and "Traceback" not in done.stderr


def test_image_or_scene_but_not_both_nor_neither():
    assert check("--text", "A cup.").returncode == 2
    assert check(str(PHOTO), "--scene", str(COFFEE), "--text", "A cup.").returncode == 2


def test_help_teaches_it():
    done = check("--help")
    assert done.returncode == 0
    assert "echollama check --scene photo.json" in done.stdout and "standard input" in done.stdout


def test_a_photo_is_perceived_with_the_real_models():
    done = check(str(PHOTO), "-q", "--json", "--text", "A horse stands there. The cup looks full.")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)["sentences"]
    assert [s["spoken"] for s in got] == [False, True]


def test_check_judges_as_the_voice_does_drop_rules_and_what_was_said_before_included():
    text = "The cup looks clean. The cup looks clean. Counts: a cup."
    done = check("--scene", str(COFFEE), "--json", "--text", text)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)["sentences"]
    assert [s["spoken"] for s in got] == [True, False, False]
    assert got[1]["reasons"] == ["repeats what was already said"]
    assert got[2]["reasons"] == ["speaks in the fact sheet's words"]
