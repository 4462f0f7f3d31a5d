"""A session belongs to whoever opened it, and its WebSockets end with it (issue 22).

Through real HTTP and WebSockets on loopback against `echollama serve --llm tiny`: the id alone opens nothing (every
route and the WebSocket want the session's key, as the `X-Session-Key` header or the page's cookie), and an open
socket is closed with code 4404 when its session is deleted or expires.
Run: .venv/bin/python -m pytest -q tests/test_server_owned.py   (about a minute)
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from echollama.samples import SAMPLE_IMAGE
from server_process import SESSION_KEY_HEADER, owner, running_server, stream_url

JPEG = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")
TTL_S = 20.0  # idle time-to-live: the sweeper looks every TTL_S / 2, so an idle session goes within 1.5 x TTL_S

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    options = ("--max-tokens", "8", "--session-ttl", str(TTL_S))
    with running_server(tmp_path_factory.mktemp("serve") / "serve.log", *options) as base:
        yield base


def open_session(base: str) -> dict:
    response = httpx.post(f"{base}/v1/sessions", files={"image": JPEG}, timeout=300)
    assert response.status_code == 201, response.text
    return response.json()


def closed_with(websocket, timeout_s: float) -> tuple[int, list[dict]]:
    """Read until the server closes the socket: its close code, and the JSON messages before it."""
    said = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            message = websocket.recv(timeout=timeout_s)
            if isinstance(message, str):
                said.append(json.loads(message))
    assert closed.value.rcvd is not None, "dropped without a close frame"
    return closed.value.rcvd.code, said


def test_a_session_is_opened_by_its_key_and_by_nothing_else(server):
    created = open_session(server)
    session, key = created["session_id"], created["session_key"]
    assert len(key) >= 43 and key != session
    path = f"/v1/sessions/{session}"
    with httpx.Client(base_url=server, timeout=120) as stranger:  # knows the id (say, from a log), not the key
        for wrong in ({}, {SESSION_KEY_HEADER: "x" * len(key)}, {SESSION_KEY_HEADER: session}):
            attempts = {
                "read": stranger.get(path, headers=wrong),
                "ask": stranger.post(f"{path}/ask", data={"text": "Where is the cup?"}, headers=wrong),
                "cancel": stranger.post(f"{path}/cancel", headers=wrong),
                "image": stranger.post(f"{path}/image", files={"image": JPEG}, headers=wrong),
                "forget": stranger.post(f"{path}/forget", headers=wrong),
                "delete": stranger.delete(path, headers=wrong),
            }
            for name, response in attempts.items():
                assert response.status_code == 403, (name, wrong, response.text)
                assert SESSION_KEY_HEADER in response.json()["detail"], (name, response.text)
        with connect(stream_url(server, session), open_timeout=30) as websocket:  # no key on the handshake
            code, said = closed_with(websocket, 30)
        assert code == 4403 and said[0]["status"] == 403, (code, said)
        assert stranger.get(f"/v1/sessions/{'A' * 22}", headers=owner(created)).status_code == 404

    # Nothing the stranger did touched it: the owner's key (or the cookie the page got) still opens it.
    assert httpx.get(f"{server}{path}", headers=owner(created), timeout=60).json()["turns"][0]["kind"] == "summary"
    # (closed now: its 20 s idle time need not outlast the rest of the test on a slow machine)
    assert httpx.delete(f"{server}{path}", headers=owner(created), timeout=60).status_code == 204
    with httpx.Client(base_url=server, timeout=120) as page:  # a browser: keeps the cookie, sends no header
        opened = page.post("/v1/sessions", files={"image": JPEG})
        cookie = next(c for c in page.cookies.jar if c.name == "echollama_session_key")
        mine = opened.json()["session_id"]
        assert cookie.value == opened.json()["session_key"] and cookie.path == f"/v1/sessions/{mine}"
        set_cookie = opened.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=strict" in set_cookie
        assert page.get(f"/v1/sessions/{mine}").status_code == 200
        assert page.delete(f"/v1/sessions/{mine}").status_code == 204
        someone_elses = open_session(server)
        assert page.get(f"/v1/sessions/{someone_elses['session_id']}").status_code == 403  # its cookie: its own only


def test_a_deleted_sessions_socket_is_closed_with_4404(server):
    created = open_session(server)
    with connect(stream_url(server, created["session_id"]), open_timeout=30, additional_headers=owner(created)) as ws:
        ws.send(json.dumps({"type": "cancel"}))  # nothing to stop: the socket is open and quiet
        deleted = httpx.delete(f"{server}/v1/sessions/{created['session_id']}", headers=owner(created), timeout=60)
        assert deleted.status_code == 204
        started = time.monotonic()
        code, said = closed_with(ws, 30)
    assert code == 4404 and said[-1]["status"] == 404 and "ended" in said[-1]["detail"], (code, said)
    print(f"\ndeleted: its socket closed {time.monotonic() - started:.2f} s later")


def test_an_expired_sessions_socket_is_closed_with_4404(server):
    created = open_session(server)
    opened = time.monotonic()
    with connect(stream_url(server, created["session_id"]), open_timeout=30, additional_headers=owner(created)) as ws:
        code, said = closed_with(ws, TTL_S * 1.5 + 30)
    waited = time.monotonic() - opened
    assert code == 4404 and said[-1]["status"] == 404, (code, said)
    print(f"\nexpired: its socket closed {waited:.1f} s after the session opened (time-to-live {TTL_S:g} s)")
    assert waited < TTL_S * 1.5 + 15
    assert httpx.get(f"{server}/v1/sessions/{created['session_id']}", timeout=60).status_code == 404
