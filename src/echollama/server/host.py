"""The models a server shares between requests: loaded once in the background, one lock per model, bounded admission.

llama.cpp, the OpenCV detector and the Piper voice each hold one native context that must not run two calls at once,
so each gets a lock; at most `max_generations` jobs are admitted (running or queued), the next is told to retry; and
the pixels they decode at once are bounded (`DecodeBudget`), so memory stays bounded whatever mix of photos arrives.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from echollama.errors import EchollamaError, ModelError
from echollama.pipeline import Pipeline
from echollama.scene.image import LoadedImage
from echollama.server.settings import ServerSettings
from echollama.speech.protocols import SpeechRecognizer
from echollama.types import PendingText

T = TypeVar("T")
log = logging.getLogger("echollama.server")


class Busy(Exception):
    """Every generation slot is taken (or the models are still loading): the client should retry later."""

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class TimedOut(Exception):
    pass


class LockedSynthesizer:
    """The voice behind a lock, taken for each audio chunk: concurrent answers take turns chunk by chunk, each chunk
    goes out as soon as it is made, and a Stop between two chunks cuts the sentence there. The lock is never held
    while the caller does other work."""

    def __init__(self, tts) -> None:
        self._tts = tts
        self.name = tts.name
        self.lock = threading.Lock()

    @property
    def sample_rate(self) -> int:
        return self._tts.sample_rate

    def synthesize(self, text: str, rate: float = 1.0) -> Iterator[np.ndarray]:
        chunks = iter(self._tts.synthesize(text, rate))
        try:
            while True:
                with self.lock:
                    chunk = next(chunks, None)
                if chunk is None:
                    return
                yield chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                with self.lock:
                    close()


def shared_voice(tts):
    """The voice for concurrent answers. One that locks itself for a whole text (Orpheus: its generation runs across
    chunks under its own lock) is used as it is: a second lock taken per chunk around it would deadlock two answers."""
    return tts if getattr(tts, "generate_lock", None) is not None else LockedSynthesizer(tts)


class DecodeBudget:
    """Pixels decoded at once, all jobs together: a decode is admitted when its pixels (read from the image header)
    fit beside those already admitted, first come first served; it waits in line up to `wait_s`, else Busy.

    Admitted pixels stay counted while their image lives, until the job that decoded them ends at the latest, so the
    bound covers the decoded images too (and what perception makes of them), not only the decoding. A 64 MP decode
    peaks at about 15 bytes a pixel and a 64 MP describe at about 23 (measured with `serve --llm tiny`).
    """

    def __init__(self, max_pixels: int, wait_s: float, retry_after_s: int) -> None:
        self.max_pixels = max_pixels
        self.wait_s = wait_s
        self.retry_after_s = retry_after_s
        self.in_use = 0
        self._line: deque[object] = deque()
        self._changed = threading.Condition()

    def admit(self, pixels: int) -> int:
        """Count `pixels` (at most the whole budget) once they fit; Busy when they do not in time. Returns the count
        to `release` later."""
        pixels = min(pixels, self.max_pixels)
        ticket = object()
        deadline = time.monotonic() + self.wait_s
        with self._changed:
            self._line.append(ticket)
            try:
                while self._line[0] is not ticket or self.in_use + pixels > self.max_pixels:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise Busy(
                            f"busy: {self.in_use / 1e6:.0f} MP of images are being decoded; "
                            f"retry in {self.retry_after_s} s",
                            self.retry_after_s,
                        )
                    self._changed.wait(remaining)
                self.in_use += pixels
            finally:
                self._line.remove(ticket)
                self._changed.notify_all()
        return pixels

    @property
    def waiting(self) -> int:
        return len(self._line)

    def release(self, pixels: int) -> None:
        with self._changed:
            self.in_use -= pixels
            self._changed.notify_all()

    def job(self) -> DecodeJob:
        """Around one job on a worker thread: `admit_decode` inside it counts here, until the job ends."""
        return DecodeJob(self)


class DecodeLease:
    """Pixels admitted for one image: given back once, when the image is freed or its job ends, whichever is first."""

    def __init__(self, budget: DecodeBudget | None, pixels: int) -> None:
        self.budget, self.pixels = budget, pixels
        self._given_back = threading.Lock()

    def hold_while(self, pixels: np.ndarray) -> None:
        """Keep the pixels counted while this decoded array lives (a job may drop its image long before it ends)."""
        if self.budget is not None:
            weakref.finalize(pixels, self.release)

    def release(self) -> None:
        if self.budget is not None and self._given_back.acquire(blocking=False):
            self.budget.release(self.pixels)


class DecodeJob:
    """The images one job decoded: their pixels are given back when the job ends, if not before."""

    def __init__(self, budget: DecodeBudget) -> None:
        self.budget = budget
        self.leases: list[DecodeLease] = []
        self._outer: DecodeJob | None = None

    def admit(self, pixels: int) -> DecodeLease:
        lease = DecodeLease(self.budget, self.budget.admit(pixels))
        self.leases.append(lease)
        return lease

    def __enter__(self) -> DecodeJob:
        self._outer, _running.job = getattr(_running, "job", None), self
        return self

    def __exit__(self, *exc) -> None:
        _running.job = self._outer
        for lease in self.leases:
            lease.release()


_running = threading.local()  # the DecodeJob of the job this worker thread runs


def admit_decode(pixels: int) -> DecodeLease:
    """Before decoding an image of `pixels` on a worker: wait for room in the running job's decode budget (Busy if
    none comes in time). Outside a host job (the CLI, unit tests) there is no budget: the lease counts nothing."""
    job: DecodeJob | None = getattr(_running, "job", None)
    return job.admit(pixels) if job is not None else DecodeLease(None, pixels)


def _nothing() -> None:
    pass


class ModelHost:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.pipeline = Pipeline(settings.pipeline)
        # Concurrent answers take turns on the one voice (Pipeline.speak uses the profile's voice).
        self.pipeline.profile.tts = shared_voice(self.pipeline.profile.tts)
        self.decodes = DecodeBudget(settings.max_decode_pixels, settings.decode_wait_s, settings.retry_after_s)
        self.perception_lock = threading.Lock()
        self.status = "loading"
        self.detail = "loading the models"
        self.load_s = 0.0
        self.recognizer: SpeechRecognizer | None = None
        self.n_ctx = 0
        self._active = 0
        self._active_lock = threading.Lock()
        # One worker per admitted job, so an admitted job never waits for a thread, only for a model lock.
        self._workers = ThreadPoolExecutor(max_workers=settings.max_generations, thread_name_prefix="generate")

    # --- readiness --------------------------------------------------------------------------------------------------

    def start_loading(self) -> None:
        threading.Thread(target=self._load, name="load-models", daemon=True).start()

    def _load(self) -> None:
        start = time.perf_counter()
        try:
            self.recognizer = self.pipeline.recognizer(self.settings.asr)
            self.pipeline.wait_loaded()  # perception, LLM, voice and the recogniser, each re-raising its load error
            self.n_ctx = self.pipeline.llm.n_ctx
        except Exception as error:  # a load failure must show in /healthz, not die silently in a thread
            # /healthz is public: it says what failed, never the exception's text (paths, versions); the log has it.
            log.error("the models failed to load: %s", error, exc_info=not isinstance(error, EchollamaError))
            self.status, self.detail = "error", "the models failed to load; the server's log says why"
            return
        self.load_s = time.perf_counter() - start
        self.status, self.detail = "ready", f"models loaded in {self.load_s:.1f} s"

    def require_ready(self) -> None:
        if self.status == "loading":
            raise Busy("the models are still loading; retry in a few seconds", self.settings.retry_after_s)
        if self.status == "error":
            raise ModelError(self.detail)

    @property
    def active(self) -> int:
        return self._active

    # --- shared models ----------------------------------------------------------------------------------------------

    def look(self, image: LoadedImage) -> PendingText:
        """The objects at once; the text goes on being read (one reader, on its own worker) after the lock is left."""
        with self.perception_lock:
            return self.pipeline.analyzer.look(image)

    # --- admission --------------------------------------------------------------------------------------------------

    async def run(
        self,
        job: Callable[[threading.Event], T],
        cleanup: Callable[[], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> T:
        """Run `job(cancel)` on a worker if a slot is free (else Busy); TimedOut after the request timeout.

        The slot is released when the job really ends, not when the client stops waiting: a timed-out job is told
        to stop (cancel is set) and keeps its slot until it has, so the bound holds. `cleanup` runs exactly once,
        at that same moment (or now, if the job is not admitted): e.g. to free the session the job answers in.
        `cancel` is the job's cancel event when the caller wants to stop it too (a listener's Stop).
        """
        cleanup = cleanup or _nothing
        try:
            self.require_ready()
            with self._active_lock:
                if self._active >= self.settings.max_generations:
                    raise Busy(
                        f"busy: {self._active} answers are being generated; retry in {self.settings.retry_after_s} s",
                        self.settings.retry_after_s,
                    )
                self._active += 1
        except BaseException:
            cleanup()
            raise
        cancel = cancel if cancel is not None else threading.Event()
        try:
            future = self._workers.submit(self._release_after, job, cancel, cleanup)
        except BaseException:
            self._release(cleanup)
            raise
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.settings.request_timeout_s)
        except TimeoutError:
            cancel.set()
            raise TimedOut(f"no answer within {self.settings.request_timeout_s:.0f} s") from None
        except asyncio.CancelledError:  # the client went away: stop generating for nobody
            cancel.set()
            raise

    def _release_after(
        self, job: Callable[[threading.Event], T], cancel: threading.Event, cleanup: Callable[[], None]
    ) -> T:
        try:
            with self.decodes.job():
                return job(cancel)
        finally:
            self._release(cleanup)

    def _release(self, cleanup: Callable[[], None]) -> None:
        try:
            cleanup()
        finally:
            with self._active_lock:
                self._active -= 1

    def close(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)
