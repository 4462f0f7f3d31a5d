"""One WebSocket's outgoing side: replies that never interleave mid-frame, and the one answer (or live announcement)
being sent at a time, streamed from a worker as it is made."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import WebSocket

from echollama.errors import EchollamaError, InputError
from echollama.server.audio_store import pcm16
from echollama.server.host import Busy, ModelHost, TimedOut
from echollama.server.live_lane import LiveLane
from echollama.speech.streaming import Cancel, Cancelled

_END = object()
Emit = Callable[[str, Any], None]
Job = Callable[[threading.Event, Emit], dict]  # on a worker: emits pieces as they are made, returns the result
log = logging.getLogger("echollama.server")


class AnswerChannel:
    """Sends replies on one socket and runs its answers one at a time: `current` names the answer being sent (a
    question's number, or "live-N" for an announcement), `cancel` stops it."""

    def __init__(self, websocket: WebSocket, host: ModelHost) -> None:
        self.websocket, self.host = websocket, host
        self.task: asyncio.Task | None = None  # the answer (or announcement) being sent
        self.cancel: Cancel | None = None  # and its cancel event
        self.current: int | str = 0  # and its id
        self._sending = asyncio.Lock()  # replies (errors) and the answer's frames never interleave mid-frame

    async def send(self, payload: dict | bytes) -> None:
        async with self._sending:
            if isinstance(payload, bytes):
                await self.websocket.send_bytes(payload)
            else:
                await self.websocket.send_json(payload)

    def answering(self) -> bool:
        return self.task is not None and not self.task.done()

    def announcing(self) -> bool:
        return self.answering() and isinstance(self.current, str)

    def begin(self, answer_id: int | str, run: Callable[[Cancel], Coroutine[Any, Any, None]]) -> None:
        """Start sending answer `answer_id`, made by `run(cancel)` (nothing else may be answering)."""
        self.cancel, self.current = Cancel(), answer_id
        self.task = asyncio.create_task(run(self.cancel))

    def stop_current(self, heard_s: float | None = None) -> None:
        if self.answering() and self.cancel is not None:
            self.cancel.stop(heard_s)

    def close(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()  # the listener left: generation stops

    async def stream(
        self,
        answer_id: int | str,
        kind: str,
        job: Job,
        cancel: Cancel,
        cleanup: Callable[[], None] | None = None,
        on_result: Callable[[dict], None] | None = None,
        lane: LiveLane | None = None,
    ) -> dict | None:
        """Run `job(cancel, emit)` on a worker (admitted by the host, or on live mode's `lane`), sending what it emits
        as it comes, then its result as the last frame ("done" unless it says otherwise, or an error); `on_result`
        sees the result first. Returns the result (None after an error)."""
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        def emit(kind: str, payload: Any) -> None:  # called on worker threads
            loop.call_soon_threadsafe(events.put_nowait, (kind, payload))

        if lane is not None:
            run = lane.speak(lambda stop: job(stop, emit), cancel)
        else:
            run = self.host.run(lambda stop: job(stop, emit), cleanup=cleanup, cancel=cancel)
        forward = asyncio.create_task(self._forward(answer_id, kind, events, cancel))
        result: dict | None = None
        try:
            try:
                result = await run
                ending = {"type": "cancelled" if result.get("interrupted") else "done", **result}
                if on_result is not None:
                    on_result(result)
            except (Busy, TimedOut, Cancelled, EchollamaError) as error:
                ending = error_reply(error)
            except Exception:  # never a dropped socket: the client hears that it failed, the log says why
                log.exception("answer %s failed", answer_id)
                ending = {"type": "error", "status": 500, "detail": "the answer failed (see the server log)"}
            # The job's last events were queued before its result arrived: the end marker comes after them.
            events.put_nowait((_END, None))
            await forward
            await self.send({**ending, "answer_id": answer_id})
        finally:
            forward.cancel()
        return result

    async def _forward(self, answer_id: int | str, kind: str, events: asyncio.Queue, cancel: Cancel) -> None:
        """Send the answer's pieces as they come: JSON frames tagged with its id, PCM as binary frames."""
        await self.send({"type": "start", "answer_id": answer_id, "kind": kind})
        while (event := await events.get())[0] is not _END:
            kind, payload = event
            if cancel.is_set() and kind in ("audio", "text", "sentence"):
                continue  # stopped: nothing more of this answer is worth sending
            if kind == "audio":
                await self.send(pcm16(payload))
            elif kind == "text":
                await self.send({"type": "text", "text": payload, "answer_id": answer_id})
            else:
                await self.send({**payload, "answer_id": answer_id})


def error_reply(error: Exception) -> dict[str, Any]:
    if isinstance(error, Busy):
        return {"type": "error", "status": 503, "detail": str(error), "retry_after_s": error.retry_after_s}
    if isinstance(error, (TimedOut, Cancelled)):
        return {"type": "error", "status": 504, "detail": str(error)}
    if isinstance(error, InputError):
        return {"type": "error", "status": 400, "detail": str(error)}
    log.error("a WebSocket answer failed: %s", error, exc_info=not isinstance(error, EchollamaError))
    return {"type": "error", "status": 500, "detail": "the server could not answer; the details are in its log"}
