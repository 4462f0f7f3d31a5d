"""Reading mode for live frames (`watch --read`), as a document channel does it: while the camera moves, the framing
advice of `echollama read` ("The text runs off the right edge; move the camera right or step back."); once the page
is framed, "Hold still, reading." and then, a frame later, the text read aloud once, not again while the same page
stays in view.

Pure code on the session clock: each frame's view of the page (its advice and its text, `page_view`) in, phrases
out. A state (an advice, a framed page, no page) is believed only once `STEADY_FRAMES` frames in a row show it, so one
noisy frame neither flips the advice nor interrupts a reading.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from echollama.scene.image import LoadedImage
from echollama.types import WatchEvent

STEADY_FRAMES = 2  # frames in a row that make a state believed
MIN_WORDS = 3  # words read on a frame with no advice: a page framed (a stray word in the background is not a page)
SAME_PAGE = 0.6  # difflib ratio of two readings of one page (the recogniser varies a little from frame to frame)
HOLD_STILL = "Hold still, reading."
FRAMED, NO_PAGE = "framed", "no page"
URGENCY = {"framing": 6, "hold": 6, "text": 5}  # above every change `watch` says: the listener asked for these


@dataclass(frozen=True)
class PageView:
    """One frame's reading: the framing advice ('' when framed or no text) and the text as `read` says it."""

    advice: str
    text: str

    @property
    def state(self) -> str:
        if self.advice:
            return self.advice
        return FRAMED if len(self.text.split()) >= MIN_WORDS else NO_PAGE


def page_view(reader, image: LoadedImage) -> PageView:
    """The text reader's lines on one frame -> its view of the page, in `echollama read`'s wording."""
    from echollama.language.text_phrases import spoken_reading
    from echollama.scene.framing import framing_advice, sharpness

    regions, seen = reader.read_lines(image)
    return PageView(framing_advice(seen, image.width, image.height, sharpness(image.rgb)), spoken_reading(regions))


def same_page(a: str, b: str) -> bool:
    return bool(a) and bool(b) and difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() >= SAME_PAGE


class ReadingGuide:
    def __init__(self) -> None:
        self.state = NO_PAGE  # the believed state
        self._candidate, self._seen_in_row = NO_PAGE, 0
        self._new_page: list[PageView] = []  # framed frames in a row showing a page not yet read
        self._read = ""  # the page read aloud, while it stays in view
        self._reading = False  # "Hold still, reading." said: the text follows on the next framed frame

    def update(self, view: PageView, at_s: float) -> list[WatchEvent]:
        state = view.state
        self._seen_in_row = self._seen_in_row + 1 if state == self._candidate else 1
        self._candidate = state
        changed = self._seen_in_row >= STEADY_FRAMES and state != self.state
        if changed:
            self.state = state
            self._reading = False  # the camera moved off before the page was read: the advice instead
        if state == FRAMED and not same_page(view.text, self._read):
            self._new_page.append(view)
        else:
            self._new_page.clear()
        if self.state == NO_PAGE:
            self._read = ""  # the page has gone: the next one framed is read, even if it is the same again
            return []
        if changed and self.state != FRAMED:
            return [self._event("framing", self.state, at_s)]
        if self.state != FRAMED:
            return []
        if self._reading and state == FRAMED:
            best = max(self._new_page or [view], key=lambda v: len(v.text))
            self._reading, self._read = False, best.text
            self._new_page.clear()
            return [self._event("text", best.text, at_s)]
        if not self._reading and len(self._new_page) >= STEADY_FRAMES:
            self._reading = True
            return [self._event("hold", HOLD_STILL, at_s)]
        return []

    def _event(self, kind: str, sentence: str, at_s: float) -> WatchEvent:
        return WatchEvent(kind, sentence, at_s, urgency=URGENCY[kind])


def page_reading(reader) -> tuple[Callable[[LoadedImage], PageView], ReadingGuide]:
    """What a watcher needs for reading mode (`ChangeWatcher.reading`): each frame's page, and a fresh guide."""
    return (lambda image: page_view(reader, image)), ReadingGuide()
