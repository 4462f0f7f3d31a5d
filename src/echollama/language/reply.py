"""One answer as it is produced (`Reply`: grounded opening, then the LLM's sentences, each passing the claim checker)
and as it was spoken (`Turn`, kept in the conversation's history)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from echollama.config import GenerationSettings
from echollama.language import claims, narration
from echollama.language.facts import Grounding
from echollama.language.protocols import Generation
from echollama.language.restatement import reads_the_fact_sheet, repeats, restates_guess
from echollama.language.text_phrases import echoes_text
from echollama.speech.sentences import split_sentences
from echollama.types import Message, PlacedText

if TYPE_CHECKING:
    from echollama.language.conversation import Conversation

_FINISHED = re.compile(r"[.!?,;:…][\"'”’)\]]*$")


@dataclass
class Turn:
    """One question and its answer, as spoken; `usage` says how many prompt tokens were reused from the cache."""

    question: str
    answer: str
    kind: str  # "summary", "question" or "describe"
    grounded: str = ""  # the sentences computed from the scene that opened the answer
    used_llm: bool = True
    dropped: list[dict] = field(default_factory=list)  # LLM sentences the checker refused: {"sentence", "reasons"}
    usage: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list, repr=False)  # the prompt sent (empty without the LLM)
    prompt_text: str = field(default="", repr=False)  # the answer exactly as the LLM saw it (whitespace included)
    interrupted: bool = False  # the listener stopped it (barge-in, Stop): `answer` is what they heard of it

    def cut(self, heard: str) -> None:
        """The listener stopped this answer having heard only `heard` of it; the next prompt says so."""
        self.interrupted = True
        self.answer = self.prompt_text = " ".join(heard.split())

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "question": self.question,
            "answer": self.answer,
            "grounded": self.grounded,
            "used_llm": self.used_llm,
            "interrupted": self.interrupted,
            "dropped": self.dropped,
            "usage": self.usage,
            "timings": self.timings,
        }


class Reply:
    """An answer being produced: iterate it for text pieces (whole sentences once checked); then `turn` is set."""

    def __init__(
        self,
        conversation: Conversation,
        kind: str,
        question: str,
        messages: list[Message] | Callable[[], list[Message]],
        settings: GenerationSettings,
        opening: Sequence[str] = (),
        grounding: Grounding | None = None,
        check: bool = True,
        then: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        self.conversation = conversation
        self.kind = kind
        self.question = question
        self.messages = messages  # or a function making them, called once the opening is out
        self.then = then  # more grounded sentences, said after the opening (they may wait for the text stage)
        self.settings = settings
        self.grounding = grounding or Grounding()
        # Spoken piece by piece, so a piece about one object can be heard from its direction (PlacedText).
        pieces = list(opening) or list(self.grounding.pieces) or [self.grounding.facts]
        self.pieces = [_spaced(piece) for piece in pieces]
        self.opening = " ".join("".join(self.pieces).split())
        self.check = check
        self.turn: Turn | None = None
        self.generation: Generation | None = None
        # Called between the grounded facts and the LLM: the speaker can let the facts' speech start first, since
        # on two cores synthesis and prompt reading otherwise slow each other down.
        self.before_llm: Callable[[], object] | None = None
        # Called between the opening and `then`: the speaker lets the opening's first sound come first, since the text
        # stage may not even have started before it (pipeline.py).
        self.after_opening: Callable[[], object] | None = None
        self.stop: threading.Event | None = None  # set by the speaker on Stop: the LLM is left at its next piece

    def __iter__(self) -> Iterator[str]:
        start = time.perf_counter()
        conversation = self.conversation
        opening = self.opening
        if opening:
            yield from self.pieces  # each ends with a space: the sentence splitter cuts it before the LLM starts
        # The LLM continues from the object sentences alone: after a quoted sign it stopped at once (Qwen 1.5B, 0
        # tokens on opencv-doc's scene-text photos); the text reaches it through the fact sheet instead.
        prefix = opening
        if opening and self.then is not None and self.after_opening is not None:
            self.after_opening()
        more = " ".join(self.then()) if self.then is not None else ""
        if more:
            yield more + " "
            opening = self.opening = f"{opening} {more}" if opening else more
        if callable(self.messages):
            self.messages = self.messages()
            self.question = self.question or self.messages[-1]["content"]
        if self.kind == "question" and self.grounding.settles_it:
            # Where/how far/how many, or only absent objects: the scene's answer is complete; no LLM can improve a
            # measured position, and a small one may contradict it.
            self._finish(opening, opening, [], used_llm=False, usage={}, start=start, messages=[])
            return
        if opening and self.before_llm is not None:
            self.before_llm()
        messages = (
            conversation._fit(self.question, prefix, self.settings.max_tokens)
            if self.kind == "question"
            else self.messages
        )
        self.generation = conversation.llm.stream(messages, self.settings, assistant_prefix=prefix)
        raw: list[str] = []
        spoken: list[str] = [opening] if opening else []
        dropped: list[dict] = []
        try:
            pieces = _recorded(self.generation, raw, strip_first=bool(prefix), stop=self.stop)
            if not self.check:
                unchecked = []
                for piece in pieces:
                    unchecked.append(piece)
                    yield piece
                spoken.append("".join(unchecked))
            else:
                for sentence in split_sentences(pieces, first_clause=False):  # the checker judges whole sentences
                    scene = conversation._require_scene()
                    verdict = claims.check_sentence(sentence, scene)
                    if echoes_text(sentence, scene.text):  # text in the picture is quoted, never obeyed
                        dropped.append({"sentence": sentence, "reasons": ["says the picture's text unquoted"]})
                        continue
                    if repeats(sentence, " ".join(spoken)):
                        dropped.append({"sentence": sentence, "reasons": ["repeats what was already said"]})
                        continue
                    if restates_guess(sentence, " ".join(spoken), narration.impression(scene)):
                        dropped.append({"sentence": sentence, "reasons": ["repeats the whole-picture guess"]})
                        continue
                    if reads_the_fact_sheet(sentence):
                        dropped.append({"sentence": sentence, "reasons": ["speaks in the fact sheet's words"]})
                        continue
                    if not _FINISHED.search(sentence):  # only the last piece can lack an ending: the length limit
                        dropped.append(
                            {"sentence": sentence, "reasons": ["unfinished: the answer hit its length limit"]}
                        )
                        continue
                    if verdict.action == "drop":
                        dropped.append({"sentence": sentence, "reasons": list(verdict.reasons)})
                        continue
                    if verdict.action == "repair":
                        dropped.append(
                            {"sentence": sentence, "repaired": verdict.text, "reasons": list(verdict.reasons)}
                        )
                    spoken.append(verdict.text)
                    yield verdict.text + " "
        finally:
            self.generation.close()
        # The prompt keeps exactly what the model saw (prefix + its own tokens) so the next prompt matches the cache.
        prompt_text = (prefix + "".join(raw)) if prefix else "".join(raw)
        self._finish(
            " ".join(spoken),
            prompt_text,
            dropped,
            used_llm=True,
            usage=self.generation.usage,
            start=start,
            messages=messages,
        )

    def close(self) -> None:
        """Stop generating (a barge-in, a cancelled request); returns when the model is free."""
        if self.generation is not None:
            self.generation.close()

    def interrupt(self, heard: str) -> None:
        """Record this answer as stopped by the listener, who heard `heard` of it (the next prompt says so)."""
        if self.turn is not None:  # it had finished: only its audio was still playing
            self.turn.cut(heard)
            return
        if callable(self.messages):  # stopped before the LLM's prompt was made
            self.messages = self.messages()
            self.question = self.question or self.messages[-1]["content"]
        messages = self.messages if self.kind == "describe" else []
        self._finish(
            heard,
            heard,
            [],
            used_llm=self.generation is not None,
            usage={},
            start=time.perf_counter(),
            messages=messages,
        )
        assert self.turn is not None
        self.turn.cut(heard)

    def _finish(
        self,
        answer: str,
        prompt_text: str,
        dropped: list[dict],
        used_llm: bool,
        usage: dict,
        start: float,
        messages: list[Message],
    ) -> None:
        turn = Turn(
            question=self.question,
            answer=" ".join(answer.split()),
            kind=self.kind,
            grounded=self.opening,
            used_llm=used_llm,
            dropped=dropped,
            usage=dict(usage),
            timings={"answer_s": time.perf_counter() - start},
            messages=messages,
            prompt_text=prompt_text,
        )
        self.turn = turn
        self.conversation._record(turn)


def _spaced(piece: str) -> str:
    """The piece ending in a space (so the splitter can cut after it), keeping its direction."""
    if piece.endswith(" "):
        return piece
    return piece.but(piece + " ") if isinstance(piece, PlacedText) else piece + " "


def _recorded(
    pieces: Generation, raw: list[str], strip_first: bool, stop: threading.Event | None = None
) -> Iterator[str]:
    """Pass pieces on while keeping them; the first loses its leading space after an opening that ended with one.
    Ends early once `stop` is set; empty pieces (a backend's pauses while it reads a long prompt) are only chances
    to stop, so Stop need not wait for the whole prompt to be read."""
    for piece in pieces:
        if stop is not None and stop.is_set():
            return
        if not piece:
            continue
        raw.append(piece)
        shown = piece.lstrip() if strip_first and len(raw) == 1 else piece
        if shown:
            yield shown
