"""One answer as it is produced (`Reply`: grounded opening, then the LLM's sentences, each passing the drop rules and
the claim checker, language/drop_rules.py) and as it was spoken (`Turn`, kept in the conversation's history)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from echollama.config import GenerationSettings
from echollama.language.drop_rules import SaidSoFar, judge
from echollama.language.facts import Grounding
from echollama.language.protocols import Generation, LanguageModel
from echollama.speech.sentences import split_sentences
from echollama.types import Message, PlacedText, Scene


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


class Dialogue(Protocol):
    """What a Reply needs of the conversation it answers in (language/conversation.py's `Conversation`)."""

    llm: LanguageModel

    def scene_with_text(self) -> Scene: ...

    def fit_messages(self, question: str, prefix: str, max_tokens: int) -> list[Message]: ...

    def record(self, turn: Turn) -> None: ...


class Reply:
    """An answer being produced: iterate it for text pieces (whole sentences once checked); then `turn` is set."""

    def __init__(
        self,
        conversation: Dialogue,
        kind: str,
        question: str,
        messages: list[Message] | Callable[[], list[Message]],
        settings: GenerationSettings,
        opening: Sequence[str] = (),
        grounding: Grounding | None = None,
        check: bool = True,
        then: Callable[[], Sequence[str]] | None = None,
        llm: bool = True,
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
        # The LLM continues from the object sentences alone: after a quoted sign it stopped at once (Qwen 1.5B, 0
        # tokens on opencv-doc's scene-text photos); the text reaches it through the fact sheet instead.
        self.prefix = self.opening
        self.check = check
        self.llm = llm  # False: the grounded sentences are the whole answer (a brief description)
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
        yield from self._grounded()
        if not self.llm:
            self._finish(self.opening, start)
            return
        messages = self._prompt()
        if self.kind == "question" and self.grounding.settles_it:
            # Where/how far/how many, or only absent objects: the scene's answer is complete; no LLM can improve a
            # measured position, and a small one may contradict it.
            self._finish(self.opening, start)
            return
        if self.opening and self.before_llm is not None:
            self.before_llm()
        if self.kind == "question":
            messages = self.conversation.fit_messages(self.question, self.prefix, self.settings.max_tokens)
        yield from self._from_llm(messages, start)

    def _grounded(self) -> Iterator[str]:
        """The opening's pieces, then `then`'s sentences (which may wait for the text stage)."""
        if self.opening:
            yield from self.pieces  # each ends with a space: the sentence splitter cuts it before the LLM starts
        if self.opening and self.then is not None and self.after_opening is not None:
            self.after_opening()
        more = " ".join(self.then()) if self.then is not None else ""
        if more:
            yield more + " "
            self.opening = f"{self.opening} {more}" if self.opening else more

    def _prompt(self) -> list[Message]:
        """The describe prompt, made now if it was left to a function (it may wait for the text stage)."""
        if callable(self.messages):
            self.messages = self.messages()
            self.question = self.question or self.messages[-1]["content"]
        return self.messages

    def _from_llm(self, messages: list[Message], start: float) -> Iterator[str]:
        """The LLM's pieces after the prefix: whole sentences that passed the checks, or as generated unchecked."""
        generation = self.generation = self.conversation.llm.stream(
            messages, self.settings, assistant_prefix=self.prefix
        )
        raw: list[str] = []
        spoken: list[str] = [self.opening] if self.opening else []
        dropped: list[dict] = []
        try:
            pieces = _recorded(generation, raw, strip_first=bool(self.prefix), stop=self.stop)
            yield from self._checked(pieces, spoken, dropped) if self.check else _unchecked(pieces, spoken)
        finally:
            generation.close()
        # The prompt keeps exactly what the model saw (prefix + its own tokens) so the next prompt matches the cache.
        prompt_text = self.prefix + "".join(raw)
        self._finish(" ".join(spoken), start, prompt_text, dropped, True, generation.usage, messages)

    def _checked(self, pieces: Iterator[str], spoken: list[str], dropped: list[dict]) -> Iterator[str]:
        for sentence in split_sentences(pieces, first_clause=False):  # the rules judge whole sentences
            judgement = judge(sentence, SaidSoFar(self.conversation.scene_with_text(), " ".join(spoken)))
            if judgement.report is not None:
                dropped.append(judgement.report)
            if judgement.spoken is not None:
                spoken.append(judgement.spoken)
                yield judgement.spoken + " "

    def close(self) -> None:
        """Stop generating (a barge-in, a cancelled request); returns when the model is free."""
        if self.generation is not None:
            self.generation.close()

    def interrupt(self, heard: str) -> None:
        """Record this answer as stopped by the listener, who heard `heard` of it (the next prompt says so)."""
        if self.turn is not None:  # it had finished: only its audio was still playing
            self.turn.cut(heard)
            return
        made = self._prompt()  # stopped before the LLM's prompt was made: make it, for the record
        messages = made if self.kind == "describe" else []
        self._finish(heard, time.perf_counter(), used_llm=self.generation is not None, messages=messages)
        assert self.turn is not None
        self.turn.cut(heard)

    def _finish(
        self,
        answer: str,
        start: float,
        prompt_text: str | None = None,  # default: the answer itself
        dropped: list[dict] | None = None,
        used_llm: bool = False,
        usage: dict | None = None,
        messages: list[Message] | None = None,
    ) -> None:
        self.turn = Turn(
            question=self.question,
            answer=" ".join(answer.split()),
            kind=self.kind,
            grounded=self.opening,
            used_llm=used_llm,
            dropped=dropped or [],
            usage=dict(usage or {}),
            timings={"answer_s": time.perf_counter() - start},
            messages=messages or [],
            prompt_text=answer if prompt_text is None else prompt_text,
        )
        self.conversation.record(self.turn)


def _unchecked(pieces: Iterator[str], spoken: list[str]) -> Iterator[str]:
    """The LLM's pieces as generated (the paper's prompt style: no checks); `spoken` gets them joined at the end."""
    said = []
    for piece in pieces:
        said.append(piece)
        yield piece
    spoken.append("".join(said))


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
