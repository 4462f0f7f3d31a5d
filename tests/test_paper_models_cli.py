"""`--profile paper` without the models, `echollama models list|pull|verify --profile paper`, and the paper pipeline's
composition, as a user meets them: real processes, an empty (or hand-built) Hugging Face cache, no network.

Run: .venv/bin/python -m pytest -q tests/test_paper_models_cli.py
"""

import json
import os
import shutil
import subprocess
import sys

from echollama.samples import SAMPLE_IMAGE

PULL = "echollama models pull --profile paper"


def run_cli(*args, tmp_path, env=None):
    environment = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"),
        "ECHOLLAMA_HOME": str(tmp_path / "home"),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "echollama.cli", *args], capture_output=True, text=True, timeout=120, env=environment
    )


def test_describe_paper_without_models_says_what_to_pull(tmp_path):
    out = tmp_path / "out.wav"
    result = run_cli("describe", str(SAMPLE_IMAGE), "-o", str(out), "--profile", "paper", tmp_path=tmp_path)
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert (
        PULL in result.stderr
        and "facebook/detr-resnet-50" in result.stderr
        and "AquaLabs/EchoLLaMA-1B" in result.stderr
    )
    assert not out.exists()


def test_models_list_paper_shows_every_model_missing(tmp_path):
    result = run_cli("models", "list", "--profile", "paper", "--json", tmp_path=tmp_path)
    assert result.returncode == 1, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {
        "facebook/detr-resnet-50",
        "Intel/dpt-hybrid-midas",
        "vikhyatk/moondream2",
        "AquaLabs/EchoLLaMA-1B",
        "AquaLabs/Orpheus-3B-0.1-ft-Elise",
        "hubertsiuzdak/snac_24khz",
        "openai/whisper-small.en",
    }
    assert rows["vikhyatk/moondream2"]["revision"] == "92d3d73b6fd61ab84d9fe093a9c7fd8c04bf2c0d"
    assert rows["facebook/detr-resnet-50"]["licence"] == "Apache-2.0"
    assert all(row["state"] == f"missing (run: {PULL})" for row in rows.values())


def fake_hub_snapshot(tmp_path, repo_id, revision, source):
    """Lay a checkpoint out the way huggingface_hub caches a download: refs/<revision> -> snapshots/<commit>/."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hf" / "hub" / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / revision).write_text(commit)
    shutil.copytree(source, repo / "snapshots" / commit)
    return repo / "snapshots" / commit


def test_models_verify_checks_a_cached_snapshot(tmp_path, tiny):
    snapshot = fake_hub_snapshot(tmp_path, "facebook/detr-resnet-50", "no_timm", tiny["detr"])
    result = run_cli(
        "models", "verify", "--profile", "paper", "--model", "facebook/detr-resnet-50", "--json", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [row] = json.loads(result.stdout)
    assert row["state"].startswith("ok") and row["path"] == str(snapshot)

    weights = snapshot / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])  # an interrupted copy
    result = run_cli("models", "verify", "--profile", "paper", "--model", "facebook/detr-resnet-50", tmp_path=tmp_path)
    assert result.returncode == 1 and "truncated or corrupt" in result.stdout


def test_pull_failure_is_one_line(tmp_path):
    # Nothing listens on 127.0.0.1:9, so the download fails at once without touching the network.
    result = run_cli(
        "models",
        "pull",
        "--profile",
        "paper",
        "--model",
        "hubertsiuzdak/snac_24khz",
        tmp_path=tmp_path,
        env={"HF_ENDPOINT": "http://127.0.0.1:9"},
    )
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1 and "could not download hubertsiuzdak/snac_24khz" in result.stderr
    assert "Traceback" not in result.stderr


def test_paper_profile_composes_the_paper_backends(tiny, tmp_path, monkeypatch):
    from echollama.config import PipelineConfig
    from echollama.pipeline import Pipeline

    captioner = tmp_path / "moondream"  # a folder is enough to build; the captioner loads lazily
    captioner.mkdir()
    for name, path in {
        "DETECTOR": tiny["detr"],
        "DEPTH": tiny["dpt"],
        "CAPTIONER": captioner,
        "LLM": tiny["llama"],
        "SNAC": tiny["snac_small"],
    }.items():
        monkeypatch.setenv(f"ECHOLLAMA_PAPER_{name}", str(path))
    monkeypatch.setenv("ECHOLLAMA_PAPER_TTS", str(tiny["llama"]))
    pipeline = Pipeline(PipelineConfig(profile="paper"))
    names = [
        type(b).__name__
        for b in (
            pipeline.analyzer.detector,
            pipeline.analyzer.depth,
            pipeline.analyzer.captioner,
            pipeline.llm,
            pipeline.tts,
        )
    ]
    assert names == ["DetrDetector", "DptDepthEstimator", "MoondreamCaptioner", "TransformersLLM", "OrpheusSynthesizer"]
    assert pipeline.analyzer.threshold == 0.9 and pipeline.profile.legend is False
    assert pipeline.analyzer.depth.unit == "inverse relative depth"

    monkeypatch.setenv("ECHOLLAMA_LLM_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("ECHOLLAMA_PAPER_DEPTH_METRES", "1")
    pipeline = Pipeline(PipelineConfig(profile="paper"))
    assert type(pipeline.llm).__name__ == "OpenAIHttpLLM" and pipeline.profile.legend is True
