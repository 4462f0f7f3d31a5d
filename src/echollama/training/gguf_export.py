"""Export a merged checkpoint to GGUF with llama.cpp's own converter, so the embedded runtime can load it.

The converter (convert_hf_to_gguf.py with its `conversion` and `gguf-py` folders) ships in the llama-cpp-python sdist
of the installed version; it is fetched once with pip into $ECHOLLAMA_HOME/tools (or named by ECHOLLAMA_CONVERT_SCRIPT).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

from echollama.config import echollama_home
from echollama.errors import ModelError, missing_extra

CONVERTER_ENV = "ECHOLLAMA_CONVERT_SCRIPT"
_VENDOR = "vendor/llama.cpp/"
_NEEDED = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/")  # the script imports the other two from its folder


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
    """Download the sdist with pip (PyPI only, once) and keep just the converter's files."""
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
        staging = Path(scratch) / "converter"
        with tarfile.open(archives[0]) as archive:
            for member in archive.getmembers():
                inner = member.name.split("/", 1)[1] if "/" in member.name else ""
                if not inner.startswith(_VENDOR) or not member.isfile():
                    continue
                relative = inner.removeprefix(_VENDOR)
                if relative.startswith(_NEEDED):
                    destination = staging / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    source = archive.extractfile(member)
                    if source is None:  # a directory or link entry carries no bytes
                        continue
                    with source, open(destination, "wb") as out:
                        shutil.copyfileobj(source, out)
        if not (staging / "convert_hf_to_gguf.py").is_file():
            raise ModelError(f"the llama-cpp-python {version} sdist has no vendor/llama.cpp/convert_hf_to_gguf.py")
        os.replace(staging, folder)


def export_gguf(checkpoint: Path, output: Path, outtype: str = "q8_0") -> Path:
    """Convert a transformers checkpoint folder to one GGUF file (written beside, renamed when complete)."""
    script = converter_path()
    output = Path(output)
    partial = output.with_name(output.name + ".partial")
    command = [sys.executable, str(script), str(checkpoint), "--outfile", str(partial), "--outtype", outtype]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise ModelError(f"GGUF export of {checkpoint} failed: {done.stderr.strip()[-500:]}")
    os.replace(partial, output)
    return output
