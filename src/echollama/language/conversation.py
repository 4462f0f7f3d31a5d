"""A conversation about one scene: describe it, answer questions, each turn extending the same prompt.

Two prompt styles:
- grounded (embedded default): the system prompt is constant; the user turn carries a plain-words fact sheet; every
  answer opens with sentences composed from the scene, the LLM continues after them, and each LLM sentence passes
  the claim checker before it is spoken (dropped ones are reported with their reasons).
- paper (paper profile default, `--prompt paper`): the paper's [system, user] prompt untouched (§6.1); answers are
  spoken as generated. Follow-up questions see a grounded summary turn and one instruction turn.
Each prompt extends the previous one, so llama.cpp re-evaluates only the new turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from echollama.config import DETAIL_LEVELS, GenerationSettings
from echollama.errors import InputError
from echollama.language import narration
from echollama.language.code_phrases import code_sentences, not_printed_codes
from echollama.language.facts import summary
from echollama.language.memory import SceneMemory, describe_forgetting, ground_with_memory
from echollama.language.prompt import describe_messages, grounded_messages, instruction_for_questions
from echollama.language.protocols import LanguageModel
from echollama.language.reply import Reply, Turn
from echollama.language.text_phrases import text_sentences
from echollama.types import Message, PendingText, Scene

_MORE_DETAIL = {"brief": "normal", "normal": "full", "full": "full"}
_MORE = re.compile(r"^\s*(tell me more|more|go on|continue|say more|what else)\b", re.IGNORECASE)
# A typed or transcribed question longer than this is refused (a 10,000-character paste is not a question).
MAX_QUESTION_CHARS = 500
# Answers are spoken: short by default.
ANSWER_MAX_TOKENS = 120
# The detail levels whose description asks the LLM for context after the facts. Not brief or normal: there the gate
# kept an LLM sentence in 1 and 2 of 29 descriptions (`echollama eval --detail brief|normal`, Qwen 1.5B, the labelled
# photos; most were the whole-picture guess said again), so the LLM's CPU bought almost nothing a listener heard.
LLM_DETAIL_LEVELS = ("full",)
# The prompt keeps the scene prefix, then as many recent turns as fit in the context after reserving room for the
# answer; at most this many, so every prompt stays quick to extend.
MAX_HISTORY_TURNS = 8
CONTEXT_MARGIN_TOKENS = 32  # the chat template's own tokens that a per-message estimate can miss
NO_PICTURE = "there is no picture yet: open an image first (in chat: /image PATH)"


def interruption_note(heard: str) -> Message:
    """Said to the LLM after an answer the listener stopped, so its next turn knows the answer was cut short."""
    if heard:
        return {"role": "system", "content": "The user interrupted that answer; they heard only the words above."}
    return {"role": "system", "content": "The user interrupted that answer before hearing any of it."}


def questions_asked(history: Sequence[Turn]) -> list[Message]:
    """The kept questions and their answers as chat messages (a description is in the prompt's prefix instead)."""
    messages: list[Message] = []
    for turn in history:
        if turn.kind == "describe":
            continue
        messages += [
            {"role": "user", "content": turn.question},
            {"role": "assistant", "content": turn.prompt_text or turn.answer},
        ]
        if turn.interrupted:
            messages.append(interruption_note(turn.answer))
    return messages


def check_question(question: str) -> str:
    question = " ".join(question.split())
    if not question:
        raise InputError("the question is empty; type or say something to ask about the picture")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(
            f"the question is {len(question):,} characters long; ask in at most {MAX_QUESTION_CHARS} characters"
        )
    return question


class Conversation:
    def __init__(
        self,
        llm: LanguageModel,
        settings: GenerationSettings,
        style: str = "grounded",
        legend: bool = True,
        vocabulary: Sequence[str] = (),
    ) -> None:
        if style not in ("grounded", "paper"):
            raise ValueError(f"unknown prompt style {style!r}")
        self.llm = llm
        self.style = style
        self.legend = legend
        self.vocabulary = tuple(vocabulary)
        self.settings = settings
        self.scene: Scene | None = None  # the text in it once read (`scene_with_text`)
        self._pending_text: PendingText | None = None
        self.turns: list[Turn] = []  # everything said, for transcripts
        self._history: list[Turn] = []  # the turns still in the prompt (oldest trimmed first)
        self._opening: Turn | None = None
        self.detail_said: str | None = None  # the detail level of the last description
        self.memory = SceneMemory()  # the latest photos, for "what changed?" and "where was my cup?"

    @property
    def summary(self) -> str:
        return self._opening.answer if self._opening else ""

    def start(self, scene: Scene | PendingText) -> Turn:
        """Read a new scene (or one whose text is still being read); the history restarts. Returns the grounded summary
        (computed, instant, not yet spoken)."""
        self._pending_text = scene if isinstance(scene, PendingText) else PendingText(scene)
        scene = self.scene = self._pending_text.scene() if self._pending_text.done() else self._pending_text.objects
        self.memory.remember(scene)
        self._opening = Turn(question="", answer=summary(scene), kind="summary", used_llm=False)
        self.turns = [self._opening]
        self._history = []
        self.detail_said = None
        return self._opening

    def forget(self) -> str:
        """Forget the photos before this one (chat's /forget); returns the sentence that says so."""
        return describe_forgetting(self.memory.forget())

    def scene_messages(self, detail: str = "full") -> list[Message]:
        """The prompt that introduces the scene: the paper's [system, user], or the grounded one for `detail` (both
        quote the text in the picture, so they wait for the text stage)."""
        scene = self.scene_with_text()
        if self.style == "paper":
            return describe_messages(scene, legend=self.legend)
        return grounded_messages(scene, narration.fact_sheet(scene), detail)

    def prefill(self) -> dict[str, float]:
        """Put the scene prefix into the LLM's cache now (e.g. while the user is still speaking)."""
        return self.llm.prefill(self._question_prefix())

    def describe(self, detail: str = "brief") -> Reply:
        """The spoken description: grounded sentences, then the LLM's context (grounded style), or the paper's way."""
        scene = self.require_scene()
        if detail not in DETAIL_LEVELS:
            raise InputError(f"unknown detail level {detail!r}; choose one of {', '.join(DETAIL_LEVELS)}")
        self.detail_said = detail
        settings = self.settings  # the LLM speaks only in a full (or the paper's) description: its whole length
        if self.style == "paper":
            messages = self.scene_messages(detail)  # the caption line quotes the text, so it waits for the text stage
            return Reply(self, "describe", messages[-1]["content"], messages, settings, check=False)
        # The object sentences are spoken at once; the text sentences and the LLM's prompt (whose fact sheet quotes
        # the text) wait for the text stage, which runs on while the first sentences are spoken.
        return Reply(
            self,
            "describe",
            "",
            lambda: self.scene_messages(detail),
            settings,
            opening=narration.narrate_pieces(scene, detail),
            check=True,
            llm=detail in LLM_DETAIL_LEVELS,
            then=lambda: written_sentences(self.scene_with_text()),
        )

    def ask(self, question: str) -> Reply:
        """Start answering `question`; iterate the reply for text pieces (grounded facts first, then the LLM).

        "Tell me more" (and the like) continues the description one detail level up."""
        scene = self.scene_with_text()  # an answer may quote the text in the picture
        question = check_question(question)
        if _MORE.match(question):
            return self.describe(_MORE_DETAIL[self.detail_said or "brief"])
        grounding = ground_with_memory(question, scene, self.vocabulary, self.memory)
        settings = replace(self.settings, max_tokens=min(self.settings.max_tokens, ANSWER_MAX_TOKENS))
        prefix = self._question_prefix()
        return Reply(self, "question", question, prefix, settings, grounding=grounding, check=self.style == "grounded")

    def _question_prefix(self) -> list[Message]:
        """What every question's prompt starts with: the scene, then the description (or the summary)."""
        described = next((t for t in self._history if t.kind == "describe"), None)
        if described is not None:
            prefix = list(described.messages) + [{"role": "assistant", "content": described.prompt_text}]
            return prefix + [interruption_note(described.answer)] if described.interrupted else prefix
        messages = self.scene_messages()
        messages.append({"role": "assistant", "content": self.summary})
        if self.style == "paper":
            # Said once, inside the cached prefix: repeated in every question it would be re-read on every turn.
            messages.append({"role": "system", "content": instruction_for_questions(self.require_scene().depth_unit)})
        return messages

    def messages_for(self, question: str) -> list[Message]:
        """The prompt for a new question: the scene prefix, the kept history, the question."""
        return [*self._question_prefix(), *questions_asked(self._history), {"role": "user", "content": question}]

    def require_scene(self) -> Scene:
        """The scene talked about (its text may still be being read); an InputError when there is none yet."""
        if self.scene is None:
            raise InputError(NO_PICTURE)
        return self.scene

    def scene_with_text(self) -> Scene:
        """The scene with the text read in it, waiting for the text stage when it is still running."""
        if self._pending_text is None:
            raise InputError(NO_PICTURE)
        self.scene = self._pending_text.scene()
        return self.scene

    def fit_messages(self, question: str, prefix: str, max_tokens: int) -> list[Message]:
        """Trim the oldest turns until prompt + answer fit the context (and at most MAX_HISTORY_TURNS remain)."""
        questions = [t for t in self._history if t.kind != "describe"]
        for turn in questions[: -MAX_HISTORY_TURNS or None]:
            self._history.remove(turn)
        while True:
            messages = self.messages_for(question)
            needed = self.llm.count_prompt_tokens(messages, prefix) + max_tokens + CONTEXT_MARGIN_TOKENS
            if needed <= self.llm.n_ctx:
                return messages
            oldest = next((t for t in self._history if t.kind != "describe"), None)
            if oldest is None:
                raise InputError(
                    f"the scene and question need {needed} tokens, more than the LLM's context of "
                    f"{self.llm.n_ctx}; ask a shorter question"
                )
            self._history.remove(oldest)

    def record(self, turn: Turn) -> None:
        """Keep a finished turn: in the transcript, and in the prompt's history."""
        self.turns.append(turn)
        if turn.kind == "describe":  # a new description replaces the old one in the prefix
            self._history = [t for t in self._history if t.kind != "describe"]
        self._history.append(turn)


def written_sentences(scene: Scene) -> list[str]:
    """What is written and encoded in the picture (its text, its QR codes and barcodes), said after the objects."""
    text = not_printed_codes(scene.text, scene.codes)
    return text_sentences(text, scene.detections, scene.width) + code_sentences(scene.codes)
