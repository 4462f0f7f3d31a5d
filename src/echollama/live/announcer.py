"""Which change to say next: most urgent first, the newest among equals; stale ones dropped; one at a time.

Pure code on the session clock. The speaker asks `next(now)` whenever it is free; while it talks (and for a short
gap after) nothing new starts, and while the user asks a question the speaker does not ask at all. What waited too
long is dropped rather than said late: a listener acting on "a person appeared on your left" five seconds after the
fact would act on the past.
"""

from __future__ import annotations

from dataclasses import dataclass

from echollama.types import WatchEvent

# A change not said within this long of being seen is stale: an approach must be fresh to be of use; an arrival or a
# departure is still news a little later; so is find mode's "lost", while "within reach" is of use only at once.
MAX_AGE_S = {"approaching": 2.5, "appeared": 4.0, "left": 5.0, "reach": 3.0, "lost": 5.0}
GAP_S = 0.4  # silence between two announcements, so they do not run into one sentence


@dataclass(frozen=True)
class Dropped:
    event: WatchEvent
    reason: str


class Announcer:
    def __init__(self, max_age_s: dict[str, float] | None = None, gap_s: float = GAP_S) -> None:
        self.max_age_s = max_age_s or MAX_AGE_S
        self.gap_s = gap_s
        self.pending: list[WatchEvent] = []
        self.free_at = 0.0  # when the last announcement's audio ends, plus the gap
        self._said: set[int] = set()  # objects already named: only their leaving is news

    def add(self, event: WatchEvent) -> None:
        self.pending.append(event)

    def prune(self, now: float) -> list[Dropped]:
        """Drop what is stale or no longer true; returns what was dropped and why."""
        dropped: list[Dropped] = []
        gone = {e.track_id for e in self.pending if e.kind == "left"}
        kept: list[WatchEvent] = []
        for event in self.pending:
            if event.kind != "left" and event.track_id in gone:
                reason = "it had gone before this was said"
            elif event.kind == "left" and event.track_id not in self._said:
                reason = "it was never announced"
            elif now - event.seen_s > self.max_age_s.get(event.kind, float("inf")):
                reason = f"stale: not said within {self.max_age_s[event.kind]:g} s"
            else:
                kept.append(event)
                continue
            dropped.append(Dropped(event, reason))
        self.pending = kept
        return dropped

    def next(self, now: float) -> tuple[WatchEvent | None, list[Dropped]]:
        """The announcement to start now (None while still talking or nothing is due), and what was dropped."""
        dropped = self.prune(now)
        if not self.pending or now < self.free_at:
            return None, dropped
        chosen = max(self.pending, key=lambda e: (e.urgency, e.seen_s))
        self.pending.remove(chosen)
        self._said.update(chosen.tracks)
        if chosen.track_id is not None:
            self._said.add(chosen.track_id)
        return chosen, dropped

    def spoke(self, until: float) -> None:
        """The chosen announcement's audio ends at `until` on the session clock."""
        self.free_at = until + self.gap_s
