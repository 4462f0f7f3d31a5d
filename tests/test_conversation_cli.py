"""`echollama ask` and `echollama chat` as a user runs them: real processes, SmolLM2, Whisper, Piper, real files.

Run: .venv/bin/python -m pytest -q tests/test_conversation_cli.py
"""

import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from spoken import write_noise, write_silence, write_spoken
from test_describe_cli import assert_speech, run_cli


@pytest.fixture(scope="module")
def cat_photo(tmp_path_factory, labelled):
    path = tmp_path_factory.mktemp("images") / "chelsea.png"
    Image.fromarray(labelled["chelsea"].load().rgb).save(path)
    return path


def chat(*args, lines="", timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "echollama.cli", "chat", *args, "--llm", "tiny"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )


def test_ask_a_typed_question(tmp_path, cat_photo):
    out = tmp_path / "answer.wav"
    result = run_cli("ask", str(cat_photo), "--question", "Where is the cat?", "-o", str(out), "--llm", "tiny")
    assert result.returncode == 0, result.stderr
    assert "The brown cat is straight ahead, within reach." in result.stdout
    assert "first audio after" in result.stderr and "Traceback" not in result.stderr
    assert_speech(out)


def test_ask_a_spoken_question_as_json(tmp_path, cat_photo):
    question = write_spoken(tmp_path / "question.flac", "Where is the cat?", rate=8000)
    out = tmp_path / "answer.wav"
    result = run_cli("ask", str(cat_photo), "--audio", str(question), "-o", str(out), "--llm", "tiny", "--json", "-q")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["transcript"]["backend"] == "whisper-tiny.en" and "cat" in report["transcript"]["text"].lower()
    assert "straight ahead, within reach" in report["answer"] and report["source"] == "audio file"
    assert report["scene"]["detections"][0]["label"] == "cat"
    assert {"asr_s", "audio_in_s", "first_audio_s", "total_s"} <= set(report["timings"])
    assert report["audio_path"] == str(out)
    assert_speech(out)


@pytest.mark.parametrize(
    "case, message",
    [
        ("silent", "silent"),
        ("noise", "no speech"),
        ("corrupt", "not a readable audio file"),
        ("long question", "10,000 characters"),
    ],
)
def test_ask_refuses_bad_input_in_one_line(tmp_path, cat_photo, case, message):
    inputs = {
        "silent": lambda: ["--audio", str(write_silence(tmp_path / "s.wav"))],
        "noise": lambda: ["--audio", str(write_noise(tmp_path / "n.wav"))],
        "corrupt": lambda: ["--audio", str(_corrupt(tmp_path / "c.mp3"))],
        "long question": lambda: ["--question", "x" * 10_000],
    }[case]()
    out = tmp_path / "answer.wav"
    result = run_cli("ask", str(cat_photo), *inputs, "-o", str(out), "--llm", "tiny", "-q")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".*.partial"))


def _corrupt(path):
    path.write_bytes(b"\x00\x01garbage" * 300)
    return path


def test_chat_runs_a_scripted_spoken_session(tmp_path, cat_photo):
    questions = tmp_path / "questions"
    questions.mkdir()
    write_spoken(questions / "1.wav", "Where is the cat?")
    write_silence(questions / "2.wav")
    write_spoken(questions / "10.ogg", "Is there a chair on my left?", rate=44100, channels=2)
    transcript, out = tmp_path / "session.json", tmp_path / "session.wav"
    typed = "What is the cat doing?\n/scene\n\n" + "y" * 10_000 + "\n/quit\nnever read\n"
    result = chat(
        str(cat_photo), "--audio-dir", str(questions), "--transcript", str(transcript), "-o", str(out), lines=typed
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "straight ahead, within reach" in result.stdout and "cannot see any chairs" in result.stdout
    assert "silent" in result.stdout and "no microphone is available" in result.stdout
    assert "Mid Top: cat:" in result.stdout and "10,000 characters" in result.stdout
    report = json.loads(transcript.read_text())
    turns = [t for t in report["turns"] if "error" not in t]
    assert [t["kind"] for t in turns] == ["summary", "question", "question", "question"]
    assert turns[1]["transcript"]["text"].lower().startswith("where")  # 1.wav, then 10.ogg: numeric order
    assert "chair" in turns[2]["transcript"]["text"].lower() and turns[3]["question"] == "What is the cat doing?"
    assert len([t for t in report["turns"] if "error" in t]) == 3  # silence, no microphone, the long question
    assert_speech(out)


def test_chat_without_a_picture_says_so_and_carries_on(tmp_path, cat_photo):
    out_dir = tmp_path / "answers"
    out_dir.mkdir()
    lines = f"Where is the cat?\n/image {tmp_path / 'missing.jpg'}\n/image {cat_photo}\nWhere is the cat?\n"
    result = chat("--output-dir", str(out_dir), lines=lines)
    assert result.returncode == 0, result.stderr
    assert "there is no picture yet" in result.stdout and "no such file" in result.stdout
    assert result.stdout.count("straight ahead, within reach") >= 2  # the opening summary and the answer
    assert sorted(p.name for p in out_dir.iterdir()) == ["answer-01.wav", "answer-02.wav"]
    assert_speech(out_dir / "answer-02.wav")
