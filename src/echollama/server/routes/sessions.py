"""A session: a conversation about a photo (and the photos after it), owned by whoever opened it.

Every route but the one that opens a session takes the session's key (`OwnedSession`): 404 for an unknown id, 403 for
a missing or wrong key.
"""

from __future__ import annotations

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile

from echollama.server import jobs
from echollama.server.api_docs import (
    AUDIO_TYPES,
    IMAGE_TYPES,
    ONE_QUESTION,
    QUESTION_TEXT_SCHEMA,
    UPLOAD_ERRORS,
    errors,
    merged,
    session_links,
    typed_question,
    upload_encoding,
)
from echollama.server.dependencies import Client, OwnedSession, ServerParts, give_key
from echollama.server.routes.photos import PHOTO, chosen_rate, rate_field, upload_name
from echollama.server.uploads import read_image

router = APIRouter()


@router.post(
    "/v1/sessions",
    status_code=201,
    summary="Open a session about a photo (perception only, no LLM)",
    responses=errors(*UPLOAD_ERRORS),
    openapi_extra=merged(upload_encoding(image=IMAGE_TYPES), session_links(201)),
)
async def open_session(
    request: Request, response: Response, server: ServerParts, client: Client, image: UploadFile = PHOTO
) -> dict:
    data, name = await image.read(), upload_name(image)
    host, settings = server.host, server.settings

    def look(cancel):
        conversation = host.pipeline.conversation()
        opening = conversation.start(host.look(read_image(data, settings.max_image_pixels, name)))
        # The text stage may take seconds: it is waited for here on the worker, never on the event loop.
        return conversation, {"scene": conversation.scene_with_text().to_dict(), "summary": opening.answer}

    with server.sessions.reserve(client) as place:
        conversation, result = await host.run(look)  # admitted like any other work
        session = place.fill(conversation)
    owner = give_key(request, response, session, settings.session_lifetime_s)
    return {**owner, **result, "expires_in_s": settings.session_ttl_s}


@router.post(
    "/v1/sessions/{session_id}/image",
    summary='A new photo in the session; earlier ones are remembered ("what changed?", "where was my cup?")',
    responses=errors(400, 403, 404, 409, 413, 415, 503, 504),
    openapi_extra=upload_encoding(image=IMAGE_TYPES),
)
async def new_photo(session: OwnedSession, server: ServerParts, image: UploadFile = PHOTO) -> dict:
    data, name = await image.read(), upload_name(image)
    host, pixels = server.host, server.settings.max_image_pixels
    # 409 while it answers (the conversation must not move under an answer); a photo is not a question
    stop = session.start_answer(question=False)

    def look(cancel):  # on a worker: decoding a big photo never blocks the event loop
        return jobs.new_photo(host, session, read_image(data, pixels, name))

    return await host.run(look, cleanup=session.end_answer, cancel=stop)


@router.post(
    "/v1/sessions/{session_id}/forget",
    summary="Forget the session's photos before the current one",
    responses=errors(403, 404, 409),
)
async def forget(session: OwnedSession) -> dict:
    session.start_answer(question=False)  # 409 while it answers; forgetting is not a question
    try:
        return {"session_id": session.id, "answer": session.conversation.forget()}
    finally:
        session.end_answer()


@router.get("/v1/sessions/{session_id}", summary="A session's turns so far", responses=errors(403, 404))
async def session_info(session: OwnedSession, server: ServerParts) -> dict:
    return session.to_dict(server.settings.session_ttl_s, server.settings.session_lifetime_s)


@router.delete("/v1/sessions/{session_id}", status_code=204, summary="Forget a session now", responses=errors(403, 404))
async def close_session(session: OwnedSession, server: ServerParts) -> Response:
    if not server.sessions.remove(session.id):  # gone meanwhile (expired, or deleted by a second request)
        raise HTTPException(404, "no such session (it may have expired)")
    return Response(status_code=204)


@router.post(
    "/v1/sessions/{session_id}/ask",
    summary="Ask a typed (text) or recorded (audio) question",
    responses=errors(400, 403, 404, 409, 413, 503, 504),
    openapi_extra=merged(upload_encoding(audio=AUDIO_TYPES), ONE_QUESTION),
)
async def ask(
    session: OwnedSession,
    server: ServerParts,
    # The limits are the conversation's own (a 400 with its message), so documented here, not enforced as a 422.
    text: str | None = Form(None, description="the question, typed", json_schema_extra=QUESTION_TEXT_SCHEMA),
    audio: UploadFile | None = File(None, description="the question, recorded (WAV, WebM, OGG, MP3...)"),
    rate: float | None = rate_field(),
) -> dict:
    if (text is None) == (audio is None):
        raise HTTPException(400, "send either a text field or an audio file, not both or neither")
    if text is not None:
        text = typed_question(text)  # as the schema says, character for character
    recording = await audio.read() if audio is not None else None
    host, store, speed = server.host, server.store, chosen_rate(rate, server.settings.rate)
    stop = session.start_answer()  # 409 while it answers, or when its questions are used up
    return await host.run(
        lambda cancel: jobs.answer(host, store, session, cancel, text=text, recording=recording, rate=speed),
        cleanup=session.end_answer,
        cancel=stop,
    )  # freed when the answer really ends, not on disconnect


@router.post(
    "/v1/sessions/{session_id}/cancel",
    summary="Stop the answer in flight (Stop, barge-in)",
    responses=errors(400, 403, 404),
)
async def cancel(
    session: OwnedSession,
    heard_s: float = Form(
        0.0, ge=0, allow_inf_nan=False, description="seconds of its audio the listener heard (none over HTTP)"
    ),
) -> dict:
    """The answer stops within a sentence; its request returns `interrupted: true` with what was heard, and the
    conversation records it as cut short, so the next answer knows. Only this session's answer can be stopped."""
    return {"stopped": session.stop_answer(heard_s)}
