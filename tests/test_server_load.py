"""A small load test on loopback: 8 sessions at once, each opened from a photo and asked 2 questions; 0 errors.

Bounded: 8 clients x (1 session + 2 questions), the whole run within 10 minutes. Prints latency p50/p95.
Run: .venv/bin/python -m pytest -q -s tests/test_server_load.py
"""

from __future__ import annotations

import asyncio
import time

import httpx
import numpy as np
import pytest

from echollama.samples import SAMPLE_IMAGE
from server_process import owner, running_server

CLIENTS = 8
QUESTIONS = ("Where is the cup?", "What is next to the cup?")
RUN_LIMIT_S = 600


async def one_client(http: httpx.AsyncClient, index: int, latencies: dict, errors: list) -> None:
    image = SAMPLE_IMAGE.read_bytes()
    start = time.perf_counter()
    response = await http.post("/v1/sessions", files={"image": (f"photo{index}.jpg", image, "image/jpeg")})
    latencies["session"].append(time.perf_counter() - start)
    if response.status_code != 201:
        errors.append(f"client {index} session: {response.status_code} {response.text}")
        return
    session, key = response.json()["session_id"], owner(response.json())
    for question in QUESTIONS:
        start = time.perf_counter()
        response = await http.post(f"/v1/sessions/{session}/ask", data={"text": question}, headers=key)
        latencies["ask"].append(time.perf_counter() - start)
        if response.status_code != 200 or not response.json()["answer"]:
            errors.append(f"client {index} ask: {response.status_code} {response.text}")
            continue
        audio = await http.get(response.json()["audio_url"])
        if audio.status_code != 200 or not audio.content.startswith(b"RIFF"):
            errors.append(f"client {index} audio: {audio.status_code}")


async def load(base: str) -> tuple[dict, list, float]:
    latencies: dict[str, list[float]] = {"session": [], "ask": []}
    errors: list[str] = []
    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=RUN_LIMIT_S) as http:
        await asyncio.wait_for(
            asyncio.gather(*(one_client(http, i, latencies, errors) for i in range(CLIENTS))), RUN_LIMIT_S
        )
    return latencies, errors, time.perf_counter() - start


@pytest.mark.timeout(RUN_LIMIT_S + 400)
def test_eight_concurrent_sessions_without_errors(tmp_path):
    # Every client is admitted (8 slots): the model locks queue them, and no request may fail or time out.
    with running_server(
        tmp_path / "serve.log",
        "--max-tokens",
        "48",
        "--max-generations",
        str(CLIENTS),
        "--request-timeout",
        str(RUN_LIMIT_S),
    ) as base:
        latencies, errors, wall = asyncio.run(load(base))
    assert not errors, errors
    assert len(latencies["ask"]) == CLIENTS * len(QUESTIONS)
    for kind, values in latencies.items():
        p50, p95 = np.percentile(values, [50, 95])
        print(f"\nload test: {kind}: n={len(values)} p50={p50:.2f} s p95={p95:.2f} s max={max(values):.2f} s")
    print(f"load test: {CLIENTS} sessions x {len(QUESTIONS)} questions, 0 errors, {wall:.1f} s wall")
