"""What the routes share, as FastAPI dependencies: the server's parts, the calling client, and the session it owns.

A session is opened by its key, never by its id alone: API clients send the key they were given in the
`X-Session-Key` header; the page's browser sends it as an HttpOnly, SameSite=Strict cookie scoped to that session's
own paths (`/v1/sessions/{id}`), so one page can hold several sessions and no script on it can read the key.
A session nobody can find is 404; one found but not opened by the request's key is 403 (the id alone is not enough to
use it). Ids are 128 random bits, so telling "exists" from "yours" gives nothing away that could be guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, Security
from fastapi.security import APIKeyCookie, APIKeyHeader
from starlette.requests import HTTPConnection

from echollama.server.audio_store import AudioStore
from echollama.server.host import ModelHost
from echollama.server.live_lane import LiveLane
from echollama.server.sessions import Session, SessionStore
from echollama.server.settings import ServerSettings

SESSION_KEY_HEADER = "X-Session-Key"
SESSION_COOKIE = "echollama_session_key"
NO_SUCH_SESSION = "no such session (it may have expired); upload the photo again"
NOT_YOURS = (
    f"this session's key is missing or wrong: send the session_key given when it was made, in the {SESSION_KEY_HEADER}"
    " header (the page sends it as a cookie)"
)


@dataclass(frozen=True)
class Server:
    """The parts of one running server that the routes use."""

    host: ModelHost
    store: AudioStore
    sessions: SessionStore
    settings: ServerSettings
    live_lane: LiveLane  # live mode's own workers: frames and announcements


def server(connection: HTTPConnection) -> Server:
    return connection.app.state.server


def client(connection: HTTPConnection) -> str:
    """The calling client, as the session table counts them: its address."""
    return connection.client.host if connection.client else ""


def find_owned(sessions: SessionStore, session_id: str, *keys: str | None) -> Session:
    """The session if one of `keys` opens it; HTTPException 404 (not there) or 403 (not opened) otherwise."""
    session = sessions.get(session_id)
    if session is None:
        raise HTTPException(404, NO_SUCH_SESSION)
    if not any(session.opens(key) for key in keys):
        raise HTTPException(403, NOT_YOURS)
    return session


def keys_of(connection: HTTPConnection) -> tuple[str | None, str | None]:
    """The session keys a request or WebSocket handshake carries: the header's, then the cookie's."""
    return connection.headers.get(SESSION_KEY_HEADER), connection.cookies.get(SESSION_COOKIE)


_HEADER_KEY = APIKeyHeader(
    name=SESSION_KEY_HEADER,
    scheme_name="SessionKey",
    description="the session_key returned when the session was made",
    auto_error=False,
)
_COOKIE_KEY = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="SessionCookie",
    description="the same key, as the page's browser sends it (set HttpOnly, SameSite=Strict)",
    auto_error=False,
)


def owned_session(
    session_id: str,
    parts: Annotated[Server, Depends(server)],
    header_key: Annotated[str | None, Security(_HEADER_KEY)],
    cookie_key: Annotated[str | None, Security(_COOKIE_KEY)],
) -> Session:
    return find_owned(parts.sessions, session_id, header_key, cookie_key)


def give_key(request: Request, response: Response, session: Session, lifetime_s: float) -> dict[str, str]:
    """Hand a new session's key to its maker: a cookie for the page, and the fields that go into the JSON body."""
    response.set_cookie(
        SESSION_COOKIE,
        session.key,
        max_age=int(lifetime_s),
        path=f"/v1/sessions/{session.id}",  # sent only to this session's routes and WebSocket
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return {"session_id": session.id, "session_key": session.key}


ServerParts = Annotated[Server, Depends(server)]
Client = Annotated[str, Depends(client)]
OwnedSession = Annotated[Session, Depends(owned_session)]
