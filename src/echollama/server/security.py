"""Browser-facing protections: a Host allowlist, same-origin checks for writes and WebSockets, and page headers.

CORS is off by default, but CORS does not stop a foreign page from *sending* a form POST or opening a WebSocket to
localhost; checking the Origin header does. Clients that send no Origin (curl, other apps) are not browsers and pass.
The Origin check alone compares Origin with Host, which DNS rebinding defeats (a page at http://evil.example:8000
whose name now resolves to 127.0.0.1 sends matching Origin and Host), so the Host must also be one of ours: a
localhost name, an IP address (a rebinding page always arrives under its own domain name), the `--host` value, the
hosts of the allowed CORS origins, or a name the operator listed.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from urllib.parse import urlsplit

# The page loads only its own files; audio plays from our URLs; the WebSocket and fetches go back to the same host.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; "
    "script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "microphone=(self), camera=(self)",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


def host_names(listen_host: str, cors_origins: Iterable[str], extra: Iterable[str] = ()) -> frozenset[str]:
    """The DNS names the server answers to, besides localhost names and IP addresses (always allowed)."""
    names = {listen_host.lower().strip("[]")}
    names.update(urlsplit(origin).hostname or "" for origin in cors_origins if origin != "*")
    names.update(name.lower() for name in extra)
    return frozenset(LOCAL_NAMES | {name.rstrip(".") for name in names if name})


def host_allowed(host: str | None, names: frozenset[str]) -> bool:
    """True for no Host header (not a browser), an IP address, a localhost name or one of `names`."""
    if host is None:
        return True
    try:
        name = (urlsplit(f"//{host}").hostname or "").rstrip(".")
    except ValueError:  # e.g. an unclosed "[" bracket
        return False
    if not name:
        return False
    if name in names or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """True for no Origin, the server's own origin (same host:port) or an origin the operator allowed."""
    if not origin:
        return True
    if origin in allowed or "*" in allowed:
        return True
    return host is not None and urlsplit(origin).netloc.lower() == host.lower()


class SecurityHeaders:
    """ASGI middleware: refuses unknown Host names (HTTP and WebSocket) and cross-site writes with 403, and adds
    PAGE_HEADERS to every HTTP response."""

    def __init__(self, app, allowed_origins: tuple[str, ...], host_names: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed_origins
        self.host_names = host_names

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        if not host_allowed(headers.get("host"), self.host_names):
            detail = "this server does not answer to that host name (DNS rebinding?); see --allow-host"
            return await refuse(scope, receive, send, 403, detail)
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["method"] not in SAFE_METHODS and not origin_allowed(
            headers.get("origin"), headers.get("host"), self.allowed
        ):
            detail = "cross-site request refused: this origin is not allowed (see --cors-origin)"
            return await refuse(scope, receive, send, 403, detail)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


async def refuse(scope, receive, send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    """Answer with a JSON error: a plain HTTP response, or for a WebSocket a refused handshake (never accepted)."""
    body = json.dumps({"detail": detail}).encode()
    fields = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    fields += [(key.lower().encode(), value.encode()) for key, value in (headers or {}).items()]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": status, "headers": fields})
        return await send({"type": "http.response.body", "body": body})
    if (await receive())["type"] != "websocket.connect":
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": status, "headers": fields})
        return await send({"type": "websocket.http.response.body", "body": body})
    await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})  # servers without the extension
