"""How errors become HTTP answers: 400 unusable input, 403/404 a session that is not yours or not there, 408 stalled
body, 409 session busy or used up, 413/415 upload refused, 429 this client's share taken, 503 busy (with Retry-After),
504 timed out. Clients get short, generic text for server faults; the details go to the log."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from echollama.errors import EchollamaError, InputError
from echollama.server.host import Busy, TimedOut
from echollama.server.sessions import SessionRefused, SessionsFull
from echollama.server.uploads import UploadError
from echollama.speech.streaming import Cancelled

log = logging.getLogger("echollama.server")
SERVER_FAULT = "the server could not answer this request; the details are in its log"


def add_error_handlers(app: FastAPI, retry_after_s: int) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 405:  # Starlette names only the first route on the path; name every route's methods
            error.headers = {**(error.headers or {}), "Allow": _allowed_methods(app, request.scope["path"])}
        return await http_exception_handler(request, error)

    def busy(detail: str, retry_after: int) -> JSONResponse:
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": str(retry_after)})

    @app.exception_handler(UploadError)
    @app.exception_handler(SessionRefused)
    async def refused_error(request: Request, error: UploadError | SessionRefused) -> JSONResponse:
        return JSONResponse({"detail": error.detail}, status_code=error.status)

    @app.exception_handler(Busy)
    async def busy_error(request: Request, error: Busy) -> JSONResponse:
        return busy(str(error), error.retry_after_s)

    @app.exception_handler(SessionsFull)
    async def full_error(request: Request, error: SessionsFull) -> JSONResponse:
        if error.status == 503:
            return busy(str(error), retry_after_s)
        # 429: this client's share is taken; a place comes back when one of its sessions closes or expires
        headers = {"Retry-After": str(retry_after_s)}
        return JSONResponse({"detail": str(error)}, status_code=error.status, headers=headers)

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
