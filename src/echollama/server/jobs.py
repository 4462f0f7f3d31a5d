"""The two pieces of work the server does on a worker thread: describe a photo, answer a question in a session.

Both report progress through `emit(kind, payload)` (text pieces, audio chunks, the transcript) so the WebSocket can
stream them; both end with a JSON-ready dict and the answer's WAV in the audio store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from echollama.errors import EchollamaError
from echollama.scene.image import LoadedImage
from echollama.server.audio_store import AudioStore, wav_bytes
from echollama.server.host import ModelHost
from echollama.server.sessions import Session
from echollama.server.speaking import Spoken, speak_to_memory

Emit = Callable[[str, Any], None]


def _quiet(kind: str, payload: Any) -> None:
    pass


def audio_url(audio_id: str) -> str:
    return f"/v1/audio/{audio_id}.wav"


def _speak(host: ModelHost, pieces, cancel: threading.Event, emit: Emit, start: float) -> Spoken:
    emit("audio_format", {"type": "audio_format", "encoding": "pcm_s16le", "channels": 1,
                          "sample_rate": host.tts.sample_rate})
    return speak_to_memory(pieces, host.tts, cancel, on_text=lambda piece: emit("text", piece),
                           on_audio=lambda samples: emit("audio", samples), start=start)


def _store(store: AudioStore, spoken: Spoken) -> str:
    return audio_url(store.put(wav_bytes(spoken.samples, spoken.sample_rate)))


def describe(host: ModelHost, store: AudioStore, image: LoadedImage, cancel: threading.Event,
             emit: Emit = _quiet) -> tuple[dict, Any]:
    """Perception, a new conversation about the scene, the LLM's spoken description; returns (result, conversation)."""
    start = time.perf_counter()
    scene = host.look(image)
    conversation = host.conversation()
    opening = conversation.start(scene)  # the grounded summary: computed from the scene, no LLM
    reply = conversation.describe()
    spoken = _speak(host, reply, cancel, emit, start)
    if not spoken.text:
        raise EchollamaError(f"{host.pipeline.llm.name} produced no text for this image")
    total = time.perf_counter() - start
    usage = reply.turn.usage if reply.turn else {}
    timings = {**scene.timings, **_speech_timings(spoken, total), "llm_first_token_s": usage.get("first_token_s")}
    return {
        "scene": scene.to_dict(), "summary": opening.answer, "description": spoken.text,
        "audio_url": _store(store, spoken), "audio_s": round(spoken.audio_s, 2), "llm": host.pipeline.llm.name,
        "timings": timings, "usage": usage,
    }, conversation


def answer(host: ModelHost, store: AudioStore, session: Session, cancel: threading.Event, text: str | None = None,
           recording: bytes | None = None, emit: Emit = _quiet) -> dict:
    """Answer a typed question or a recorded one (transcribed first) in `session`, speaking as it is generated."""
    from echollama.speech.audio_in import decode_audio, trim_to_speech

    start = time.perf_counter()
    transcript = None
    if recording is not None:
        clip = trim_to_speech(decode_audio(recording, "recording"))
        transcript = host.recognizer.transcribe(clip)
        text = transcript.text
        emit("transcript", {"type": "transcript", "text": text})
    reply = session.conversation.ask(text or "")
    spoken = _speak(host, reply, cancel, emit, start)
    total = time.perf_counter() - start
    timings = _speech_timings(spoken, total)
    if transcript is not None:
        timings["transcribe_s"] = round(transcript.transcribe_s, 3)
    turn = reply.turn
    return {
        "session_id": session.id, "question": reply.question, "answer": spoken.text,
        "grounded": turn.grounded if turn else "", "used_llm": turn.used_llm if turn else False,
        "transcript": transcript.to_dict() if transcript else None,
        "audio_url": _store(store, spoken), "audio_s": round(spoken.audio_s, 2), "timings": timings,
    }


def redescribe(host: ModelHost, store: AudioStore, session: Session, cancel: threading.Event,
               emit: Emit = _quiet) -> dict:
    """The LLM's description again, as a turn of an existing conversation (the WebSocket's "describe")."""
    start = time.perf_counter()
    reply = session.conversation.describe()
    spoken = _speak(host, reply, cancel, emit, start)
    return {"session_id": session.id, "question": reply.question, "answer": spoken.text,
            "audio_url": _store(store, spoken), "audio_s": round(spoken.audio_s, 2),
            "timings": _speech_timings(spoken, time.perf_counter() - start)}


def _speech_timings(spoken: Spoken, total: float) -> dict[str, float | None]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {"first_text_s": rounded(spoken.first_text_s), "first_audio_s": rounded(spoken.first_audio_s),
            "tts_s": round(spoken.synthesis_s, 3), "total_s": round(total, 3)}
