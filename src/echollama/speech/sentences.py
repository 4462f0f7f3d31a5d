"""Cutting streamed LLM text into sentences the TTS can speak as soon as each one is complete.

Also strips the Markdown that LLMs like to emit (`**`, `#`, list bullets), which a voice would otherwise read out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# A sentence ends at . ! ? (or a blank line) followed by whitespace, except after a decimal point or a common
# abbreviation ("2.5 m", "Dr. Smith", "e.g. a chair").
_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*\n")
_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.", "etc.", "vs.", "approx.", "no.")
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
        if head.lower().endswith(_ABBREVIATIONS) and not match.group(0).startswith("\n"):
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


def split_sentences(pieces: Iterable[str], first_clause: bool = True) -> Iterator[str]:
    """Yield cleaned sentences from text arriving in arbitrary pieces; the remainder comes out at the end."""
    buffer = ""
    max_chars = _FIRST_MAX_CHARS if first_clause else _MAX_CHARS
    first = first_clause  # cut the first piece at its first clause (speech); never where sentences are judged whole
    for piece in pieces:
        buffer += piece
        while (cut := _cut_point(buffer, max_chars, first)) is not None:
            sentence, buffer = clean_for_speech(buffer[:cut]), buffer[cut:]
            if sentence:
                max_chars, first = _MAX_CHARS, False
                yield sentence
    tail = clean_for_speech(buffer)
    if tail:
        yield tail
