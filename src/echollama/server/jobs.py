"""The pieces of work the server does on a worker thread: describe a photo, answer a question, describe again, read
the text in a photo.

Each is the CLI's own operation (`Pipeline.speak` through a `Conversation`), spoken into memory: text pieces and
audio chunks go out through `emit(kind, payload)` as they are made (the WebSocket streams them), and the answer's WAV
lands in the audio store. So `POST /v1/describe` sends the same prompt as `echollama describe`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from echollama.language.conversation import Conversation
from echollama.language.reply import Reply
from echollama.reading import read_aloud
from echollama.scene.image import LoadedImage
from echollama.server.audio_store import AudioStore, wav_bytes
from echollama.server.host import ModelHost
from echollama.server.sessions import Session
from echollama.speech.panning import pan_field
from echollama.speech.streaming import Cancelled, MemorySink
from echollama.types import PlacedText, SpokenAnswer

Emit = Callable[[str, Any], None]
log = logging.getLogger("echollama.server")


def _quiet(kind: str, payload: Any) -> None:
    pass


def audio_url(audio_id: str) -> str:
    return f"/v1/audio/{audio_id}.wav"


def audio_format(sample_rate: int) -> dict:
    """What the binary frames that follow hold."""
    return {"type": "audio_format", "encoding": "pcm_s16le", "channels": 1, "sample_rate": sample_rate}


def _speak(
    host: ModelHost,
    store: AudioStore,
    reply: Reply,
    cancel: threading.Event,
    emit: Emit,
    start: float,
    rate: float = 1.0,
) -> tuple[SpokenAnswer, dict]:
    emit("audio_format", audio_format(host.pipeline.tts.sample_rate))
    sink = MemorySink(on_audio=lambda samples: emit("audio", samples))
    answer = host.pipeline.speak(
        reply,
        sink,
        on_text=lambda piece: emit("text", piece),
        cancel=cancel,
        start=start,
        on_sentence=lambda sentence: emit("sentence", sentence_event(sentence)),
        rate=rate,
    )
    url = audio_url(store.put(wav_bytes(sink.samples, host.pipeline.tts.sample_rate)))
    answer.audio_path = url
    fields = {
        "audio_url": url,
        "audio_s": round(answer.timings["audio_s"], 2),
        "timings": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in answer.timings.items()},
        "dropped": answer.dropped,
        "sentences": answer.sentences,
    }
    return answer, fields


def sentence_event(sentence: PlacedText) -> dict:
    """Sent before each sentence's audio: the page's panner plays it from `pan` (the WAV's panning law)."""
    azimuth = sentence.azimuth_deg
    return {
        "type": "sentence",
        "text": str(sentence),
        "azimuth_deg": None if azimuth is None else round(azimuth, 1),
        "pan": pan_field(azimuth),
    }


def new_photo(host: ModelHost, session: Session, image: LoadedImage) -> dict:
    """A new photo in an existing session: the conversation moves to it and remembers the earlier ones."""
    opening = session.conversation.start(host.look(image))
    return {
        "session_id": session.id,
        "scene": session.conversation.scene_with_text().to_dict(),
        "summary": opening.answer,
        "photos_remembered": len(session.conversation.memory.scenes),
    }


def describe(
    host: ModelHost,
    store: AudioStore,
    image: LoadedImage,
    cancel: threading.Event,
    detail: str = "brief",
    emit: Emit = _quiet,
    rate: float = 1.0,
) -> tuple[dict, Conversation]:
    """Perception, a new conversation about the scene, its spoken description; returns (result, conversation)."""
    start = time.perf_counter()
    pending = host.look(image)
    del image  # freed once the text stage is done with it: its pixels leave the decode budget then, not at the end
    conversation = host.pipeline.conversation()
    opening = conversation.start(pending)  # the object sentences are said while the text is still being read
    answer, fields = _speak(host, store, conversation.describe(detail), cancel, emit, start, rate)
    scene = conversation.scene_with_text()
    fields["timings"].update({k: round(v, 3) for k, v in scene.timings.items()})
    return {
        "scene": scene.to_dict(),
        "summary": opening.answer,
        "description": answer.text,
        "grounded": answer.grounded,
        "llm": answer.llm,
        "usage": answer.usage,
        "prompt": answer.prompt(),
        **fields,
    }, conversation


def answer(
    host: ModelHost,
    store: AudioStore,
    session: Session,
    cancel: threading.Event,
    text: str | None = None,
    recording: bytes | None = None,
    emit: Emit = _quiet,
    rate: float = 1.0,
) -> dict:
    """Answer a typed question or a recorded one (transcribed first) in `session`, speaking as it is generated."""
    from echollama.speech.audio_in import trim_to_speech

    start = time.perf_counter()
    transcript = None
    if recording is not None:
        clip = trim_to_speech(_decode_recording(recording))
        transcript = host.pipeline.recognizer(host.settings.asr).transcribe(clip)
        text = transcript.text
        emit("transcript", {"type": "transcript", "text": text})
    try:
        spoken, fields = _speak(host, store, session.conversation.ask(text or ""), cancel, emit, start, rate)
    except Cancelled as stopped:
        return _stopped(session, stopped, transcript.to_dict() if transcript else None)
    if transcript is not None:
        fields["timings"]["transcribe_s"] = round(transcript.transcribe_s, 3)
    return {
        "session_id": session.id,
        "question": spoken.question,
        "answer": spoken.text,
        "grounded": spoken.grounded,
        "used_llm": spoken.used_llm,
        "transcript": transcript.to_dict() if transcript else None,
        **fields,
    }


def _decode_recording(recording: bytes):
    """The uploaded question as 16 kHz audio; any decoder failure on these bytes is the upload's fault (400)."""
    from echollama.errors import InputError
    from echollama.speech.audio_in import decode_audio

    try:
        return decode_audio(recording, "recording")
    except InputError:
        raise
    except Exception:  # libsndfile/FFmpeg faults on hostile headers: logged, answered as unreadable input
        log.warning("audio decoder failed on an uploaded recording", exc_info=True)
        raise InputError("recording: not a readable audio file (corrupt, or not WAV, FLAC, OGG, MP3 or WebM)") from None


def redescribe(
    host: ModelHost,
    store: AudioStore,
    session: Session,
    cancel: threading.Event,
    detail: str = "brief",
    emit: Emit = _quiet,
    rate: float = 1.0,
) -> dict:
    """The description again, as a turn of an existing conversation (the WebSocket's "describe")."""
    start = time.perf_counter()
    try:
        spoken, fields = _speak(host, store, session.conversation.describe(detail), cancel, emit, start, rate)
    except Cancelled as stopped:
        return _stopped(session, stopped)
    return {"session_id": session.id, "question": spoken.question, "answer": spoken.text, **fields}


def _stopped(session: Session, stopped: Cancelled, transcript: dict | None = None) -> dict:
    """The listener stopped the answer (Stop, barge-in): what they heard of it, as the conversation recorded it.

    Any other cancel (a timeout, a client that left) is an error for the caller and is raised again."""
    if not stopped.by_listener:
        raise stopped
    turn = session.conversation.turns[-1]
    return {
        "session_id": session.id,
        "question": turn.question,
        "answer": turn.answer,
        "interrupted": True,
        "transcript": transcript,
    }


def read(
    host: ModelHost,
    store: AudioStore,
    image: LoadedImage,
    cancel: threading.Event,
    emit: Emit = _quiet,
    rate: float = 1.0,
) -> dict:
    """All the text in the photo in reading order, spoken (the CLI's `echollama read`); no session, no LLM."""
    sink = MemorySink(on_audio=lambda samples: emit("audio", samples))
    on_text = lambda piece: emit("text", piece)  # noqa: E731
    pipeline = host.pipeline
    reading = read_aloud(
        pipeline.profile, image, sink=sink, on_text=on_text, cancel=cancel, rate=rate, status=pipeline.status
    )
    url = audio_url(store.put(wav_bytes(sink.samples, pipeline.tts.sample_rate)))
    result = reading.to_dict()
    result.update(
        audio_path=None,
        audio_url=url,
        audio_s=round(reading.timings["audio_s"], 2),
        timings={k: round(v, 3) for k, v in reading.timings.items()},
    )
    return result
