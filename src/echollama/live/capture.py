"""Frames from a camera, a video file or a stream (OpenCV VideoCapture), sampled at the rate the analysis sustains.

Three ways of taking frames, one per kind of source and pace:
- a live source (camera index, rtsp/http URL): a reader thread keeps only the newest frame, so analysis never lags
  behind the world; frames it could not analyse in time are dropped;
- a file in real time: the frame due at the wall clock's time since the start; the ones analysis missed are skipped;
- a file as fast as possible (`fast`): one frame every `step_s` seconds of video, whatever the wall clock says, so
  the same file always gives the same frames.
Each frame carries `at_s`, its time on the session's clock (video time when fast, wall time since start otherwise).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from echollama.errors import InputError, missing_extra

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# A camera that gives no frame for this long has gone (unplugged, stream closed).
LIVE_FRAME_TIMEOUT_S = 5.0
_DEFAULT_FPS = 25.0  # when a file does not say its frame rate


@dataclass(frozen=True)
class Frame:
    rgb: np.ndarray  # H x W x 3, uint8
    index: int  # frame number in the source (counting on across loops)
    at_s: float  # time on the session clock


def _cv2():
    try:
        import cv2
    except ImportError:
        raise missing_extra("opencv-python-headless", "embedded") from None
    cv2.utils.logging.setLogLevel(
        cv2.utils.logging.LOG_LEVEL_SILENT
    )  # OpenCV's own warnings ("can't open camera by index") would duplicate our one line
    return cv2


def describe_source(source: str) -> tuple[str, int | str]:
    """('camera', 0), ('stream', 'rtsp://...') or ('file', 'clip.mp4'); a missing file is refused here."""
    if source.isdigit():
        return "camera", int(source)
    if _URL.match(source):
        return "stream", source
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{source}: no such video file (give a file, a camera index such as 0, or a stream URL)")
    return "file", source


class VideoSource:
    """An opened source; `frames()` yields sampled frames until the source ends (or `stop()`)."""

    def __init__(self, source: str, fast: bool = False, step_s: float = 0.2, loop: bool = False) -> None:
        cv2 = _cv2()
        self.kind, target = describe_source(source)
        self.name = source
        self.fast = fast and self.kind == "file"  # live sources always run in real time
        self.step_s = step_s
        self.loop = loop and self.kind == "file"
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None
        self._capture = cv2.VideoCapture(target)
        if not self._capture.isOpened():
            self._capture.release()
            if self.kind == "camera":
                raise InputError(f"camera {source}: cannot open it (no camera at that index, or it is busy)")
            raise InputError(f"{source}: cannot open it as a video (not a video file or stream OpenCV can read)")
        ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise InputError(f"{source}: opened, but it gives no frames (an empty, corrupt or unsupported video)")
        self._first = first
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0.5 < fps < 1000 else _DEFAULT_FPS
        self.width, self.height = int(first.shape[1]), int(first.shape[0])

    @property
    def live(self) -> bool:
        return self.kind != "file"

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        if self._reader is not None:  # never release the capture under a read in progress
            self._reader.join(timeout=LIVE_FRAME_TIMEOUT_S)
        self._capture.release()

    def frames(self, clock_start: float | None = None) -> Iterator[Frame]:
        """Sampled frames, RGB; `clock_start` (perf_counter) is when the session clock reads zero."""
        start = time.perf_counter() if clock_start is None else clock_start
        if self.live:
            yield from self._newest_frames(start)
        elif self.fast:
            yield from self._every_step()
        else:
            yield from self._on_time(start)

    def _rgb(self, bgr: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(bgr[:, :, ::-1])

    def _grab(self) -> bool:
        """Skip one frame (decoding nothing); at the end of a looped file, go back to its start."""
        if self._capture.grab():
            return True
        if self.loop and self._rewind():
            return self._capture.grab()
        return False

    def _rewind(self) -> bool:
        cv2 = _cv2()
        return bool(self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0))

    def _every_step(self) -> Iterator[Frame]:
        frame_s = 1.0 / self.fps
        yield Frame(self._rgb(self._first), 0, 0.0)
        index, next_s = 0, self.step_s
        while not self._stop.is_set():
            # the frame shown at `next_s` is the last one that starts at or before it
            while (index + 1) * frame_s <= next_s + 1e-9:
                if not self._grab():
                    return
                index += 1
            ok, bgr = self._capture.retrieve()
            if not ok:
                return
            yield Frame(self._rgb(bgr), index, index * frame_s)
            next_s += self.step_s

    def _on_time(self, start: float) -> Iterator[Frame]:
        frame_s = 1.0 / self.fps
        yield Frame(self._rgb(self._first), 0, time.perf_counter() - start)
        index = 0
        while not self._stop.is_set():
            now = time.perf_counter() - start
            due = max(index + 1, int(now / frame_s))  # the frame on screen now; never the same one twice
            if due * frame_s > now:
                time.sleep(due * frame_s - now)  # analysis was quicker than the video: wait for the next frame
            while index < due:
                if not self._grab():
                    return
                index += 1
            ok, bgr = self._capture.retrieve()
            if not ok:
                return
            yield Frame(self._rgb(bgr), index, time.perf_counter() - start)

    def _newest_frames(self, start: float) -> Iterator[Frame]:
        lock = threading.Lock()
        newest: list[tuple[np.ndarray, int, float] | None] = [None]
        fresh, ended = threading.Event(), threading.Event()

        def read_forever() -> None:
            index = 0
            while not self._stop.is_set():
                ok, bgr = self._capture.read()
                if not ok:
                    break
                index += 1
                with lock:  # an older frame not yet taken is dropped here: analysis never lags behind the world
                    newest[0] = (bgr, index, time.perf_counter() - start)
                fresh.set()
            ended.set()
            fresh.set()

        self._reader = threading.Thread(target=read_forever, name="capture", daemon=True)
        self._reader.start()
        try:
            yield Frame(self._rgb(self._first), 0, time.perf_counter() - start)
            while not self._stop.is_set():
                if not fresh.wait(LIVE_FRAME_TIMEOUT_S):
                    raise InputError(f"{self.name}: no new frame for {LIVE_FRAME_TIMEOUT_S:.0f} s; the source stopped")
                fresh.clear()
                with lock:
                    taken, newest[0] = newest[0], None
                if taken is None:
                    if ended.is_set():
                        return
                    continue
                bgr, index, at_s = taken
                yield Frame(self._rgb(bgr), index, at_s)
        finally:
            self._stop.set()
