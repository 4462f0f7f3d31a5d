"""WebSocket limits, as ASGI middleware around the whole app: how many are open, per session and in all, and how long
one may stay silent.

A refused handshake gets an HTTP answer (503 too many in all, 429 too many for this session), never an accepted
socket. A socket on which nothing was sent or received for `idle_s` is closed with code 1001; the handler sees an
ordinary disconnect. Counting traffic both ways means a long spoken answer never counts as silence.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter

from echollama.server.security import refuse

STREAM_PATH = re.compile(r"^/v1/sessions/([^/]+)/stream$")
IDLE_CLOSE_CODE = 1001  # "going away": the server ends a socket nobody uses


class WebSocketLimits:
    def __init__(self, app, max_open: int, max_per_session: int, idle_s: float, retry_after_s: int = 5) -> None:
        self.app = app
        self.max_open = max_open
        self.max_per_session = max_per_session
        self.idle_s = idle_s
        self.retry_after_s = retry_after_s
        self.open_by_session: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return self.open_by_session.total()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        match = STREAM_PATH.match(scope["path"])
        key = match.group(1) if match else scope["path"]
        retry = {"Retry-After": str(self.retry_after_s)}
        if self.open >= self.max_open:
            return await refuse(scope, receive, send, 503, f"{self.max_open} WebSockets are open; retry later", retry)
        if self.open_by_session[key] >= self.max_per_session:
            detail = f"this session already has {self.max_per_session} WebSockets open; close one first"
            return await refuse(scope, receive, send, 429, detail, retry)
        self.open_by_session[key] += 1
        try:
            await _IdleWatch(self.app, self.idle_s)(scope, receive, send)
        finally:
            self.open_by_session[key] -= 1
            if self.open_by_session[key] <= 0:
                del self.open_by_session[key]


class _IdleWatch:
    """One socket: `receive` gives up after `idle_s` of silence both ways, closes the socket and reports a disconnect."""

    def __init__(self, app, idle_s: float) -> None:
        self.app = app
        self.idle_s = idle_s
        self.last_traffic = time.monotonic()
        self.closed = False

    async def __call__(self, scope, receive, send):
        async def watched_send(message):
            if self.closed:  # closed for silence: the handler's late sends go nowhere
                return
            self.last_traffic = time.monotonic()
            await send(message)

        async def watched_receive():
            if self.closed:
                return {"type": "websocket.disconnect", "code": IDLE_CLOSE_CODE}
            pending = asyncio.ensure_future(receive())
            try:
                while True:
                    remaining = self.last_traffic + self.idle_s - time.monotonic()
                    done, _ = await asyncio.wait({pending}, timeout=max(0.0, remaining))
                    if done:
                        message = pending.result()
                        self.last_traffic = time.monotonic()
                        return message
                    if time.monotonic() - self.last_traffic >= self.idle_s:
                        break
            except BaseException:
                pending.cancel()
                raise
            pending.cancel()
            self.closed = True
            await send({"type": "websocket.close", "code": IDLE_CLOSE_CODE, "reason": "idle for too long"})
            return {"type": "websocket.disconnect", "code": IDLE_CLOSE_CODE}

        await self.app(scope, watched_receive, watched_send)
