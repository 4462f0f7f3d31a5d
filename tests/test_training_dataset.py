"""`echollama dataset build` as a user runs it: a real CLI process, real perception, a real HTTP teacher stand-in.

Covers the teacher recipe, teacher-free grounded pairs, resume after Ctrl-C and after a torn last row, and loading
the file with `datasets`. Run: .venv/bin/python -m pytest -q tests/test_training_dataset.py   (~40 s on 2 cores)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from echollama.samples import skimage_rgb

HERE = Path(__file__).resolve().parent
IMAGES = ("coffee", "chelsea", "astronaut")


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("images")
    for name in IMAGES:
        Image.fromarray(skimage_rgb(name)).save(folder / f"{name}.jpg", quality=92)
    return folder


def start_server(delay: float = 0.0) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "openai_standin.py"), "--delay", str(delay)], stdout=subprocess.PIPE, text=True
    )
    port = server.stdout.readline().strip()
    return server, f"http://127.0.0.1:{port}/v1"


@pytest.fixture
def server():
    process, url = start_server()
    yield url
    process.kill()
    process.wait()


def build_command(images: Path, output: Path, url: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "echollama.cli",
        "dataset",
        "build",
        str(images),
        "-o",
        str(output),
        "--base-url",
        url,
        "--base-model",
        "base",
        "--no-progress",
        *extra,
    ]


def env() -> dict:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "OPENAI_API_KEY": "test-key"}


def rows_of(path: Path) -> list[dict]:
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"", "the file must end with a complete line"
    return [json.loads(line) for line in lines[:-1]]


def test_teacher_pairs_are_complete_rows_that_datasets_loads(images, server, tmp_path):
    output = tmp_path / "pairs.jsonl"
    done = subprocess.run(
        build_command(images, output, server, "--teacher-url", server, "--teacher-model", "teacher", "--workers", "3"),
        capture_output=True,
        text=True,
        env=env(),
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    rows = rows_of(output)
    assert sorted(r["image_id"] for r in rows) == sorted(f"{n}.jpg" for n in IMAGES)
    for row in rows:
        assert list(row)[:3] == ["prompt", "chosen", "rejected"]  # AquaLabs/Spatial-DPO-Dataset's columns
        assert row["prompt"].startswith("Image Description: ") and row["prompt"].endswith(
            "Describe this place in detail."
        )
        assert row["system"].startswith("You are a visual understanding and interpretation assistant.")
        assert row["chosen"].endswith("of the picture.") and "dog" in row["rejected"]
        assert row["chosen_score"] > row["rejected_score"]
        assert json.loads(row["scene"])["detections"][0]["label"] in row["chosen"]
    import datasets

    loaded = datasets.load_dataset("json", data_files=str(output), split="train", cache_dir=str(tmp_path / "cache"))
    assert len(loaded) == 3 and {"prompt", "chosen", "rejected", "system", "image_id", "scene"} <= set(
        loaded.column_names
    )
    assert "3 new pairs" in done.stderr

    again = subprocess.run(
        build_command(images, output, server, "--teacher-url", server, "--teacher-model", "teacher"),
        capture_output=True,
        text=True,
        env=env(),
        timeout=180,
    )
    assert again.returncode == 0 and "0 new pairs, 3 images already done" in again.stderr
    assert len(rows_of(output)) == 3


def test_grounded_pairs_need_no_teacher(images, server, tmp_path):
    output = tmp_path / "grounded.jsonl"
    done = subprocess.run(
        build_command(images, output, server, "--grounded", "--samples", "3", "--limit", "2"),
        capture_output=True,
        text=True,
        env=env(),
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    rows = rows_of(output)
    assert len(rows) == 2
    for row in rows:  # seed 0 invents a dog, seed 1 says the wrong side, seed 2 is right: best and worst are kept
        assert row["chosen"].endswith("of the picture.") and row["rejected"] == "A dog sleeps next to a bicycle."
        assert row["chosen_score"] == 1.0 and row["rejected_score"] == -4.0
        assert "best of 3" in row["chosen_by"]


def test_interrupted_build_resumes_without_duplicates_or_torn_rows(images, tmp_path):
    output = tmp_path / "pairs.jsonl"
    slow, url = start_server(delay=1.0)
    try:
        command = build_command(
            images, output, url, "--teacher-url", url, "--teacher-model", "teacher", "--workers", "1"
        )
        build = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (output.exists() and output.read_bytes().count(b"\n") >= 1):
            time.sleep(0.1)
        build.send_signal(signal.SIGINT)  # Ctrl-C while the next image is half-way through its answers
        _, stderr = build.communicate(timeout=60)
        assert build.returncode == 130, stderr
    finally:
        slow.kill()
        slow.wait()
    first = rows_of(output)
    assert 1 <= len(first) < len(IMAGES)
    with open(output, "ab") as handle:  # what a SIGKILL in the middle of a write would leave
        handle.write(b'{"prompt": "Image Description: half a ro')

    fast, url = start_server()
    try:
        done = subprocess.run(
            build_command(images, output, url, "--teacher-url", url, "--teacher-model", "teacher"),
            capture_output=True,
            text=True,
            env=env(),
            timeout=180,
        )
    finally:
        fast.kill()
        fast.wait()
    assert done.returncode == 0, done.stderr
    rows = rows_of(output)
    ids = [r["image_id"] for r in rows]
    assert sorted(ids) == sorted(f"{n}.jpg" for n in IMAGES) and len(set(ids)) == len(ids)
    assert rows[: len(first)] == first  # finished rows are never rewritten


def test_a_build_without_teacher_or_grounded_is_refused(images, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "echollama.cli", "dataset", "build", str(images), "-o", str(tmp_path / "x.jsonl")],
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
    )
    assert done.returncode == 1 and "--teacher-url" in done.stderr and done.stderr.count("\n") == 1


def test_ray_workers_write_the_same_rows(images, server, tmp_path):
    """Ray 2.60 removed `local_mode`; the runner starts a local one-node Ray instance instead (~10 s)."""
    from paper_checkpoints import require

    require("ray")
    output = tmp_path / "ray.jsonl"
    done = subprocess.run(
        build_command(
            images,
            output,
            server,
            "--teacher-url",
            server,
            "--teacher-model",
            "teacher",
            "--ray",
            "--workers",
            "1",
            "--limit",
            "2",
        ),
        capture_output=True,
        text=True,
        env={**env(), "RAY_AUTH_MODE": "disabled"},
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = rows_of(output)
    assert sorted(r["image_id"] for r in rows) == ["astronaut.jpg", "chelsea.jpg"]
    assert all(r["chosen"].endswith("of the picture.") and "dog" in r["rejected"] for r in rows)
