"""`echollama train fetch-converter`: the llama.cpp sdist is hash-pinned and unpacked only if every entry is safe.

Real tar.gz files are built here with the sdist's layout, then damaged the ways an attacker would (absolute paths,
`..`, links out of the folder, a device); none may write a byte outside the folder. No network: the download itself
is pip's (`pip download`), run once by set-up.
"""

import hashlib
import io
import tarfile

import pytest

from echollama.errors import ModelError
from echollama.training.gguf_export import SDIST_SHA256, _fetch, check_sha256, unpack_converter

ROOT = "llama_cpp_python-0.3.36/vendor/llama.cpp/"
GOOD = {
    ROOT + "convert_hf_to_gguf.py": b"print('convert')\n",
    ROOT + "conversion/__init__.py": b"",
    ROOT + "gguf-py/gguf/__init__.py": b"VERSION = 1\n",
    ROOT + "src/llama.cpp": b"// not needed\n",
    "llama_cpp_python-0.3.36/setup.py": b"# not needed\n",
}


def sdist(path, extra=()):
    """A gzipped tar with the sdist's layout, plus `extra` TarInfo entries (name, kind, link target)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in GOOD.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, kind, target in extra:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            data = b"" if kind != tarfile.REGTYPE else b"evil\n"
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_only_the_converter_files_are_kept(tmp_path):
    staging = tmp_path / "converter"
    unpack_converter(sdist(tmp_path / "good.tar.gz"), staging)
    kept = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    assert kept == ["conversion/__init__.py", "convert_hf_to_gguf.py", "gguf-py/gguf/__init__.py"]
    assert (staging / "convert_hf_to_gguf.py").read_bytes() == b"print('convert')\n"


@pytest.mark.parametrize(
    "entry",
    [
        ("/tmp/echollama-evil.py", tarfile.REGTYPE, ""),
        ("/" + ROOT + "conversion/abs.py", tarfile.REGTYPE, ""),
        (ROOT + "conversion/../../../../../evil.py", tarfile.REGTYPE, ""),
        (ROOT + "conversion/up", tarfile.SYMTYPE, "../../../../../../etc/passwd"),
        (ROOT + "conversion/root", tarfile.SYMTYPE, "/etc"),
        (ROOT + "conversion/hard", tarfile.LNKTYPE, "/etc/passwd"),
        (ROOT + "gguf-py/tty", tarfile.CHRTYPE, ""),
    ],
    ids=["absolute", "absolute-inside", "dot-dot", "symlink-up", "symlink-absolute", "hardlink-out", "device"],
)
def test_an_unsafe_entry_refuses_the_whole_archive(tmp_path, entry):
    outside = tmp_path / "outside"
    outside.mkdir()
    staging = outside / "inner" / "converter"
    with pytest.raises(ModelError, match="unsafe entry"):
        unpack_converter(sdist(tmp_path / "evil.tar.gz", [entry]), staging)
    assert not staging.exists()  # refused before anything was written
    assert [p.name for p in outside.rglob("*")] == []


def test_the_sdist_hash_is_checked(tmp_path):
    archive = sdist(tmp_path / "llama_cpp_python-0.3.36.tar.gz")
    check_sha256(archive, hashlib.sha256(archive.read_bytes()).hexdigest())
    with pytest.raises(ModelError, match="is not the pinned"):
        check_sha256(archive, SDIST_SHA256["0.3.36"])


def test_a_version_without_a_pinned_hash_is_not_fetched(tmp_path):
    with pytest.raises(ModelError, match="no pinned sha256"):
        _fetch("0.0.0", tmp_path / "tools" / "llama.cpp-0.0.0")
    assert not (tmp_path / "tools").exists()  # refused before pip ran


def test_the_installed_runtime_has_a_pinned_sdist():
    from echollama.training.gguf_export import llama_cpp_version

    assert llama_cpp_version() in SDIST_SHA256
