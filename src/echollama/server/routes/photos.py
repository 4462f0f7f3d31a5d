"""A photo in, spoken out: its description (which also opens a session about it) or the text in it, read aloud."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from echollama.server import jobs
from echollama.server.api_docs import IMAGE_TYPES, UPLOAD_ERRORS, errors, merged, session_links, upload_encoding
from echollama.server.dependencies import Client, ServerParts, give_key
from echollama.server.uploads import read_image
from echollama.speech.rate import MAX_RATE, MIN_RATE

router = APIRouter()
PHOTO = File(..., description="the photo; its type is read from its bytes")


def rate_field() -> float | None:
    """The `rate` form field of every request that speaks: outside 0.5-3.0 is a 422."""
    return Form(
        None,
        ge=MIN_RATE,
        le=MAX_RATE,
        allow_inf_nan=False,
        description=f"speech rate, {MIN_RATE} to {MAX_RATE} times the voice's pace (default: the server's --rate)",
    )


def chosen_rate(rate: float | None, server_rate: float) -> float:
    return server_rate if rate is None else rate


def upload_name(upload: UploadFile) -> str:
    return (upload.filename or "image")[:80]  # echoed in error messages: keep it short


@router.post(
    "/v1/describe",
    summary="Describe a photo aloud; also opens a session for questions about it",
    responses=errors(*UPLOAD_ERRORS),
    openapi_extra=merged(upload_encoding(image=IMAGE_TYPES), session_links(200)),
)
async def describe(
    request: Request,
    response: Response,
    server: ServerParts,
    client: Client,
    image: UploadFile = PHOTO,
    detail: Literal["brief", "normal", "full"] = Form(
        "brief", description="brief: a few sentences; full: the paper's detailed description"
    ),
    rate: float | None = rate_field(),
) -> dict:
    data, name = await image.read(), upload_name(image)
    host, settings = server.host, server.settings
    speed = chosen_rate(rate, settings.rate)

    def work(cancel):  # on a worker, after admission: decoding a big photo never blocks the event loop
        image = read_image(data, settings.max_image_pixels, name)
        return jobs.describe(host, server.store, image, cancel, detail, rate=speed)

    with server.sessions.reserve(client) as place:  # a full table answers 503 before any work
        result, conversation = await host.run(work)
        session = place.fill(conversation)
    return {**give_key(request, response, session, settings.session_lifetime_s), **result}


@router.post(
    "/v1/read",
    summary="Read all the text in a photo aloud, in reading order (columns, lines), with boxes",
    responses=errors(*UPLOAD_ERRORS),
    openapi_extra=upload_encoding(image=IMAGE_TYPES),
)
async def read(server: ServerParts, image: UploadFile = PHOTO, rate: float | None = rate_field()) -> dict:
    data, name = await image.read(), upload_name(image)
    host, pixels, speed = server.host, server.settings.max_image_pixels, chosen_rate(rate, server.settings.rate)
    return await host.run(
        lambda cancel: jobs.read(host, server.store, read_image(data, pixels, name), cancel, rate=speed)
    )
