"""One `watch` session: frames -> perception -> tracking -> changes -> the speaker, until the source ends or stops.

The frame loop analyses one frame at a time and takes the next one the source has for it (capture.py), so the rate
is what this CPU sustains; it is measured and reported. Questions typed meanwhile go to the speaker, which answers
them about the latest frame analysed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from echollama.live.announcer import Announcer
from echollama.live.capture import VideoSource
from echollama.live.find import FindGuide, FindTarget
from echollama.live.reading import page_reading
from echollama.live.speaker import Speaker, TimelineSink
from echollama.live.tones import TonePlayer
from echollama.live.watcher import ChangeWatcher
from echollama.scene.image import LoadedImage
from echollama.types import Scene

Report = Callable[[dict[str, Any]], None]
DRAIN_LIMIT_S = 30.0  # after the source ends, what is still due is said; a real-time session waits this long at most


@dataclass(frozen=True)
class WatchSettings:
    source: str
    fast: bool = False  # a file: as fast as possible (video clock) instead of in real time
    sample_fps: float = 5.0  # frames analysed per second of video when fast
    loop: bool = False
    duration_s: float | None = None  # stop after this long on the session clock
    stream: bool = True  # answers to questions spoken as they are written
    find: FindTarget | None = None  # find mode: a tone guides to this kind of thing (live/find.py)
    read: bool = False  # reading mode: framing advice, then the page read aloud (live/reading.py)


class WatchSession:
    def __init__(self, voice, settings: WatchSettings, write_audio, report: Report) -> None:
        self.voice = voice
        self.pipeline = voice.pipeline
        self.settings = settings
        self.report = report
        self.source = VideoSource(settings.source, settings.fast, 1.0 / settings.sample_fps, settings.loop)
        self.write_audio = write_audio
        self.watcher: ChangeWatcher | None = None
        self.elapsed_s = 0.0
        self.events = 0
        self.speaker: Speaker | None = None
        self._stopping = threading.Event()

    def load(self) -> None:
        """Load every model before the clock starts, the LLM for questions included: llama.cpp points the process's
        stdout and stderr at /dev/null while it loads, which would swallow the events printed meanwhile."""
        self.pipeline.wait_loaded()
        if self.settings.read:
            self._page_reader().load()

    def _page_reader(self):
        """The text reader `echollama read` uses (built once by the profile), for reading mode."""
        return self.pipeline.profile.page_reader()

    def ask(self, line: str) -> None:
        if self.speaker is not None:
            self.speaker.ask(line)

    def stop(self) -> None:
        self._stopping.set()
        self.source.stop()

    def run(self) -> dict[str, Any]:
        settings = self.settings
        analyzer = self.pipeline.analyzer
        sink = TimelineSink(self.write_audio, self.pipeline.tts.sample_rate)
        speaker = self.speaker = Speaker(self.voice, sink, Announcer(), self.latest_scene, self.report, settings.stream)
        fast = self.source.fast
        watcher = self.watcher = ChangeWatcher(
            lambda image, colour: analyzer.analyze(image, caption=False, read_text=False, colour=colour),
            settings.sample_fps if fast else self.source.fps,
        )
        if settings.find is not None:
            watcher.finder = FindGuide(settings.find)
            speaker.tones = TonePlayer(sink.sample_rate)
        if settings.read:
            watcher.reading = page_reading(self._page_reader())
        start = time.perf_counter()
        if not fast:
            speaker.start(lambda: time.perf_counter() - start)
        now = 0.0
        try:
            for frame in self.source.frames(start):
                if settings.duration_s is not None and frame.at_s > settings.duration_s:
                    break
                for event in watcher.update(LoadedImage(frame.rgb, self.source.name), frame.at_s):
                    self.events += 1
                    self.report({"type": "event", **event.to_dict()})
                    speaker.add(event)
                self._tone(watcher, speaker)
                now = frame.at_s
                if fast:
                    speaker.step(now)
                if watcher.frames == 10 and not fast:
                    rate = watcher.frames / (time.perf_counter() - start)
                    self.report({"type": "rate", "frames_per_s": round(rate, 2)})
            if speaker.tones is not None:
                speaker.tones.set(None)  # the source ended: what is still due is said without tones
            self._drain(speaker, fast, now, start)
        finally:
            self.elapsed_s = time.perf_counter() - start
            if not fast:
                speaker.stop()
            self.source.close()
        return self.summary()

    def _tone(self, watcher: ChangeWatcher, speaker: Speaker) -> None:
        """Find mode: the tone this frame left sounding (or stopped), reported and handed to the one tone stream."""
        step = watcher.find_step
        if step is None or speaker.tones is None:
            return
        if step.tone is not None:
            self.report(step.tone.to_dict())
            speaker.tones.set(step.tone)
        elif step.stopped:
            self.report({"type": "tone_stop", "at_s": round(step.phrases[0].seen_s, 3), "label": step.phrases[0].label})
            speaker.tones.set(None)

    def _drain(self, speaker: Speaker, fast: bool, now: float, start: float) -> None:
        """The source ended: say what is still due (stale items are dropped as the clock moves on)."""
        limit = time.perf_counter() + DRAIN_LIMIT_S
        while speaker.busy and not self._stopping.is_set() and time.perf_counter() < limit:
            if fast:
                now = max(now, speaker.announcer.free_at)
                speaker.step(now)
            else:
                time.sleep(0.05)

    def latest_scene(self) -> Scene | None:
        """The latest frame's scene, with its whole-picture guess and colours made now (only a question needs them)."""
        watcher = self.watcher
        return watcher.latest_scene(self.pipeline.analyzer.for_answer) if watcher is not None else None

    @property
    def frames(self) -> int:
        return self.watcher.frames if self.watcher is not None else 0

    def summary(self) -> dict[str, Any]:
        rate = self.watcher.frames_per_s if self.watcher is not None else 0.0
        return {
            "type": "summary",
            "source": self.source.name,
            "pace": "as fast as possible" if self.source.fast else "real time",
            "frames_analysed": self.frames,
            "analysis_frames_per_s": round(rate, 2),
            "session_frames_per_s": round(self.frames / self.elapsed_s, 2) if self.elapsed_s else 0.0,
            "cpu_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "events": self.events,
            "spoken": self.speaker.spoken if self.speaker else 0,
            **({"tones_played": self.speaker.tones.beeps} if self.speaker and self.speaker.tones else {}),
            "elapsed_s": round(self.elapsed_s, 2),
        }
