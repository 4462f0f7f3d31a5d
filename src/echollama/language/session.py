"""A conversation about one scene: the scene is read once, then questions and follow-ups extend the same prompt.

Turn layout: the paper's system prompt, the paper's scene prompt, a grounded summary as the first assistant turn, the
grounding instruction (once), then plain user questions. Each prompt extends the previous one, so llama.cpp
re-evaluates only the new turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from echollama.config import (
    ANSWER_MAX_TOKENS,
    CONTEXT_MARGIN_TOKENS,
    DESCRIBE_INSTRUCTION,
    GROUNDING_INSTRUCTION,
    MAX_HISTORY_TURNS,
    MAX_QUESTION_CHARS,
    GenerationSettings,
)
from echollama.errors import InputError
from echollama.language.facts import Grounding, ground, summary
from echollama.language.prompt import describe_messages
from echollama.language.protocols import Message
from echollama.types import Scene


class ChatModel(Protocol):
    """What a conversation needs from an LLM beyond `LanguageModel`: continuation, token counts, cache control."""

    name: str
    n_ctx: int

    def stream(self, messages: Sequence[Message], settings: GenerationSettings, assistant_prefix: str = "") -> Iterator[str]: ...

    def count_prompt_tokens(self, messages: Sequence[Message], assistant_prefix: str = "") -> int: ...

    def prefill(self, messages: Sequence[Message]) -> dict[str, float]: ...

    @property
    def last_usage(self) -> dict[str, float]: ...


@dataclass
class Turn:
    """One question and its answer, as spoken; `usage` says how many prompt tokens were reused from the cache."""

    question: str
    answer: str
    kind: str  # "summary", "question" or "describe"
    grounded: str = ""  # the sentences computed from the scene that opened the answer
    used_llm: bool = True
    usage: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    prompt_text: str = field(default="", repr=False)  # the answer exactly as the LLM saw it (whitespace included)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "question": self.question, "answer": self.answer, "grounded": self.grounded,
                "used_llm": self.used_llm, "usage": self.usage, "timings": self.timings}


def check_question(question: str) -> str:
    question = " ".join(question.split())
    if not question:
        raise InputError("the question is empty; type or say something to ask about the picture")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question):,} characters long; ask in at most {MAX_QUESTION_CHARS} "
                         "characters")
    return question


class Conversation:
    def __init__(self, llm: ChatModel, settings: GenerationSettings, legend: bool = True,
                 vocabulary: Sequence[str] = ()) -> None:
        self.llm = llm
        self.legend = legend
        self.vocabulary = tuple(vocabulary)  # every label the detector can report: lets "a chair?" get a "no"
        self.describe_settings = settings
        self.answer_settings = replace(settings, max_tokens=min(settings.max_tokens, ANSWER_MAX_TOKENS))
        self.scene: Scene | None = None
        self.turns: list[Turn] = []  # everything said, for transcripts
        self._history: list[Turn] = []  # the turns still in the prompt (oldest trimmed first)
        self._prefix: list[Message] = []

    @property
    def summary(self) -> str:
        return self.turns[0].answer if self.turns else ""

    def start(self, scene: Scene) -> Turn:
        """Read a new scene; the history restarts. Returns the summary turn (spoken first, computed, instant)."""
        self.scene = scene
        self._prefix = describe_messages(scene, legend=self.legend)
        opening = Turn(question=DESCRIBE_INSTRUCTION, answer=summary(scene), kind="summary", used_llm=False)
        self._prefix.append({"role": "assistant", "content": opening.answer})
        # Said once, inside the cached prefix: repeated in every question it would be re-read on every turn.
        self._prefix.append({"role": "system", "content": GROUNDING_INSTRUCTION})
        self.turns = [opening]
        self._history = []
        return opening

    def prefill(self) -> dict[str, float]:
        """Put the scene prefix into the LLM's cache now (e.g. while the user is still speaking)."""
        self._require_scene()
        return self.llm.prefill(self._prefix)

    def messages(self, question: str) -> list[Message]:
        """The prompt for a new question: the scene prefix, the kept history, the question."""
        messages = list(self._prefix)
        for turn in self._history:
            messages += [{"role": "user", "content": turn.question},
                         {"role": "assistant", "content": turn.prompt_text or turn.answer}]
        messages.append({"role": "user", "content": question})
        return messages

    def ask(self, question: str) -> "Reply":
        """Start answering `question`; iterate the reply for text pieces (grounded facts first, then the LLM)."""
        self._require_scene()
        question = check_question(question)
        grounding = ground(question, self.scene, self.vocabulary)
        return Reply(self, question, "question", grounding)

    def describe(self) -> "Reply":
        """The LLM's detailed description of the place (the paper's instruction, asked as a turn)."""
        self._require_scene()
        return Reply(self, DESCRIBE_INSTRUCTION, "describe", Grounding())

    def _require_scene(self) -> None:
        if self.scene is None:
            raise InputError("there is no picture yet: open an image first (in chat: /image PATH)")

    def _fit(self, question: str, prefix: str, max_tokens: int) -> list[Message]:
        """Trim the oldest turns until prompt + answer fit the context (and at most MAX_HISTORY_TURNS remain)."""
        del self._history[:-MAX_HISTORY_TURNS or None]
        while True:
            messages = self.messages(question)
            needed = self.llm.count_prompt_tokens(messages, prefix) + max_tokens + CONTEXT_MARGIN_TOKENS
            if needed <= self.llm.n_ctx:
                return messages
            if not self._history:
                raise InputError(f"the scene and question need {needed} tokens, more than the LLM's context of "
                                 f"{self.llm.n_ctx}; ask a shorter question")
            self._history.pop(0)

    def _record(self, turn: Turn) -> None:
        self.turns.append(turn)
        self._history.append(turn)


class Reply:
    """An answer being produced: iterate it for text pieces; afterwards `turn` holds the finished turn."""

    def __init__(self, conversation: Conversation, question: str, kind: str, grounding: Grounding) -> None:
        self.conversation = conversation
        self.question = question
        self.kind = kind
        self.grounding = grounding
        self.turn: Turn | None = None
        # Called between the grounded facts and the LLM: the speaker can let the facts' speech start first, since
        # on two cores synthesis and prefill otherwise slow each other down.
        self.before_llm: Callable[[], None] | None = None

    def __iter__(self) -> Iterator[str]:
        conversation = self.conversation
        start = time.perf_counter()
        facts = self.grounding.facts
        if facts:
            # Spoken at once (the trailing space lets the sentence splitter cut it before the LLM starts).
            yield facts + " "
        if self.grounding.settles_it:
            # Where/how far/how many, or only absent objects: the scene's answer is complete; no LLM can improve a
            # measured position, and a small one may contradict it.
            self._finish(facts, used_llm=False, usage={}, start=start)
            return
        if facts and self.before_llm is not None:
            self.before_llm()
        settings = conversation.describe_settings if self.kind == "describe" else conversation.answer_settings
        messages = conversation._fit(self.question, facts, settings.max_tokens)
        generated = ""
        for piece in conversation.llm.stream(messages, settings, assistant_prefix=facts):
            shown = piece.lstrip() if facts and not generated else piece  # the facts already ended with a space
            generated += piece
            if shown:
                yield shown
        # The prompt keeps exactly what the model saw (prefix + its own tokens) so the next prompt matches the cache.
        self._finish(facts + generated, used_llm=True, usage=conversation.llm.last_usage, start=start)

    def _finish(self, prompt_text: str, used_llm: bool, usage: dict, start: float) -> None:
        turn = Turn(question=self.question, answer=" ".join(prompt_text.split()), kind=self.kind,
                    grounded=self.grounding.facts, used_llm=used_llm, usage=usage,
                    timings={"answer_s": time.perf_counter() - start}, prompt_text=prompt_text)
        self.turn = turn
        self.conversation._record(turn)
