"""The voice of `watch`: says the announcer's choices and answers the user's questions, one thing at a time.

Announcements are spoken by `speech.streaming.speak` and answers by `Pipeline.speak` (through VoiceChat), into one
sink. The sink is a timeline: silence is written up to the session clock before each utterance, so the WAV plays in
step with the video. A question stops an announcement in progress (the user is talking) and holds the others until
the answer is spoken; what went stale meanwhile is dropped, not said late.

Two ways to run: `step(now)` from the frame loop (a file analysed as fast as possible: the session clock is the
video's, so the same file always gives the same announcements), or `start(clock)` on its own thread (real time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from echollama.errors import EchollamaError
from echollama.live.announcer import Announcer
from echollama.live.tones import TonePlayer
from echollama.speech.streaming import Cancelled, speak
from echollama.types import Scene, WatchEvent

Report = Callable[[dict[str, Any]], None]
Latest = Callable[[], Scene | None]


class TimelineSink:
    """Audio on the session clock: `at(now)` pads silence up to `now`, then utterances append after it."""

    def __init__(self, write: Callable[[np.ndarray], None], sample_rate: int) -> None:
        self.write = write
        self.sample_rate = sample_rate
        self.frames = 0

    @property
    def position_s(self) -> float:
        return self.frames / self.sample_rate

    def at(self, now: float) -> float:
        """Move to `now` (or stay later, after audio still playing); returns where the next audio starts."""
        missing = int(now * self.sample_rate) - self.frames
        if missing > 0:
            self(np.zeros(missing, dtype=np.float32))
        return self.position_s

    def __call__(self, samples: np.ndarray) -> None:
        self.write(samples)
        self.frames += int(samples.shape[0])  # mono samples or (n, 2) stereo frames


class Speaker:
    def __init__(
        self, voice, sink: TimelineSink, announcer: Announcer, latest: Latest, report: Report, stream: bool = True
    ) -> None:
        self.voice = voice  # a VoiceChat: the conversation answers about the latest scene
        self.stream = stream  # answers: spoken sentence by sentence as the LLM writes them (False: all, then speech)
        self.tts = voice.pipeline.tts
        self.sink = sink
        self.announcer = announcer
        self.latest = latest
        self.report = report
        self.spoken = 0
        self._lock = threading.RLock()
        self._questions: list[str] = []
        self._wake = threading.Condition()
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._clock: Callable[[], float] | None = None  # real time: the wall clock; else the caller's `now`
        self.tones: TonePlayer | None = None  # find mode's one tone stream, played between utterances
        self.failure: BaseException | None = None

    # --- fed by the frame loop and the question reader -------------------------------------------------------
    def add(self, event: WatchEvent) -> None:
        with self._lock:
            self.announcer.add(event)
        with self._wake:
            self._wake.notify()

    def ask(self, line: str) -> None:
        """A typed line: a question, or `/audio PATH` for a recorded one. An announcement being said stops now."""
        with self._lock:
            self._questions.append(line.strip())
        self._cancel.set()
        with self._wake:
            self._wake.notify()

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._questions or self.announcer.pending)

    # --- speaking --------------------------------------------------------------------------------------------
    def step(self, now: float) -> None:
        """Answer waiting questions, then start the announcement due at `now` (if any)."""
        if self.tones is not None:
            self.tones.play(now, self.sink)
        while True:
            with self._lock:
                question = self._questions.pop(0) if self._questions else None
            if question is None:
                break
            self._answer(question, now)
            now = self._clock() if self._clock is not None else max(now, self.sink.position_s)
            with self._lock:
                self.announcer.spoke(self.sink.position_s)  # announcements wait until the answer has been heard
        with self._lock:
            event, dropped = self.announcer.next(now)
        for item in dropped:
            self.report({"type": "dropped", "kind": item.event.kind, "sentence": item.event.sentence,
                         "seen_s": round(item.event.seen_s, 3), "reason": item.reason})  # fmt: skip
        if event is not None:
            self._announce(event, now)

    def _announce(self, event: WatchEvent, now: float) -> None:
        starts = self.sink.at(now)
        self._cancel.clear()
        try:
            began = time.perf_counter() - now
            rate = getattr(self.voice, "rate", 1.0)
            result = speak([event.sentence], self.tts, self.sink, cancel=self._cancel, start=began, rate=rate)
        except Cancelled:
            self.report({"type": "cut_off", "kind": event.kind, "sentence": event.sentence})
            with self._lock:
                self.announcer.spoke(self.sink.position_s)
            return
        self.spoken += 1
        with self._lock:
            self.announcer.spoke(self.sink.position_s)
        self.report(
            {
                "type": "spoken",
                **event.to_dict(),
                "heard_s": round(starts, 3),  # where it starts in the WAV (after what was still being said)
                "audio_ready_s": round(result.first_audio_s or now, 3),  # when its first audio was synthesised
                "delay_s": round(starts - event.seen_s, 3),
                "audio_s": round(result.audio_seconds, 3),
            }
        )

    def _answer(self, line: str, now: float) -> None:
        if not line:
            return
        scene = self.latest()
        try:
            if scene is None:
                raise EchollamaError("nothing has been seen yet; ask again in a moment")
            conversation = self.voice.conversation
            if conversation.scene is not scene:
                conversation.start(scene)  # answers are about the latest frame analysed
            starts = self.sink.at(now)
            if line.startswith("/audio"):
                path = Path(line.removeprefix("/audio").strip() or "<missing path>")
                answer = self.voice.ask_audio(path, self.sink, stream=self.stream, cancel=self._stop)
            else:
                answer = self.voice.ask(line, self.sink, stream=self.stream, cancel=self._stop)
        except EchollamaError as error:
            self.report({"type": "error", "question": line, "error": str(error)})
            return
        except Cancelled:  # watching stopped (Ctrl-C) while the answer was being spoken
            self.report({"type": "cut_off", "kind": "answer", "question": line})
            return
        self.report(
            {
                "type": "answer",
                "question": answer.question,
                "answer": answer.text,
                "heard_s": round(starts, 3),
                "audio_s": round(answer.timings.get("audio_s", 0.0), 3),
                "first_audio_s": round(answer.timings.get("first_audio_s", 0.0), 3),
                "transcript": (answer.transcript or {}).get("text"),
            }
        )

    # --- on its own thread (real time) -----------------------------------------------------------------------
    def start(self, clock: Callable[[], float]) -> None:
        self._clock = clock

        def run() -> None:
            try:
                while not self._stop.is_set():
                    with self._wake:
                        self._wake.wait(timeout=0.05)
                    if not self._stop.is_set():
                        self.step(clock())
            except BaseException as error:  # re-raised by `stop` in the frame loop's thread
                self.failure = error

        self._thread = threading.Thread(target=run, name="watch-speaker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop at once (an utterance in progress is cut off); re-raises what failed on the speaker's thread."""
        self._stop.set()
        self._cancel.set()
        with self._wake:
            self._wake.notify()
        if self._thread is not None:
            self._thread.join()
        if self.failure is not None:
            raise self.failure
