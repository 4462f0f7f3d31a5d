"""The FastAPI app: readiness, describe, read, sessions and questions, answer audio, the page. OpenAPI at /docs.

Work runs on the host's worker threads (models are native code, not async); handlers only admit, wait and translate
errors into HTTP statuses: 400 unusable input, 404 unknown id, 409 session busy, 413/415 upload refused, 503 busy.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.formparsers import MultiPartParser

from echollama import __version__
from echollama.errors import EchollamaError, InputError
from echollama.server import jobs
from echollama.server.audio_store import AudioStore
from echollama.server.host import Busy, ModelHost, TimedOut
from echollama.server.security import SecurityHeaders
from echollama.server.sessions import Session, SessionsFull, SessionStore
from echollama.server.settings import ServerSettings
from echollama.server.uploads import BodyLimit, UploadError, read_image
from echollama.speech.streaming import Cancelled

STATIC = Path(str(files("echollama").joinpath("server/static")))
log = logging.getLogger("echollama.server")


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    settings = settings or ServerSettings()
    host = ModelHost(settings)
    store = AudioStore(settings.audio_ttl_s, settings.max_audio_bytes, settings.audio_dir)
    sessions = SessionStore(settings.session_ttl_s, settings.max_sessions)
    # Starlette spools file parts over 1 MiB to a temporary file; uploads are capped anyway, so keep them in memory
    # (nothing of a user's photo or voice is written to disk).
    MultiPartParser.spool_max_size = settings.max_upload_bytes

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        host.start_loading()
        sweeper = asyncio.create_task(_sweep(sessions, store, min(60.0, settings.session_ttl_s / 2)))
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
    app.add_middleware(SecurityHeaders, allowed_origins=settings.cors_origins)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    _add_error_handlers(app, settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/healthz", summary="Readiness: loading, ready or error")
    async def healthz() -> JSONResponse:
        body = {
            "status": host.status,
            "detail": host.detail,
            "llm": host.pipeline.llm.name,
            "active_generations": host.active,
            "max_generations": settings.max_generations,
            "sessions": len(sessions),
        }
        return JSONResponse(body, status_code=500 if host.status == "error" else 200)

    @app.post("/v1/describe", summary="Describe a photo aloud; also opens a session for questions about it")
    async def describe(
        image: UploadFile = File(..., description="the photo; its type is read from its bytes"),
        detail: Literal["brief", "normal", "full"] = Form(
            "brief", description="brief: a few sentences; full: the paper's detailed description"
        ),
    ) -> dict:
        loaded = read_image(await image.read(), settings.max_image_pixels, _name(image))
        result, conversation = await host.run(lambda cancel: jobs.describe(host, store, loaded, cancel, detail))
        session = sessions.add(conversation)
        return {"session_id": session.id, **result}

    @app.post("/v1/read", summary="Read all the text in a photo aloud, in reading order (columns, lines), with boxes")
    async def read(image: UploadFile = File(..., description="the photo; its type is read from its bytes")) -> dict:
        loaded = read_image(await image.read(), settings.max_image_pixels, _name(image))
        return await host.run(lambda cancel: jobs.read(host, store, loaded, cancel))

    @app.post("/v1/sessions", status_code=201, summary="Open a session about a photo (perception only, no LLM)")
    async def open_session(image: UploadFile = File(..., description="the photo")) -> dict:
        loaded = read_image(await image.read(), settings.max_image_pixels, _name(image))

        def look():
            conversation = host.pipeline.conversation()
            opening = conversation.start(host.look(loaded))
            return conversation, opening

        conversation, opening = await host.run(lambda cancel: look())  # admitted like any other work
        session = sessions.add(conversation)
        return {
            "session_id": session.id,
            "scene": conversation.scene.to_dict(),
            "summary": opening.answer,
            "expires_in_s": settings.session_ttl_s,
        }

    @app.post(
        "/v1/sessions/{session_id}/image",
        summary='A new photo in the session; earlier ones are remembered ("what changed?", "where was my cup?")',
    )
    async def new_photo(session_id: str, image: UploadFile = File(..., description="the photo")) -> dict:
        loaded = read_image(await image.read(), settings.max_image_pixels, _name(image))
        session = _session(sessions, session_id)
        hold(session)
        return await host.run(lambda cancel: jobs.new_photo(host, session, loaded), cleanup=session.busy.release)

    @app.post("/v1/sessions/{session_id}/forget", summary="Forget the session's photos before the current one")
    async def forget(session_id: str) -> dict:
        session = _session(sessions, session_id)
        hold(session)
        try:
            return {"session_id": session.id, "answer": session.conversation.forget()}
        finally:
            session.busy.release()

    @app.get("/v1/sessions/{session_id}", summary="A session's turns so far")
    async def session_info(session_id: str) -> dict:
        return _session(sessions, session_id).to_dict(settings.session_ttl_s)

    @app.delete("/v1/sessions/{session_id}", status_code=204, summary="Forget a session now")
    async def close_session(session_id: str) -> Response:
        if not sessions.remove(session_id):
            raise HTTPException(404, "no such session (it may have expired)")
        return Response(status_code=204)

    @app.post("/v1/sessions/{session_id}/ask", summary="Ask a typed (text) or recorded (audio) question")
    async def ask(
        session_id: str,
        text: str | None = Form(None, description="the question, typed"),
        audio: UploadFile | None = File(None, description="the question, recorded (WAV, WebM, OGG, MP3...)"),
    ) -> dict:
        if (text is None) == (audio is None):
            raise HTTPException(400, "send either a text field or an audio file, not both or neither")
        recording = await audio.read() if audio is not None else None
        session = _session(sessions, session_id)
        hold(session)
        return await host.run(
            lambda cancel: jobs.answer(host, store, session, cancel, text=text, recording=recording),
            cleanup=session.busy.release,
        )  # freed when the answer really ends, not on disconnect

    @app.get(
        "/v1/audio/{audio_id}.wav",
        summary="A spoken answer (WAV); ids are random and expire",
        response_class=Response,
        responses={200: {"content": {"audio/wav": {}}}},
    )
    async def audio(audio_id: str) -> Response:
        data = store.get(audio_id)  # a dictionary lookup of a pattern-checked id: no path is ever built from it
        if data is None:
            raise HTTPException(404, "no such audio (it may have expired)")
        return Response(data, media_type="audio/wav", headers={"Cache-Control": "private, max-age=600"})

    from echollama.server.stream import add_stream_route

    add_stream_route(app, host, store, sessions, settings)
    return app


def _session(sessions: SessionStore, session_id: str) -> Session:
    session = sessions.get(session_id)
    if session is None:
        raise HTTPException(404, "no such session (it may have expired); upload the photo again")
    return session


def hold(session: Session) -> None:
    """Reserve a session for one answer (each answer extends its history); a second question meanwhile gets 409."""
    if not session.busy.acquire(blocking=False):
        raise HTTPException(409, "this session is still answering the previous question")


def _name(upload: UploadFile) -> str:
    return (upload.filename or "image")[:80]  # echoed in error messages: keep it short


def _add_error_handlers(app: FastAPI, settings: ServerSettings) -> None:
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
        return busy(str(error), settings.retry_after_s)

    @app.exception_handler(TimedOut)
    @app.exception_handler(Cancelled)
    async def timeout_error(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=504)

    @app.exception_handler(EchollamaError)
    async def echollama_error(request: Request, error: EchollamaError) -> JSONResponse:
        # The user's input (a silent recording, an empty question) is 400; a model problem is ours: 500.
        status = 400 if isinstance(error, InputError) else 500
        if status == 500:
            log.error("request failed: %s", error)
        return JSONResponse({"detail": str(error)}, status_code=status)


async def _sweep(sessions: SessionStore, store: AudioStore, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        sessions.expire()
        store.expire()
