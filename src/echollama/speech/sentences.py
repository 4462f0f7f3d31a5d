"""Cutting streamed LLM text into sentences the TTS can speak as soon as each one is complete.

Also strips the Markdown that LLMs like to emit (`**`, `#`, list bullets), which a voice would otherwise read out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from echollama.types import PlacedText

# A sentence ends at . ! ? (or a blank line) followed by whitespace, except after a decimal point or a common
# abbreviation ("2.5 m", "Dr. Smith", "e.g. a chair").
_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*\n")
# Whole words only: "nearest." ends in "st." and "items." in "ms." and both end their sentences.
_ABBREVIATION = re.compile(r"(?:^|[\s(\"'])(?:mr|mrs|ms|dr|st|e\.g|i\.e|etc|vs|approx|no)\.$", re.IGNORECASE)
_MAX_CHARS = 240  # a run-on "sentence" is cut at a comma or space past this
# The first piece is cut sooner: the listener waits for all of it to be synthesised before hearing anything.
_FIRST_MAX_CHARS = 90
_FIRST_CLAUSE_MIN_CHARS = 24  # "I can see a cup straight ahead," is heard while the rest is synthesised
_MARKDOWN = [
    (re.compile(r"[*_`#]+"), ""),
    (re.compile(r"^\s*(?:[-•]|\d+\.)\s+", re.MULTILINE), ""),
    (re.compile(r"\s+"), " "),
]


def clean_for_speech(text: str) -> str:
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return text.strip()


def _sentence_end(buffer: str) -> int | None:
    for match in _END.finditer(buffer):
        head = buffer[: match.start()].rstrip()
        if _ABBREVIATION.search(head) and not match.group(0).startswith("\n"):
            continue
        if len(clean_for_speech(head)) < 2:
            continue
        return match.end()
    return None


def _cut_point(buffer: str, max_chars: int, first: bool) -> int | None:
    end = _sentence_end(buffer)
    if first:  # the first audio waits for all of the first piece: a clause is enough
        comma = buffer.find(", ", _FIRST_CLAUSE_MIN_CHARS)
        if comma > 0 and (end is None or comma + 2 < end):
            return comma + 2
    if end is not None:
        return end
    if len(buffer) > max_chars:
        comma = buffer.rfind(", ", 0, max_chars)
        return comma + 2 if comma > 0 else buffer.rfind(" ", 0, max_chars) + 1 or max_chars
    return None


class SentenceCutter:
    """Cuts text arriving in pieces into sentences: `feed` returns the sentences completed, `flush` the rest."""

    def __init__(self, first_clause: bool = True) -> None:
        self.buffer = ""
        self.max_chars = _FIRST_MAX_CHARS if first_clause else _MAX_CHARS
        # Cut the first piece at its first clause (speech); never where sentences are judged whole.
        self.first = first_clause

    def feed(self, piece: str) -> list[str]:
        self.buffer += piece
        sentences = []
        while (cut := _cut_point(self.buffer, self.max_chars, self.first)) is not None:
            sentence, self.buffer = clean_for_speech(self.buffer[:cut]), self.buffer[cut:]
            if sentence:
                self.max_chars, self.first = _MAX_CHARS, False
                sentences.append(sentence)
        return sentences

    def flush(self) -> list[str]:
        tail, self.buffer = clean_for_speech(self.buffer), ""
        if not tail:
            return []
        self.max_chars, self.first = _MAX_CHARS, False
        return [tail]


def split_sentences(pieces: Iterable[str], first_clause: bool = True) -> Iterator[str]:
    """Yield cleaned sentences from text arriving in arbitrary pieces; the remainder comes out at the end."""
    cutter = SentenceCutter(first_clause)
    for piece in pieces:
        yield from cutter.feed(piece)
    yield from cutter.flush()


def placed_sentences(pieces: Iterable[str], first_clause: bool = True) -> Iterator[PlacedText]:
    """Sentences that keep the direction of the piece they came from.

    A PlacedText piece (about one object) is cut on its own, after what came before it is finished, so each of its
    sentences carries its azimuth; plain text (the LLM's) is cut as `split_sentences` cuts it, with no direction."""
    cutter = SentenceCutter(first_clause)
    for piece in pieces:
        if isinstance(piece, PlacedText):
            yield from (PlacedText(s) for s in cutter.flush())
            yield from (piece.but(s) for s in cutter.feed(piece) + cutter.flush())
        else:
            yield from (PlacedText(s) for s in cutter.feed(piece))
    yield from (PlacedText(s) for s in cutter.flush())
