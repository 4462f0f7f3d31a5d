"""`echollama bench rate`: our own speech at several rates, heard back by Whisper: how much faster it really is, the
word error rate (a rate nobody can follow is useless) and the pitch (the voice's F0 should not move with the rate).

  echollama bench rate [--rates 1,2,3] [--images a.jpg b.jpg] [--json]
The sentences are the brief descriptions of the labelled photos (the grounded facts; no LLM), each spoken at every
rate through the one speaking path (`speak(..., rate=)`), resampled to 16 kHz and transcribed by Whisper tiny.en.
Numbers are compared as words ("1 metre" = "one meter").
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
from pathlib import Path

import numpy as np

from echollama.config import PipelineConfig
from echollama.evaluation.wer import word_errors
from echollama.pipeline import Pipeline
from echollama.scene.image import LoadedImage, load_image
from echollama.speech.audio_in import ASR_SAMPLE_RATE, to_speech_rate, trim_to_speech
from echollama.speech.protocols import AudioClip
from echollama.speech.rate import check_rate
from echollama.speech.streaming import MemorySink, speak

DEFAULT_RATES = (1.0, 1.5, 2.0, 2.5, 3.0)
BENCH_PHOTOS = 8  # the first labelled photos: about 100 s of speech at 1.0, a few minutes of work on 2 cores

# F0 by autocorrelation: 40 ms frames every 10 ms, a speaking voice's range, and how periodic a frame must be.
_FRAME_S, _HOP_S = 0.04, 0.01
_F0_MIN_HZ, _F0_MAX_HZ = 60.0, 400.0
_VOICED_CORRELATION = 0.6


def median_f0(samples: np.ndarray, sample_rate: int) -> float:
    """The median fundamental frequency (Hz) of the voiced frames: NaN when none is voiced."""
    samples = np.asarray(samples, dtype=np.float64)
    frame, hop = int(_FRAME_S * sample_rate), int(_HOP_S * sample_rate)
    if samples.size < frame:
        return float("nan")
    frames = np.lib.stride_tricks.sliding_window_view(samples, frame)[::hop]
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = np.sqrt((frames**2).mean(axis=1))
    loud = frames[energy > 0.1 * energy.max()]  # silence and breath have no pitch
    spectrum = np.fft.rfft(loud, n=2 * frame, axis=1)
    correlation = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :frame]
    low, high = int(sample_rate / _F0_MAX_HZ), int(sample_rate / _F0_MIN_HZ)
    lags = correlation[:, low:high]
    best = lags.argmax(axis=1)
    strength = lags[np.arange(lags.shape[0]), best] / np.maximum(correlation[:, 0], 1e-12)
    voiced = strength > _VOICED_CORRELATION
    return float(np.median(sample_rate / (best[voiced] + low))) if voiced.any() else float("nan")


def spelled_numbers(text: str) -> str:
    """Numbers as words on both sides ("1.5 metres", "one point five meters"): Whisper writes either, and the
    listener heard the same words."""
    from echollama.scene.words import inflect_engine

    engine = inflect_engine()
    return re.sub(r"\d+(?:\.\d+)?", lambda match: str(engine.number_to_words(match.group())), text)


def described_texts(pipeline: Pipeline, images: list[LoadedImage]) -> list[str]:
    """The brief description of each photo, as `echollama describe` says it (its WAV is not kept)."""
    texts = []
    with tempfile.TemporaryDirectory() as folder:
        for image in images:
            texts.append(pipeline.describe(image, Path(folder) / "description.wav", detail="brief").text)
    return texts


def measure_rate(pipeline: Pipeline, texts: list[str], rate: float) -> dict:
    """Speak every text at `rate` and hear it back: seconds of speech, corpus WER and median F0."""
    tts, recognizer = pipeline.tts, pipeline.recognizer("whisper")
    errors = words = 0
    seconds, pitches, heard = 0.0, [], []
    for text in texts:
        sink = MemorySink()
        speak([text], tts, sink, rate=rate)
        samples = sink.samples
        seconds += samples.size / tts.sample_rate
        pitches.append(median_f0(samples, tts.sample_rate))
        clip = trim_to_speech(AudioClip(to_speech_rate(samples, tts.sample_rate), ASR_SAMPLE_RATE, f"rate {rate:g}"))
        transcript = recognizer.transcribe(clip)
        e, w = word_errors(spelled_numbers(text), spelled_numbers(transcript.text))
        errors, words = errors + e, words + w
        heard.append(transcript.text)
    return {
        "rate": rate,
        "speech_s": round(seconds, 2),
        "wer": round(errors / words, 4) if words else 0.0,
        "words": words,
        "median_f0_hz": round(statistics.median(p for p in pitches if p == p), 1),
        "heard": heard,
    }


def bench_rate(args, config: PipelineConfig) -> int:
    rates = _rates(getattr(args, "rates", None))
    pipeline = Pipeline(config)
    images = _images(args.images)
    texts = described_texts(pipeline, images)
    rows = [measure_rate(pipeline, texts, rate) for rate in rates]
    base = next((row for row in rows if row["rate"] == 1.0), rows[0])
    for row in rows:
        row["speed_up"] = round(base["speech_s"] / row["speech_s"], 3)
        row["f0_ratio"] = round(row["median_f0_hz"] / base["median_f0_hz"], 3)
    pipeline.settle()
    if args.json:
        print(json.dumps({"photos": len(images), "texts": texts, "rates": rows}, indent=2))
        return 0
    print(f"{len(texts)} brief descriptions ({base['words']} words), Piper at each rate, heard back by Whisper tiny.en")
    print(f"{'rate':>5} {'speech s':>9} {'speed-up':>9} {'WER':>7} {'median F0 Hz':>13} {'F0 ratio':>9}")
    for row in rows:
        print(
            f"{row['rate']:>5.2f} {row['speech_s']:>9.1f} {row['speed_up']:>8.2f}x {row['wer']:>7.1%} "
            f"{row['median_f0_hz']:>13.1f} {row['f0_ratio']:>9.3f}"
        )
    return 0


def _rates(text: str | None) -> list[float]:
    if not text:
        return list(DEFAULT_RATES)
    from echollama.errors import InputError

    try:
        return [check_rate(float(part), "each of --rates") for part in text.split(",")]
    except ValueError as error:
        raise InputError(f"--rates {text}: {error}" if "--rates" not in str(error) else str(error)) from None


def _images(paths: list[str] | None) -> list[LoadedImage]:
    if paths:
        return [load_image(path) for path in paths]
    from echollama.evaluation.labelled_set import labelled_images

    return [item.load() for item in labelled_images()[:BENCH_PHOTOS]]
