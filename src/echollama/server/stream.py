"""The WebSocket `/v1/sessions/{id}/stream`: ask by text or by voice and receive the answer while it is made.

Client -> server: a JSON text frame {"type": "ask", "text": "..."} or {"type": "describe"}, or one binary frame
holding a whole recorded question (WebM/Opus from MediaRecorder, WAV, OGG...).
Server -> client: {"type": "transcript"}, {"type": "audio_format"}, {"type": "text"} pieces and binary frames of
16-bit PCM as soon as each sentence is spoken, then {"type": "done", ...answer JSON...} or {"type": "error"}.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from echollama.errors import EchollamaError, InputError
from echollama.server import jobs
from echollama.server.audio_store import AudioStore, pcm16
from echollama.server.host import Busy, ModelHost, TimedOut
from echollama.server.security import origin_allowed
from echollama.server.sessions import Session, SessionRefused, SessionStore
from echollama.server.settings import ServerSettings
from echollama.speech.streaming import Cancelled

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
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                request = _parse(dict(message))
                if "error" in request:
                    await websocket.send_json({"type": "error", "status": 400, "detail": request["error"]})
                    continue
                await _answer(websocket, host, store, session, request)
        except WebSocketDisconnect:
            return


def _parse(message: dict) -> dict[str, Any]:
    if message.get("bytes") is not None:
        return {"kind": "ask", "recording": message["bytes"]}
    try:
        request = json.loads(message.get("text") or "")
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser's stack (`[` x 100000)
        return {"error": 'send JSON such as {"type": "ask", "text": "where is the cup?"} or a binary recording'}
    if not isinstance(request, dict) or request.get("type") not in ("ask", "describe"):
        return {"error": 'the message type must be "ask" or "describe"'}
    if request["type"] == "ask" and not isinstance(request.get("text"), str):
        return {"error": 'an "ask" message needs a "text" string (or send the recording as a binary message)'}
    detail = request.get("detail", "brief")
    if detail not in ("brief", "normal", "full"):
        return {"error": '"detail" must be "brief", "normal" or "full"'}
    return {"kind": request["type"], "text": request.get("text"), "detail": detail}


async def _answer(
    websocket: WebSocket, host: ModelHost, store: AudioStore, session: Session, request: dict[str, Any]
) -> None:
    try:
        session.start_answer()
    except SessionRefused as refused:
        await websocket.send_json({"type": "error", "status": refused.status, "detail": refused.detail})
        return
    loop = asyncio.get_running_loop()
    events: asyncio.Queue = asyncio.Queue()

    def emit(kind: str, payload: Any) -> None:  # called on worker threads
        loop.call_soon_threadsafe(events.put_nowait, (kind, payload))

    def job(cancel: threading.Event) -> dict:
        if request["kind"] == "describe":
            return jobs.redescribe(host, store, session, cancel, request.get("detail", "brief"), emit)
        return jobs.answer(
            host, store, session, cancel, text=request.get("text"), recording=request.get("recording"), emit=emit
        )

    task = asyncio.ensure_future(host.run(job, cleanup=session.busy.release))
    # Runs after every event the job emitted (call_soon_threadsafe keeps their order), so nothing is lost.
    task.add_done_callback(lambda _: events.put_nowait((_END, None)))
    try:
        while (event := await events.get())[0] is not _END:
            kind, payload = event
            if kind == "audio":
                await websocket.send_bytes(pcm16(payload))
            elif kind == "text":
                await websocket.send_json({"type": "text", "text": payload})
            else:
                await websocket.send_json(payload)
        await websocket.send_json({"type": "done", **task.result()})
    except WebSocketDisconnect:
        raise
    except Exception as error:  # every failure becomes an error frame; the socket stays usable
        await websocket.send_json(_error(error, host))
    finally:
        if not task.done():
            task.cancel()  # the listener left: host.run sets the job's cancel event and generation stops


def _error(error: Exception, host: ModelHost) -> dict[str, Any]:
    if isinstance(error, Busy):
        return {"type": "error", "status": 503, "detail": str(error), "retry_after_s": error.retry_after_s}
    if isinstance(error, (TimedOut, Cancelled)):
        return {"type": "error", "status": 504, "detail": str(error)}
    if isinstance(error, InputError):
        return {"type": "error", "status": 400, "detail": str(error)}
    log.error("a WebSocket answer failed: %s", error, exc_info=not isinstance(error, EchollamaError))
    return {"type": "error", "status": 500, "detail": "the server could not answer; the details are in its log"}
