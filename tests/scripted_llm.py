"""A LanguageModel that replays fixed words: the LLM's words scripted where the wiring behind them is under test.

A real model's sampled words differ between CPUs (llama.cpp's arithmetic does), so a test that needs particular
words from the LLM scripts them here; the real tiny model still runs end to end where only the path is asserted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from echollama.config import GenerationSettings
from echollama.language.protocols import Generation
from echollama.types import Message

HOLD_AT_MOST_S = 60.0


class ScriptedLLM:
    """Yields `pieces` in order; where a piece is a `threading.Event`, waits for it (at most a minute) instead."""

    name = "scripted"
    n_ctx = 4096

    def __init__(self, pieces: Sequence[str | threading.Event]) -> None:
        self.pieces = list(pieces)
        self.prompts: list[list[Message]] = []  # every prompt it was given, in order

    def load(self) -> ScriptedLLM:
        return self

    def stream(
        self, messages: Sequence[Message], settings: GenerationSettings, assistant_prefix: str = ""
    ) -> Generation:
        self.prompts.append(list(messages))
        return Generation(self._replay(), {"completion_tokens": float(len(self.pieces))})

    def _replay(self) -> Iterator[str]:
        for piece in self.pieces:
            if isinstance(piece, threading.Event):
                piece.wait(HOLD_AT_MOST_S)
            else:
                yield piece

    def count_prompt_tokens(self, messages: Sequence[Message], assistant_prefix: str = "") -> int:
        return sum(len(str(message["content"]).split()) for message in messages)

    def prefill(self, messages: Sequence[Message]) -> dict[str, float]:
        return {}
