"""`echollama read` as a user runs it: a real process reading a rendered two-column page and a real scene-text photo,
printing the text in reading order, speaking it into a WAV; bad input gets one message and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from rendered_text import opencv_photo, render_two_column_page
from test_describe_cli import assert_speech, run_cli
from test_text_reader import cer


def test_a_two_column_page_is_read_in_reading_order(tmp_path):
    rgb, expected = render_two_column_page()
    page = tmp_path / "notice.png"
    Image.fromarray(rgb).save(page)
    out = tmp_path / "notice.wav"
    result = run_cli("read", str(page), "-o", str(out), "--json", "-q")
    assert result.returncode == 0, result.stderr
    reading = json.loads(result.stdout)
    assert cer(expected, reading["text"]) <= 0.03, reading["text"]
    # The left column (the title sits over it) is read whole before the right one: never line by line across the
    # gutter; each paragraph on its own.
    columns = reading["columns"]
    firsts = [[paragraph[0]["text"] for paragraph in column["paragraphs"]] for column in columns]
    assert firsts == [
        ["Notice to residents", expected.split("\n")[1], "Please fill a kettle the night"],
        ["The lift in block two is out of", "Questions go to the caretaker in"],
    ]
    line = columns[0]["paragraphs"][0][0]
    assert line["box"][0] < rgb.shape[1] / 2 and all(0.9 <= r["score"] <= 1 for r in line["regions"])
    assert reading["spoken"].startswith("Notice to residents. Dear neighbour")
    assert_speech(out)


def test_read_prints_the_text_of_a_real_sign_and_speaks_it(tmp_path):
    out = tmp_path / "sign.wav"
    result = run_cli("read", str(opencv_photo("scenetext01.jpg")), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("NOTICE\nDOUBLE\nPARKING\nPROHIBITED\nAT ALL TIMES")
    assert "lines of text read" in result.stderr and "Traceback" not in result.stderr
    assert_speech(out)


def test_bad_input_gets_one_message_and_no_file(tmp_path):
    out = tmp_path / "x.wav"
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("hello")
    for args, code in (
        ((str(tmp_path / "missing.jpg"),), 2),
        ((str(not_an_image),), 2),
        ((str(opencv_photo("scenetext01.jpg")), "-o", str(tmp_path / "no" / "x.wav")), 3),
    ):
        result = run_cli("read", *args, *(() if "-o" in args else ("-o", str(out))))
        assert result.returncode == code, result.stderr
        assert result.stderr.count("error:") == 1 and "Traceback" not in result.stderr
    assert not list(Path(tmp_path).glob("*.wav*"))
