"""Spoken answers, as WAV files kept in memory for a while."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from echollama.server.api_docs import errors
from echollama.server.dependencies import ServerParts

router = APIRouter()


@router.get(
    "/v1/audio/{audio_id}.wav",
    summary="A spoken answer (WAV); ids are random and expire",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}}, **errors(404)},
)
async def audio(audio_id: str, server: ServerParts) -> Response:
    data = server.store.get(audio_id)  # a dictionary lookup of a pattern-checked id: no path is ever built from it
    if data is None:
        raise HTTPException(404, "no such audio (it may have expired)")
    return Response(data, media_type="audio/wav", headers={"Cache-Control": "private, max-age=600"})
