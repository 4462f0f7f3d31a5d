"""The API's routes, one `APIRouter` per resource: the page and readiness, photos (describe, read), sessions,
answer audio, and the session's WebSocket stream."""

from __future__ import annotations

from fastapi import APIRouter

from echollama.server.routes import audio, page, photos, sessions, stream

ROUTERS: tuple[APIRouter, ...] = (page.router, photos.router, sessions.router, audio.router, stream.router)
