"""What the OpenAPI document says beyond FastAPI's defaults: every error status a route really answers, the media
types of uploads, and the links from a new session to the routes that use it.

Schema-driven fuzzing (tests/test_server_fuzz.py) holds the server to this document, so it must be exact.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from echollama.errors import InputError
from echollama.language.conversation import MAX_QUESTION_CHARS

IMAGE_TYPES = "image/jpeg, image/png, image/webp, image/gif, image/bmp, image/tiff"
AUDIO_TYPES = "audio/wav, audio/webm, audio/ogg, audio/flac, audio/mpeg"


class ErrorDetail(BaseModel):
    detail: str


WHY = {
    400: "unusable input (empty, corrupt, silent, a bad question)",
    403: "the session's key (X-Session-Key header or the page's cookie) is missing or wrong, or a cross-site request",
    404: "no such session or audio (ids expire)",
    409: "the session is still answering its previous question",
    413: "the request body or the image is too large",
    415: "the upload is not a supported image",
    503: "busy (every generation slot or session is taken, or the models are loading); retry after Retry-After",
    504: "no answer within the request timeout",
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI `responses=` entries: each status with its reason and the `{"detail": "..."}` body."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        documented[status] = {"model": ErrorDetail, "description": WHY[status]}
        if status == 503:
            documented[status]["headers"] = RETRY_AFTER
    return documented


UPLOAD_ERRORS = (400, 403, 413, 415, 503, 504)


def upload_encoding(**parts: str) -> dict[str, Any]:
    """`openapi_extra` naming the accepted media types of multipart file parts (the server reads the bytes anyway)."""
    encoding = {name: {"contentType": types} for name, types in parts.items()}
    return {"requestBody": {"content": {"multipart/form-data": {"encoding": encoding}}}}


def session_links(status: int) -> dict[str, Any]:
    """`openapi_extra`: the `session_id` a response returns is the one the session routes take."""
    session_id = {"session_id": "$response.body#/session_id"}
    links = {
        name: {"operationId": operation_id, "parameters": session_id}
        for name, operation_id in (
            ("SessionInfo", "session_info"),
            ("AskInSession", "ask"),
            ("NewPhotoInSession", "new_photo"),
            ("ForgetEarlierPhotos", "forget"),
            ("CloseSession", "close_session"),
        )
    }
    return {"responses": {str(status): {"links": links}}}


def merged(*parts: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for part in parts:
        _merge(result, part)
    return result


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


# A question is typed (text) or recorded (audio), never both. A typed one is plain text, whatever it looks like (JSON
# too): at most MAX_QUESTION_CHARS characters as sent, with one that is not whitespace. "Whitespace" is spelled out:
# JSON Schema's \s (ECMA-262) and Python's str.split() disagree on a few characters (U+001C-U+001F, U+0085, U+FEFF),
# so the pattern names their union, and the server checks the very same pattern (`typed_question`).
_BLANK = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_NOT_BLANK = f"[^{_BLANK}]"
QUESTION_TEXT_SCHEMA = {"maxLength": MAX_QUESTION_CHARS, "pattern": _NOT_BLANK}
_SAYS_SOMETHING = re.compile(_NOT_BLANK)


def typed_question(text: str) -> str:
    """The typed question if it is what the schema allows; InputError (400) otherwise."""
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(text):,} characters long; ask in at most {MAX_QUESTION_CHARS}")
    if not _SAYS_SOMETHING.search(text):
        raise InputError("the question is empty; type something to ask about the picture")
    return text


ONE_QUESTION = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {"oneOf": [{"required": ["text"]}, {"required": ["audio"]}]},
            }
        }
    }
}


def document(app: FastAPI) -> None:
    """Generate the OpenAPI document once, then make optional multipart parts plain: `anyOf: [X, null]` becomes X.

    A multipart form cannot send a null; an optional part is simply left out (and a client that reads `null` as a
    choice sends the text "null", or a recording without a file name).
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for name, component in schema.get("components", {}).get("schemas", {}).items():
                if name.startswith("Body_"):
                    for part in component.get("properties", {}).values():
                        options = part.get("anyOf", [])
                        if len(options) == 2 and {"type": "null"} in options:
                            del part["anyOf"]
                            part.update(next(option for option in options if option != {"type": "null"}))
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
