"""One frame at a time: perception, tracking, the changes worth saying. The one per-frame step of `echollama watch`
(session.py, frames from OpenCV) and of the page's live mode (server/live.py, frames from the browser's camera).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from echollama.live.events import ChangeDetector
from echollama.live.find import FindGuide, FindStep
from echollama.live.reading import PageView, ReadingGuide
from echollama.live.tracking import ObjectTracker
from echollama.scene.image import LoadedImage
from echollama.types import Scene, WatchEvent

# Perception of one frame (no caption, no text stage), its objects' colours measured or not.
Analyze = Callable[[LoadedImage, bool], Scene]
# A frame's scene with what only an answer says about it (its whole-picture guess, its colours): the same Scene when
# it has them already (SceneAnalyzer.for_answer).
ForAnswer = Callable[[Scene, LoadedImage], Scene]


class ChangeWatcher:
    def __init__(self, analyze: Analyze, frame_rate: float) -> None:
        self.analyze = analyze
        self.tracker = ObjectTracker(frame_rate)
        self.changes = ChangeDetector()
        self.latest: tuple[Scene, LoadedImage] | None = None  # one attribute: a question reads it from another thread
        self._completing = threading.Lock()  # a frame completed for an answer never replaces a newer frame
        self.frames = 0
        self.analysis_s = 0.0
        self.finder: FindGuide | None = None  # find mode: only its phrases (and urgent approaches) are said
        self.find_step: FindStep | None = None  # what the latest frame did to its tone
        # reading mode: each frame's page as the text reader sees it, and the guide that says what to do about it
        self.reading: tuple[Callable[[LoadedImage], PageView], ReadingGuide] | None = None

    def update(self, image: LoadedImage, at_s: float) -> list[WatchEvent]:
        """Analyse the frame seen at `at_s` (session clock, seconds); the changes it shows."""
        began = time.perf_counter()
        # Colours are said in the opening overview and in answers (measured for the frame asked about, by
        # `latest_scene`), never in the later announcements: measured on the overview's frame only, not on every
        # frame (on vtest.avi's frames, 31 ms median and 81 ms at worst on two busy cores; 32 ms of a 0.63 s frame,
        # paired).
        overview_heard = self.finder is None and self.reading is None  # find and reading modes drop the overview
        scene = self.analyze(image, self.changes.overview_due and overview_heard)
        scene = replace(scene, timings={**scene.timings, "at_s": at_s})
        with self._completing:
            self.latest = (scene, image)
        tracked = self.tracker.update(scene, at_s)
        events = self.changes.update(tracked, scene, at_s)
        finder = self.finder
        if finder is not None:
            self.find_step = finder.update(tracked, scene, at_s)
            wanted = finder.target.labels
            events = [e for e in events if e.kind == "approaching" and e.label not in wanted]
            events += self.find_step.phrases
        if self.reading is not None:
            read_page, guide = self.reading
            events = [e for e in events if e.kind == "approaching"]  # only the page, and what comes closer fast
            events += guide.update(read_page(image), at_s)
        self.analysis_s += time.perf_counter() - began
        self.frames += 1
        return events

    @property
    def frames_per_s(self) -> float:
        """Frames analysed per second of analysis: what this CPU sustains."""
        return self.frames / self.analysis_s if self.analysis_s else 0.0

    def latest_scene(self, for_answer: ForAnswer) -> Scene | None:
        """The latest frame's scene, with what only an answer says about it made now (its whole-picture guess, its
        objects' colours)."""
        latest = self.latest
        if latest is None:
            return None
        scene, image = latest
        completed = for_answer(scene, image)
        if completed is not scene:
            # Kept as the latest, so that the same frame asked about again is the same Scene (its conversation goes on)
            with self._completing:
                if self.latest is latest:
                    self.latest = (completed, image)
        return completed
