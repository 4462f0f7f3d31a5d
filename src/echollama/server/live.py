"""Live mode on the session WebSocket: the page's camera, analysed one frame at a time, its changes announced.

Client -> server: {"type": "live", "on": true} starts watching (a fresh tracker, the clock at zero); then, for each
camera frame, {"type": "frame"} (or {"type": "frame", "at_s": t}, below) followed at once by one binary message, the
frame (JPEG, PNG or WebP; at most `max_frame_bytes` and 4 MP, a bigger JPEG is decoded small: live_lane.py). The server
answers each frame once it has been analysed with {"type": "ack", "frame": n, "frames_per_s": r, "objects": k, "events":
e}, or for a frame it could not use the same with "status" and "detail" (400 unreadable, 409 live is off or this
client's previous frame is still being analysed, 413 too big, 503 still loading with "retry_after_s"). Frames have their
own lane (live_lane.py): they never take an answer's place. The client sends its next frame only after the ack: frames
come at the rate the server sustains, and `frames_per_s` is that rate over the last few frames. A client playing a
recorded video may give each frame's time in it, "at_s" (seconds, never going back): live mode's clock is then the
video's, not the wall's (how long ago a change was seen, how long an announcement lasts), and an ack sent while an
announcement is being said names it ("announcing": "live-N"); a client that waits for its end before the next frame gets
the same announcements on any machine at any speed (the tests do). {"type": "live", "on": false} ends it (the
announcement being said stops, nothing pending is said). Both are confirmed with {"type": "live", "on": ..., "frames":
n, "frames_per_s": r}.

Server -> client, by itself: each change worth saying (at first what is there, then what appears, comes closer fast or
leaves: `echollama watch`'s own pipeline and wording) as an answer like any other, "start" (kind "announcement"),
"audio_format", "text", PCM frames, then "done" with the event, or "cancelled" when it was stopped. Announcements are
numbered "live-1", "live-2"... (questions keep their own numbers 1, 2, 3 ...) and "cancel" with such an id stops one.
One at a time, the most urgent and newest first; one not said in time is dropped, never said late. A question cuts
off the announcement being said, the next ones wait until its answer has been heard, and it is answered about the
latest frame analysed. The socket side of all this (messages, announcements) is live_socket.py.

Find mode (live/find.py), while live: {"type": "find", "target": "my cup"} guides to the nearest of that kind,
confirmed with {"type": "find", "on": true, "name": "cup", ...}; {"type": "find", "target": null} ends it (as live
off does). A name it cannot look for gets {"type": "error", "status": 400, "detail": ..., "about": "find"} and find
mode off; the socket stays open. Before each frame's ack, {"type": "tone", "at_s", "pan", "interval_s", "pitch_hz",
"label", "distance_m", "direction", ...} while the thing is followed, or {"type": "tone_stop"} once it is lost; its
phrases ("Lost the cup.", "The cup is within reach, straight ahead.") are announcements like any other.

Reading mode (live/reading.py, server/live_read.py), while live and not finding: {"type": "read", "on": true}, confirmed
with {"type": "read", "on": true}; each frame's text is then read too, and the framing advice ("The text runs off the
right edge; ..."), "Hold still, reading." and the page's text (once while that page stays in view) are announcements
like any other, nothing else but things coming closer fast. {"type": "read", "on": false} (or live off) ends it.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from echollama.live.announcer import Announcer
from echollama.live.watcher import ChangeWatcher
from echollama.scene.image import LoadedImage
from echollama.server.host import Busy, ModelHost, TimedOut
from echollama.server.live_lane import LiveLane, read_frame
from echollama.server.settings import ServerSettings
from echollama.server.uploads import UploadError
from echollama.types import Scene, WatchEvent

# ByteTrack counts time from the frames' timestamps; this is only its nominal rate (a camera's), as in `watch`.
NOMINAL_FRAME_RATE = 30.0
RATE_WINDOW = 10  # frames_per_s: over the last this many acknowledged frames


class LiveMode:
    """One connection's live state; every method runs on the event loop except the analysis itself. Frames are
    analysed on `lane` as `client`'s."""

    def __init__(self, host: ModelHost, settings: ServerSettings, lane: LiveLane, client: str) -> None:
        self.host, self.settings, self.lane, self.client = host, settings, lane, client
        self.watcher: ChangeWatcher | None = None
        self.announcer = Announcer()
        self.started = time.monotonic()
        self.video_s: float | None = None  # the latest frame's video time, for a client that gives it
        self.awaiting_frame = False  # a "frame" message came: the next binary message is the frame
        self.received = 0
        self.announced = 0
        self._acks: deque[float] = deque(maxlen=RATE_WINDOW)

    @property
    def on(self) -> bool:
        return self.watcher is not None

    @property
    def on_video_time(self) -> bool:
        return self.video_s is not None

    def now(self) -> float:
        """The session clock: seconds since live mode began, or the latest frame's video time if frames carry one."""
        return self.video_s if self.video_s is not None else time.monotonic() - self.started

    def start(self) -> dict[str, Any]:
        self.watcher = ChangeWatcher(self._analyze, NOMINAL_FRAME_RATE)
        self.announcer = Announcer()
        self.started = time.monotonic()
        self.video_s = None
        self.received = 0
        self._acks.clear()
        return self.state()

    def stop(self) -> dict[str, Any]:
        """Live mode ends; nothing pending is said (the caller stops the announcement being said)."""
        state = self.state(on=False)
        self.watcher = None
        self.announcer = Announcer()
        self.awaiting_frame = False
        return state

    def state(self, on: bool | None = None) -> dict[str, Any]:
        frames = self.watcher.frames if self.watcher is not None else 0
        return {"type": "live", "on": self.on if on is None else on, "frames": frames, "frames_per_s": self.rate}

    @property
    def rate(self) -> float:
        """Frames acknowledged per second over the last few: what the client achieves, transfers included."""
        if len(self._acks) < 2:
            return 0.0
        return round((len(self._acks) - 1) / max(1e-6, self._acks[-1] - self._acks[0]), 2)

    def _analyze(self, image: LoadedImage, colour: bool) -> Scene:
        with self.host.perception_lock:  # the detector's one native context, shared with every request
            return self.host.pipeline.analyzer.analyze(image, caption=False, read_text=False, colour=colour)

    async def frame(self, data: bytes, video_s: float | None = None) -> dict[str, Any]:
        """Analyse one frame (seen at `video_s` in the video, if the client says); its ack (the changes it showed
        wait in the announcer)."""
        self.received += 1
        ack: dict[str, Any] = {"type": "ack", "frame": self.received}
        refused = self._refusal(data, video_s)
        watcher = self.watcher
        if refused is not None or watcher is None:
            status, detail = refused or (409, "live mode is off")
            return {**ack, "status": status, "detail": detail}
        if video_s is not None:
            self.video_s = video_s
        at_s = self.now()

        def job() -> tuple[list[WatchEvent], int]:
            events = watcher.update(read_frame(data), at_s)
            latest = watcher.latest
            return events, len(latest[0].detections) if latest else 0

        try:
            events, objects = await self.lane.frame(self.client, job)
        except UploadError as error:
            return {**ack, "status": error.status, "detail": error.detail}
        except Busy as error:
            return {**ack, "status": 503, "detail": str(error), "retry_after_s": error.retry_after_s}
        except TimedOut as error:
            return {**ack, "status": 504, "detail": str(error)}
        if watcher is not self.watcher:  # live mode ended (or began again) while this frame was analysed
            return {**ack, "status": 409, "detail": "live mode ended"}
        for event in events:
            self.announcer.add(event)
        self._acks.append(time.monotonic())
        return {**ack, "frames_per_s": self.rate, "objects": objects, "events": len(events)}

    def _refusal(self, data: bytes, video_s: float | None) -> tuple[int, str] | None:
        if self.watcher is None:
            return 409, 'live mode is off; send {"type": "live", "on": true} first'
        if video_s is not None and self.video_s is not None and video_s < self.video_s:
            return 400, f'"at_s" went back: {video_s:g} s after a frame at {self.video_s:g} s'
        if len(data) > self.settings.max_frame_bytes:
            return 413, f"the frame is larger than {self.settings.max_frame_bytes // 1024} KiB"
        return None

    def due(self) -> WatchEvent | None:
        """The announcement to start now, if any (stale ones are dropped on the way)."""
        if self.watcher is None:
            return None
        event, _ = self.announcer.next(self.now())
        return event

    def wait_s(self) -> float | None:
        """Seconds until an announcement still pending may start (None: nothing pending)."""
        if self.watcher is None or not self.announcer.pending:
            return None
        return max(0.0, self.announcer.free_at - self.now())

    def heard_until(self, ends_s: float) -> None:
        """What was just said (an announcement or an answer) is heard until `ends_s` on the session clock."""
        self.announcer.spoke(max(self.now(), ends_s))

    def latest_scene(self) -> Scene | None:
        """The latest frame's scene, its whole-picture guess and colours made now (call on a worker: a question needs
        them)."""
        watcher = self.watcher
        if watcher is None:
            return None
        with self.host.perception_lock:
            return watcher.latest_scene(self.host.pipeline.analyzer.for_answer)
