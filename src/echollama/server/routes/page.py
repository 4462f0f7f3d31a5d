"""The page itself and the readiness probe."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse

from echollama.server.dependencies import ServerParts

STATIC = Path(str(files("echollama").joinpath("server/static")))
router = APIRouter()


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/healthz", summary="Readiness: loading, ready or error", responses={500: {"description": "load failed"}})
async def healthz(server: ServerParts) -> JSONResponse:
    host = server.host
    body = {
        "status": host.status,
        "detail": host.detail,  # never an exception's text: that goes to the log
        "llm": host.pipeline.llm.name,
        "active_generations": host.active,
        "max_generations": server.settings.max_generations,
        "sessions": len(server.sessions),
    }
    return JSONResponse(body, status_code=500 if host.status == "error" else 200)
