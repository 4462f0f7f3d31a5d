"""An LLM behind any OpenAI-compatible HTTP endpoint (vLLM, llama.cpp server, TGI, ...), streamed over SSE.

This is how the language stage scales past one machine: the describe pipeline stays local, the model is served.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence

from echollama.config import GenerationSettings
from echollama.errors import ModelError, missing_extra
from echollama.language.protocols import Message
from echollama.paper import PAPER_LLM_MODEL

LLM_API_KEY_ENVS = ("ECHOLLAMA_LLM_API_KEY", "OPENAI_API_KEY")

LLM_HTTP_TIMEOUT_S = 120.0


class OpenAIHttpLLM:
    def __init__(self, base_url: str, model: str = PAPER_LLM_MODEL, api_key: str | None = None,
                 timeout_s: float = LLM_HTTP_TIMEOUT_S) -> None:
        """`base_url` ends before `/chat/completions`, e.g. http://127.0.0.1:8000/v1; the key defaults to the env."""
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model} @ {self.base_url}"
        self._api_key = api_key or next((os.environ[k] for k in LLM_API_KEY_ENVS if os.environ.get(k)), None)
        self._timeout_s = timeout_s
        self._usage: dict[str, float] = {}

    @property
    def last_usage(self) -> dict[str, float]:
        return dict(self._usage)

    def _request(self, messages: Sequence[Message], settings: GenerationSettings) -> tuple[dict, dict]:
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        body = {
            "model": self.model, "messages": list(messages), "stream": True,
            "stream_options": {"include_usage": True},  # servers that know it send token counts at the end
            "max_tokens": settings.max_tokens, "temperature": settings.temperature, "top_p": settings.top_p,
            "seed": settings.seed,
        }
        return headers, body

    def stream(self, messages: Sequence[Message], settings: GenerationSettings) -> Iterator[str]:
        try:
            import httpx
        except ImportError:
            raise missing_extra("httpx", "paper") from None
        headers, body = self._request(messages, settings)
        url = f"{self.base_url}/chat/completions"
        start = time.perf_counter()
        first = None
        pieces = 0
        usage: dict = {}
        try:
            with httpx.Client(timeout=httpx.Timeout(self._timeout_s, connect=10.0)) as client:
                with client.stream("POST", url, json=body, headers=headers) as response:
                    if response.status_code != 200:
                        detail = response.read().decode("utf-8", "replace")[:200]
                        raise ModelError(f"the LLM server at {url} answered HTTP {response.status_code}: {detail}")
                    for data in _sse_data(response.iter_lines()):
                        if data == "[DONE]":
                            break
                        chunk = json.loads(data)
                        usage = chunk.get("usage") or usage
                        for choice in chunk.get("choices") or []:
                            text = (choice.get("delta") or {}).get("content")
                            if text:
                                pieces += 1
                                if first is None:
                                    first = time.perf_counter() - start
                                yield text
        except httpx.HTTPError as error:
            raise ModelError(f"cannot reach the LLM server at {url}: {error}") from None
        except json.JSONDecodeError:
            raise ModelError(f"the LLM server at {url} sent a stream that is not OpenAI-style JSON") from None
        total = time.perf_counter() - start
        completion = float(usage.get("completion_tokens", pieces))
        self._usage = {
            "prompt_tokens": float(usage.get("prompt_tokens", 0)),
            "completion_tokens": completion,
            "first_token_s": first if first is not None else total,
            "generate_s": total,
            "tokens_per_s": (completion - 1) / (total - first) if first is not None and total > first and completion > 1 else 0.0,
        }


def _sse_data(lines: Iterator[str]) -> Iterator[str]:
    """The `data:` payloads of a server-sent event stream, one per event (multi-line data joined by newlines)."""
    buffer: list[str] = []
    for line in lines:
        if not line:  # a blank line ends an event
            if buffer:
                yield "\n".join(buffer)
                buffer = []
            continue
        if line.startswith(":"):
            continue  # an SSE comment (keep-alive)
        field, _, value = line.partition(":")
        if field == "data":
            buffer.append(value[1:] if value.startswith(" ") else value)
    if buffer:
        yield "\n".join(buffer)
