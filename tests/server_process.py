"""Helpers for the server tests: `echollama serve` as a real process on a free loopback port, and a spoken question.

Used by tests/test_server_*.py; not a test module itself.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np

SESSION_KEY_HEADER = "X-Session-Key"


def owner(created: dict) -> dict[str, str]:
    """The header that opens a session, from the JSON that made it (POST /v1/sessions or /v1/describe)."""
    return {SESSION_KEY_HEADER: created["session_key"]}


def stream_url(base: str, session_id: str) -> str:
    return base.replace("http://", "ws://") + f"/v1/sessions/{session_id}/stream"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(
    log_path: Path,
    *extra: str,
    llm: str = "tiny",
    ready_timeout_s: float = 300.0,
    expect: str = "ready",
    launcher: tuple[str, ...] = ("-m", "echollama.cli"),
    env: dict[str, str] | None = None,
):
    """Start `echollama serve --llm tiny` and yield its base URL once /healthz says ready (or `expect`, e.g. "error"
    for a server whose models fail to load); stop it afterwards. `launcher`: what Python runs instead of the CLI
    module (a script that patches the server first, e.g. gated_decode.py); `env` adds to its environment, e.g.
    {"ECHOLLAMA_LLM_URL": url}: the LLM behind tests/openai_standin.py, scripted words held on a gate."""
    port = free_port()
    command = [sys.executable, *launcher, "serve", "--llm", llm, "--port", str(port), *extra]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, process, log_path, ready_timeout_s, expect)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(base: str, process: subprocess.Popen, log_path: Path, timeout_s: float, expect: str = "ready") -> dict:
    deadline = time.monotonic() + timeout_s
    seen = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"echollama serve exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            seen = httpx.get(f"{base}/healthz", timeout=5).json()
            if seen["status"] == expect:
                return seen
            if seen["status"] == "error":
                raise AssertionError(f"models failed to load: {seen}")
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"server not ready after {timeout_s} s (last /healthz: {seen})\n{log_path.read_text()}")


def spoken_question(
    path: Path, text: str = "Where is my coffee cup?", rate: int = 48_000, lead_s: float = 1.0, tail_s: float = 2.0
) -> float:
    """Speak `text` with Piper into a 16-bit mono WAV (silence around it); returns the file's length in seconds.

    The silence matters for Chromium's fake microphone, which loops the file: the recording stops inside the tail.
    """
    import soundfile
    import soxr

    from echollama.speech.piper_tts import PiperSynthesizer

    voice = PiperSynthesizer(deterministic=True)
    speech = np.concatenate(list(voice.synthesize(text))).astype(np.float32)
    speech = soxr.resample(speech, voice.sample_rate, rate).astype(np.float32)
    samples = np.concatenate(
        [np.zeros(int(lead_s * rate), np.float32), speech, np.zeros(int(tail_s * rate), np.float32)]
    )
    soundfile.write(path, samples, rate, subtype="PCM_16")
    return samples.size / rate
