"""`echollama bench conversation`: spoken questions made with Piper, transcribed back and answered aloud.

  echollama bench conversation --llm 1.5b --runs 1 [--json]
Measures end of speech -> first audio for follow-ups with the KV-cache prefix vs a cold re-prefill, streaming vs
whole-answer speech, ASR real-time factor and the TTS -> ASR round-trip word error rate.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from echollama.config import PipelineConfig
from echollama.evaluation.wer import word_errors
from echollama.pipeline import Pipeline
from echollama.profiles import ASR_BACKENDS
from echollama.scene.image import load_image
from echollama.voice_chat import VoiceChat

# `echollama bench conversation`: questions spoken by Piper, transcribed back (round-trip WER) and answered.
# Spatial ones are answered from the scene alone; the others go to the LLM as follow-ups.
BENCH_SPOKEN_QUESTIONS = (
    "Where is the cat?",
    "What is the cat doing?",
    "How far away is the cat?",
    "What else can you see in the picture?",
    "Is there a chair on my left?",
    "What colour is the wall behind it?",
    "How many people are in the room?",
    "Is it a good place to sit down?",
)

BENCH_IMAGE = "chelsea"  # scikit-image's cat photo (echollama.samples.labelled_images)

_LEAD_SILENCE_S = 0.3  # a recording starts and ends with a little room noise-free silence, as a real one would
_MODES = ("cached", "cold", "whole answer")


def synthesise_questions(tts, folder: Path, phrases=BENCH_SPOKEN_QUESTIONS) -> list[Path]:
    """Speak each phrase with Piper into folder/NN.wav (22.05 kHz, as the voice makes it)."""
    import soundfile

    pad = np.zeros(int(_LEAD_SILENCE_S * tts.sample_rate), dtype=np.float32)
    paths = []
    for index, phrase in enumerate(phrases, start=1):
        speech = np.concatenate([pad, *tts.synthesize(phrase), pad])
        path = folder / f"{index:02d}.wav"
        soundfile.write(path, speech, tts.sample_rate)
        paths.append(path)
    return paths


def round_trip(pipeline: Pipeline, recordings: list[Path], phrases) -> dict[str, dict]:
    """Per recogniser: corpus WER over the phrases and real-time factor (transcription time / speech time)."""
    from echollama.speech.audio_in import load_question_audio

    clips = [load_question_audio(p) for p in recordings]
    results = {}
    for name in ASR_BACKENDS:
        recognizer = pipeline.recognizer(name)
        getattr(recognizer, "load", lambda: None)()
        recognizer.transcribe(clips[0])  # warm-up: the first call pays one-off allocations
        errors = words = 0
        transcribe_s = audio_s = 0.0
        heard = []
        for clip, phrase in zip(clips, phrases):
            transcript = recognizer.transcribe(clip)
            e, w = word_errors(phrase, transcript.text)
            errors, words = errors + e, words + w
            transcribe_s += transcript.transcribe_s
            audio_s += transcript.audio_s
            heard.append(transcript.text)
        results[name] = {"wer": errors / words, "rtf": transcribe_s / audio_s, "heard": heard}
    return results


def _image(args):
    if args.images:
        return load_image(args.images[0])
    from echollama.evaluation.labelled_set import labelled_images

    return {item.name: item for item in labelled_images()}[BENCH_IMAGE].load()


def conversation_pass(voice: VoiceChat, image, recordings: list[Path], mode: str) -> list[dict]:
    """Ask every recording in order as one conversation; `cold` empties the KV cache before each question."""
    voice.open_image(image)
    if mode != "cold":
        voice.prefill()
    rows = []
    for path in recordings:
        if mode == "cold":
            voice.pipeline.llm.forget_cache()
        turn = voice.ask_audio(path, lambda samples: None, stream=mode != "whole answer")
        usage = turn.usage
        rows.append(
            {
                "question": path.name,
                "heard": (turn.transcript or {}).get("text"),
                "mode": mode,
                "llm": turn.used_llm,
                "first_audio_s": turn.timings["first_audio_s"],
                "asr_s": turn.timings["asr_s"],
                "audio_in_s": turn.timings["audio_in_s"],
                "prompt_tokens": usage.get("prompt_tokens", 0.0),
                "prompt_tokens_evaluated": usage.get("prompt_tokens_evaluated", 0.0),
                "llm_first_token_s": usage.get("first_token_s", 0.0),
            }
        )
    return rows


def bench_conversation(args, config: PipelineConfig) -> int:
    phrases = BENCH_SPOKEN_QUESTIONS
    pipeline = Pipeline(config)
    voice = VoiceChat(pipeline)
    image = _image(args)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        recordings = synthesise_questions(pipeline.tts, Path(folder), phrases)
        asr = round_trip(pipeline, recordings, phrases)
        conversation_pass(voice, image, recordings[:2], "cached")  # warm-up: every model loaded and touched once
        for run in range(args.runs):
            for mode in _MODES:
                for row in conversation_pass(voice, image, recordings, mode):
                    rows.append({**row, "run": run})
                    print(
                        f"  run {run} {mode:<12} {row['question']}: first audio {row['first_audio_s']:.2f} s "
                        f"(evaluated {row['prompt_tokens_evaluated']:.0f}/{row['prompt_tokens']:.0f} prompt tokens)",
                        file=sys.stderr,
                    )
    summary = summarise(rows, asr)
    summary.update({"llm": pipeline.llm.name, "runs": args.runs, "questions": list(phrases)})
    if args.json:
        print(json.dumps({"rows": rows, "asr": asr, "summary": summary}, indent=2))
    else:
        print_table(rows, asr, summary, phrases)
    return 0


def _median(rows: list[dict], key: str, **where) -> float:
    values = [r[key] for r in rows if all(r[k] == v for k, v in where.items())]
    return statistics.median(values) if values else float("nan")


def summarise(rows: list[dict], asr: dict) -> dict:
    llm_cached = _median(rows, "first_audio_s", mode="cached", llm=True)
    llm_cold = _median(rows, "first_audio_s", mode="cold", llm=True)
    whole = _median(rows, "first_audio_s", mode="whole answer", llm=True)
    return {
        "first_audio_all_cached_s": _median(rows, "first_audio_s", mode="cached"),
        "first_audio_scene_answer_s": _median(rows, "first_audio_s", mode="cached", llm=False),
        "first_audio_llm_followup_cached_s": llm_cached,
        "first_audio_llm_followup_cold_s": llm_cold,
        "first_audio_llm_whole_answer_s": whole,
        "streaming_over_whole_ratio": llm_cached / whole,
        "prompt_tokens_evaluated_cached": _median(rows, "prompt_tokens_evaluated", mode="cached", llm=True),
        "prompt_tokens_evaluated_cold": _median(rows, "prompt_tokens_evaluated", mode="cold", llm=True),
        "asr_s": _median(rows, "asr_s", mode="cached"),
        **{f"{name}_wer": result["wer"] for name, result in asr.items()},
        **{f"{name}_rtf": result["rtf"] for name, result in asr.items()},
    }


def print_table(rows: list[dict], asr: dict, summary: dict, phrases) -> None:
    print(
        f"{'question (spoken by Piper)':<40} {'answer':>6} {'ASR':>6} "
        + " ".join(f"{m:>13}" for m in _MODES)
        + f" {'evaluated/prompt tokens (cached | cold)':>40}"
    )
    for index, phrase in enumerate(phrases, start=1):
        name = f"{index:02d}.wav"
        mine = [r for r in rows if r["question"] == name]
        kind = "LLM" if mine and mine[0]["llm"] else "scene"
        times = " ".join(f"{_median(mine, 'first_audio_s', mode=m):>12.2f}s" for m in _MODES)
        tokens = (
            (
                f"{_median(mine, 'prompt_tokens_evaluated', mode='cached'):.0f}/"
                f"{_median(mine, 'prompt_tokens', mode='cached'):.0f} | "
                f"{_median(mine, 'prompt_tokens_evaluated', mode='cold'):.0f}/"
                f"{_median(mine, 'prompt_tokens', mode='cold'):.0f}"
            )
            if kind == "LLM"
            else "-"
        )
        print(f"{phrase[:40]:<40} {kind:>6} {_median(mine, 'asr_s', mode='cached'):>5.2f}s {times} {tokens:>40}")
    s = summary
    print(f"\nend of speech -> first audio (medians, {s['runs']} run(s), LLM {s['llm']}):")
    print(f"  answered from the scene (no LLM): {s['first_audio_scene_answer_s']:.2f} s")
    print(
        f"  LLM follow-up, cached prefix: {s['first_audio_llm_followup_cached_s']:.2f} s "
        f"({s['prompt_tokens_evaluated_cached']:.0f} prompt tokens evaluated); cold re-prefill: "
        f"{s['first_audio_llm_followup_cold_s']:.2f} s ({s['prompt_tokens_evaluated_cold']:.0f} evaluated)"
    )
    print(
        f"  LLM follow-up, streaming / whole answer first: {s['first_audio_llm_followup_cached_s']:.2f} / "
        f"{s['first_audio_llm_whole_answer_s']:.2f} s = {s['streaming_over_whole_ratio']:.2f}"
    )
    for name, result in asr.items():
        print(
            f"ASR {name}: real-time factor {result['rtf']:.2f}, round-trip WER {result['wer']:.1%} "
            f"over {len(phrases)} Piper phrases"
        )
