"""Browser-facing protections: same-origin checks for writes and WebSockets, and response headers for the page.

CORS is off by default, but CORS does not stop a foreign page from *sending* a form POST or opening a WebSocket to
localhost; checking the Origin header does. Clients that send no Origin (curl, other apps) are not browsers and pass.
"""

from __future__ import annotations

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


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """True for no Origin, the server's own origin (same host:port) or an origin the operator allowed."""
    if not origin:
        return True
    if origin in allowed or "*" in allowed:
        return True
    return host is not None and urlsplit(origin).netloc.lower() == host.lower()


class SecurityHeaders:
    """ASGI middleware: adds PAGE_HEADERS to every HTTP response and refuses cross-site writes with 403."""

    def __init__(self, app, allowed_origins: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = allowed_origins

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        if scope["method"] not in SAFE_METHODS and not origin_allowed(
            headers.get("origin"), headers.get("host"), self.allowed
        ):
            body = b'{"detail":"cross-site request refused: this origin is not allowed (see --cors-origin)"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            return await send({"type": "http.response.body", "body": body})

        async def with_headers(message):
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
