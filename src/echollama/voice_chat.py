"""A spoken conversation about a picture: audio or text questions in, streamed speech answers out, with timings.

Composes the pipeline's models, a speech recogniser and a `Conversation`; `ask` and `chat` in the CLI and
`bench conversation` all go through here. Times are measured from the end of speech (the end of the recording).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from echollama.config import DEFAULT_ASR, FACTS_HEAD_START_S
from echollama.language.session import Conversation, Reply, Turn
from echollama.pipeline import Pipeline
from echollama.scene.image import LoadedImage
from echollama.speech.audio_in import load_question_audio, trim_to_speech
from echollama.speech.protocols import AudioClip, Transcript
from echollama.speech.streaming import AudioSink, speak_stream, speak_text
from echollama.types import Scene


@dataclass
class SpokenTurn:
    """One exchange as the user experienced it: what was heard, what was said back, and how long it took."""

    turn: Turn
    source: str  # "typed", "audio file" or "microphone"
    transcript: Transcript | None = None
    audio_path: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def answer(self) -> str:
        return self.turn.answer

    def to_dict(self) -> dict[str, Any]:
        return {**self.turn.to_dict(), "source": self.source, "audio_path": self.audio_path,
                "transcript": self.transcript.to_dict() if self.transcript else None,
                "timings": {**self.turn.timings, **self.timings}}


class VoiceChat:
    def __init__(self, pipeline: Pipeline, asr: str = DEFAULT_ASR) -> None:
        from echollama.scene.ssd_detector import COCO_LABELS

        self.pipeline = pipeline
        self.asr_name = asr
        vocabulary = getattr(pipeline.analyzer.detector, "labels", None) or COCO_LABELS.values()
        self.conversation = Conversation(pipeline.chat_model(), pipeline.config.generation,
                                         legend=pipeline.components.legend, vocabulary=tuple(vocabulary))

    @property
    def scene(self) -> Scene | None:
        return self.conversation.scene

    @property
    def recognizer(self):
        return self.pipeline.recognizer(self.asr_name)

    def open_image(self, image: str | Path | LoadedImage, prefill: bool = False) -> Turn:
        """Look at a new picture; the conversation restarts with its grounded summary (returned, not yet spoken)."""
        scene = self.pipeline.look(image)
        opening = self.conversation.start(scene)
        if prefill:  # in chat the user is still reading or speaking: read the scene prompt into the cache now
            self.pipeline.wait_loaded()
            opening.usage = self.conversation.prefill()
        return opening

    def hear(self, path: str | Path) -> tuple[AudioClip, Transcript, dict[str, float]]:
        """Decode, trim and transcribe a recorded question; the clock starts at the end of speech (now)."""
        start = time.perf_counter()
        clip = load_question_audio(path)
        prepared = time.perf_counter()
        transcript = self.recognizer.transcribe(clip)
        return clip, transcript, {"audio_in_s": prepared - start, "asr_s": transcript.transcribe_s}

    def hear_clip(self, clip: AudioClip) -> tuple[Transcript, dict[str, float]]:
        start = time.perf_counter()
        trimmed = trim_to_speech(clip)
        prepared = time.perf_counter()
        transcript = self.recognizer.transcribe(trimmed)
        return transcript, {"audio_in_s": prepared - start, "asr_s": transcript.transcribe_s}

    def ask(self, question: str, sink: AudioSink, on_text: Callable[[str], None] | None = None,
            stream: bool = True) -> SpokenTurn:
        start = time.perf_counter()
        return self._speak(self.conversation.ask(question), sink, on_text, stream, start, "typed")

    def ask_audio(self, path: str | Path, sink: AudioSink, on_text: Callable[[str], None] | None = None,
                  stream: bool = True) -> SpokenTurn:
        start = time.perf_counter()
        self.conversation._require_scene()  # before any audio work: a question needs a picture
        _, transcript, timings = self.hear(path)
        spoken = self._speak(self.conversation.ask(transcript.text), sink, on_text, stream, start, "audio file")
        spoken.transcript = transcript
        spoken.timings.update(timings)
        return spoken

    def ask_clip(self, clip: AudioClip, sink: AudioSink, on_text: Callable[[str], None] | None = None,
                 stream: bool = True, source: str = "microphone") -> SpokenTurn:
        start = time.perf_counter()
        self.conversation._require_scene()
        transcript, timings = self.hear_clip(clip)
        spoken = self._speak(self.conversation.ask(transcript.text), sink, on_text, stream, start, source)
        spoken.transcript = transcript
        spoken.timings.update(timings)
        return spoken

    def describe(self, sink: AudioSink, on_text: Callable[[str], None] | None = None, stream: bool = True) -> SpokenTurn:
        start = time.perf_counter()
        return self._speak(self.conversation.describe(), sink, on_text, stream, start, "typed")

    def speak(self, text: str, sink: AudioSink) -> float:
        """Speak a fixed text (the scene summary); returns seconds of audio."""
        self.pipeline.wait_loaded()
        return speak_text(text, self.pipeline.tts, sink).audio_seconds

    def _speak(self, reply: Reply, sink: AudioSink, on_text, stream: bool, start: float, source: str) -> SpokenTurn:
        self.pipeline.wait_loaded()
        tts = self.pipeline.tts
        if stream:
            first_audio = threading.Event()
            reply.before_llm = lambda: first_audio.wait(FACTS_HEAD_START_S)

            def sink_and_mark(samples):
                sink(samples)
                if samples.size:
                    first_audio.set()

            spoken = speak_stream(reply, tts, sink_and_mark, on_text)
        else:  # the paper's sequential way, kept for the benchmark: the whole answer, then its speech
            text = "".join(reply)
            if on_text is not None:
                on_text(text)
            spoken = speak_text(text, tts, sink)
        end = time.perf_counter()
        turn = reply.turn
        timings = {"first_audio_s": (spoken.first_audio_at or end) - start, "total_s": end - start,
                   "audio_s": spoken.audio_seconds, "tts_s": spoken.synthesis_s}
        if turn.used_llm:
            timings["llm_first_token_s"] = turn.usage.get("first_token_s", 0.0)
        return SpokenTurn(turn=turn, source=source, timings=timings)
