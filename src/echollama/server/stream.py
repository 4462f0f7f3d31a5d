"""The WebSocket `/v1/sessions/{id}/stream`: ask by text or by voice and receive the answer while it is made.

Client -> server: a JSON text frame {"type": "ask", "text": "..."} or {"type": "describe", "detail": "brief"}, or one
binary frame holding a whole recorded question (WebM/Opus from MediaRecorder, WAV, OGG...); and at any time
{"type": "cancel", "heard_s": 2.4} to stop the answer in flight (barge-in, Stop), saying how many seconds of its
audio the listener heard, so the conversation records what was really said (also after the answer was sent whole,
while its audio still plays: the last answer is then cut to what was heard).
Server -> client: {"type": "start"}, {"type": "transcript"}, {"type": "audio_format"}, {"type": "text"} pieces and
binary frames of 16-bit PCM as soon as each sentence is spoken, then {"type": "done", ...answer JSON...},
{"type": "cancelled", "answer": what was heard} or {"type": "error"}.
Every question (any message but "cancel") is numbered 1, 2, 3... on its connection; each JSON reply carries that
`answer_id`, and binary frames belong to the answer named by the JSON frame before them, so a client drops the
frames of an answer it stopped. One answer at a time: a question during an answer gets 409, unless that answer is
being stopped, when the new question waits for it to end.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from echollama.errors import EchollamaError, InputError
from echollama.language.conversation import Turn
from echollama.server import jobs
from echollama.server.audio_store import AudioStore, pcm16
from echollama.server.host import Busy, ModelHost, TimedOut
from echollama.server.security import origin_allowed
from echollama.server.sessions import Session, SessionRefused, SessionStore
from echollama.server.settings import ServerSettings
from echollama.speech.streaming import Cancel, Cancelled, heard_of

_END = object()
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
        connection = _Connection(websocket, host, store, session)
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
    if not isinstance(request, dict) or request.get("type") not in ("ask", "describe", "cancel"):
        return {"error": 'the message type must be "ask", "describe" or "cancel"'}
    if request["type"] == "cancel":
        return _parse_cancel(request)
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
    if answer_id is not None and (isinstance(answer_id, bool) or not isinstance(answer_id, int)):
        return {"kind": "cancel", "error": '"answer_id" must be the number of the answer to stop'}
    return {"kind": "cancel", "heard_s": heard_s, "answer_id": answer_id}


class _Connection:
    """One client's WebSocket: numbers its questions, runs one answer at a time, stops it when asked."""

    def __init__(self, websocket: WebSocket, host: ModelHost, store: AudioStore, session: Session) -> None:
        self.websocket, self.host, self.store, self.session = websocket, host, store, session
        self.asked = 0
        self.task: asyncio.Task | None = None  # the answer being sent
        self.cancel: Cancel | None = None  # and its cancel event
        self.current = 0  # and its number
        # The last answer sent whole, which the listener may still be hearing: (answer_id, its turn, its sentences)
        self.heard: tuple[int, Turn, list[dict]] | None = None
        self._sending = asyncio.Lock()  # replies (errors) and the answer's frames never interleave mid-frame

    async def send(self, payload: dict | bytes) -> None:
        async with self._sending:
            if isinstance(payload, bytes):
                await self.websocket.send_bytes(payload)
            else:
                await self.websocket.send_json(payload)

    async def handle(self, request: dict[str, Any]) -> None:
        if request.get("kind") == "cancel":
            if "error" in request:
                await self.send({"type": "error", "status": 400, "detail": request["error"]})
            else:
                await self.stop(request["heard_s"], request["answer_id"])
            return
        self.asked += 1
        answer_id = self.asked
        if "error" in request:
            await self.send({"type": "error", "status": 400, "detail": request["error"], "answer_id": answer_id})
            return
        if self.task is not None and not self.task.done():
            if self.cancel is None or not self.cancel.is_set():
                await self.send(_still_answering(answer_id))
                return
            await asyncio.wait([self.task])  # a stopped answer ends within a sentence; the new question waits for it
        self.cancel, self.current, self.heard = Cancel(), answer_id, None
        self.task = asyncio.create_task(self._answer(answer_id, request, self.cancel))

    async def stop(self, heard_s: float | None, answer_id: int | None) -> None:
        """The listener stopped the answer in flight, or one already sent that they were still hearing (a stale id,
        or no answer, is ignored)."""
        if self.task is not None and not self.task.done() and self.cancel is not None:
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
        if self.task is not None and not self.task.done():
            self.task.cancel()  # the listener left: generation stops

    async def _answer(self, answer_id: int, request: dict[str, Any], cancel: Cancel) -> None:
        host, store, session = self.host, self.store, self.session
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        def emit(kind: str, payload: Any) -> None:  # called on worker threads
            loop.call_soon_threadsafe(events.put_nowait, (kind, payload))

        def job(cancel: threading.Event) -> tuple[dict, Turn]:
            if request["kind"] == "describe":
                result = jobs.redescribe(host, store, session, cancel, request.get("detail", "brief"), emit)
            else:
                result = jobs.answer(
                    host,
                    store,
                    session,
                    cancel,
                    text=request.get("text"),
                    recording=request.get("recording"),
                    emit=emit,
                )
            return result, session.conversation.turns[-1]  # taken while the session is still reserved

        try:  # busy with an answer over HTTP in the same session, or its questions used up
            session.start_answer(cancel)
        except SessionRefused as refused:
            await self.send(
                {"type": "error", "status": refused.status, "detail": refused.detail, "answer_id": answer_id}
            )
            return
        # Nothing may be awaited between reserving the session and host.run, which frees it whatever happens next.
        run = host.run(job, cleanup=session.end_answer, cancel=cancel)
        forward = asyncio.create_task(self._forward(answer_id, request["kind"], events, cancel))
        try:
            try:
                result, turn = await run
                ending = {"type": "cancelled" if result.get("interrupted") else "done", **result}
                if not result.get("interrupted"):
                    self.heard = (answer_id, turn, result.get("sentences", []))
            except (Busy, TimedOut, Cancelled, EchollamaError) as error:
                ending = _error(error, host)
            except Exception:  # never a dropped socket: the client hears that it failed, the log says why
                log.exception("answer %s failed", answer_id)
                ending = {"type": "error", "status": 500, "detail": "the answer failed (see the server log)"}
            # The job's last events were queued before its result arrived: the end marker comes after them.
            events.put_nowait((_END, None))
            await forward
            await self.send({**ending, "answer_id": answer_id})
        finally:
            forward.cancel()

    async def _forward(self, answer_id: int, kind: str, events: asyncio.Queue, cancel: Cancel) -> None:
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
