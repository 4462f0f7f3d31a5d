"""Upload checks: a hard cap on request bodies, and images identified by their bytes, never by name or declared type.

Only common photo formats are opened (Pillow would otherwise try EPS, PSD and a dozen more); the pixel count is read
from the header before anything is decoded, then `decode_image` applies the same checks as the CLI.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time

from PIL import Image, UnidentifiedImageError
from starlette.exceptions import HTTPException

from echollama.errors import InputError
from echollama.scene.image import LoadedImage, decode_image
from echollama.server.host import admit_decode

log = logging.getLogger("echollama.server")

IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")  # JPEG includes MPO (many phone cameras)


class UploadError(Exception):
    """A refused upload, with the HTTP status that says why (400 unusable, 413 too big, 415 wrong kind)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def read_image(data: bytes, max_pixels: int, source: str = "image", shrink_jpeg: bool = False) -> LoadedImage:
    """Check and decode an uploaded image (slow for a big photo: call it on a worker thread, after admission).
    With `shrink_jpeg`, a JPEG over `max_pixels` is decoded at 1/2, 1/4 or 1/8 of its size to fit instead of
    refused (libjpeg's draft mode: the full-size picture is never in memory)."""
    if not data:
        raise UploadError(400, f"{source}: the upload is empty (0 bytes)")
    try:
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as probe:  # reads the header only
            width, height = probe.size
            shrinks = shrink_jpeg and probe.format in ("JPEG", "MPO")
    except UnidentifiedImageError:
        raise UploadError(415, f"{source}: not an image; send a JPEG, PNG, WebP, GIF, BMP or TIFF photo") from None
    except Image.DecompressionBombError:
        raise UploadError(413, f"{source}: the image has too many pixels") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise UploadError(400, f"{source}: the image is corrupt ({error})") from None
    except Exception:
        log.warning("image header reader failed on an upload", exc_info=True)
        raise UploadError(400, f"{source}: the image is corrupt") from None
    if width * height > max_pixels * (64 if shrinks else 1):
        raise UploadError(
            413, f"{source}: the image is {width}x{height} pixels; at most {max_pixels / 1e6:.0f} MP is accepted"
        )
    # Waits for room in the host's decode budget (or Busy); a shrunk JPEG is decoded at most max_pixels large.
    lease = admit_decode(min(width * height, max_pixels) if shrinks else width * height)
    try:
        image = decode_image(data, source, fit_pixels=max_pixels if shrinks else None)
    except InputError as error:
        lease.release()
        raise UploadError(400, str(error)) from None
    except Exception:  # a decoder fault on hostile bytes is still the upload's fault, not a server error
        lease.release()
        log.warning("image decoder failed on an upload", exc_info=True)
        raise UploadError(400, f"{source}: the image is corrupt") from None
    lease.hold_while(image.rgb)
    return image


class BodyLimit:
    """ASGI middleware: refuse bodies over `max_bytes` (by Content-Length at once, or while they stream in), and
    bodies that stall or trickle: no bytes for `timeout_s` while more are due, or, from `timeout_s` after the request
    began, fewer than `min_rate` bytes a second on average, gets 408 and the connection is closed.

    It runs before multipart parsing, so an oversized upload is never buffered or spooled anywhere.
    """

    def __init__(self, app, max_bytes: int, timeout_s: float = 10.0, min_rate: int = 1024) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.min_rate = min_rate

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                return await _refuse(send, 400, "invalid Content-Length header")
            if int(declared) > self.max_bytes:
                return await _refuse(send, 413, self._too_big())
        watch = _BodyWatch(self, receive, send)
        try:
            await self.app(scope, watch.receive, watch.send)
        except _Refused as refused:
            if not watch.started:
                await _refuse(send, refused.status_code, refused.detail)

    def _too_big(self) -> str:
        return f"the request is larger than {self.max_bytes // 2**20} MiB"


class _BodyWatch:
    """One request's body as BodyLimit sees it: counted, timed, and once refused, its connection closed."""

    def __init__(self, limit: BodyLimit, receive, send) -> None:
        self.limit, self._receive, self._send = limit, receive, send
        self.began = time.monotonic()
        self.received = 0
        self.body_done = False
        self.started = False
        self.refused = False

    async def receive(self):
        if self.body_done:  # after the body, receive() waits for the client to leave: that may take any time
            return await self._receive()
        limit = self.limit
        # The bytes received so far buy time at min_rate, after a first timeout_s of grace.
        behind_at = self.began + limit.timeout_s + self.received / limit.min_rate
        wait_s = min(limit.timeout_s, behind_at - time.monotonic())
        try:
            if wait_s <= 0:
                raise TimeoutError
            message = await asyncio.wait_for(self._receive(), wait_s)
        except TimeoutError:
            raise self._refuse(
                408,
                f"the request body stalled (nothing for {limit.timeout_s:g} s, or under {limit.min_rate} bytes a "
                "second)",
            ) from None
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            self.body_done = not message.get("more_body", False)
            if self.received > limit.max_bytes:
                raise self._refuse(413, limit._too_big())
        return message

    def _refuse(self, status: int, detail: str) -> _Refused:
        self.refused = True
        return _Refused(status, detail)

    async def send(self, message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            if self.refused:  # answered by the app's error handler: the unread rest of the body must not linger
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
        await self._send(message)


class _Refused(HTTPException):
    """An HTTPException, so that FastAPI's body parser passes it on instead of turning it into a 400."""


async def _refuse(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
