"""The LanguageModel role: chat messages in, a `Generation` of text pieces out, plus what a conversation needs.

Every backend (llama.cpp, transformers, an OpenAI-compatible server) implements the whole protocol, or refuses one
feature with a clear `ModelError` naming it. Usage figures travel on the returned `Generation`, never as state on the
shared model object.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from echollama.config import GenerationSettings
from echollama.types import Message


@dataclass
class Generation:
    """One generation call: iterate it for text pieces; `usage` is complete once the pieces run out.

    usage keys (those a backend can measure): prompt_tokens, prompt_tokens_reused, prompt_tokens_evaluated,
    completion_tokens, first_token_s, generate_s, tokens_per_s, context_tokens.
    `close()` stops generation and returns only when the model is free again (the lock released after the worker).
    """

    pieces: Iterator[str]
    usage: dict[str, float] = field(default_factory=dict)

    def __iter__(self) -> Iterator[str]:
        return self.pieces

    def close(self) -> None:
        close = getattr(self.pieces, "close", None)
        if close is not None:
            close()


class LanguageModel(Protocol):
    name: str

    @property
    def n_ctx(self) -> int:
        """The context size in tokens (prompt + answer must fit)."""
        ...

    def load(self) -> object:
        """Load the model now (idempotent); otherwise it loads on first use."""
        ...

    def stream(
        self, messages: Sequence[Message], settings: GenerationSettings, assistant_prefix: str = ""
    ) -> Generation:
        """Generate the assistant's reply; it continues `assistant_prefix` (which is not repeated in the pieces)."""
        ...

    def count_prompt_tokens(self, messages: Sequence[Message], assistant_prefix: str = "") -> int: ...

    def prefill(self, messages: Sequence[Message]) -> dict[str, float]:
        """Read `messages` into the model's prompt cache now, where the backend has one (usage figures returned)."""
        ...
