"""The FastAPI app: readiness, describe, read, sessions and questions, answer audio, the page. OpenAPI at
/openapi.json, a plain reference page at /docs.

Routes are grouped by resource in routes/; work runs on the host's worker threads (models are native code, not async),
and so does decoding an upload: handlers only admit (a generation slot, a session place), wait and translate errors
into HTTP statuses (error_handlers.py). Live camera frames have their own lane (live_lane.py).
"""

from __future__ import annotations

import asyncio
import functools
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.formparsers import MultiPartParser

from echollama import __version__
from echollama.server.api_docs import document
from echollama.server.audio_store import AudioStore
from echollama.server.connections import WebSocketLimits
from echollama.server.dependencies import Server
from echollama.server.docs_page import add_docs_route
from echollama.server.error_handlers import add_error_handlers
from echollama.server.heap import return_freed_memory
from echollama.server.host import ModelHost
from echollama.server.live_lane import LiveLane
from echollama.server.routes import ROUTERS
from echollama.server.routes.page import STATIC
from echollama.server.security import SecurityHeaders, host_names
from echollama.server.sessions import SessionStore
from echollama.server.settings import ServerSettings
from echollama.server.uploads import BodyLimit

# Starlette spools file parts over 1 MiB to a temporary file; bodies are capped (BodyLimit, per app) before parsing,
# so never spool: nothing of a user's photo or voice is written to disk. (0 means "never"; Starlette takes no
# per-request spool size, so this is one value for every app in the process, whatever its settings.)
MultiPartParser.spool_max_size = 0


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    settings = settings or ServerSettings()
    host = ModelHost(settings)
    sessions = SessionStore(
        settings.session_ttl_s,
        settings.max_sessions,
        lifetime_s=settings.session_lifetime_s,
        max_per_client=settings.max_sessions_per_client,
        max_turns=settings.max_turns,
    )
    store = AudioStore(settings.audio_ttl_s, settings.max_audio_bytes, settings.audio_dir)
    server = Server(host, store, sessions, settings, LiveLane(host, settings.request_timeout_s))
    app = FastAPI(
        title="echollama",
        version=__version__,
        lifespan=functools.partial(_lifespan, server),
        description="Photo in, spoken and spatially grounded description out; spoken questions about it.",
        # Swagger UI and ReDoc come from a CDN and need inline scripts and styles, which the page's CSP forbids
        # (and nothing is fetched from elsewhere): /docs is a plain reference page instead (docs_page.py).
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=lambda route: route.name,  # operationIds are the handlers' names
    )
    app.state.server = server
    _add_middleware(app, settings)
    add_error_handlers(app, settings.retry_after_s)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    add_docs_route(app)
    document(app)
    return app


def _add_middleware(app: FastAPI, settings: ServerSettings) -> None:
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],
        )
    app.add_middleware(
        WebSocketLimits,
        max_open=settings.max_websockets,
        max_per_session=settings.max_websockets_per_session,
        idle_s=settings.websocket_idle_s,
        retry_after_s=settings.retry_after_s,
    )
    app.add_middleware(
        SecurityHeaders,
        allowed_origins=settings.cors_origins,
        host_names=host_names(settings.host, settings.cors_origins, settings.allowed_hosts),
    )
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_upload_bytes,
        timeout_s=settings.body_timeout_s,
        min_rate=settings.min_body_rate,
    )


@asynccontextmanager
async def _lifespan(server: Server, app: FastAPI):
    server.host.start_loading()
    settings = server.settings
    every_s = min(60.0, settings.session_ttl_s / 2, settings.session_lifetime_s / 2)
    sweeper = asyncio.create_task(_sweep(server.sessions, server.store, every_s))
    try:
        yield
    finally:
        sweeper.cancel()
        server.sessions.clear()  # open sockets are told their session ended
        server.store.clear()
        server.live_lane.close()
        server.host.close()


async def _sweep(sessions: SessionStore, store: AudioStore, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        sessions.expire()
        store.expire()
        await asyncio.to_thread(return_freed_memory)
