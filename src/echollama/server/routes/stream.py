"""The session's WebSocket: questions and live mode, answers streamed as they are made (server/stream.py)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from echollama.server import stream as session_stream
from echollama.server.dependencies import Client, ServerParts
from echollama.server.security import origin_allowed

router = APIRouter()


@router.websocket("/v1/sessions/{session_id}/stream")
async def stream(websocket: WebSocket, session_id: str, server: ServerParts, client: Client) -> None:
    # Browsers let any page open a WebSocket to localhost; only our own page (or allowed origins) may.
    headers = websocket.headers
    if not origin_allowed(headers.get("origin"), headers.get("host"), server.settings.cors_origins):
        await websocket.close(code=1008, reason="origin not allowed")
        return
    await session_stream.serve(websocket, server, session_id, client)
