"""The LanguageModel role: chat messages in, text pieces out as they are generated."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from echollama.config import GenerationSettings

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": ...}


class LanguageModel(Protocol):
    name: str

    def stream(self, messages: Sequence[Message], settings: GenerationSettings) -> Iterator[str]:
        """Yield the answer in pieces as they are generated; `last_usage` describes the finished call."""
        ...

    @property
    def last_usage(self) -> dict[str, float]:
        """prompt_tokens, completion_tokens, first_token_s, generate_s, tokens_per_s of the last finished call."""
        ...
