"""The WebSocket `/v1/sessions/{id}/stream`: ask by text or by voice and receive the answer while it is made.

Client -> server: a JSON text frame {"type": "ask", "text": "..."} or {"type": "describe", "detail": "brief"}, or one
binary frame holding a whole recorded question (WebM/Opus from MediaRecorder, WAV, OGG...); and at any time
{"type": "cancel", "heard_s": 2.4} to stop the answer in flight (barge-in, Stop), saying how many seconds of its
audio the listener heard, so the conversation records what was really said (also after the answer was sent whole,
while its audio still plays: the last answer is then cut to what was heard).
Server -> client: {"type": "start"}, {"type": "transcript"}, {"type": "audio_format"}, {"type": "text"} pieces and
binary frames of 16-bit PCM as soon as each sentence is spoken, then {"type": "done", ...answer JSON...},
{"type": "cancelled", "answer": what was heard} or {"type": "error"}.
{"type": "rate", "rate": 1.5} sets the connection's speech rate (0.5-3.0; answered {"type": "rate"}): recorded questions
and live announcements are spoken at it; "ask" and "describe" may name their own "rate".
Every question (any message but "cancel", "live", "frame", "find" and "rate") is numbered 1, 2, 3... on its
connection; each JSON
reply carries that `answer_id`, and binary frames belong to the answer named by the JSON frame before them, so a
client drops the frames of an answer it stopped. One answer at a time: a question during an answer gets 409, unless
that answer is being stopped (or is a live announcement, which gives way), when the new question waits for it to end.
Live mode ({"type": "live"}, {"type": "frame"} + a binary camera frame, each acknowledged; announcements as answers
numbered "live-1", "live-2"...) is described in live.py.

The socket needs the session's key (the `X-Session-Key` header, or the page's cookie, on the handshake): an unknown
session is answered {"type": "error", "status": 404} and closed with code 4404, a missing or wrong key 403 and 4403.
When the session ends (deleted, expired) while the socket is open, it is told the same way (404, code 4404): an open
socket never outlives its session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import threading
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, WebSocket, WebSocketDisconnect

from echollama.config import DETAIL_LEVELS
from echollama.language.reply import Turn
from echollama.server import jobs
from echollama.server.audio_store import AudioStore
from echollama.server.channel import AnswerChannel, Emit
from echollama.server.dependencies import NO_SUCH_SESSION, Server, find_owned, keys_of
from echollama.server.live import LiveMode
from echollama.server.live_socket import LiveSocket
from echollama.server.sessions import Session, SessionRefused
from echollama.speech.rate import check_rate
from echollama.speech.streaming import Cancel, heard_of

log = logging.getLogger("echollama.server")

SESSION_ENDED = "the session has ended (closed or expired); upload the photo again"


async def serve(websocket: WebSocket, server: Server, session_id: str, client: str) -> None:
    """The session's socket, from the accepted handshake to its close."""
    await websocket.accept()
    try:
        session = find_owned(server.sessions, session_id, *keys_of(websocket))
    except HTTPException as refused:
        detail = refused.detail if refused.status_code == 403 else NO_SUCH_SESSION
        await websocket.send_json({"type": "error", "status": refused.status_code, "detail": detail})
        await websocket.close(code=4000 + refused.status_code)
        return
    channel = AnswerChannel(websocket, server.host)
    live = LiveSocket(channel, LiveMode(server.host, server.settings, server.live_lane, client))
    connection = Connection(channel, server.store, session, live)
    ended = asyncio.Event()
    loop = asyncio.get_running_loop()
    unwatch = session.when_ended(lambda: _call_soon(loop, ended.set))
    receiving = asyncio.create_task(_receive_until_closed(websocket, connection))
    ending = asyncio.create_task(ended.wait())
    try:
        await asyncio.wait({receiving, ending}, return_when=asyncio.FIRST_COMPLETED)
        if receiving.done() and not receiving.cancelled() and receiving.exception() is not None:
            log.warning("a session socket's handler failed", exc_info=receiving.exception())
        if ending.done() and not receiving.done():
            receiving.cancel()
            connection.close()
            with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):  # unless the client left meanwhile
                await channel.send({"type": "error", "status": 404, "detail": SESSION_ENDED})
                await websocket.close(code=4404, reason="session ended")
    finally:
        unwatch()
        for task in (receiving, ending):
            task.cancel()
        connection.close()


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    """From any thread (a session may end on a worker); nothing if the loop is already closed."""
    if not loop.is_closed():
        loop.call_soon_threadsafe(callback)


async def _receive_until_closed(websocket: WebSocket, connection: Connection) -> None:
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            await connection.handle(_parse(dict(message)))
    except WebSocketDisconnect:
        return


def _parse(message: dict) -> dict[str, Any]:
    if message.get("bytes") is not None:
        return {"kind": "ask", "recording": message["bytes"]}
    try:
        request = json.loads(message.get("text") or "")
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser's stack (`[` x 100000)
        return {"error": 'send JSON such as {"type": "ask", "text": "where is the cup?"} or a binary recording'}
    if isinstance(request, dict) and request.get("type") == "rate":  # the connection's speech rate
        rate = _parse_rate(request)
        return {"kind": "rate", "error": rate} if isinstance(rate, str) else {"kind": "rate", "rate": rate}
    if not isinstance(request, dict) or request.get("type") not in (
        "ask",
        "describe",
        "cancel",
        "live",
        "frame",
        "find",
    ):
        return {"error": 'the message type must be "ask", "describe", "cancel", "live", "frame", "find" or "rate"'}
    if request["type"] == "find":
        return _parse_find(request)
    if request["type"] == "cancel":
        return _parse_cancel(request)
    if request["type"] == "frame":
        at_s = request.get("at_s")
        if at_s is not None and (
            isinstance(at_s, bool) or not isinstance(at_s, (int, float)) or not 0 <= at_s < math.inf
        ):
            return {
                "kind": "frame",
                "at_s": None,
                "error": '"at_s" must be the frame\'s time in the video (seconds >= 0)',
            }
        return {"kind": "frame", "at_s": at_s}
    if request["type"] == "live":
        if not isinstance(request.get("on"), bool):
            return {"kind": "live", "error": 'a "live" message needs "on": true or false'}
        return {"kind": "live", "on": request["on"]}
    rate = _parse_rate(request)
    if isinstance(rate, str):
        return {"error": rate}
    if request["type"] == "ask" and not isinstance(request.get("text"), str):
        return {"error": 'an "ask" message needs a "text" string (or send the recording as a binary message)'}
    detail = request.get("detail", "brief")
    if detail not in DETAIL_LEVELS:
        return {"error": '"detail" must be "brief", "normal" or "full"'}
    return {"kind": request["type"], "text": request.get("text"), "detail": detail, "rate": rate}


def _parse_rate(request: dict) -> float | str | None:
    """The message's "rate" (None when it names none), or why it cannot be used. A "rate" message must name one."""
    rate = request.get("rate")
    if rate is None and request["type"] != "rate":
        return None
    try:
        return check_rate(rate, '"rate"')
    except ValueError as error:
        return str(error)


def _parse_find(request: dict) -> dict[str, Any]:
    """Live mode's find mode: {"type": "find", "target": "my cup"} (null: stop finding); see live.py."""
    target = request.get("target")
    if target is not None and (not isinstance(target, str) or not target.strip() or len(target) > 100):
        return {"kind": "find", "error": '"target" must name a thing to find ("chair", "my cup"), or be null to stop'}
    return {"kind": "find", "target": target}


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


class Connection:
    """One client's WebSocket on a session: numbers its questions, answers them one at a time on its channel, stops
    them when asked, and hands live mode's messages to live mode."""

    def __init__(self, channel: AnswerChannel, store: AudioStore, session: Session, live: LiveSocket) -> None:
        self.channel, self.store, self.session, self.live = channel, store, session, live
        self.asked = 0
        # The last answer sent whole, which the listener may still be hearing: (answer_id, its turn, its sentences)
        self.heard: tuple[int, Turn, list[dict]] | None = None

    async def handle(self, request: dict[str, Any]) -> None:
        # The connection's rate, for recordings, announcements and the rest; first, so that a rate set between a
        # "frame" message and its binary frame leaves the frame a frame.
        if request.get("kind") == "rate":
            if "error" in request:
                await self.channel.send({"type": "error", "status": 400, "detail": request["error"]})
            else:
                self.live.rate = request["rate"]
                await self.channel.send({"type": "rate", "rate": request["rate"]})
            return
        if await self.live.handle(request):
            return
        if request.get("kind") == "cancel":
            if "error" in request:
                await self.channel.send({"type": "error", "status": 400, "detail": request["error"]})
            else:
                await self.stop(request["heard_s"], request["answer_id"])
            return
        self.asked += 1
        answer_id = self.asked
        if "error" in request:
            await self.channel.send(
                {"type": "error", "status": 400, "detail": request["error"], "answer_id": answer_id}
            )
            return
        channel = self.channel
        if channel.answering():
            if channel.announcing():
                channel.stop_current()  # an announcement gives way to the user's question at once
            if channel.cancel is None or not channel.cancel.is_set():
                await channel.send(_still_answering(answer_id))
                return
            if channel.task is not None:
                await asyncio.wait([channel.task])  # a stopped answer ends within a sentence; the question waits
        self.heard = None
        channel.begin(answer_id, lambda cancel: self._answer(answer_id, request, cancel))

    async def stop(self, heard_s: float | None, answer_id: int | str | None) -> None:
        """The listener stopped the answer in flight, or one already sent that they were still hearing (a stale id,
        or no answer, is ignored)."""
        if self.channel.answering():
            if answer_id is None or answer_id == self.channel.current:
                self.channel.stop_current(heard_s)
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
        cut = {"question": turn.question, "answer": turn.answer, "interrupted": True}
        await self.channel.send({"type": "cancelled", "answer_id": answer_id, **cut})

    def close(self) -> None:
        self.channel.close()
        self.live.close()

    async def _answer(self, answer_id: int, request: dict[str, Any], cancel: Cancel) -> None:
        session, live = self.session, self.live.live
        asked_s = live.now()
        turns: list[Turn] = []

        def job(cancel: threading.Event, emit: Emit) -> dict:
            result = self._job(request, cancel, emit)
            turns.append(session.conversation.turns[-1])  # taken while the session is still reserved
            return result

        def sent_whole(result: dict) -> None:  # set before "done" goes out: a Stop right after it cuts this answer
            if not result.get("interrupted"):
                self.heard = (answer_id, turns[0], result.get("sentences", []))

        try:  # busy with an answer over HTTP in the same session, or its questions used up
            session.start_answer(cancel)
        except SessionRefused as refused:
            reply = {"type": "error", "status": refused.status, "detail": refused.detail, "answer_id": answer_id}
            await self.channel.send(reply)
            return
        # Nothing may be awaited between reserving the session and host.run, which frees it whatever happens next.
        result = await self.channel.stream(answer_id, request["kind"], job, cancel, session.end_answer, sent_whole)
        self.live.answered(asked_s, result)

    def _job(self, request: dict[str, Any], cancel: threading.Event, emit: Emit) -> dict:
        """The answer itself, on a worker."""
        host, store, session, live = self.channel.host, self.store, self.session, self.live.live
        rate = request.get("rate") or self.live.rate
        if request["kind"] == "describe":
            return jobs.redescribe(host, store, session, cancel, request.get("detail", "brief"), emit, rate)
        latest = live.latest_scene()
        if latest is not None and session.conversation.scene is not latest:
            session.conversation.start(latest)  # live: the question is about the latest frame analysed
        text, recording = request.get("text"), request.get("recording")
        return jobs.answer(host, store, session, cancel, text=text, recording=recording, emit=emit, rate=rate)


def _still_answering(answer_id: int) -> dict[str, Any]:
    return {"type": "error", "status": 409, "detail": "still answering the previous question", "answer_id": answer_id}
