"""Running the real `echollama` CLI in a child process, offline, as a user would, for the end-to-end CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`echollama ARGS...` to its end: its exit code, stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "echollama.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
