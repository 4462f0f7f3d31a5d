"""Conversation sessions kept by the server: one scene and its history each, bounded in time, turns and number.

A session is forgotten after an idle time-to-live or, at the latest, after its absolute lifetime; only answering in it
counts as use (reading its turns does not keep it alive). It takes at most `max_turns` answers, and one client address
holds at most `max_per_client` of the `max_sessions` places, so no single client can keep everyone else out.
A place is reserved before any work is done for it: with the table full, a request is refused at once.
Ids are random (128 bits) and never reused; one answer at a time per session, since each answer extends the history.

An id names a session; it does not open it. Each session has its own key (256 random bits, never in a URL), given
once to whoever made the session, and every use of the session must show it (`Session.opens`). When a session ends
(deleted, expired, the server stopping) everything watching it is told (`Session.when_ended`): its WebSockets close.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from echollama.language.conversation import Conversation
from echollama.speech.streaming import Cancel


class SessionRefused(Exception):
    """A session cannot take this question now (busy, or its turns are used up); `status` is the HTTP status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class SessionsFull(Exception):
    """No place for a new session: the table is full (503) or this client already holds its share (429)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


@dataclass
class Session:
    id: str
    conversation: Conversation
    client: str = ""
    key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    max_turns: int = 50
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)  # the store's (a test drives its own)
    created: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)
    answers: int = 0  # answers admitted in this session (the opening summary is not one)
    busy: threading.Lock = field(default_factory=threading.Lock)  # held while this session is answering
    answering: Cancel | None = None  # the answer in flight, which the listener may stop (barge-in, Stop)
    ended: bool = False
    _on_end: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def opens(self, key: str | None) -> bool:
        """True if `key` is this session's key (compared in constant time: no timing tells how much matched)."""
        return key is not None and hmac.compare_digest(key.encode(), self.key.encode())

    def when_ended(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` (on whichever thread ends the session) when it ends, at once if it has; returns the
        function that stops watching."""
        self._on_end.append(callback)
        if self.ended:
            callback()
        return lambda: self._on_end.remove(callback) if callback in self._on_end else None

    def end(self) -> None:
        self.ended = True
        for callback in list(self._on_end):
            callback()

    def end_answer(self) -> None:
        self.answering = None
        self.busy.release()

    def stop_answer(self, heard_s: float | None = None) -> bool:
        """Stop the answer in flight; the listener heard `heard_s` seconds of its audio. False if none was."""
        answering = self.answering
        if answering is None:
            return False
        answering.stop(heard_s)
        return True

    def start_answer(self, cancel: Cancel | None = None, question: bool = True) -> Cancel:
        """Reserve the session for one answer (a second question meanwhile gets 409), stopped through `cancel`
        (made here if not given); counts as use. Only a `question` counts toward `max_turns`: a new photo or
        /forget is not one (a photo is not a question, and the session's lifetime already bounds how long it
        is used)."""
        if not self.busy.acquire(blocking=False):
            raise SessionRefused(409, "this session is still answering the previous question")
        if self.ended:  # deleted or expired between being looked up and now: no answer for a dead session
            self.busy.release()
            raise SessionRefused(404, "no such session (it may have expired)")
        if question and self.answers >= self.max_turns:
            self.busy.release()
            raise SessionRefused(
                409, f"this session has had its {self.max_turns} questions; upload the photo again for a new one"
            )
        self.answers += question
        self.last_used = self.clock()
        self.answering = cancel if cancel is not None else Cancel()
        return self.answering

    def to_dict(self, ttl_s: float, lifetime_s: float) -> dict:
        now = self.clock()
        ends = min(self.last_used + ttl_s, self.created + lifetime_s)
        return {
            "session_id": self.id,
            "turns": [turn.to_dict() for turn in self.conversation.turns],
            "questions_left": max(0, self.max_turns - self.answers),
            "expires_in_s": round(max(0.0, ends - now), 1),
        }


class Reservation:
    """A place in the table held for one client while its session is being made; released unless filled."""

    def __init__(self, store: SessionStore, client: str) -> None:
        self._store = store
        self.client = client
        self.session: Session | None = None
        self._open = True

    def fill(self, conversation: Conversation) -> Session:
        self.session = self._store._fill(self, conversation)
        return self.session

    def release(self) -> None:
        self._store._release(self)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(self, *exc) -> None:
        if self.session is None:
            self.release()


class SessionStore:
    def __init__(
        self,
        ttl_s: float,
        max_sessions: int,
        lifetime_s: float = 2 * 3600.0,
        max_per_client: int = 16,
        max_turns: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock  # seconds, for idle and lifetime; a test passes a clock it moves itself
        self.ttl_s = ttl_s
        self.lifetime_s = lifetime_s
        self.max_sessions = max_sessions
        self.max_per_client = max_per_client
        self.max_turns = max_turns
        self._sessions: dict[str, Session] = {}
        self._reserved: Counter[str] = Counter()  # client -> places held for sessions still being made
        self._lock = threading.Lock()

    def reserve(self, client: str) -> Reservation:
        """Hold a place for `client` before any work is done; SessionsFull (at once) if there is none."""
        with self._lock:
            stale = self._expire()
            refusal = self._refusal(client)
            if refusal is None:
                self._reserved[client] += 1
        _end(stale)
        if refusal is not None:
            raise refusal
        return Reservation(self, client)

    def _refusal(self, client: str) -> SessionsFull | None:
        held = self._reserved[client] + sum(1 for s in self._sessions.values() if s.client == client)
        if held >= self.max_per_client:
            return SessionsFull(
                429, f"this client already has {held} sessions open; close one (DELETE) or let one expire"
            )
        if len(self._sessions) + self._reserved.total() >= self.max_sessions:
            return SessionsFull(503, f"{self.max_sessions} sessions are open; retry when one has expired")
        return None

    def add(self, conversation: Conversation, client: str = "") -> Session:
        return self.reserve(client).fill(conversation)

    def get(self, session_id: str) -> Session | None:
        """The session, if it is still alive; looking does not count as use (only answering in it does)."""
        with self._lock:
            stale = self._expire()
            session = self._sessions.get(session_id)
        _end(stale)
        return session

    def remove(self, session_id: str) -> bool:
        with self._lock:
            session = self._sessions.pop(session_id, None)
        _end([session] if session is not None else [])
        return session is not None

    def expire(self) -> int:
        with self._lock:
            stale = self._expire()
        _end(stale)
        return len(stale)

    def clear(self) -> None:
        with self._lock:
            stale = list(self._sessions.values())
            self._sessions.clear()
        _end(stale)

    def __len__(self) -> int:
        return len(self._sessions)

    def _fill(self, reservation: Reservation, conversation: Conversation) -> Session:
        now = self.clock()
        session = Session(
            id=secrets.token_urlsafe(16),
            conversation=conversation,
            client=reservation.client,
            max_turns=self.max_turns,
            clock=self.clock,
            created=now,
            last_used=now,
        )
        with self._lock:
            self._give_back(reservation)
            self._sessions[session.id] = session
        return session

    def _release(self, reservation: Reservation) -> None:
        with self._lock:
            self._give_back(reservation)

    def _give_back(self, reservation: Reservation) -> None:
        if reservation._open:
            reservation._open = False
            self._reserved[reservation.client] -= 1
            if self._reserved[reservation.client] <= 0:
                del self._reserved[reservation.client]

    def _expire(self) -> list[Session]:
        """Take the sessions whose time is up out of the table (the caller ends them, outside the lock)."""
        now = self.clock()
        # A session in the middle of an answer is kept even if it went idle (or grew old) before it; it goes after.
        stale = [
            key
            for key, s in self._sessions.items()
            if (s.last_used < now - self.ttl_s or s.created < now - self.lifetime_s) and not s.busy.locked()
        ]
        return [self._sessions.pop(key) for key in stale]


def _end(sessions: Iterable[Session]) -> None:
    for session in sessions:
        session.end()
