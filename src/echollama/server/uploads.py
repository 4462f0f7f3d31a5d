"""Upload checks: a hard cap on request bodies, and images identified by their bytes, never by name or declared type.

Only common photo formats are opened (Pillow would otherwise try EPS, PSD and a dozen more); the pixel count is read
from the header before anything is decoded, then `decode_image` applies the same checks as the CLI.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging

from PIL import Image, UnidentifiedImageError
from starlette.exceptions import HTTPException

from echollama.errors import InputError
from echollama.scene.image import LoadedImage, decode_image

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
    try:
        return decode_image(data, source, fit_pixels=max_pixels if shrinks else None)
    except InputError as error:
        raise UploadError(400, str(error)) from None
    except Exception:  # a decoder fault on hostile bytes is still the upload's fault, not a server error
        log.warning("image decoder failed on an upload", exc_info=True)
        raise UploadError(400, f"{source}: the image is corrupt") from None


class BodyLimit:
    """ASGI middleware: refuse bodies over `max_bytes` (by Content-Length at once, or while they stream in), and
    bodies that stall: no bytes for `timeout_s` while more are due gets 408 and the connection is closed.

    It runs before multipart parsing, so an oversized upload is never buffered or spooled anywhere.
    """

    def __init__(self, app, max_bytes: int, timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                return await _refuse(send, 400, "invalid Content-Length header")
            if int(declared) > self.max_bytes:
                return await _refuse(send, 413, self._too_big())
        received = 0
        started = False
        body_done = False
        too_big = self._too_big()

        async def counted_receive():
            nonlocal received, body_done
            if body_done:  # after the body, receive() waits for the client to leave: that may take any time
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                raise _Refused(408, f"the request body stalled (nothing for {self.timeout_s:g} s)") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > self.max_bytes:
                    raise _Refused(413, too_big)
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _Refused as refused:
            if not started:
                await _refuse(send, refused.status_code, refused.detail)

    def _too_big(self) -> str:
        return f"the request is larger than {self.max_bytes // 2**20} MiB"


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
