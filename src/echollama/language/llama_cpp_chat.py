"""A conversation-ready view of the llama.cpp LLM: the GGUF's chat template, answers that continue a given start,
and per-turn counts of prompt tokens reused from the KV cache versus evaluated again.

llama-cpp-python's `Llama.generate` keeps the longest common token prefix of the previous evaluation in its KV
cache and evaluates only the rest, so a follow-up whose prompt extends the last one re-reads only the new turn.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from echollama.config import GenerationSettings
from echollama.language.llama_cpp_llm import GenerationTimer, LlamaCppModel
from echollama.language.protocols import Message


def common_prefix(previous: Sequence[int], tokens: Sequence[int]) -> int:
    length = 0
    for a, b in zip(previous, tokens):
        if a != b:
            break
        length += 1
    return length


class LlamaCppChat:
    def __init__(self, model: LlamaCppModel) -> None:
        self.model = model
        self.name = model.name
        self._formatters: dict[bool, object] = {}
        self._usage: dict[str, float] = {}

    @property
    def last_usage(self) -> dict[str, float]:
        return dict(self._usage)

    @property
    def n_ctx(self) -> int:
        return int(self.model.load().n_ctx())

    def format(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        """The prompt text exactly as `create_chat_completion` would build it from the GGUF's own template."""
        formatter = self._formatters.get(add_generation_prompt)
        if formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            llama = self.model.load()
            template = llama.metadata.get("tokenizer.chat_template")
            if not template:
                from echollama.errors import ModelError

                raise ModelError(f"{self.name} has no chat template in its GGUF metadata")
            formatter = Jinja2ChatFormatter(
                template=template, add_generation_prompt=add_generation_prompt,
                eos_token=llama._model.token_get_text(llama.token_eos()),  # the same strings Llama.__init__ passes
                bos_token=llama._model.token_get_text(llama.token_bos()),
            )
            self._formatters[add_generation_prompt] = formatter
        return formatter(messages=list(messages)).prompt

    def tokens(self, text: str) -> list[int]:
        # As llama-cpp-python's chat handler does: the template writes its own BOS, special tokens are parsed.
        return self.model.load().tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def count_prompt_tokens(self, messages: Sequence[Message], assistant_prefix: str = "") -> int:
        return len(self.tokens(self.format(messages) + assistant_prefix))

    def prefill(self, messages: Sequence[Message]) -> dict[str, float]:
        """Evaluate `messages` (no generation prompt) into the KV cache now, so the next turn only adds to them."""
        tokens = self.tokens(self.format(messages, add_generation_prompt=False))
        llama = self.model.load()
        with self.model.generate_lock:
            reused = self._reusable(llama, tokens)
            before = _perf(llama)
            start = time.perf_counter()
            # One generated token forces the evaluation through llama-cpp-python's own prefix bookkeeping.
            for _ in llama.create_completion(prompt=tokens, max_tokens=1, stream=True, temperature=0.0):
                pass
            after = _perf(llama)
        return {"prompt_tokens": float(len(tokens)), "prompt_tokens_reused": float(reused),
                "prompt_tokens_evaluated": float(after[0] - before[0]), "prefill_s": time.perf_counter() - start}

    def forget_cache(self) -> None:
        """Drop the KV cache: the next call evaluates its whole prompt (the benchmark's cold re-prefill)."""
        llama = self.model.load()
        with self.model.generate_lock:
            llama.reset()

    def stream(self, messages: Sequence[Message], settings: GenerationSettings, assistant_prefix: str = "") -> Iterator[str]:
        """Yield the assistant's reply as it is generated; it continues `assistant_prefix` (not repeated here)."""
        llama = self.model.load()
        tokens = self.tokens(self.format(messages) + assistant_prefix)
        with self.model.generate_lock:
            reused = self._reusable(llama, tokens)
            before = _perf(llama)
            timer = GenerationTimer()
            eos = llama._model.token_get_text(llama.token_eos())
            chunks = llama.create_completion(
                prompt=tokens, stream=True, max_tokens=settings.max_tokens, temperature=settings.temperature,
                top_p=settings.top_p, repeat_penalty=settings.repeat_penalty, seed=settings.seed,
                stop=[eos] if eos else [],
            )
            yield from timer.count(chunk["choices"][0]["text"] for chunk in chunks)
            after = _perf(llama)
            self._usage = {
                "prompt_tokens": float(len(tokens)),
                "prompt_tokens_reused": float(reused),
                # llama.cpp's own counter of tokens decoded in prompt batches during this call: the proof of reuse
                "prompt_tokens_evaluated": float(after[0] - before[0]),
                "prompt_eval_s": (after[1] - before[1]) / 1000.0,
                "context_tokens": float(llama.n_tokens),
                **timer.usage(),
            }

    @staticmethod
    def _reusable(llama, tokens: Sequence[int]) -> int:
        """The KV-cache prefix `Llama.generate` will keep for `tokens` (it re-evaluates one token of a full match)."""
        reused = common_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens)
        return reused - 1 if reused == len(tokens) and reused > 0 else reused


def _perf(llama) -> tuple[int, float]:
    import llama_cpp

    data = llama_cpp.llama_perf_context(llama.ctx)
    return int(data.n_p_eval), float(data.t_p_eval_ms)
