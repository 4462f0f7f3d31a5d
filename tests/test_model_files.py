"""Assembling split model files and verifying them by sha256, with real files in real (temporary) wheel modules."""

import hashlib
import sys

import pytest

from echollama.errors import ModelError
from echollama.models import gguf as model_files
from echollama.models.gguf import GgufModel


@pytest.fixture
def split_model(tmp_path, monkeypatch):
    """Three importable `get_part_path()` modules whose parts concatenate into a known file."""
    chunks = [b"GGUF" + bytes(range(256)) * 40, b"middle" * 1000, b"end"]
    for index, chunk in enumerate(chunks, start=1):
        package = tmp_path / "site" / f"fake_model_part{index}"
        (package / "data").mkdir(parents=True)
        (package / "data" / "part.bin").write_bytes(chunk)
        (package / "__init__.py").write_text(
            "import os\ndef get_part_path():\n    return os.path.join(os.path.dirname(__file__), 'data', 'part.bin')\n"
        )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("ECHOLLAMA_HOME", str(tmp_path / "home"))
    for index in range(1, 4):
        sys.modules.pop(f"fake_model_part{index}", None)
    whole = b"".join(chunks)
    return GgufModel(
        key="fake",
        description="fake split model",
        filename="fake.gguf",
        sha256=hashlib.sha256(whole).hexdigest(),
        size_note="",
        part_modules=("fake_model_part1", "fake_model_part2", "fake_model_part3"),
    ), whole


def test_parts_are_assembled_once_and_verified(split_model, tmp_path):
    model, whole = split_model
    path = model_files.gguf_path(model)
    assert path == tmp_path / "home" / "models" / "fake.gguf"
    assert path.read_bytes() == whole
    assert not list(path.parent.glob("*.partial"))
    assert model_files.gguf_path(model) == path  # second call: verified through the stamp


def test_corrupted_file_is_caught_before_loading(split_model):
    model, _ = split_model
    path = model_files.gguf_path(model)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))  # a write changes ctime, so the stamp no longer vouches for it
    with pytest.raises(ModelError, match="corrupt.*rm "):
        model_files.gguf_path(model)


def test_forced_verification_rehashes(split_model, monkeypatch):
    model, _ = split_model
    model_files.gguf_path(model)
    calls = []
    real = model_files.sha256_file
    monkeypatch.setattr(model_files, "sha256_file", lambda p: calls.append(p) or real(p))
    model_files.gguf_path(model)
    assert calls == []  # trusted stamp
    model_files.gguf_path(model, force_verify=True)
    assert len(calls) == 1


def test_wrong_parts_leave_no_file(split_model, tmp_path):
    model, _ = split_model
    bad = GgufModel(**{**model.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelError, match="do not add up"):
        model_files.gguf_path(bad)
    assert not any((tmp_path / "home" / "models").iterdir())


def test_missing_part_wheel_says_how_to_install(split_model):
    model, _ = split_model
    missing = GgufModel(**{**model.__dict__, "part_modules": model.part_modules + ("no_such_part_module",)})
    with pytest.raises(ModelError, match="not installed.*make setup"):
        model_files.gguf_path(missing)
