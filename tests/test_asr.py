"""Speech recognition on our own Piper speech: Whisper tiny.en (default) and PocketSphinx (explicit fallback).

Run: .venv/bin/python -m pytest -q tests/test_asr.py
"""

import pytest

from echollama.evaluation.wer import normalise_words, word_error_rate
from echollama.speech.audio_in import load_question_audio
from echollama.speech.sphinx_asr import SphinxRecognizer
from echollama.speech.whisper_asr import WhisperRecognizer
from spoken import write_spoken, write_webm


@pytest.fixture(scope="module")
def whisper():
    recognizer = WhisperRecognizer()
    recognizer.load()
    return recognizer


@pytest.mark.parametrize(
    "name, rate, channels", [("q.wav", None, 1), ("44k-stereo.wav", 44100, 2), ("8k.flac", 8000, 1)]
)
def test_whisper_transcribes_a_piper_question_at_any_rate(tmp_path, whisper, name, rate, channels):
    clip = load_question_audio(write_spoken(tmp_path / name, "Where is the cat?", rate=rate, channels=channels))
    transcript = whisper.transcribe(clip)
    assert normalise_words(transcript.text) == ["where", "is", "the", "cat"]
    assert transcript.backend == "whisper-tiny.en" and transcript.audio_s == pytest.approx(clip.seconds)
    assert transcript.transcribe_s > 0 and transcript.real_time_factor > 0


def test_whisper_reads_a_browser_webm_recording(tmp_path, whisper):
    clip = load_question_audio(write_webm(tmp_path / "q.webm", "How far away is the door?"))
    assert word_error_rate("How far away is the door?", whisper.transcribe(clip).text) == 0.0


def test_sphinx_fallback_hears_the_question_roughly(tmp_path):
    clip = load_question_audio(write_spoken(tmp_path / "q.wav", "Where is the cat?"))
    transcript = SphinxRecognizer().transcribe(clip)
    assert transcript.backend == "pocketsphinx-en-us"
    assert "cat" in normalise_words(transcript.text)


@pytest.mark.parametrize(
    "reference, hypothesis, expected",
    [
        ("where is the cat", "where is the cat", 0.0),
        ("Where is the cat?", "where's the cat", 0.0),  # contractions count as the words they stand for
        ("what colour is it", "what color is it", 0.0),
        ("where is the cat", "where is a cat", 0.25),
        ("where is the cat", "where is cat", 0.25),
        ("where is the cat", "where is the black cat", 0.25),
        ("is there a chair", "", 1.0),
    ],
)
def test_word_error_rate(reference, hypothesis, expected):
    assert word_error_rate(reference, hypothesis) == pytest.approx(expected)
