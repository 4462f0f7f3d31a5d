"""Live mode's side of a session WebSocket: its messages ("live", "frame" + the frame), and the announcements it
starts, said through the socket's answer channel one at a time, never over an answer (live.py says what is said),
on live mode's own lane (live_lane.py), never in an answer's place."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from echollama.server import jobs, live_find
from echollama.server.channel import AnswerChannel, Emit
from echollama.server.live import LiveMode
from echollama.speech.streaming import Cancel, Cancelled, MemorySink, speak
from echollama.types import WatchEvent


class LiveSocket:
    def __init__(self, channel: AnswerChannel, live: LiveMode) -> None:
        self.channel, self.live = channel, live
        self.frame_task: asyncio.Task | None = None
        self._frame_at_s: float | None = None  # the video time the "frame" message gave, for the frame after it
        self._frame_error: str | None = None  # or why that message was refused: its frame is answered so
        self._announce_later: asyncio.TimerHandle | None = None
        self.rate = live.settings.rate  # the socket's speech rate ({"type": "rate"}), for questions asked on it too

    async def handle(self, request: dict[str, Any]) -> bool:
        """Take `request` if it is live mode's (True), else leave it to the questions (False)."""
        awaiting_frame, self.live.awaiting_frame = self.live.awaiting_frame, False
        if awaiting_frame and "recording" in request:  # the binary message after {"type": "frame"}
            self.frame_task = asyncio.create_task(
                self._frame(request["recording"], self._frame_at_s, self._frame_error)
            )
            return True
        if request.get("kind") not in ("live", "frame", "find"):
            return False
        if request["kind"] == "find":
            await self.channel.send(live_find.find(self.live.watcher, request.get("target"), request.get("error")))
        elif request["kind"] == "frame":  # the binary message that follows is the frame
            self.live.awaiting_frame, self._frame_at_s, self._frame_error = True, request["at_s"], request.get("error")
        elif "error" in request:
            await self.channel.send({"type": "error", "status": 400, "detail": request["error"]})
        elif request["on"]:
            await self.channel.send(self.live.start())
        else:
            if self.channel.announcing():
                self.channel.stop_current()  # the announcement being said stops; nothing pending is said
            await self.channel.send(self.live.stop())
        return True

    def answered(self, asked_s: float, result: dict | None) -> None:
        """An answer was sent: announcements wait until it has been heard."""
        if self.live.on:
            first_s = (result or {}).get("timings", {}).get("first_audio_s", 0.0)
            self.live.heard_until(asked_s + first_s + (result or {}).get("audio_s", 0.0))
            self.announce_next()

    def close(self) -> None:
        if self.frame_task is not None and not self.frame_task.done():
            self.frame_task.cancel()
        if self._announce_later is not None:
            self._announce_later.cancel()

    async def _frame(self, data: bytes, at_s: float | None, error: str | None) -> None:
        if error is not None:
            await self.channel.send({"type": "ack", "status": 400, "detail": error})
            return
        ack = await self.live.frame(data, at_s)
        tone = live_find.tone(self.live.watcher) if "status" not in ack else None
        if tone is not None:  # find mode: the tone this frame left sounding, before its ack
            await self.channel.send(tone)
        self.announce_next()
        if self.channel.announcing():  # a client on video time waits for its end: the video's clock stops meanwhile
            ack["announcing"] = self.channel.current
        await self.channel.send(ack)

    def announce_next(self) -> None:
        """Start the announcement due now, if nothing is being said; else look again when it may be."""
        if self._announce_later is not None:
            self._announce_later.cancel()
            self._announce_later = None
        if self.channel.answering():
            return  # an answer or an announcement: the next one waits for its end
        event = self.live.due()
        if event is None:
            wait_s = self.live.wait_s()
            if wait_s is not None and not self.live.on_video_time:  # on video time, frames move the clock
                self._announce_later = asyncio.get_running_loop().call_later(wait_s + 0.05, self.announce_next)
            return
        self.live.announced += 1
        answer_id = f"live-{self.live.announced}"
        self.channel.begin(answer_id, lambda cancel: self._announce(answer_id, event, cancel))

    async def _announce(self, answer_id: str, event: WatchEvent, cancel: Cancel) -> None:
        live, tts = self.live, self.channel.host.pipeline.tts
        first_audio_s: list[float] = []

        def job(cancel: threading.Event, emit: Emit) -> dict:
            emit("audio_format", jobs.audio_format(tts.sample_rate))

            def audio(samples) -> None:
                if not first_audio_s:
                    first_audio_s.append(live.now())
                emit("audio", samples)

            sink = MemorySink(on_audio=audio)
            try:
                on_text = lambda piece: emit("text", piece)  # noqa: E731
                result = speak([event.sentence], tts, sink, on_text=on_text, cancel=cancel, rate=self.rate)
            except Cancelled:
                return {"type": "cancelled", "kind": "announcement", "interrupted": True, "event": event.to_dict()}
            return {
                "type": "done",
                "kind": "announcement",
                "answer": event.sentence,
                "event": event.to_dict(),
                "audio_s": round(result.audio_seconds, 3),
            }

        result = await self.channel.stream(answer_id, "announcement", job, cancel, lane=live.lane) or {}
        said = result.get("type") == "done" and first_audio_s
        live.heard_until(first_audio_s[0] + result["audio_s"] if said else live.now())
        self.announce_next()
