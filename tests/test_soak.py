"""The soak script runs end to end and reports: 2 listeners for about 20 s against a real `echollama serve --llm tiny`.

Only that it runs and reports is checked (every kind of request made, no errors, memory sampled); the timings it
prints are measurements, never asserted. The real soak: make soak (8 listeners, 10 minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.mark.timeout(900)
def test_soak_script_runs_and_reports(tmp_path):
    figures_path = tmp_path / "soak.json"
    command = [sys.executable, "-m", "echollama.evaluation.soak", "--sessions", "2", "--minutes", "0.34"]
    command += ["--json", str(figures_path), "--log", str(tmp_path / "serve.log")]
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=840, env={**os.environ, "HF_HUB_OFFLINE": "1"}
    )
    assert run.returncode == 0, run.stdout + run.stderr + (tmp_path / "serve.log").read_text()
    figures = json.loads(figures_path.read_text())
    assert figures["errors"] == 0 and figures["sessions"] == 2
    assert {"describe", "audio", "ask_text", "ask_audio", "ask_stream", "close"} <= set(figures["kinds"])
    assert figures["healthz_ms"]["n"] >= 10
    assert figures["rss_mb"]["end"] > 100 and len(figures["rss_mb"]["samples"]) >= 2
    assert "soak: 2 sessions" in run.stdout and "server RSS" in run.stdout
