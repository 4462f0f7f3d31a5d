"""Shared fixtures. Every test runs offline: HF_HUB_OFFLINE=1 and a private, temporary ECHOLLAMA_HOME.

Run: `make test` (everything) or `.venv/bin/python -m pytest -m "not slow"` (skips the bigger LLMs).
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import pytest

# The tiny paper checkpoints and the empty hub cache are session fixtures every paper test module uses.
pytest_plugins = ["paper_checkpoints"]

from echollama.evaluation.labelled_set import labelled_images


@pytest.fixture(scope="session", autouse=True)
def private_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("echollama-home")
    previous = os.environ.get("ECHOLLAMA_HOME")
    os.environ["ECHOLLAMA_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("ECHOLLAMA_HOME", None)
    else:
        os.environ["ECHOLLAMA_HOME"] = previous


@pytest.fixture(scope="session")
def labelled():
    return {item.name: item for item in labelled_images()}


@pytest.fixture(scope="session")
def tiny_pipeline():
    """The embedded pipeline with SmolLM2-135M, loaded once for the whole session."""
    from echollama.config import PipelineConfig
    from echollama.pipeline import Pipeline

    pipeline = Pipeline(PipelineConfig(llm="tiny"))
    pipeline.wait_loaded()
    return pipeline
