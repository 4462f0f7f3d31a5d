"""Live mode's own lane: camera frames and the announcements they lead to run beside the answers, never in their place.

A frame is analysed (and an announcement spoken) on the lane's own workers, not on the host's generation slots, so
live mode never makes a describe or an answer wait for admission (503); frames share only the detector's lock, held
for one frame's detection at a time (and announcements the voice's, one sentence each).
Each client (address) has at most one frame in analysis: a second, from any of its sockets, is refused with 409 at
once (not queued), until the first is done (an abandoned one still counts until it really ends).
A frame is a camera picture: at most MAX_FRAME_PIXELS, read from its header before any pixel is decoded; a bigger
JPEG is decoded small (libjpeg's 1/2, 1/4 or 1/8 scale), any other bigger image is refused (413).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from echollama.scene.image import LoadedImage
from echollama.server.host import ModelHost, TimedOut
from echollama.server.uploads import UploadError, read_image

T = TypeVar("T")
MAX_FRAME_PIXELS = 4_000_000  # 2560x1440 is 3.7 MP; the page sends 640 pixels wide
FRAME_WORKERS = 2  # frames analysed at once, from all clients together (the detector runs one at a time anyway)


def read_frame(data: bytes) -> LoadedImage:
    """Check and decode a camera frame (on a worker): UploadError 400/413/415 for one that is not usable."""
    return read_image(data, MAX_FRAME_PIXELS, "frame", shrink_jpeg=True)


class LiveLane:
    def __init__(self, host: ModelHost, timeout_s: float, workers: int = FRAME_WORKERS) -> None:
        self.host = host
        self.timeout_s = timeout_s
        self._analysing: set[str] = set()  # clients with a frame in analysis (touched on the event loop only)
        self._workers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="frame")

    def busy(self, client: str) -> bool:
        return client in self._analysing

    async def frame(self, client: str, job: Callable[[], T]) -> T:
        """Run `job()` for `client` on the lane: UploadError 409 if that client already has a frame in analysis,
        Busy while the models load, TimedOut after `timeout_s` (the frame still counts until it ends)."""
        self.host.require_ready()
        if client in self._analysing:
            raise UploadError(409, "the previous frame is still being analysed; send the next one after its ack")
        self._analysing.add(client)
        loop = asyncio.get_running_loop()
        future = self._workers.submit(self._within_decode_budget, job)
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._analysing.discard, client))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
        except TimeoutError:
            raise TimedOut(f"the frame was not analysed within {self.timeout_s:.0f} s") from None

    def _within_decode_budget(self, job: Callable[[], T]) -> T:
        """A frame's pixels count in the host's decode budget with the uploads', so no mix outgrows it."""
        with self.host.decodes.job():
            return job()

    async def speak(self, job: Callable[[threading.Event], T], cancel: threading.Event) -> T:
        """Run an announcement `job(cancel)` on the lane; it is told to stop if the socket goes or it times out."""
        self.host.require_ready()
        future = self._workers.submit(job, cancel)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
        except TimeoutError:
            cancel.set()
            raise TimedOut(f"the announcement was not said within {self.timeout_s:.0f} s") from None
        except asyncio.CancelledError:
            cancel.set()
            raise

    def close(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)
