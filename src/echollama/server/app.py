"""The FastAPI app: readiness, describe, read, sessions and questions, answer audio, the page. OpenAPI at
/openapi.json, a plain reference page at /docs.

Work runs on the host's worker threads (models are native code, not async), and so does decoding an upload: handlers
only admit (a generation slot, a session place), wait and translate errors into HTTP statuses: 400 unusable input,
404 unknown id, 408 stalled body, 409 session busy or used up, 413/415 upload refused, 429 this client's share of
sessions taken, 503 busy. Clients get short, generic text for server faults; the details go to the log.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import logging
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartParser

from echollama import __version__
from echollama.errors import EchollamaError, InputError
from echollama.server import jobs
from echollama.server.api_docs import (
    AUDIO_TYPES,
    IMAGE_TYPES,
    ONE_QUESTION,
    QUESTION_TEXT_SCHEMA,
    UPLOAD_ERRORS,
    document,
    errors,
    merged,
    session_links,
    upload_encoding,
)
from echollama.server.audio_store import AudioStore
from echollama.server.connections import WebSocketLimits
from echollama.server.docs_page import add_docs_route
from echollama.server.host import Busy, ModelHost, TimedOut
from echollama.server.security import SecurityHeaders, host_names
from echollama.server.sessions import Session, SessionRefused, SessionsFull, SessionStore
from echollama.server.settings import ServerSettings
from echollama.server.uploads import BodyLimit, UploadError, read_image
from echollama.speech.streaming import Cancelled

STATIC = Path(str(files("echollama").joinpath("server/static")))
log = logging.getLogger("echollama.server")
SERVER_FAULT = "the server could not answer this request; the details are in its log"


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    settings = settings or ServerSettings()
    host = ModelHost(settings)
    store = AudioStore(settings.audio_ttl_s, settings.max_audio_bytes, settings.audio_dir)
    sessions = SessionStore(
        settings.session_ttl_s,
        settings.max_sessions,
        lifetime_s=settings.session_lifetime_s,
        max_per_client=settings.max_sessions_per_client,
        max_turns=settings.max_turns,
    )
    # Starlette spools file parts over 1 MiB to a temporary file; uploads are capped anyway, so keep them in memory
    # (nothing of a user's photo or voice is written to disk).
    MultiPartParser.spool_max_size = settings.max_upload_bytes

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        host.start_loading()
        every_s = min(60.0, settings.session_ttl_s / 2, settings.session_lifetime_s / 2)
        sweeper = asyncio.create_task(_sweep(sessions, store, every_s))
        try:
            yield
        finally:
            sweeper.cancel()
            sessions.clear()
            store.clear()
            host.close()

    app = FastAPI(
        title="echollama",
        version=__version__,
        lifespan=lifespan,
        description="Photo in, spoken and spatially grounded description out; spoken questions about it.",
        # Swagger UI and ReDoc come from a CDN and need inline scripts and styles, which the page's CSP forbids
        # (and nothing is fetched from elsewhere): /docs is a plain reference page instead (docs_page.py).
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=lambda route: route.name,  # operationIds are the handlers' names
    )
    app.state.host, app.state.store, app.state.sessions, app.state.settings = host, store, sessions, settings
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
    _add_error_handlers(app, settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/healthz", summary="Readiness: loading, ready or error", responses={500: {"description": "load failed"}})
    async def healthz() -> JSONResponse:
        body = {
            "status": host.status,
            "detail": host.detail,  # never an exception's text: that goes to the log
            "llm": host.pipeline.llm.name,
            "active_generations": host.active,
            "max_generations": settings.max_generations,
            "sessions": len(sessions),
        }
        return JSONResponse(body, status_code=500 if host.status == "error" else 200)

    @app.post(
        "/v1/describe",
        summary="Describe a photo aloud; also opens a session for questions about it",
        responses=errors(*UPLOAD_ERRORS),
        openapi_extra=merged(upload_encoding(image=IMAGE_TYPES), session_links(200)),
    )
    async def describe(
        request: Request,
        image: UploadFile = File(..., description="the photo; its type is read from its bytes"),
        detail: Literal["brief", "normal", "full"] = Form(
            "brief", description="brief: a few sentences; full: the paper's detailed description"
        ),
    ) -> dict:
        data, name = await image.read(), _name(image)

        def work(cancel):  # on a worker, after admission: decoding a big photo never blocks the event loop
            return jobs.describe(host, store, read_image(data, settings.max_image_pixels, name), cancel, detail)

        with sessions.reserve(_client(request)) as place:  # a full table answers 503 before any work
            result, conversation = await host.run(work)
            session = place.fill(conversation)
        return {"session_id": session.id, **result}

    @app.post(
        "/v1/read",
        summary="Read all the text in a photo aloud, in reading order (columns, lines), with boxes",
        responses=errors(*UPLOAD_ERRORS),
        openapi_extra=upload_encoding(image=IMAGE_TYPES),
    )
    async def read(image: UploadFile = File(..., description="the photo; its type is read from its bytes")) -> dict:
        data, name = await image.read(), _name(image)
        return await host.run(
            lambda cancel: jobs.read(host, store, read_image(data, settings.max_image_pixels, name), cancel)
        )

    @app.post(
        "/v1/sessions",
        status_code=201,
        summary="Open a session about a photo (perception only, no LLM)",
        responses=errors(*UPLOAD_ERRORS),
        openapi_extra=merged(upload_encoding(image=IMAGE_TYPES), session_links(201)),
    )
    async def open_session(request: Request, image: UploadFile = File(..., description="the photo")) -> dict:
        data, name = await image.read(), _name(image)

        def look(cancel):
            conversation = host.pipeline.conversation()
            opening = conversation.start(host.look(read_image(data, settings.max_image_pixels, name)))
            # to_dict waits for the text stage (seconds): here on the worker, never on the event loop.
            return conversation, {"scene": conversation.scene.to_dict(), "summary": opening.answer}

        with sessions.reserve(_client(request)) as place:
            conversation, result = await host.run(look)  # admitted like any other work
            session = place.fill(conversation)
        return {"session_id": session.id, **result, "expires_in_s": settings.session_ttl_s}

    @app.post(
        "/v1/sessions/{session_id}/image",
        summary='A new photo in the session; earlier ones are remembered ("what changed?", "where was my cup?")',
        responses=errors(400, 403, 404, 409, 413, 415, 503, 504),
        openapi_extra=upload_encoding(image=IMAGE_TYPES),
    )
    async def new_photo(session_id: str, image: UploadFile = File(..., description="the photo")) -> dict:
        data, name = await image.read(), _name(image)
        session = _session(sessions, session_id)
        # 409 while it answers (the conversation must not move under an answer); a photo is not a question
        stop = session.start_answer(question=False)

        def look(cancel):  # on a worker: decoding a big photo never blocks the event loop
            return jobs.new_photo(host, session, read_image(data, settings.max_image_pixels, name))

        return await host.run(look, cleanup=session.end_answer, cancel=stop)

    @app.post(
        "/v1/sessions/{session_id}/forget",
        summary="Forget the session's photos before the current one",
        responses=errors(403, 404, 409),
    )
    async def forget(session_id: str) -> dict:
        session = _session(sessions, session_id)
        session.start_answer(question=False)  # 409 while it answers; forgetting is not a question
        try:
            return {"session_id": session.id, "answer": session.conversation.forget()}
        finally:
            session.end_answer()

    @app.get("/v1/sessions/{session_id}", summary="A session's turns so far", responses=errors(404))
    async def session_info(session_id: str) -> dict:
        return _session(sessions, session_id).to_dict(settings.session_ttl_s, settings.session_lifetime_s)

    @app.delete(
        "/v1/sessions/{session_id}", status_code=204, summary="Forget a session now", responses=errors(403, 404)
    )
    async def close_session(session_id: str) -> Response:
        if not sessions.remove(session_id):
            raise HTTPException(404, "no such session (it may have expired)")
        return Response(status_code=204)

    @app.post(
        "/v1/sessions/{session_id}/ask",
        summary="Ask a typed (text) or recorded (audio) question",
        responses=errors(400, 403, 404, 409, 413, 503, 504),
        openapi_extra=merged(upload_encoding(audio=AUDIO_TYPES), ONE_QUESTION),
    )
    async def ask(
        session_id: str,
        # The limits are the conversation's own (a 400 with its message), so documented here, not enforced as a 422.
        text: str | None = Form(None, description="the question, typed", json_schema_extra=QUESTION_TEXT_SCHEMA),
        audio: UploadFile | None = File(None, description="the question, recorded (WAV, WebM, OGG, MP3...)"),
    ) -> dict:
        if (text is None) == (audio is None):
            raise HTTPException(400, "send either a text field or an audio file, not both or neither")
        recording = await audio.read() if audio is not None else None
        session = _session(sessions, session_id)
        stop = session.start_answer()  # 409 while it answers, or when its questions are used up
        return await host.run(
            lambda cancel: jobs.answer(host, store, session, cancel, text=text, recording=recording),
            cleanup=session.end_answer,
            cancel=stop,
        )  # freed when the answer really ends, not on disconnect

    @app.post(
        "/v1/sessions/{session_id}/cancel",
        summary="Stop the answer in flight (Stop, barge-in)",
        responses=errors(400, 403, 404),
    )
    async def cancel(
        session_id: str,
        heard_s: float = Form(
            0.0, ge=0, allow_inf_nan=False, description="seconds of its audio the listener heard (none over HTTP)"
        ),
    ) -> dict:
        """The answer stops within a sentence; its request returns `interrupted: true` with what was heard, and the
        conversation records it as cut short, so the next answer knows."""
        return {"stopped": _session(sessions, session_id).stop_answer(heard_s)}

    @app.get(
        "/v1/audio/{audio_id}.wav",
        summary="A spoken answer (WAV); ids are random and expire",
        response_class=Response,
        responses={200: {"content": {"audio/wav": {}}}, **errors(404)},
    )
    async def audio(audio_id: str) -> Response:
        data = store.get(audio_id)  # a dictionary lookup of a pattern-checked id: no path is ever built from it
        if data is None:
            raise HTTPException(404, "no such audio (it may have expired)")
        return Response(data, media_type="audio/wav", headers={"Cache-Control": "private, max-age=600"})

    from echollama.server.stream import add_stream_route

    add_stream_route(app, host, store, sessions, settings)
    add_docs_route(app)
    document(app)
    return app


def _session(sessions: SessionStore, session_id: str) -> Session:
    session = sessions.get(session_id)
    if session is None:
        raise HTTPException(404, "no such session (it may have expired); upload the photo again")
    return session


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _name(upload: UploadFile) -> str:
    return (upload.filename or "image")[:80]  # echoed in error messages: keep it short


def _add_error_handlers(app: FastAPI, settings: ServerSettings) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 405:  # Starlette names only the first route on the path; name every route's methods
            error.headers = {**(error.headers or {}), "Allow": _allowed_methods(app, request.scope["path"])}
        return await http_exception_handler(request, error)

    def busy(detail: str, retry_after: int) -> JSONResponse:
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": str(retry_after)})

    @app.exception_handler(UploadError)
    async def upload_error(request: Request, error: UploadError) -> JSONResponse:
        return JSONResponse({"detail": error.detail}, status_code=error.status)

    @app.exception_handler(Busy)
    async def busy_error(request: Request, error: Busy) -> JSONResponse:
        return busy(str(error), error.retry_after_s)

    @app.exception_handler(SessionsFull)
    async def full_error(request: Request, error: SessionsFull) -> JSONResponse:
        if error.status == 503:
            return busy(str(error), settings.retry_after_s)
        return JSONResponse({"detail": str(error)}, status_code=error.status)

    @app.exception_handler(SessionRefused)
    async def refused_error(request: Request, error: SessionRefused) -> JSONResponse:
        return JSONResponse({"detail": error.detail}, status_code=error.status)

    @app.exception_handler(TimedOut)
    @app.exception_handler(Cancelled)
    async def timeout_error(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=504)

    @app.exception_handler(EchollamaError)
    async def echollama_error(request: Request, error: EchollamaError) -> JSONResponse:
        # The user's input (a silent recording, an empty question) is 400; a model problem is ours: 500.
        if isinstance(error, InputError):
            return JSONResponse({"detail": str(error)}, status_code=400)
        log.error("%s %s failed: %s", request.method, request.url.path, error)
        return JSONResponse({"detail": SERVER_FAULT}, status_code=500)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=error)
        return JSONResponse({"detail": SERVER_FAULT}, status_code=500)


def _allowed_methods(app: FastAPI, path: str) -> str:
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, APIRoute) and route.methods and route.path_regex.match(path):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _sweep(sessions: SessionStore, store: AudioStore, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        sessions.expire()
        store.expire()
        await asyncio.to_thread(_return_freed_memory)


def _return_freed_memory() -> None:
    """Hand freed heap pages back to the system. Images, audio and model scratch buffers are allocated and freed on
    many worker threads; glibc keeps what they free in per-thread arenas, so without a trim the resident size creeps
    up for hours although nothing is kept (seen in `make soak`)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, looked up once (find_library runs ldconfig); None elsewhere (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
