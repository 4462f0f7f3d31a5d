"""Paper LLM backends: transformers streaming on a tiny random Llama, and the OpenAI-compatible HTTP client against a
real HTTP server on 127.0.0.1 that streams server-sent events.

Run: .venv/bin/python -m pytest -q tests/test_paper_language.py
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from echollama.config import GenerationSettings
from echollama.errors import ModelError
from paper_checkpoints import empty_hub_cache, tiny  # noqa: F401 (fixtures)

MESSAGES = [{"role": "system", "content": "You describe places."}, {"role": "user", "content": "Describe this place."}]


@pytest.fixture(scope="module")
def llm(tiny):
    from echollama.language.transformers_llm import TransformersLLM

    return TransformersLLM(tiny["llama"])


def test_transformers_llm_streams_pieces_through_the_chat_template(llm):
    settings = GenerationSettings(max_tokens=12, temperature=0.7, top_p=0.95, seed=3)
    pieces = list(llm.stream(MESSAGES, settings))
    usage = llm.last_usage
    assert len(pieces) >= 2 and all(isinstance(p, str) for p in pieces)
    assert usage["completion_tokens"] == 12 and usage["first_token_s"] <= usage["generate_s"]
    tokenizer = llm.load()[1]
    prompt = tokenizer.decode(llm.prompt_ids(MESSAGES)[0])
    assert prompt.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou describe places.")
    assert prompt.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n") and prompt.count("<|begin_of_text|>") == 1
    assert "".join(llm.stream(MESSAGES, settings)) == "".join(pieces)  # same seed, same answer


def test_transformers_llm_counts_prompt_tokens(llm):
    assert llm.count_prompt_tokens(MESSAGES, "The") == llm.count_prompt_tokens(MESSAGES) + 1


def test_missing_llm_is_named_with_the_pull_command_and_no_fallback(empty_hub_cache):
    from echollama.language.transformers_llm import TransformersLLM

    with pytest.raises(ModelError) as error:
        TransformersLLM("AquaLabs/EchoLLaMA-1B").load()
    message = str(error.value)
    assert "AquaLabs/EchoLLaMA-1B" in message and "echollama models pull --profile paper" in message
    assert "\n" not in message


class ChatCompletions(BaseHTTPRequestHandler):
    """A minimal OpenAI-compatible /v1/chat/completions that streams fixed pieces as server-sent events."""

    requests: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ChatCompletions.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if self.headers.get("Authorization") != "Bearer secret":
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b'{"error": "bad key"}')
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        events = [": keep-alive"]
        for piece in ["A cup ", "sits ", "", "ahead."]:
            events.append("data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": piece}}]}))
        events.append("data: " + json.dumps({"choices": [], "usage": {"prompt_tokens": 42, "completion_tokens": 3}}))
        events.append("data: [DONE]")
        for event in events:
            self.wfile.write((event + "\n\n").encode())
            self.wfile.flush()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    ChatCompletions.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ChatCompletions)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_http_llm_streams_server_sent_events(server):
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    llm = OpenAIHttpLLM(server, model="echollama-1b", api_key="secret")
    settings = GenerationSettings(max_tokens=50, temperature=0.7, top_p=0.95, seed=1)
    assert list(llm.stream(MESSAGES, settings)) == ["A cup ", "sits ", "ahead."]
    request = ChatCompletions.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["body"]["stream"] is True
    assert request["body"]["messages"] == MESSAGES and request["body"]["model"] == "echollama-1b"
    assert request["body"]["max_tokens"] == 50 and request["body"]["temperature"] == 0.7
    assert llm.last_usage["prompt_tokens"] == 42 and llm.last_usage["completion_tokens"] == 3


def test_http_llm_reads_the_key_from_the_environment(server, monkeypatch):
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    monkeypatch.setenv("ECHOLLAMA_LLM_API_KEY", "secret")
    assert "".join(OpenAIHttpLLM(server).stream(MESSAGES, GenerationSettings())) == "A cup sits ahead."


def test_http_llm_errors_are_one_line(server):
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    with pytest.raises(ModelError, match="answered HTTP 401"):
        list(OpenAIHttpLLM(server, api_key="wrong").stream(MESSAGES, GenerationSettings()))
    closed = server.rsplit(":", 1)[0] + ":9/v1"  # the discard port: nothing listens there
    with pytest.raises(ModelError, match="cannot reach the LLM server"):
        list(OpenAIHttpLLM(closed, api_key="secret").stream(MESSAGES, GenerationSettings()))
