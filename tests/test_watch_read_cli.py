"""`echollama watch --read` end to end: a real process, the embedded models, --fast, on a video of a rendered letter
lying on a desk: the camera starts with the letter cut at the right edge, moves right until the letter is framed and
holds still. The advice is said once, then "Hold still, reading.", then the letter, read once."""

import difflib
import json

import cv2
import numpy as np
import pytest

from echollama.evaluation.watch_clip import write_video
from echollama.live.reading import HOLD_STILL
from test_describe_cli import run_cli
from test_framing import LETTER, render_letter

CLIP_FPS = 10
VIEW = (620, 760)  # the camera's picture: height, width
LETTER_AT = (65, 300)  # where the letter lies on the desk (top, left)
CUT_S, MOVE_S, HOLD_S = 1.0, 1.5, 3.5  # cut at the right, moving right, framed and still


def desk() -> np.ndarray:
    letter = cv2.resize(render_letter(), None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)  # 630 x 490
    top, left = LETTER_AT
    surface = np.full((VIEW[0], 1200, 3), (120, 96, 70), dtype=np.uint8)  # a brown desk
    surface[top : top + letter.shape[0], left : left + letter.shape[1]] = letter
    return surface


def view_left_at(at_s: float) -> int:
    """Where the camera's picture starts on the desk: 0 (the letter cut at the right) to 235 (framed, 65 px margins)."""
    moved = min(max((at_s - CUT_S) / MOVE_S, 0.0), 1.0)
    return round(235 * moved)


def text_inside_s() -> float:
    """When the letter's lines (42 px short of its right edge, its margin) have all come into the picture."""
    text_right = LETTER_AT[1] + 630 - 42
    return CUT_S + MOVE_S * (text_right - VIEW[1]) / 235


def write_reading_clip(path) -> str:
    surface = desk()
    count = round((CUT_S + MOVE_S + HOLD_S) * CLIP_FPS)
    frames = []
    for index in range(count):
        left = view_left_at(index / CLIP_FPS)
        frames.append(surface[:, left : left + VIEW[1]])
    return str(write_video(path, frames, CLIP_FPS))


def watch(*args):
    return run_cli("watch", *args, timeout=300)


@pytest.fixture(scope="module")
def reading_clip(tmp_path_factory):
    return write_reading_clip(tmp_path_factory.mktemp("clip") / "letter.avi")


@pytest.mark.slow  # about a minute on two shared cores (24 frames read, the letter spoken)
def test_the_advice_then_hold_still_then_the_letter_once(reading_clip, tmp_path):
    done = watch(reading_clip, "--fast", "--json", "--read", "--fps", "4", "-o", str(tmp_path / "read.wav"))
    assert done.returncode == 0, done.stderr
    items = [json.loads(line) for line in done.stdout.splitlines()]
    events = [i for i in items if i["type"] == "event"]
    assert {e["kind"] for e in events} <= {"framing", "hold", "text", "approaching"}
    advice = [e for e in events if e["kind"] == "framing"]
    assert [e["sentence"] for e in advice] == ["The text runs off the right edge; move the camera right or step back."]
    assert advice[0]["seen_s"] < CUT_S  # while the letter is still cut
    spoken = [i for i in items if i["type"] == "spoken"]
    assert [s["kind"] for s in spoken] == ["framing", "hold", "text"]
    assert spoken[1]["sentence"] == HOLD_STILL
    assert spoken[1]["seen_s"] >= text_inside_s()  # said once the letter's text is all in the picture
    text = spoken[2]["sentence"]
    assert text.startswith("Dear Ms Patel")
    assert difflib.SequenceMatcher(None, text, LETTER).ratio() >= 0.9, text
    summary = items[-1]
    assert summary["type"] == "summary" and summary["spoken"] == 3


def test_read_and_find_together_get_one_line_and_exit_2(reading_clip):
    done = watch(reading_clip, "--read", "--find", "chair")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "echollama: error: --read and --find cannot be used together: read a page, or find a thing"
    ]
