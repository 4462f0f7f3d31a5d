"""An LLM behind any OpenAI-compatible HTTP endpoint (vLLM, llama.cpp server, TGI, ...), streamed over SSE.

This is how the language stage scales past one machine: the describe pipeline stays local, the model is served.
Beyond plain chat completions it uses two vLLM extensions where asked to: an assistant prefix is sent as a final
assistant message with `continue_final_message` (a server that does not know it answers 4xx, which is reported
naming the feature), and prompt tokens are counted by the server's `/tokenize` when it has one (else estimated).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator, Sequence

from echollama.config import GenerationSettings
from echollama.errors import ModelError, missing_extra
from echollama.language.protocols import Generation
from echollama.paper import PAPER_LLM_MODEL
from echollama.types import Message

LLM_API_KEY_ENVS = ("ECHOLLAMA_LLM_API_KEY", "OPENAI_API_KEY")
LLM_HTTP_TIMEOUT_S = 120.0
N_CTX_ENV = "ECHOLLAMA_LLM_N_CTX"  # the served model's context size in tokens
# Without a setting the conversation budgets for 4096 tokens: small enough for any model served today, so history is
# trimmed early rather than overflowing the server's context.
DEFAULT_N_CTX = 4096
# Estimate when the server cannot count: Llama-3 and Qwen tokenizers average about 4 characters of English per token,
# so 3 over-counts (safe for budgeting), plus the chat template's few tokens around each message.
ESTIMATE_CHARS_PER_TOKEN = 3.0
ESTIMATE_TOKENS_PER_MESSAGE = 5


class OpenAIHttpLLM:
    def __init__(
        self,
        base_url: str,
        model: str = PAPER_LLM_MODEL,
        api_key: str | None = None,
        timeout_s: float = LLM_HTTP_TIMEOUT_S,
        n_ctx: int | None = None,
    ) -> None:
        """`base_url` ends before `/chat/completions`, e.g. http://127.0.0.1:8000/v1; the key defaults to the env;
        `n_ctx` defaults to $ECHOLLAMA_LLM_N_CTX, else 4096."""
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model} @ {self.base_url}"
        self._api_key = api_key or next((os.environ[k] for k in LLM_API_KEY_ENVS if os.environ.get(k)), None)
        self._timeout_s = timeout_s
        self._n_ctx = n_ctx if n_ctx is not None else _n_ctx_from_env()
        self._server_tokenizes: bool | None = None  # unknown until the first count

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    def load(self) -> OpenAIHttpLLM:
        """Nothing to load here: the server holds the model."""
        return self

    def prefill(self, messages: Sequence[Message]) -> dict[str, float]:
        """A no-op: an HTTP server's prompt cache (vLLM prefix caching) fills itself on the first real request."""
        return {}

    def count_prompt_tokens(self, messages: Sequence[Message], assistant_prefix: str = "") -> int:
        """Tokens of the prompt as the server's chat template makes it (vLLM /tokenize), else a generous estimate."""
        chat = _with_prefix(messages, assistant_prefix)
        if self._server_tokenizes is not False:
            count = self._tokenize(chat, bool(assistant_prefix))
            self._server_tokenizes = count is not None
            if count is not None:
                return count
        characters = sum(len(message["content"]) for message in chat)
        return math.ceil(characters / ESTIMATE_CHARS_PER_TOKEN) + ESTIMATE_TOKENS_PER_MESSAGE * len(chat)

    def stream(
        self, messages: Sequence[Message], settings: GenerationSettings, assistant_prefix: str = ""
    ) -> Generation:
        usage: dict[str, float] = {}
        return Generation(self._pieces(list(messages), settings, assistant_prefix, usage), usage)

    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _body(self, messages: Sequence[Message], settings: GenerationSettings, assistant_prefix: str) -> dict:
        body = {
            "model": self.model,
            "messages": _with_prefix(messages, assistant_prefix),
            "stream": True,
            "stream_options": {"include_usage": True},  # servers that know it send token counts at the end
            "max_tokens": settings.max_tokens,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "seed": settings.seed,
        }
        if assistant_prefix:  # vLLM: continue the last (assistant) message instead of opening a new turn
            body.update(continue_final_message=True, add_generation_prompt=False)
        return body

    def _pieces(
        self, messages: list[Message], settings: GenerationSettings, assistant_prefix: str, usage: dict[str, float]
    ) -> Iterator[str]:
        httpx = _httpx()
        url = f"{self.base_url}/chat/completions"
        start = time.perf_counter()
        first = None
        pieces = 0
        reported: dict = {}
        try:
            with httpx.Client(timeout=httpx.Timeout(self._timeout_s, connect=10.0)) as client:
                with client.stream(
                    "POST",
                    url,
                    json=self._body(messages, settings, assistant_prefix),
                    headers=self._headers("text/event-stream"),
                ) as response:
                    if response.status_code != 200:
                        detail = " ".join(response.read().decode("utf-8", "replace").split())[:200]
                        feature = (
                            " to a request continuing an assistant prefix (vLLM's continue_final_message)"
                            if assistant_prefix and 400 <= response.status_code < 500
                            else ""
                        )
                        raise ModelError(
                            f"the LLM server at {url} answered HTTP {response.status_code}{feature}: {detail}"
                        )
                    for data in _sse_data(response.iter_lines()):
                        if data == "[DONE]":
                            break
                        chunk = json.loads(data)
                        reported = chunk.get("usage") or reported
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
        usage.update(_stream_usage(reported, pieces, first, time.perf_counter() - start))

    def _tokenize(self, chat: list[Message], continues: bool) -> int | None:
        """vLLM's POST /tokenize (at the server root) on chat messages; None where the server has no such route."""
        httpx = _httpx()
        root = self.base_url.removesuffix("/v1")
        body = {
            "model": self.model,
            "messages": chat,
            "add_generation_prompt": not continues,
            "continue_final_message": continues,
        }
        try:
            response = httpx.post(
                f"{root}/tokenize",
                json=body,
                headers=self._headers("application/json"),
                timeout=httpx.Timeout(self._timeout_s, connect=10.0),
            )
        except httpx.HTTPError as error:
            raise ModelError(f"cannot reach the LLM server at {root}/tokenize: {error}") from None
        if response.status_code != 200:
            return None
        try:
            count = response.json().get("count")
        except (json.JSONDecodeError, AttributeError):
            return None
        return int(count) if isinstance(count, int) else None  # llama.cpp's /tokenize takes text, not messages


def _stream_usage(reported: dict, pieces: int, first: float | None, total: float) -> dict[str, float]:
    """Token counts as the server reported them (else the pieces streamed), and the stream's times."""
    completion = float(reported.get("completion_tokens", pieces))
    return {
        "prompt_tokens": float(reported.get("prompt_tokens", 0)),
        "completion_tokens": completion,
        "first_token_s": first if first is not None else total,
        "generate_s": total,
        "tokens_per_s": (completion - 1) / (total - first)
        if first is not None and total > first and completion > 1
        else 0.0,
    }


def _with_prefix(messages: Sequence[Message], assistant_prefix: str) -> list[Message]:
    chat = list(messages)
    return [*chat, {"role": "assistant", "content": assistant_prefix}] if assistant_prefix else chat


def _n_ctx_from_env() -> int:
    configured = os.environ.get(N_CTX_ENV, "").strip()
    if not configured:
        return DEFAULT_N_CTX
    if not configured.isdigit() or int(configured) < 256:
        raise ModelError(f"{N_CTX_ENV}={configured!r} is not a context size; give a whole number of tokens (>= 256)")
    return int(configured)


def _httpx():
    try:
        import httpx
    except ImportError:
        raise missing_extra("httpx", "paper") from None
    return httpx


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
