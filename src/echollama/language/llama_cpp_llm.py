"""Embedded LLM: a GGUF model run by llama-cpp-python on the CPU, with streaming and a fixed seed.

The chat template comes from the GGUF's own metadata, so Qwen2.5 and SmolLM2 each get their native format.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from echollama.config import GenerationSettings
from echollama.errors import ModelError, missing_extra
from echollama.language.protocols import Message


class GenerationTimer:
    """Counts streamed pieces and times them: first-token latency and decode speed of one generation."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.first: float | None = None
        self.pieces = 0

    def count(self, texts: Iterator[str | None]) -> Iterator[str]:
        for text in texts:
            if not text:
                continue
            self.pieces += 1
            if self.first is None:
                self.first = time.perf_counter() - self.start
            yield text

    def usage(self) -> dict[str, float]:
        total = time.perf_counter() - self.start
        first = self.first
        return {
            "completion_tokens": float(self.pieces),
            "first_token_s": first if first is not None else total,
            "generate_s": total,
            # decode speed excludes the prompt: tokens after the first over the time after the first
            "tokens_per_s": max(0, self.pieces - 1) / (total - first) if first is not None and total > first else 0.0,
        }


class LlamaCppModel:
    def __init__(self, model_path: Path | None, name: str, n_ctx: int = 4096, threads: int = 2, resolve=None) -> None:
        """`resolve`, when given, is called on first load to produce the (verified) model path."""
        self.name = name
        self._path = model_path
        self._resolve = resolve
        self._n_ctx = n_ctx
        self._threads = threads
        self._llama = None
        self._load_lock = threading.Lock()
        self.generate_lock = threading.Lock()  # one llama context: one generation at a time
        self._usage: dict[str, float] = {}

    @property
    def last_usage(self) -> dict[str, float]:
        return dict(self._usage)

    def load(self):
        with self._load_lock:
            if self._llama is None:
                try:
                    from llama_cpp import Llama
                except ImportError:
                    raise missing_extra("llama-cpp-python", "embedded") from None
                if self._path is None:
                    self._path = self._resolve()
                if not Path(self._path).is_file():
                    raise ModelError(f"LLM file {self._path} does not exist")
                try:
                    self._llama = Llama(model_path=str(self._path), n_ctx=self._n_ctx, n_threads=self._threads,
                                        n_batch=512, seed=0, verbose=False)
                except ValueError as error:
                    raise ModelError(f"llama.cpp could not load {self._path}: {error}") from None
        return self._llama

    def count_tokens(self, text: str) -> int:
        return len(self.load().tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: Sequence[Message], settings: GenerationSettings) -> Iterator[str]:
        llama = self.load()
        with self.generate_lock:
            timer = GenerationTimer()
            chunks = llama.create_chat_completion(
                messages=list(messages), stream=True, max_tokens=settings.max_tokens,
                temperature=settings.temperature, top_p=settings.top_p, repeat_penalty=settings.repeat_penalty,
                seed=settings.seed,
            )
            yield from timer.count(chunk["choices"][0]["delta"].get("content") for chunk in chunks)
            self._usage = {"context_tokens": float(llama.n_tokens), **timer.usage()}
