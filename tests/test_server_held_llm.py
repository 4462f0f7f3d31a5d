"""The API while an answer is known to be in flight: a server whose LLM is the OpenAI stand-in, its words held at a
gate, so "busy" and "cancel" are tested however fast or slow the machine (a real model may finish first).

Run: .venv/bin/python -m pytest -q tests/test_server_held_llm.py
"""

from __future__ import annotations

import contextlib
import threading
import time

import httpx
import pytest

from echollama.samples import SAMPLE_IMAGE
from openai_standin import serving
from server_process import running_server
from test_server_api import SHORT, new_session

pytestmark = pytest.mark.timeout(900)


@contextlib.contextmanager
def held_llm_server(log_path, *extra: str):
    """A server whose LLM is tests/openai_standin.py saying fixed words, each answer held while the gate is clear:
    an answer is known to be in flight (the stand-in has its request) however fast or slow the machine.
    Yields (base URL, the gate, the stand-in's requests)."""
    gate = threading.Event()
    gate.set()
    with (
        serving(script="The cup is on the table.", gate=gate) as (llm_url, requests),
        running_server(log_path, *SHORT, *extra, env={"ECHOLLAMA_LLM_URL": llm_url}) as base,
    ):
        try:
            yield base, gate, requests
        finally:
            gate.set()


def wait_for_generation(requests: list[dict], asking: threading.Thread, before: int = 0) -> None:
    """Until the stand-in has a chat request after the first `before`: an answer is being generated (and held)."""
    deadline = time.monotonic() + 120
    while not [r for r in requests[before:] if r["path"] == "/v1/chat/completions"]:
        assert time.monotonic() < deadline and asking.is_alive(), "the answer never reached the LLM"
        time.sleep(0.02)


def test_busy_server_says_retry_and_sessions_expire(tmp_path):
    jpeg = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")
    with (
        held_llm_server(tmp_path / "serve.log", "--max-generations", "1", "--session-ttl", "2") as (base, gate, asked),
        httpx.Client(base_url=base, timeout=300) as http,
    ):
        session = http.post("/v1/sessions", files={"image": jpeg}).json()["session_id"]
        first: dict = {}
        worker = threading.Thread(
            target=lambda: first.setdefault(
                "r",
                http.post("/v1/describe", files={"image": jpeg}, data={"detail": "full"}),  # full: the LLM too
            )
        )
        gate.clear()  # the describe's words wait: its generation slot is taken until the gate opens
        before = len(asked)
        worker.start()
        wait_for_generation(asked, worker, before)
        assert http.get("/healthz").json()["active_generations"] == 1
        second = http.post("/v1/describe", files={"image": jpeg}, timeout=60)  # (not refused: held, a timeout)
        assert second.status_code == 503 and "busy" in second.json()["detail"]
        assert int(second.headers["retry-after"]) > 0
        # Admission comes before decoding: a corrupt photo is not even looked at while the server is busy.
        corrupt = ("a.jpg", jpeg[1][:5000], "image/jpeg")
        for path in ("/v1/describe", "/v1/read", "/v1/sessions"):
            assert http.post(path, files={"image": corrupt}).status_code == 503, path
        gate.set()
        worker.join(300)
        assert first["r"].status_code == 200, first["r"].text
        time.sleep(2.5)  # the idle session outlives its 2 s time-to-live
        assert http.post(f"/v1/sessions/{session}/ask", data={"text": "Where is the cup?"}).status_code == 404


def test_http_cancel_stops_an_answer_in_flight(tmp_path):
    with (
        held_llm_server(tmp_path / "serve.log") as (base, gate, asked),
        httpx.Client(base_url=base, timeout=300) as client,
    ):
        session = new_session(client)
        outcome: dict = {}
        asking = threading.Thread(
            target=lambda: outcome.setdefault(
                "r", client.post(f"/v1/sessions/{session}/ask", data={"text": "Write a long poem about this place."})
            )
        )
        gate.clear()  # the answer is held before its first word
        before = len(asked)
        asking.start()
        wait_for_generation(asked, asking, before)
        assert client.post(f"/v1/sessions/{session}/cancel").json()["stopped"]
        gate.set()
        asking.join(300)
        answer = outcome["r"].json()
        assert outcome["r"].status_code == 200 and answer["interrupted"], answer
        assert answer["answer"] == "" and answer["question"] == "Write a long poem about this place."
        turns = client.get(f"/v1/sessions/{session}").json()["turns"]
        assert turns[-1]["interrupted"] and turns[-1]["answer"] == ""
        assert client.post(f"/v1/sessions/{session}/cancel").json()["stopped"] is False  # nothing in flight now
        assert client.post("/v1/sessions/nope/cancel").status_code == 404
        assert client.post(f"/v1/sessions/{session}/cancel", data={"heard_s": "-1"}).status_code == 422
