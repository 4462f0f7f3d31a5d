"""Conversation sessions kept by the server: one scene and its history each, forgotten after an idle time-to-live.

Ids are random (128 bits) and never reused; one answer at a time per session, since each answer extends the history.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from echollama.language.conversation import Conversation
from echollama.speech.streaming import Cancel


@dataclass
class Session:
    id: str
    conversation: Conversation
    created: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)
    busy: threading.Lock = field(default_factory=threading.Lock)  # held while this session is answering
    answering: Cancel | None = None  # the answer in flight, which the listener may stop (barge-in, Stop)

    def begin_answer(self, cancel: Cancel | None = None) -> Cancel | None:
        """Reserve the session for one answer (each extends the history), stopped through `cancel` (made here if
        not given); None while another answer is in flight."""
        if not self.busy.acquire(blocking=False):
            return None
        self.answering = cancel if cancel is not None else Cancel()
        return self.answering

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

    def to_dict(self, ttl_s: float) -> dict:
        return {
            "session_id": self.id,
            "turns": [turn.to_dict() for turn in self.conversation.turns],
            "expires_in_s": round(max(0.0, self.last_used + ttl_s - time.monotonic()), 1),
        }


class SessionsFull(Exception):
    pass


class SessionStore:
    def __init__(self, ttl_s: float, max_sessions: int) -> None:
        self.ttl_s = ttl_s
        self.max_sessions = max_sessions
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def add(self, conversation: Conversation) -> Session:
        session = Session(id=secrets.token_urlsafe(16), conversation=conversation)
        with self._lock:
            self._expire()
            if len(self._sessions) >= self.max_sessions:
                raise SessionsFull(f"{self.max_sessions} sessions are open; retry when one has expired")
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        with self._lock:
            self._expire()
            session = self._sessions.get(session_id)
            if session is not None:
                session.last_used = time.monotonic()
            return session

    def remove(self, session_id: str) -> bool:
        with self._lock:
            return self._sessions.pop(session_id, None) is not None

    def expire(self) -> int:
        with self._lock:
            return self._expire()

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()

    def __len__(self) -> int:
        return len(self._sessions)

    def _expire(self) -> int:
        deadline = time.monotonic() - self.ttl_s
        # A session in the middle of an answer is kept even if it went idle for too long before it.
        stale = [key for key, s in self._sessions.items() if s.last_used < deadline and not s.busy.locked()]
        for key in stale:
            del self._sessions[key]
        return len(stale)
