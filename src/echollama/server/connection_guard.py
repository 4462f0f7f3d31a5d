"""Connection-level limits that an ASGI middleware cannot enforce, because it only sees a request once its headers
are parsed: a deadline for the headers, and a cap on open connections that never lets idle ones starve busy clients.

uvicorn times out only the idle gap between two requests (and restarts that timer on every byte), so a connection
that sends nothing, or trickles header bytes, used to stay open for ever; its `limit_concurrency` then answered every
new request 503, without Retry-After. Here, as a subclass of uvicorn's h11 protocol:
- a request's headers must be complete within `header_timeout_s` of the connection opening (or of the previous
  response ending), else the connection is closed;
- at most `max_connections` are open: a new one first closes the oldest connection that is waiting for headers
  (silent, trickling, or idle between requests); only when every connection is busy with a request is its own
  request answered 503 with Retry-After (and the connection closed).
The request body is watched by `uploads.BodyLimit` (a stall timeout and a minimum rate).
"""

from __future__ import annotations

import asyncio
import json
import time

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from echollama.server.settings import ServerSettings


def guarded_protocol(settings: ServerSettings) -> type[H11Protocol]:
    """The h11 protocol class for `uvicorn.run(http=...)`, with this server's limits."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {
            "header_timeout_s": settings.header_timeout_s,
            "max_connections": settings.max_connections,
            "retry_after_s": settings.retry_after_s,
        },
    )


class GuardedH11Protocol(H11Protocol):
    header_timeout_s = 10.0
    max_connections = 128
    retry_after_s = 5

    _header_timer: asyncio.TimerHandle | None = None
    waiting_since = 0.0  # when it began waiting for a request's headers (0: it has a request in hand)

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._wait_for_headers()
        if _open(self.connections) > self.max_connections and not self._close_an_idle_one():
            self.app = self._too_many_connections  # its request, once its headers are in, is answered 503

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self._serving():  # a request's headers arrived
            self._stop_waiting()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Kept open: the next request's headers are due within the same deadline. uvicorn's own keep-alive timer
        # restarts on every byte, so a client trickling bytes (or the rest of a body nobody reads) would outlive it.
        if not self.transport.is_closing() and not self._serving():
            self._wait_for_headers()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._stop_waiting()
        super().handle_websocket_upgrade(event)

    def _serving(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    # --- header deadline ----------------------------------------------------------------------------------------

    def _wait_for_headers(self) -> None:
        self._stop_waiting()
        self.waiting_since = time.monotonic()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_overdue)

    def _stop_waiting(self) -> None:
        self.waiting_since = 0.0
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_overdue(self) -> None:
        self._header_timer = None
        if not self._serving() and not self.transport.is_closing():
            self._close()

    def _close(self) -> None:
        self._stop_waiting()
        self.transport.close()

    # --- connection cap -----------------------------------------------------------------------------------------

    def _close_an_idle_one(self) -> bool:
        """Close the connection that has waited longest for its headers (not this one); False if none is waiting."""
        waiting = [
            other
            for other in self.connections
            if isinstance(other, GuardedH11Protocol)
            and other is not self
            and other.waiting_since
            and not _closing(other)
        ]
        if not waiting:
            return False
        min(waiting, key=lambda other: other.waiting_since)._close()
        return True

    async def _too_many_connections(self, scope, receive, send) -> None:
        body = json.dumps({"detail": "the server has too many connections open; retry later"}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(self.retry_after_s).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _open(connections) -> int:
    """Connections not already being closed (a closed one leaves the set a moment later)."""
    return sum(1 for connection in connections if not _closing(connection))


def _closing(connection) -> bool:
    transport = getattr(connection, "transport", None)
    return transport is None or transport.is_closing()
