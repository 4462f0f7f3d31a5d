"""The paper profile's Hugging Face models: ids, pinned revisions, sizes, licences, and finding them on disk offline.

`echollama models pull --profile paper` is the only code that downloads; everything else resolves local files only and
turns a missing model into one ModelError line that names the model and the pull command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from echollama import paper
from echollama.config import echollama_home
from echollama.errors import ModelError
from echollama.output_files import write_text_atomically

# Speech input: the paper uses the SpeechRecognition package; the paper profile runs Whisper through transformers.
PAPER_ASR_MODEL = "openai/whisper-small.en"

PAPER_ASR_REVISION = "main"

PAPER_PULL_COMMAND = "echollama models pull --profile paper"

_TRANSFORMERS_FILES = ("*.json", "*.safetensors", "*.txt", "*.model", "*.jinja")


@dataclass(frozen=True)
class HubModel:
    role: str
    repo_id: str
    revision: str  # a commit hash, a tag or a branch; a branch is pinned to its commit at the first pull
    params: str
    download: str  # approximate size of the files we fetch
    licence: str
    allow_patterns: tuple[str, ...] = _TRANSFORMERS_FILES
    note: str = ""


PAPER_MODELS: tuple[HubModel, ...] = (
    HubModel(
        "detector",
        paper.PAPER_DETECTOR_MODEL,
        paper.PAPER_DETECTOR_REVISION,
        "41 M",
        "0.17 GB",
        "Apache-2.0",
        _TRANSFORMERS_FILES + ("pytorch_model.bin",),
        "DETR-R50, COCO; branch without the timm dependency",
    ),
    HubModel(
        "depth",
        paper.PAPER_DEPTH_MODEL,
        paper.PAPER_DEPTH_REVISION,
        "123 M",
        "0.49 GB",
        "Apache-2.0",
        note="MiDaS v3 DPT-Hybrid, relative inverse depth",
    ),
    HubModel(
        "captioner",
        paper.PAPER_CAPTION_MODEL,
        paper.PAPER_CAPTION_REVISION,
        "1.9 B",
        "3.7 GB",
        "Apache-2.0",
        _TRANSFORMERS_FILES + ("*.py",),
        "revision 2024-08-26 (92d3d73) as cited; runs remote code",
    ),
    HubModel(
        "llm",
        paper.PAPER_LLM_MODEL,
        paper.PAPER_LLM_REVISION,
        "1.2 B",
        "≈2.5 GB",
        "Llama 3.2 Community",
        note="Llama-3.2-1B-Instruct + spatial DPO",
    ),
    HubModel(
        "tts",
        paper.PAPER_TTS_MODELS["elise"],
        paper.PAPER_TTS_REVISION,
        "3.3 B",
        "≈6.6 GB",
        "Llama 3.2 Community",
        note="Orpheus 3B fine-tuned on the Elise voice",
    ),
    HubModel(
        "tts",
        paper.PAPER_TTS_MODELS["canopylabs"],
        paper.PAPER_TTS_REVISION,
        "3.3 B",
        "≈6.6 GB",
        "Apache-2.0 card; Llama 3.2 base",
        note="selectable: ECHOLLAMA_PAPER_TTS=canopylabs (not pulled by default)",
    ),
    HubModel(
        "codec",
        paper.PAPER_SNAC_MODEL,
        paper.PAPER_SNAC_REVISION,
        "19.8 M",
        "0.08 GB",
        "MIT",
        ("config.json", "pytorch_model.bin"),
        "SNAC 24 kHz speech codec",
    ),
    HubModel(
        "asr",
        PAPER_ASR_MODEL,
        PAPER_ASR_REVISION,
        "242 M",
        "0.97 GB",
        "Apache-2.0",
        note="Whisper small.en for spoken questions",
    ),
)
OPTIONAL = {paper.PAPER_TTS_MODELS["canopylabs"]}  # pulled only when named


def spec_for(repo_id: str) -> HubModel:
    """The registry entry for a hub id; an id set by the user gets default patterns and the `main` branch."""
    for model in PAPER_MODELS:
        if model.repo_id == repo_id:
            return model
    return HubModel("custom", repo_id, "main", "?", "?", "see its model card")


def default_models() -> list[HubModel]:
    return [model for model in PAPER_MODELS if model.repo_id not in OPTIONAL]


# --- The lock file: the commit each branch pointed at when it was pulled ----------------------------------------------


def lock_path() -> Path:
    return echollama_home() / "paper-models.lock.json"


def read_lock() -> dict[str, str]:
    try:
        return dict(json.loads(lock_path().read_text()))
    except (OSError, ValueError):
        return {}


def record_commit(repo_id: str, commit: str) -> None:
    lock = read_lock()
    lock[repo_id] = commit
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(lock, indent=2, sort_keys=True))


def pinned_revision(model: HubModel) -> str:
    return read_lock().get(model.repo_id, model.revision)


# --- Resolving a model to a local folder, offline ---------------------------------------------------------------------


def missing_model_error(repo_id: str, revision: str) -> ModelError:
    return ModelError(
        f"the paper model {repo_id} (revision {revision[:12]}) is not downloaded; run: {PAPER_PULL_COMMAND}"
    )


def local_model_dir(repo_or_path: str | Path) -> Path:
    """A folder holding the model: `repo_or_path` itself when it is a folder, else the pinned snapshot in the hub cache."""
    path = Path(repo_or_path).expanduser()
    if path.is_dir():
        return path
    repo_id = str(repo_or_path)
    model = spec_for(repo_id)
    revision = pinned_revision(model)
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        from echollama.errors import missing_extra

        raise missing_extra("huggingface-hub", "paper") from None
    try:
        folder = snapshot_download(
            repo_id, revision=revision, local_files_only=True, allow_patterns=list(model.allow_patterns)
        )
    except Exception:  # LocalEntryNotFoundError, IncompleteSnapshotError, HFValidationError: all mean "pull it"
        raise missing_model_error(repo_id, revision) from None
    return Path(folder)


def missing_models(repos: list[str]) -> list[str]:
    """Which of these ids (or folders) are not available offline, as `repo@revision` strings."""
    missing = []
    for repo in repos:
        try:
            local_model_dir(repo)
        except ModelError:
            missing.append(f"{repo}@{pinned_revision(spec_for(repo))[:12]}")
    return missing
