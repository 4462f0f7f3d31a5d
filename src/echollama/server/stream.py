"""The WebSocket `/v1/sessions/{id}/stream`: ask by text or by voice and receive the answer while it is made.

Client -> server: a JSON text frame {"type": "ask", "text": "..."} or {"type": "describe", "detail": "brief"}, or one
binary frame holding a whole recorded question (WebM/Opus from MediaRecorder, WAV, OGG...); and at any time
{"type": "cancel", "heard_s": 2.4} to stop the answer in flight (barge-in, Stop), saying how many seconds of its
audio the listener heard, so the conversation records what was really said (also after the answer was sent whole,
while its audio still plays: the last answer is then cut to what was heard).
Server -> client: {"type": "start"}, {"type": "transcript"}, {"type": "audio_format"}, {"type": "text"} pieces and
binary frames of 16-bit PCM as soon as each sentence is spoken, then {"type": "done", ...answer JSON...},
{"type": "cancelled", "answer": what was heard} or {"type": "error"}.
Every question (any message but "cancel", "live" and "frame") is numbered 1, 2, 3... on its connection; each JSON
reply carries that `answer_id`, and binary frames belong to the answer named by the JSON frame before them, so a
client drops the frames of an answer it stopped. One answer at a time: a question during an answer gets 409, unless
that answer is being stopped (or is a live announcement, which gives way), when the new question waits for it to end.
Live mode ({"type": "live"}, {"type": "frame"} + a binary camera frame, each acknowledged; announcements as answers
numbered "live-1", "live-2"...) is described in live.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from echollama.errors import EchollamaError, InputError
from echollama.language.reply import Turn
from echollama.server import jobs
from echollama.server.audio_store import AudioStore, pcm16
from echollama.server.host import Busy, ModelHost, TimedOut
from echollama.server.live import LiveMode
from echollama.server.security import origin_allowed
from echollama.server.sessions import Session, SessionRefused, SessionStore
from echollama.server.settings import ServerSettings
from echollama.speech.streaming import Cancel, Cancelled, MemorySink, heard_of, speak
from echollama.types import WatchEvent

_END = object()
Emit = Callable[[str, Any], None]
Job = Callable[[threading.Event, Emit], dict]  # on a worker: emits pieces as they are made, returns the result
log = logging.getLogger("echollama.server")


def add_stream_route(
    app: FastAPI, host: ModelHost, store: AudioStore, sessions: SessionStore, settings: ServerSettings
) -> None:
    @app.websocket("/v1/sessions/{session_id}/stream")
    async def stream(websocket: WebSocket, session_id: str) -> None:
        # Browsers let any page open a WebSocket to localhost; only our own page (or allowed origins) may.
        if not origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host"), settings.cors_origins):
            await websocket.close(code=1008, reason="origin not allowed")
            return
        await websocket.accept()
        session = sessions.get(session_id)
        if session is None:
            await websocket.send_json(
                {"type": "error", "status": 404, "detail": "no such session (it may have expired)"}
            )
            await websocket.close(code=4404)
            return
        connection = _Connection(websocket, host, store, session, LiveMode(host, settings))
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                await connection.handle(_parse(dict(message)))
        except WebSocketDisconnect:
            return
        finally:
            connection.close()


def _parse(message: dict) -> dict[str, Any]:
    if message.get("bytes") is not None:
        return {"kind": "ask", "recording": message["bytes"]}
    try:
        request = json.loads(message.get("text") or "")
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser's stack (`[` x 100000)
        return {"error": 'send JSON such as {"type": "ask", "text": "where is the cup?"} or a binary recording'}
    if not isinstance(request, dict) or request.get("type") not in ("ask", "describe", "cancel", "live", "frame"):
        return {"error": 'the message type must be "ask", "describe", "cancel", "live" or "frame"'}
    if request["type"] == "cancel":
        return _parse_cancel(request)
    if request["type"] == "frame":
        return {"kind": "frame"}
    if request["type"] == "live":
        if not isinstance(request.get("on"), bool):
            return {"kind": "live", "error": 'a "live" message needs "on": true or false'}
        return {"kind": "live", "on": request["on"]}
    if request["type"] == "ask" and not isinstance(request.get("text"), str):
        return {"error": 'an "ask" message needs a "text" string (or send the recording as a binary message)'}
    detail = request.get("detail", "brief")
    if detail not in ("brief", "normal", "full"):
        return {"error": '"detail" must be "brief", "normal" or "full"'}
    return {"kind": request["type"], "text": request.get("text"), "detail": detail}


def _parse_cancel(request: dict) -> dict[str, Any]:
    heard_s, answer_id = request.get("heard_s"), request.get("answer_id")
    number = (int, float)
    if heard_s is not None and (
        isinstance(heard_s, bool) or not isinstance(heard_s, number) or not math.isfinite(heard_s) or heard_s < 0
    ):
        return {"kind": "cancel", "error": '"heard_s" must be the seconds of the answer heard (a number >= 0)'}
    announcement = isinstance(answer_id, str) and answer_id.startswith("live-")
    if answer_id is not None and not announcement and (isinstance(answer_id, bool) or not isinstance(answer_id, int)):
        return {"kind": "cancel", "error": '"answer_id" must be the number of the answer to stop (or "live-N")'}
    return {"kind": "cancel", "heard_s": heard_s, "answer_id": answer_id}


class _Connection:
    """One client's WebSocket: numbers its questions, runs one answer (or announcement) at a time, stops it when
    asked, and in live mode analyses the frames sent to it."""

    def __init__(self, websocket: WebSocket, host: ModelHost, store: AudioStore, session: Session, live: LiveMode):
        self.websocket, self.host, self.store, self.session, self.live = websocket, host, store, session, live
        self.asked = 0
        self.task: asyncio.Task | None = None  # the answer (or announcement) being sent
        self.cancel: Cancel | None = None  # and its cancel event
        self.current: int | str = 0  # and its id
        # The last answer sent whole, which the listener may still be hearing: (answer_id, its turn, its sentences)
        self.heard: tuple[int, Turn, list[dict]] | None = None
        self.frame_task: asyncio.Task | None = None
        self._announce_later: asyncio.TimerHandle | None = None
        self._sending = asyncio.Lock()  # replies (errors) and the answer's frames never interleave mid-frame

    async def send(self, payload: dict | bytes) -> None:
        async with self._sending:
            if isinstance(payload, bytes):
                await self.websocket.send_bytes(payload)
            else:
                await self.websocket.send_json(payload)

    async def handle(self, request: dict[str, Any]) -> None:
        awaiting_frame, self.live.awaiting_frame = self.live.awaiting_frame, False
        if awaiting_frame and "recording" in request:  # the binary message after {"type": "frame"}
            self.frame_task = asyncio.create_task(self._frame(request["recording"]))
            return
        if request.get("kind") in ("cancel", "live", "frame"):
            await self._control(request)
            return
        self.asked += 1
        answer_id = self.asked
        if "error" in request:
            await self.send({"type": "error", "status": 400, "detail": request["error"], "answer_id": answer_id})
            return
        if self.task is not None and not self.task.done():
            if isinstance(self.current, str) and self.cancel is not None:
                self.cancel.stop()  # an announcement gives way to the user's question at once
            if self.cancel is None or not self.cancel.is_set():
                await self.send(_still_answering(answer_id))
                return
            await asyncio.wait([self.task])  # a stopped answer ends within a sentence; the new question waits for it
        self.cancel, self.current, self.heard = Cancel(), answer_id, None
        self.task = asyncio.create_task(self._answer(answer_id, request, self.cancel))

    async def _control(self, request: dict[str, Any]) -> None:
        if "error" in request:
            await self.send({"type": "error", "status": 400, "detail": request["error"]})
        elif request["kind"] == "cancel":
            await self.stop(request["heard_s"], request["answer_id"])
        elif request["kind"] == "frame":
            self.live.awaiting_frame = True
        elif request["on"]:
            await self.send(self.live.start())
        else:
            if isinstance(self.current, str) and self._answering() and self.cancel is not None:
                self.cancel.stop()  # the announcement being said stops; nothing pending is said
            await self.send(self.live.stop())

    def _answering(self) -> bool:
        return self.task is not None and not self.task.done()

    async def stop(self, heard_s: float | None, answer_id: int | str | None) -> None:
        """The listener stopped the answer in flight, or one already sent that they were still hearing (a stale id,
        or no answer, is ignored)."""
        if self._answering() and self.cancel is not None:
            if answer_id is None or answer_id == self.current:
                self.cancel.stop(heard_s)
            return
        if self.heard is None or answer_id != self.heard[0] or heard_s is None:
            return
        _, turn, sentences = self.heard
        heard = heard_of(sentences, heard_s)
        if heard == heard_of(sentences, math.inf) or not self.session.busy.acquire(blocking=False):
            return  # heard to the end (Stop in the last pause), or the session is answering again
        try:
            turn.cut(heard)
        finally:
            self.session.busy.release()
        self.heard = None
        await self.send(
            {
                "type": "cancelled",
                "answer_id": answer_id,
                "question": turn.question,
                "answer": turn.answer,
                "interrupted": True,
            }
        )

    def close(self) -> None:
        for task in (self.task, self.frame_task):
            if task is not None and not task.done():
                task.cancel()  # the listener left: generation stops
        if self._announce_later is not None:
            self._announce_later.cancel()

    # --- live mode: frames in, announcements out -----------------------------------------------------------------

    async def _frame(self, data: bytes) -> None:
        await self.send(await self.live.frame(data))
        self._announce_next()

    def _announce_next(self) -> None:
        """Start the announcement due now, if nothing is being said; else look again when it may be."""
        if self._announce_later is not None:
            self._announce_later.cancel()
            self._announce_later = None
        if self._answering():
            return  # an answer or an announcement: the next one waits for its end
        event = self.live.due()
        if event is None:
            wait_s = self.live.wait_s()
            if wait_s is not None:
                self._announce_later = asyncio.get_running_loop().call_later(wait_s + 0.05, self._announce_next)
            return
        self.live.announced += 1
        answer_id = f"live-{self.live.announced}"
        self.cancel, self.current = Cancel(), answer_id
        self.task = asyncio.create_task(self._announce(answer_id, event, self.cancel))

    async def _announce(self, answer_id: str, event: WatchEvent, cancel: Cancel) -> None:
        live, tts = self.live, self.host.pipeline.tts
        first_audio_s: list[float] = []

        def job(cancel: threading.Event, emit: Emit) -> dict:
            emit("audio_format", jobs.audio_format(tts.sample_rate))

            def audio(samples) -> None:
                if not first_audio_s:
                    first_audio_s.append(live.now())
                emit("audio", samples)

            sink = MemorySink(on_audio=audio)
            try:
                result = speak([event.sentence], tts, sink, on_text=lambda piece: emit("text", piece), cancel=cancel)
            except Cancelled:
                return {"type": "cancelled", "kind": "announcement", "interrupted": True, "event": event.to_dict()}
            return {
                "type": "done",
                "kind": "announcement",
                "answer": event.sentence,
                "event": event.to_dict(),
                "audio_s": round(result.audio_seconds, 3),
            }

        result = await self._stream(answer_id, "announcement", job, cancel) or {}
        said = result.get("type") == "done" and first_audio_s
        live.heard_until(first_audio_s[0] + result["audio_s"] if said else live.now())
        self._announce_next()

    # --- answers --------------------------------------------------------------------------------------------------

    async def _answer(self, answer_id: int, request: dict[str, Any], cancel: Cancel) -> None:
        host, store, session, live = self.host, self.store, self.session, self.live
        asked_s = live.now()

        turns: list[Turn] = []

        def job(cancel: threading.Event, emit: Emit) -> dict:
            if request["kind"] == "describe":
                result = jobs.redescribe(host, store, session, cancel, request.get("detail", "brief"), emit)
            else:
                latest = live.latest_scene()
                if latest is not None and session.conversation.scene is not latest:
                    session.conversation.start(latest)  # live: the question is about the latest frame analysed
                result = jobs.answer(
                    host,
                    store,
                    session,
                    cancel,
                    text=request.get("text"),
                    recording=request.get("recording"),
                    emit=emit,
                )
            turns.append(session.conversation.turns[-1])  # taken while the session is still reserved
            return result

        def sent_whole(result: dict) -> None:  # set before "done" goes out: a Stop right after it cuts this answer
            if not result.get("interrupted"):
                self.heard = (answer_id, turns[0], result.get("sentences", []))

        try:  # busy with an answer over HTTP in the same session, or its questions used up
            session.start_answer(cancel)
        except SessionRefused as refused:
            await self.send(
                {"type": "error", "status": refused.status, "detail": refused.detail, "answer_id": answer_id}
            )
            return
        # Nothing may be awaited between reserving the session and host.run, which frees it whatever happens next.
        result = await self._stream(answer_id, request["kind"], job, cancel, session.end_answer, sent_whole)
        if live.on:  # announcements wait until the answer has been heard
            first_s = (result or {}).get("timings", {}).get("first_audio_s", 0.0)
            live.heard_until(asked_s + first_s + (result or {}).get("audio_s", 0.0))
            self._announce_next()

    async def _stream(
        self,
        answer_id: int | str,
        kind: str,
        job: Job,
        cancel: Cancel,
        cleanup: Callable[[], None] | None = None,
        on_result: Callable[[dict], None] | None = None,
    ) -> dict | None:
        """Run `job(cancel, emit)` on a worker, sending what it emits as it comes, then its result as the last frame
        ("done" unless it says otherwise, or an error); `on_result` sees the result first. Returns the result (None
        after an error)."""
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        def emit(kind: str, payload: Any) -> None:  # called on worker threads
            loop.call_soon_threadsafe(events.put_nowait, (kind, payload))

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
                ending = _error(error, self.host)
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


def _still_answering(answer_id: int) -> dict[str, Any]:
    return {"type": "error", "status": 409, "detail": "still answering the previous question", "answer_id": answer_id}


def _error(error: Exception, host: ModelHost) -> dict[str, Any]:
    if isinstance(error, Busy):
        return {"type": "error", "status": 503, "detail": str(error), "retry_after_s": error.retry_after_s}
    if isinstance(error, (TimedOut, Cancelled)):
        return {"type": "error", "status": 504, "detail": str(error)}
    if isinstance(error, InputError):
        return {"type": "error", "status": 400, "detail": str(error)}
    log.error("a WebSocket answer failed: %s", error, exc_info=not isinstance(error, EchollamaError))
    return {"type": "error", "status": 500, "detail": "the server could not answer; the details are in its log"}
