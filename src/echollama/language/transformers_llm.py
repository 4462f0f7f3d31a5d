"""Paper LLM: a transformers causal LM (`AquaLabs/EchoLLaMA-1B` by default), streamed with TextIteratorStreamer.

The prompt goes through the checkpoint's own chat template; there is no fallback to another model or template.
`model.generate` runs in a worker thread; closing the `Generation` stops it (a stopping criterion watching an event),
waits for the worker, and only then frees the model for the next call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from echollama.config import GenerationSettings
from echollama.errors import ModelError
from echollama.language.chat_segments import template_segments
from echollama.language.protocols import Generation
from echollama.models.generate_thread import GenerateThread
from echollama.models.torch_device import Placement, load_pretrained_pair
from echollama.paper import PAPER_LLM_MODEL
from echollama.types import Message


class TransformersLLM:
    def __init__(self, model: str | Path = PAPER_LLM_MODEL, placement: Placement | None = None) -> None:
        self.name = str(model)
        self._model_ref = model
        self._placement = placement
        self._loaded = None
        self._load_lock = threading.Lock()
        self.generate_lock = threading.Lock()  # one model, one generation at a time

    def load(self):
        with self._load_lock:
            if self._loaded is None:
                loaded = load_pretrained_pair(
                    "transformers (the LLM)", self._model_ref, "AutoTokenizer", "AutoModelForCausalLM", self._placement
                )
                if not loaded[1].chat_template:
                    raise ModelError(f"{self._model_ref} has no chat template; the paper's prompt needs one")
                self._loaded = loaded
        return self._loaded

    @property
    def n_ctx(self) -> int:
        return int(getattr(self.load()[2].config, "max_position_embeddings", 4096))

    def prompt_ids(self, messages: Sequence[Message], assistant_prefix: str = ""):
        """Token ids of the chat-templated prompt, continuing an assistant turn that starts with `assistant_prefix`."""
        torch, tokenizer, _, _ = self.load()

        def render(masked: list[Message]) -> str:
            return tokenizer.apply_chat_template(masked, tokenize=False, add_generation_prompt=True)

        # The template's special tokens are parsed; message contents and the prefix are plain text, whatever they
        # spell. The template already wrote the BOS token, so the tokenizer adds none.
        segments = template_segments(render, messages) + ([(assistant_prefix, False)] if assistant_prefix else [])
        ids = [
            token
            for text, from_template in segments
            for token in tokenizer(text, add_special_tokens=False, split_special_tokens=not from_template)["input_ids"]
        ]
        return torch.tensor([ids], dtype=torch.long)

    def count_prompt_tokens(self, messages: Sequence[Message], assistant_prefix: str = "") -> int:
        return int(self.prompt_ids(messages, assistant_prefix).shape[-1])

    def prefill(self, messages: Sequence[Message]) -> dict[str, float]:
        """Warm the model up (transformers keeps no prompt cache between calls, so this is all it can do)."""
        start = time.perf_counter()
        self.load()
        return {"prefill_s": time.perf_counter() - start, "prompt_tokens_reused": 0.0}

    def stream(
        self, messages: Sequence[Message], settings: GenerationSettings, assistant_prefix: str = ""
    ) -> Generation:
        usage: dict[str, float] = {}
        return Generation(self._pieces(list(messages), settings, assistant_prefix, usage), usage)

    def _pieces(
        self, messages: list[Message], settings: GenerationSettings, assistant_prefix: str, usage: dict[str, float]
    ) -> Iterator[str]:
        torch, tokenizer, model, placement = self.load()
        from transformers import TextIteratorStreamer

        with self.generate_lock:
            start = time.perf_counter()
            input_ids = self.prompt_ids(messages, assistant_prefix).to(placement.device)
            streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
            sampling = settings.temperature > 0
            kwargs = dict(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                streamer=streamer,
                max_new_tokens=settings.max_tokens,
                do_sample=sampling,
                repetition_penalty=settings.repeat_penalty,
                pad_token_id=tokenizer.eos_token_id if tokenizer.pad_token_id is None else tokenizer.pad_token_id,
            )
            if sampling:
                kwargs.update(temperature=settings.temperature, top_p=settings.top_p)
            worker = GenerateThread("transformers-generate", model, kwargs, settings.seed)
            first = None
            try:
                for piece in streamer:
                    if not piece:
                        continue
                    if first is None:
                        first = time.perf_counter() - start
                    yield piece
            finally:
                # Reached at the end, on an error and on close() (GeneratorExit): the worker must be finished
                # before the lock is released, or the next call would generate concurrently on the same model.
                worker.close()
                total = time.perf_counter() - start
                count = worker.new_tokens(input_ids.shape[-1])
                usage.update(
                    {
                        "prompt_tokens": float(input_ids.shape[-1]),
                        "prompt_tokens_evaluated": float(input_ids.shape[-1]),
                        "completion_tokens": float(count),
                        "first_token_s": first if first is not None else total,
                        "generate_s": total,
                        "tokens_per_s": (count - 1) / (total - first)
                        if first is not None and total > first and count > 1
                        else 0.0,
                    }
                )
            if worker.failure is not None:
                raise ModelError(f"{self.name} failed while generating: {worker.failure}")
