"""Embedded LLM: a GGUF model run by llama-cpp-python on the CPU, streamed, with KV-cache reuse between turns.

The chat template comes from the GGUF's own metadata, so Qwen2.5 and SmolLM2 each get their native format.
`Llama.generate` keeps the longest common token prefix of the previous evaluation in its KV cache and evaluates only
the rest, so a follow-up whose prompt extends the last one re-reads only the new turn; usage says how many tokens
were reused and how many evaluated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from echollama.config import GenerationSettings
from echollama.errors import ModelError, missing_extra
from echollama.language.chat_segments import template_segments
from echollama.language.protocols import Generation
from echollama.types import Message

PROMPT_CHUNK_TOKENS = 256  # between chunks of a long prompt a Stop is noticed


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


def common_prefix(previous: Sequence[int], tokens: Sequence[int]) -> int:
    length = 0
    for a, b in zip(previous, tokens):
        if a != b:
            break
        length += 1
    return length


class LlamaCppModel:
    def __init__(self, model_path: Path | None, name: str, n_ctx: int = 4096, threads: int = 2, resolve=None) -> None:
        """`resolve`, when given, is called on first load to produce the (verified) model path."""
        self.name = name
        self._path = model_path
        self._resolve = resolve
        self._n_ctx = n_ctx
        self._threads = threads
        self._llama: Any = None
        self._formatters: dict[bool, Any] = {}
        self._load_lock = threading.Lock()
        self.generate_lock = threading.Lock()  # one llama context: one evaluation at a time

    @property
    def path(self) -> Path:
        self.load()
        return Path(str(self._path))

    def load(self) -> Any:
        with self._load_lock:
            if self._llama is None:
                if self._path is None:
                    self._path = self._resolve()
                self._llama = _open_llama(Path(str(self._path)), self._n_ctx, self._threads)
        return self._llama

    @property
    def n_ctx(self) -> int:
        return int(self.load().n_ctx())

    def format(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        """The prompt text exactly as `create_chat_completion` would build it from the GGUF's own template."""
        formatter = self._formatters.get(add_generation_prompt)
        if formatter is None:
            formatter = _chat_formatter(self.load(), self.name, add_generation_prompt)
            self._formatters[add_generation_prompt] = formatter
        return formatter(messages=list(messages)).prompt

    def tokens(self, text: str, special: bool = True) -> list[int]:
        # The template writes its own BOS. Special tokens are parsed only in text we built from the template.
        return self.load().tokenize(text.encode("utf-8"), add_bos=False, special=special)

    def chat_tokens(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> list[int]:
        """The templated prompt's tokens: the template's special tokens parsed, every message content as plain text."""
        segments = template_segments(lambda masked: self.format(masked, add_generation_prompt), messages)
        return [token for text, from_template in segments for token in self.tokens(text, special=from_template)]

    def prompt_tokens(self, messages: Sequence[Message], assistant_prefix: str = "") -> list[int]:
        return self.chat_tokens(messages) + (self.tokens(assistant_prefix, special=False) if assistant_prefix else [])

    def count_prompt_tokens(self, messages: Sequence[Message], assistant_prefix: str = "") -> int:
        return len(self.prompt_tokens(messages, assistant_prefix))

    def prefill(self, messages: Sequence[Message]) -> dict[str, float]:
        """Evaluate `messages` (no generation prompt) into the KV cache now, so the next turn only adds to them."""
        return self.prefill_tokens(self.chat_tokens(messages, add_generation_prompt=False))

    def prefill_tokens(self, tokens: list[int]) -> dict[str, float]:
        llama = self.load()
        with self.generate_lock:
            reused = _reusable(llama, tokens)
            before = _perf(llama)
            start = time.perf_counter()
            # One generated token forces the evaluation through llama-cpp-python's own prefix bookkeeping.
            for _ in llama.create_completion(prompt=tokens, max_tokens=1, stream=True, temperature=0.0):
                pass
            after = _perf(llama)
        return {**_prompt_usage(tokens, reused, before, after), "prefill_s": time.perf_counter() - start}

    def warm_start(self, messages: Sequence[Message]) -> dict[str, float]:
        """Have `messages` (a constant prompt start, e.g. the system prompt) in the KV cache: loaded from disk when
        an earlier run kept it, else evaluated now and kept for the next run."""
        from echollama.models import prompt_state

        start = time.perf_counter()
        tokens = self.chat_tokens(messages, add_generation_prompt=False)
        path = prompt_state.state_path(self.path, self._n_ctx, tokens)
        llama = self.load()
        with self.generate_lock:
            if llama.n_tokens >= len(tokens) and list(llama.input_ids[: len(tokens)]) == tokens:
                return {"prompt_state": 1.0, "warm_start_s": time.perf_counter() - start}  # already in the cache
            if prompt_state.load(llama, path, tokens):
                return {"prompt_state": 1.0, "warm_start_s": time.perf_counter() - start}
        usage = self.prefill_tokens(tokens)
        try:
            with self.generate_lock:
                prompt_state.save(llama, path, tokens)
        except OSError:
            pass  # a read-only cache only costs the next run this same prefill
        return {**usage, "prompt_state": 0.0, "warm_start_s": time.perf_counter() - start}

    def forget_cache(self) -> None:
        """Drop the KV cache: the next call evaluates its whole prompt (the benchmark's cold re-prefill)."""
        llama = self.load()
        with self.generate_lock:
            llama.reset()

    def stream(
        self, messages: Sequence[Message], settings: GenerationSettings, assistant_prefix: str = ""
    ) -> Generation:
        usage: dict[str, float] = {}
        return Generation(self._pieces(messages, settings, assistant_prefix, usage), usage)

    def _pieces(
        self, messages: Sequence[Message], settings: GenerationSettings, assistant_prefix: str, usage: dict[str, float]
    ) -> Iterator[str]:
        llama = self.load()
        tokens = self.prompt_tokens(messages, assistant_prefix)
        with self.generate_lock:
            reused = _reusable(llama, tokens)
            before = _perf(llama)
            timer = GenerationTimer()  # the first token's time includes reading the prompt
            yield from _read_prompt(llama, tokens)
            eos = _token_text(llama, llama.token_eos())
            chunks = llama.create_completion(
                prompt=tokens,
                stream=True,
                max_tokens=settings.max_tokens,
                temperature=settings.temperature,
                top_p=settings.top_p,
                repeat_penalty=settings.repeat_penalty,
                seed=settings.seed,
                stop=[eos] if eos else [],
            )
            yield from timer.count(chunk["choices"][0]["text"] for chunk in chunks)
            after = _perf(llama)
            usage.update(_prompt_usage(tokens, reused, before, after))
            usage.update({"context_tokens": float(llama.n_tokens), **timer.usage()})


def _open_llama(path: Path, n_ctx: int, threads: int) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError:
        raise missing_extra("llama-cpp-python", "embedded") from None
    if not path.is_file():
        raise ModelError(f"LLM file {path} does not exist")
    try:
        return Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_batch=512, seed=0, verbose=False)
    except ValueError as error:
        raise ModelError(f"llama.cpp could not load {path}: {error}") from None


def _token_text(llama: Any, token: int) -> str:
    """A special token's text, as `Llama.__init__` gives it to the chat template (llama-cpp-python has no public call
    for it: its `_model` is the only way)."""
    return llama._model.token_get_text(token)


def _chat_formatter(llama: Any, name: str, add_generation_prompt: bool) -> Any:
    """The GGUF's own chat template, as `create_chat_completion` would use it."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise ModelError(f"{name} has no chat template in its GGUF metadata")
    return Jinja2ChatFormatter(
        template=template,
        add_generation_prompt=add_generation_prompt,
        eos_token=_token_text(llama, llama.token_eos()),
        bos_token=_token_text(llama, llama.token_bos()),
    )


def _reusable(llama: Any, tokens: Sequence[int]) -> int:
    """The KV-cache prefix `Llama.generate` will keep for `tokens` (it re-evaluates one token of a full match)."""
    reused = common_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens)
    return reused - 1 if reused == len(tokens) and reused > 0 else reused


def _prompt_usage(tokens: Sequence[int], reused: int, before: tuple[int, float], after: tuple[int, float]) -> dict:
    return {
        "prompt_tokens": float(len(tokens)),
        "prompt_tokens_reused": float(reused),
        # llama.cpp's own counter of tokens decoded in prompt batches during this call: the proof of reuse
        "prompt_tokens_evaluated": float(after[0] - before[0]),
        "prompt_eval_s": (after[1] - before[1]) / 1000.0,
    }


def _read_prompt(llama: Any, tokens: list[int]) -> Iterator[str]:
    """Evaluate the prompt's new tokens a chunk at a time, yielding "" after each: the consumer can stop between
    chunks (a Stop while the 1.5B reads a 600-token prompt on two cores would otherwise wait seconds). What is read
    here, `create_completion` finds in the cache and does not read again."""
    shared = common_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens)
    if len(tokens) - shared <= PROMPT_CHUNK_TOKENS:
        return  # short: read in one go by create_completion
    llama.n_tokens = shared  # keep the shared prefix, drop the rest (as Llama.generate does)
    for begin in range(shared, len(tokens), PROMPT_CHUNK_TOKENS):
        llama.eval(tokens[begin : begin + PROMPT_CHUNK_TOKENS])
        yield ""


def _perf(llama: Any) -> tuple[int, float]:
    import llama_cpp

    data = llama_cpp.llama_perf_context(llama.ctx)
    return int(data.n_p_eval), float(data.t_p_eval_ms)
