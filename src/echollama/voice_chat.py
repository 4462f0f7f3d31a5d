"""A spoken conversation about a picture: audio or text questions in, streamed speech answers out, with timings.

Composes the pipeline, a speech recogniser and a `Conversation`; `ask`, `chat`, the server, `bench conversation` and
the evaluation all go through here, and every answer is spoken by `Pipeline.speak`. Times are measured from the end
of speech (the end of the recording, or the moment a typed question arrives).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from echollama.language.narration import narrate_pieces
from echollama.language.reply import Turn
from echollama.pipeline import Pipeline
from echollama.profiles import DEFAULT_ASR
from echollama.scene.image import LoadedImage
from echollama.speech.audio_in import load_question_audio, trim_to_speech
from echollama.speech.protocols import AudioClip, SpeechRecognizer, Transcript
from echollama.speech.streaming import AudioSink, speak
from echollama.types import Scene, SpokenAnswer

OnText = Callable[[str], None] | None


class VoiceChat:
    def __init__(self, pipeline: Pipeline, asr: str = DEFAULT_ASR, spatial: bool = False, rate: float = 1.0) -> None:
        self.pipeline = pipeline
        self.asr_name = asr
        self.spatial = spatial  # each sentence about an object from its direction; the sink gets stereo frames
        self.rate = rate  # speech rate, 0.5-3.0 x the voice's pace (speech/rate.py)
        self.conversation = pipeline.conversation()

    @property
    def scene(self) -> Scene | None:
        return self.conversation.scene

    @property
    def recognizer(self) -> SpeechRecognizer:
        return self.pipeline.recognizer(self.asr_name)

    def open_image(self, image: str | Path | LoadedImage) -> Turn:
        """Look at a new picture; the conversation restarts with its grounded summary (returned, not yet spoken)."""
        return self.conversation.start(self.pipeline.look(image))

    def prefill(self) -> dict[str, float]:
        """Read the scene prompt into the LLM's cache now (in chat, while the listener hears the summary and thinks of
        a question), so the first question reads only itself; returns the prompt's token usage."""
        self.pipeline.wait_loaded()
        return self.conversation.prefill()

    def hear(self, path: str | Path) -> tuple[Transcript, dict[str, float]]:
        """Decode, trim and transcribe a recorded question; the clock starts at the end of speech (now)."""
        start = time.perf_counter()
        clip = load_question_audio(path)
        prepared = time.perf_counter()
        transcript = self.recognizer.transcribe(clip)
        return transcript, {"audio_in_s": prepared - start, "asr_s": transcript.transcribe_s}

    def hear_clip(self, clip: AudioClip) -> tuple[Transcript, dict[str, float]]:
        start = time.perf_counter()
        trimmed = trim_to_speech(clip)
        prepared = time.perf_counter()
        transcript = self.recognizer.transcribe(trimmed)
        return transcript, {"audio_in_s": prepared - start, "asr_s": transcript.transcribe_s}

    def ask(
        self,
        question: str,
        sink: AudioSink,
        on_text: OnText = None,
        stream: bool = True,
        cancel: threading.Event | None = None,
    ) -> SpokenAnswer:
        start = time.perf_counter()
        reply = self.conversation.ask(question)
        return self.pipeline.speak(
            reply, sink, on_text, stream, cancel, start, "typed", spatial=self.spatial, rate=self.rate
        )

    def ask_audio(
        self,
        path: str | Path,
        sink: AudioSink,
        on_text: OnText = None,
        stream: bool = True,
        cancel: threading.Event | None = None,
    ) -> SpokenAnswer:
        start = time.perf_counter()
        self.conversation.require_scene()  # before any audio work: a question needs a picture
        transcript, timings = self.hear(path)
        return self._heard(transcript, timings, sink, on_text, stream, cancel, start, "audio file")

    def ask_clip(
        self,
        clip: AudioClip,
        sink: AudioSink,
        on_text: OnText = None,
        stream: bool = True,
        source: str = "microphone",
        cancel: threading.Event | None = None,
    ) -> SpokenAnswer:
        start = time.perf_counter()
        self.conversation.require_scene()
        transcript, timings = self.hear_clip(clip)
        return self._heard(transcript, timings, sink, on_text, stream, cancel, start, source)

    def describe(
        self,
        sink: AudioSink,
        on_text: OnText = None,
        stream: bool = True,
        detail: str = "brief",
        cancel: threading.Event | None = None,
    ) -> SpokenAnswer:
        start = time.perf_counter()
        reply = self.conversation.describe(detail)
        return self.pipeline.speak(
            reply, sink, on_text, stream, cancel, start, "typed", spatial=self.spatial, rate=self.rate
        )

    def speak_text(self, text: str | Sequence[str], sink: AudioSink) -> float:
        """Speak a fixed text, or its pieces (PlacedText is heard from its direction); returns seconds of audio."""
        self.pipeline.wait_loaded(("tts",))
        pieces = [text] if isinstance(text, str) else text
        return speak(pieces, self.pipeline.tts, sink, spatial=self.spatial, rate=self.rate).audio_seconds

    def speak_summary(self, sink: AudioSink) -> float:
        """Speak the scene's summary (the words of `conversation.summary`), each object from its direction."""
        scene = self.conversation.require_scene()
        return self.speak_text(narrate_pieces(scene, "normal"), sink)

    def _heard(
        self,
        transcript: Transcript,
        timings: dict[str, float],
        sink: AudioSink,
        on_text: OnText,
        stream: bool,
        cancel: threading.Event | None,
        start: float,
        source: str,
    ) -> SpokenAnswer:
        reply = self.conversation.ask(transcript.text)
        answer = self.pipeline.speak(
            reply, sink, on_text, stream, cancel, start, source, spatial=self.spatial, rate=self.rate
        )
        answer.transcript = transcript.to_dict()
        answer.timings.update(timings)
        return answer
