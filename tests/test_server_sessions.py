"""Session limits (issue 14): a place is reserved before any work, one client cannot take every place, reading a
session does not keep it alive, a session takes a bounded number of questions and lives a bounded time.

Through real HTTP on loopback (a second client address is 127.0.0.2), plus the session table itself for the
absolute lifetime, which would take minutes of real questions to reach through HTTP.
Run: .venv/bin/python -m pytest -q tests/test_server_sessions.py   (about 40 s)
"""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack
from typing import cast

import httpx
import pytest

from echollama.language.conversation import Conversation
from echollama.samples import SAMPLE_IMAGE
from echollama.server.sessions import SessionRefused, SessionsFull, SessionStore
from server_process import running_server

JPEG = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")
NOBODY = cast(Conversation, None)  # the session table never looks inside a conversation
TTL_S = 30.0  # long enough for the steps below on a busy 2-core machine


def client_from(base: str, address: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=120, transport=httpx.HTTPTransport(local_address=address))


MAX_CONNECTIONS = 12
LIMITS = (
    *("--max-tokens", "24", "--max-sessions", "3", "--max-sessions-per-client", "2", "--max-turns", "1"),
    *("--session-ttl", str(TTL_S), "--max-connections", str(MAX_CONNECTIONS)),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("serve") / "serve.log", *LIMITS) as base:
        yield base


@pytest.mark.timeout(600)
def test_one_client_cannot_hold_every_session_and_reads_do_not_renew(server):
    with client_from(server, "127.0.0.1") as first, client_from(server, "127.0.0.2") as second:
        kept = first.post("/v1/sessions", files={"image": JPEG})
        opened = time.monotonic()
        assert kept.status_code == 201, kept.text
        assert first.post("/v1/sessions", files={"image": JPEG}).status_code == 201
        greedy = first.post("/v1/sessions", files={"image": JPEG})
        assert greedy.status_code == 429 and "this client already has 2 sessions" in greedy.json()["detail"]

        theirs = second.post("/v1/sessions", files={"image": JPEG})  # another client still gets in
        assert theirs.status_code == 201, theirs.text
        # The table is full now. The place is reserved before the upload is even decoded: a corrupt photo gets 503
        # (full), not 400 (corrupt), so no work was done for a request that could not be kept.
        full = second.post("/v1/describe", files={"image": ("a.jpg", JPEG[1][:5000], "image/jpeg")})
        assert full.status_code == 503 and "sessions are open" in full.json()["detail"]
        assert int(full.headers["retry-after"]) > 0

        session = theirs.json()["session_id"]
        assert second.post(f"/v1/sessions/{session}/ask", data={"text": "Where is the cup?"}).status_code == 200
        used_up = second.post(f"/v1/sessions/{session}/ask", data={"text": "And the table?"})
        assert used_up.status_code == 409 and "1 questions" in used_up.json()["detail"]
        assert second.get(f"/v1/sessions/{session}").json()["questions_left"] == 0

        # Reading a session does not keep it: its time left goes down between reads, and it goes when that is up.
        kept_id = kept.json()["session_id"]
        before = first.get(f"/v1/sessions/{kept_id}").json()["expires_in_s"]
        time.sleep(1.0)
        assert first.get(f"/v1/sessions/{kept_id}").json()["expires_in_s"] <= before - 0.9
        while (read := first.get(f"/v1/sessions/{kept_id}")).status_code == 200:
            assert time.monotonic() - opened < TTL_S + 5, "reading kept the session alive"
            time.sleep(0.3)
        assert read.status_code == 404 and time.monotonic() - opened >= TTL_S - 0.5
        assert first.post("/v1/sessions", files={"image": JPEG}).status_code == 201  # its place is free again


def test_connections_that_send_nothing_never_starve_others(server):
    port = int(server.rsplit(":", 1)[1])
    with ExitStack() as stack:
        # Connections that never send a request (slow clients, or an attacker) fill the connection limit: each
        # newcomer closes the oldest one still waiting for headers, so others are served at once (deadlines, and the
        # 503 with Retry-After when every connection is busy: test_server_abuse.py).
        for _ in range(MAX_CONNECTIONS):
            stack.enter_context(socket.create_connection(("127.0.0.1", port)))
        time.sleep(0.5)
        for _ in range(3):
            assert httpx.get(f"{server}/healthz", timeout=30).status_code == 200


def test_a_session_ends_at_its_lifetime_however_busy():
    now = [1000.0]  # the store's clock, moved by hand: no scheduler stall can make the test wrong
    store = SessionStore(ttl_s=60.0, max_sessions=4, lifetime_s=600.0, max_turns=100, clock=lambda: now[0])
    session = store.add(conversation=NOBODY, client="a")  # the table never looks inside a conversation
    while now[0] < session.created + 590.0:  # used all the time, ten times its idle time: that never runs out
        session.start_answer()
        session.busy.release()
        assert store.get(session.id) is session
        now[0] += 50.0
    session.start_answer()  # an answer in flight at the end of the lifetime keeps it until that answer is done
    now[0] += 20.0
    assert store.get(session.id) is session
    session.busy.release()
    assert store.get(session.id) is None and len(store) == 0


def test_places_are_reserved_and_given_back():
    store = SessionStore(ttl_s=60.0, max_sessions=2, max_per_client=2)
    with store.reserve("a"):  # the work for this session failed: its place comes back
        with pytest.raises(SessionsFull) as full:
            store.reserve("b").fill(NOBODY)
            store.reserve("c")
        assert full.value.status == 503
    assert len(store) == 1
    held = store.reserve("b")
    held.release()
    held.release()  # twice is harmless
    store.add(NOBODY, "a")
    assert len(store) == 2


def test_a_busy_session_refuses_a_second_question_and_counts_turns():
    store = SessionStore(ttl_s=60.0, max_sessions=2, max_turns=2)
    session = store.add(NOBODY, "a")
    session.start_answer()
    with pytest.raises(SessionRefused) as busy:
        session.start_answer()
    assert busy.value.status == 409 and "still answering" in busy.value.detail
    session.busy.release()
    session.start_answer()
    session.busy.release()
    with pytest.raises(SessionRefused) as used_up:
        session.start_answer()
    assert "2 questions" in used_up.value.detail and not session.busy.locked()


def test_a_session_opens_with_its_own_key_and_tells_its_watchers_when_it_ends():
    store = SessionStore(ttl_s=0.2, max_sessions=4)
    deleted, expired, kept = (store.add(NOBODY, "a") for _ in range(3))
    assert deleted.opens(deleted.key) and deleted.key not in (deleted.id, expired.key)
    assert not any(deleted.opens(wrong) for wrong in (None, "", deleted.id, expired.key, deleted.key[:-1]))
    heard: list[str] = []
    deleted.when_ended(lambda: heard.append("deleted"))
    expired.when_ended(lambda: heard.append("expired"))
    stop_watching = kept.when_ended(lambda: heard.append("kept"))
    assert store.remove(deleted.id) and heard == ["deleted"]
    stop_watching()
    while store.get(expired.id) is not None:  # idle past its time-to-live: the next look ends it
        time.sleep(0.05)
    assert sorted(heard) == ["deleted", "expired"] and kept.ended  # kept expired too, but nobody watched it
    late: list[str] = []
    deleted.when_ended(lambda: late.append("told at once"))  # a watcher that comes after the end is told at once
    assert late == ["told at once"]
