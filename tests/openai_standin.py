"""A tiny OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, deterministic answers, no model.

It reads the paper prompt's matrix and answers about its first object: model "teacher" (or seed % 3 == 2) places it
correctly, seed % 3 == 1 on the wrong side, and seed % 3 == 0 invents a dog. Prints its port, then serves.
Run: python tests/openai_standin.py [--delay SECONDS]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIDES = {"Left": "left", "Mid": "centre", "Right": "right"}
WRONG = {"left": "right", "centre": "left", "right": "left"}
_OBJECT = re.compile(r"(Left|Mid|Right) (?:Top|Bottom): ([a-z ]+): \d")


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


class Handler(BaseHTTPRequestHandler):
    delay = 0.0

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        if self.path.rstrip("/") != "/v1/chat/completions":
            self.send_error(404)
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(self.delay)
        text = answer(body["messages"][-1]["content"], body.get("model", ""), int(body.get("seed") or 0))
        if not body.get("stream"):
            payload = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for word in re.findall(r"\S+\s*", text):
            chunk = {"choices": [{"index": 0, "delta": {"content": word}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    Handler.delay = args.delay
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
