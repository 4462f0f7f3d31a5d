"""Export a merged checkpoint to GGUF with llama.cpp's own converter, so the embedded runtime can load it.

The converter (convert_hf_to_gguf.py with its `conversion` and `gguf-py` folders) ships in the llama-cpp-python sdist
of the installed version; it is fetched once with pip into $ECHOLLAMA_HOME/tools (or named by ECHOLLAMA_CONVERT_SCRIPT).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

from echollama.config import echollama_home
from echollama.errors import ModelError, missing_extra
from echollama.output_files import atomic_folder, atomic_path

CONVERTER_ENV = "ECHOLLAMA_CONVERT_SCRIPT"
_VENDOR = "vendor/llama.cpp/"
_NEEDED = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/")  # the script imports the other two from its folder
# sha256 of each llama-cpp-python sdist we accept, as PyPI lists it (pip checked it against the index on download).
SDIST_SHA256 = {"0.3.36": "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"}


def llama_cpp_version() -> str:
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        raise missing_extra("llama-cpp-python", "embedded") from None


def converter_path(fetch: bool = True) -> Path:
    """convert_hf_to_gguf.py matching the installed llama.cpp runtime; fetched from PyPI on first use if `fetch`."""
    configured = os.environ.get(CONVERTER_ENV)
    if configured:
        if not Path(configured).is_file():
            raise ModelError(f"{CONVERTER_ENV}={configured}: no such file")
        return Path(configured)
    version = llama_cpp_version()
    folder = echollama_home() / "tools" / f"llama.cpp-{version}"
    script = folder / "convert_hf_to_gguf.py"
    if script.is_file():
        return script
    if not fetch:
        raise ModelError(f"the GGUF converter is not cached in {folder}; run `echollama train fetch-converter`")
    _fetch(version, folder)
    return script


def _fetch(version: str, folder: Path) -> None:
    """Download the sdist with pip (PyPI only, once), check its pinned hash and keep just the converter's files."""
    expected = SDIST_SHA256.get(version)
    if expected is None:
        raise ModelError(
            f"no pinned sha256 for the llama-cpp-python {version} sdist; add it to SDIST_SHA256 in "
            f"echollama/training/gguf_export.py, or name a converter with {CONVERTER_ENV}"
        )
    print(
        f"echollama: fetching llama.cpp's GGUF converter (llama-cpp-python {version} sdist, ~75 MB, once)",
        file=sys.stderr,
        flush=True,
    )
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as scratch:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--quiet",
            f"llama-cpp-python=={version}",
            "-d",
            scratch,
        ]
        done = subprocess.run(command, capture_output=True, text=True)
        archives = list(Path(scratch).glob("llama_cpp_python-*.tar.gz"))
        if done.returncode != 0 or not archives:
            raise ModelError(f"could not download the llama-cpp-python {version} sdist: {done.stderr.strip()[-300:]}")
        check_sha256(archives[0], expected)
        with atomic_folder(folder) as staging:
            unpack_converter(archives[0], staging)


def check_sha256(path: Path, expected: str) -> None:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise ModelError(f"{path.name}: sha256 {digest.hexdigest()} is not the pinned {expected}; not unpacked")


def unpack_converter(archive_path: Path, staging: Path) -> None:
    """The converter's files from the sdist into `staging`, refusing the whole archive if any of its entries is
    unsafe (an absolute path, `..`, a link leaving the folder, a device): tarfile's `data` filter judges each one."""
    with tarfile.open(archive_path) as archive:
        wanted = []
        for member in archive.getmembers():
            # tarfile would quietly strip a leading "/" and fold "a/../b"; such an sdist is not one pip made
            names = [member.name] + ([member.linkname] if member.islnk() else [])
            if any(name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name) for name in names):
                raise ModelError(f"{archive_path.name}: unsafe entry {member.name!r}; not unpacked")
            inner = member.name.split("/", 1)[1] if "/" in member.name else ""
            relative = inner.removeprefix(_VENDOR) if inner.startswith(_VENDOR) else ""
            if not relative.startswith(_NEEDED):
                continue
            renamed = member.replace(name=relative, deep=False)
            if renamed.islnk():  # a hard link names its target inside the archive: rename that the same way
                target = renamed.linkname.split("/", 1)[1] if "/" in renamed.linkname else renamed.linkname
                renamed = renamed.replace(linkname=target.removeprefix(_VENDOR), deep=False)
            try:
                wanted.append(tarfile.data_filter(renamed, str(staging)))
            except tarfile.FilterError as error:
                raise ModelError(f"{archive_path.name}: unsafe entry {member.name!r} ({error}); not unpacked") from None
        staging.mkdir(parents=True, exist_ok=True)
        for member in wanted:
            archive.extract(member, staging, filter="data", set_attrs=False)
    if not (staging / "convert_hf_to_gguf.py").is_file():
        raise ModelError(f"{archive_path.name} has no vendor/llama.cpp/convert_hf_to_gguf.py")


def export_gguf(checkpoint: Path, output: Path, outtype: str = "q8_0") -> Path:
    """Convert a transformers checkpoint folder to one GGUF file (written beside, renamed when complete)."""
    script = converter_path()
    output = Path(output)
    with atomic_path(output) as partial:
        command = [sys.executable, str(script), str(checkpoint), "--outfile", str(partial), "--outtype", outtype]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not partial.is_file() or not partial.stat().st_size:
            raise ModelError(f"GGUF export of {checkpoint} failed: {done.stderr.strip()[-500:]}")
    return output
