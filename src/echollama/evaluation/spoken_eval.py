"""The speech side of the evaluation: TTS -> ASR round trip on the descriptions themselves, ASR on fixed phrases,
and the spoken question set answered through the whole voice path (Piper WAV -> Whisper -> conversation -> speech).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from echollama.evaluation.labelled_set import labelled_images
from echollama.evaluation.questions import check_answer, question_set, truth_scene
from echollama.evaluation.wer import character_errors, word_errors
from echollama.speech.audio_in import to_speech_rate
from echollama.speech.protocols import AudioClip
from echollama.speech.sentences import clean_for_speech


def description_round_trip(pipeline, spoken: list[tuple[str, Path]]) -> dict:
    """Corpus WER and CER of Whisper hearing our own spoken descriptions back (text, wav) -> what it heard."""
    recognizer = pipeline.recognizer("whisper")
    recognizer.load()
    errors = words = char_errors = chars = 0
    per_text = []
    for text, wav in spoken:
        samples, rate = soundfile.read(wav, dtype="float32")
        clip = AudioClip(samples=to_speech_rate(samples, rate), sample_rate=16_000, source=str(wav))
        heard = recognizer.transcribe(clip).text
        e, w = word_errors(clean_for_speech(text), heard)
        ce, c = character_errors(clean_for_speech(text), heard)
        errors, words, char_errors, chars = errors + e, words + w, char_errors + ce, chars + c
        per_text.append({"wav": str(wav), "wer": e / w if w else None, "cer": ce / c if c else None, "heard": heard})
    return {
        "round_trip_wer": errors / words if words else None,
        "round_trip_cer": char_errors / chars if chars else None,
        "words": words,
        "per_description": per_text,
    }


def fixed_phrases(pipeline) -> dict:
    """Per recogniser: WER and real-time factor on the bundled spoken phrases."""
    from echollama.evaluation.bench_conversation import BENCH_SPOKEN_QUESTIONS, round_trip, synthesise_questions

    with tempfile.TemporaryDirectory() as folder:
        recordings = synthesise_questions(pipeline.tts, Path(folder), BENCH_SPOKEN_QUESTIONS)
        results = round_trip(pipeline, recordings, BENCH_SPOKEN_QUESTIONS)
    return {name: {"wer": r["wer"], "rtf": r["rtf"]} for name, r in results.items()}


def spoken_questions(pipeline, out: Path, key: str, photos: list[str] | None = None) -> dict:
    """Ask every question of the set aloud; each answer is checked against the hand labels.

    Scored separately for the questions the scene's facts answered and those the LLM answered (a per-LLM figure
    that never consulted the LLM would say nothing about it)."""
    from echollama.evaluation.bench_conversation import synthesise_questions
    from echollama.voice_chat import VoiceChat

    labelled = {item.name: item for item in labelled_images()}
    questions = [q for q in question_set() if photos is None or q.image in photos]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        recordings = synthesise_questions(pipeline.tts, Path(folder), [q.question for q in questions])
        voice: VoiceChat | None = None
        current = None
        for question, recording in zip(questions, recordings):
            item = labelled[question.image]
            if question.image != current:
                voice = VoiceChat(pipeline)
                image = item.load()
                voice.open_image(image)
                truth = truth_scene(image.width, image.height, item.objects)
                current = question.image
            answer_audio: list[np.ndarray] = []
            assert voice is not None  # the first question always opens its photo
            turn = voice.ask_audio(recording, answer_audio.append)
            rows.append(
                {
                    "image": question.image,
                    "question": question.question,
                    "kind": question.kind,
                    "heard": turn.transcript["text"] if turn.transcript else None,
                    "answer": turn.text,
                    "answered_by": answered_by(turn),
                    "correct": check_answer(question, turn.text, truth, item),
                    "first_audio_s": turn.timings.get("first_audio_s"),
                }
            )
    return question_scores(rows)


def answered_by(turn) -> str:
    """'llm' when the LLM spoke in the answer, 'scene' when the scene's facts were the whole answer."""
    return "llm" if turn.used_llm else "scene"


def question_scores(rows: list[dict]) -> dict:
    """Accuracy over all questions and separately by who answered: the scene's facts or the LLM."""

    def accuracy(selected: list[dict]) -> dict:
        return {
            "questions": len(selected),
            "accuracy": sum(r["correct"] for r in selected) / len(selected) if selected else None,
        }

    firsts = [r["first_audio_s"] for r in rows if r.get("first_audio_s") is not None]
    return {
        **accuracy(rows),
        "rows": rows,
        "by_answerer": {who: accuracy([r for r in rows if r["answered_by"] == who]) for who in ("scene", "llm")},
        "first_audio_median_s": statistics.median(firsts) if firsts else None,
    }
