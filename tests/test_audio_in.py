"""Spoken-question files: every format and rate in, 16 kHz mono speech out, clear errors for unusable audio.

Run: .venv/bin/python -m pytest -q tests/test_audio_in.py
"""

import numpy as np
import pytest
import soundfile

from echollama.errors import InputError
from echollama.speech.audio_in import (
    ASR_SAMPLE_RATE,
    MAX_QUESTION_AUDIO_S,
    decode_audio,
    load_audio,
    load_question_audio,
)
from spoken import spoken, write_noise, write_silence, write_spoken, write_webm


@pytest.mark.parametrize(
    "name, rate, channels",
    [
        ("44k-stereo.wav", 44100, 2),
        ("8k.wav", 8000, 1),
        ("48k-stereo.flac", 48000, 2),
        ("16k.ogg", 16000, 1),
        ("44k.mp3", 44100, 2),
    ],
)
def test_any_rate_and_channels_become_16k_mono(tmp_path, name, rate, channels):
    path = write_spoken(tmp_path / name, rate=rate, channels=channels)
    clip = load_audio(path)
    piper, piper_rate = spoken("Where is the cat?")
    assert clip.sample_rate == ASR_SAMPLE_RATE and clip.samples.ndim == 1 and clip.samples.dtype == np.float32
    assert (clip.original_rate, clip.original_channels) == (rate, channels)
    assert clip.seconds == pytest.approx(piper.size / piper_rate, abs=0.1)  # MP3 adds a little encoder padding
    assert np.abs(clip.samples).max() > 0.1


def test_webm_opus_is_read_through_pyav(tmp_path):
    clip = load_audio(write_webm(tmp_path / "browser.webm"))
    assert clip.original_rate == 48000 and clip.sample_rate == ASR_SAMPLE_RATE
    assert clip.seconds == pytest.approx(spoken("Where is the cat?")[0].size / 22050, abs=0.1)


def test_leading_and_trailing_silence_is_trimmed(tmp_path):
    padded = load_question_audio(write_spoken(tmp_path / "padded.wav", pad_s=1.5))
    tight = load_question_audio(write_spoken(tmp_path / "tight.wav", pad_s=0.05))
    assert padded.trimmed_s > 2.5
    assert padded.seconds == pytest.approx(tight.seconds, abs=0.25)  # the same speech is left either way
    assert 0.7 < padded.seconds < 1.8  # "Where is the cat?" is about a second


def bad_audio(folder):
    folder.mkdir(exist_ok=True)
    good = write_spoken(folder / "good.wav").read_bytes()
    (folder / "corrupt.wav").write_bytes(good[:44] + bytes(range(256)) * 40)
    (folder / "garbage.flac").write_bytes(b"fLaC" + bytes(reversed(range(256))) * 30)
    (folder / "truncated.mp3").write_bytes(write_spoken(folder / "full.mp3").read_bytes()[:300])
    (folder / "notes.txt").write_text("where is the cat?\n")
    (folder / "empty.wav").write_bytes(b"")
    soundfile.write(folder / "no-frames.wav", np.zeros(0, dtype=np.float32), 16000)
    soundfile.write(folder / "long.wav", np.zeros(int((MAX_QUESTION_AUDIO_S + 5) * 8000), dtype=np.int16), 8000)
    return {
        "silent": (write_silence(folder / "silent.wav"), "silent"),
        "noise only": (write_noise(folder / "noise.wav"), "no speech"),
        "corrupt": (folder / "corrupt.wav", "no speech"),  # valid header, random bytes: decodes to noise
        "garbage": (folder / "garbage.flac", "not a readable audio file"),
        "truncated": (folder / "truncated.mp3", "silent|no speech"),  # what survives of it holds no words
        "text file": (folder / "notes.txt", "not a readable audio file"),
        "empty": (folder / "empty.wav", "empty"),
        "no frames": (folder / "no-frames.wav", "no audio samples"),
        "too long": (folder / "long.wav", "at most 60 s"),
        "missing": (folder / "nope.wav", "no such file"),
        "directory": (folder, "is a directory"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "silent",
        "noise only",
        "corrupt",
        "garbage",
        "truncated",
        "text file",
        "empty",
        "no frames",
        "too long",
        "missing",
        "directory",
    ],
)
def test_unusable_audio_gets_a_clear_input_error(tmp_path, case):
    path, message = bad_audio(tmp_path / "inputs")[case]
    with pytest.raises(InputError, match=message) as raised:
        load_question_audio(path)
    assert "\n" not in str(raised.value)


def test_uploaded_bytes_decode_like_files(tmp_path):
    data = write_spoken(tmp_path / "q.flac", rate=22050).read_bytes()
    assert decode_audio(data, "upload.flac").seconds == pytest.approx(load_audio(tmp_path / "q.flac").seconds)
