"""A tiny OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, deterministic answers, no model.

It reads the paper prompt's matrix and answers about its first object: model "teacher" (or seed % 3 == 2) places it
correctly, seed % 3 == 1 on the wrong side, and seed % 3 == 0 invents a dog. Like vLLM it continues a final assistant
message when asked (`continue_final_message`), counts prompt tokens at POST /tokenize (one per word, plus 4 per
message) and reports usage at the end of a stream; `--plain` turns those extensions off (4xx / 404, as a strict
OpenAI-style server answers). `script` replays fixed words instead, whatever the prompt: the LLM's words scripted
where the wiring behind them is under test (a real model's words differ between CPUs). Prints its port, then serves.
Run: python tests/openai_standin.py [--delay SECONDS] [--api-key KEY] [--plain] [--script TEXT]
In a test: `with serving(api_key="secret") as (base_url, requests): ...`; `gate`, a threading.Event, holds each answer
while it is clear (an answer known to be in flight, however fast the machine).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIDES = {"Left": "left", "Mid": "centre", "Right": "right"}
WRONG = {"left": "right", "centre": "left", "right": "left"}
_OBJECT = re.compile(r"(Left|Mid|Right) (?:Top|Bottom): ([a-z ]+): \d")
MAX_MODEL_LEN = 2048


def answer(prompt: str, model: str, seed: int) -> str:
    found = _OBJECT.search(prompt)
    if not found:
        return "I cannot see anything I can name."
    side, label = SIDES[found.group(1)], found.group(2).strip()
    if model == "teacher" or seed % 3 == 2:
        return f"The {label} is on the {side} of the picture."
    if seed % 3 == 1:
        return f"The {label} is on the {WRONG[side]} of the picture."
    return "A dog sleeps next to a bicycle."


def count_tokens(messages: list[dict], add_generation_prompt: bool) -> int:
    """The stand-in's tokenizer: one token per word, 4 per message for the template, 3 for the generation prompt."""
    words = sum(len(str(m.get("content", "")).split()) for m in messages)
    return words + 4 * len(messages) + (3 if add_generation_prompt else 0)


class Handler(BaseHTTPRequestHandler):
    delay = 0.0
    api_key: str | None = None  # when set, requests must carry "Authorization: Bearer <key>"
    extensions = True  # vLLM's continue_final_message and /tokenize
    script: str | None = None  # when set, every answer is these words
    gate: threading.Event | None = None  # when set, each answer waits while it is clear (at most 5 minutes)

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        path = self.path.rstrip("/")
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        getattr(self.server, "requests", []).append(
            {"path": path, "auth": self.headers.get("Authorization"), "body": body}
        )
        if self.api_key and self.headers.get("Authorization") != f"Bearer {self.api_key}":
            self._send_json(401, {"error": {"message": "bad key"}})
        elif path == "/tokenize" and self.extensions:
            count = count_tokens(body["messages"], body.get("add_generation_prompt", True))
            self._send_json(200, {"count": count, "max_model_len": MAX_MODEL_LEN, "tokens": list(range(count))})
        elif path == "/v1/chat/completions":
            self._chat(body)
        else:
            self._send_json(404, {"error": {"message": f"no route {path}"}})

    def _chat(self, body: dict) -> None:
        messages = body["messages"]
        continues = bool(body.get("continue_final_message"))
        if continues and not self.extensions:
            self._send_json(400, {"error": {"message": "Unrecognized request argument: continue_final_message"}})
            return
        if continues and (body.get("add_generation_prompt", True) or messages[-1]["role"] != "assistant"):
            self._send_json(
                400,
                {
                    "error": {
                        "message": "continue_final_message needs a final assistant message "
                        "and add_generation_prompt false"
                    }
                },
            )
            return
        time.sleep(self.delay)
        if self.gate is not None:
            self.gate.wait(300)
        prompt = next(m["content"] for m in reversed(messages) if m["role"] == "user")
        text = (
            self.script
            if self.script is not None
            else answer(prompt, body.get("model", ""), int(body.get("seed") or 0))
        )
        if continues:
            prefix = messages[-1]["content"]
            text = text[len(prefix) :] if text.startswith(prefix) else text
        if not body.get("stream"):
            self._send_json(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b": keep-alive\n\n")
        words = re.findall(r"\s*\S+\s*", text)  # a continuation may start with a space
        for word in words:
            chunk = {"choices": [{"index": 0, "delta": {"content": word}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": count_tokens(messages, not continues), "completion_tokens": len(words)}
            self.wfile.write(f"data: {json.dumps({'choices': [], 'usage': usage})}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


def make_server(
    delay: float = 0.0,
    api_key: str | None = None,
    plain: bool = False,
    script: str | None = None,
    gate: threading.Event | None = None,
) -> ThreadingHTTPServer:
    settings = {"delay": delay, "api_key": api_key, "extensions": not plain, "script": script, "gate": gate}
    handler = type("ConfiguredHandler", (Handler,), settings)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests = []  # type: ignore[attr-defined]  # every request's path, auth header and body, in order
    return server


@contextlib.contextmanager
def serving(
    delay: float = 0.0,
    api_key: str | None = None,
    plain: bool = False,
    script: str | None = None,
    gate: threading.Event | None = None,
):
    """Serve in a thread of this process; yields (base URL ending in /v1, the list of requests received)."""
    server = make_server(delay, api_key, plain, script, gate)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", server.requests  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--api-key", default=None, help="require this bearer key")
    parser.add_argument("--plain", action="store_true", help="no vLLM extensions (continue_final_message, /tokenize)")
    parser.add_argument("--script", default=None, help="answer every request with these words")
    args = parser.parse_args()
    server = make_server(args.delay, args.api_key, args.plain, args.script)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
