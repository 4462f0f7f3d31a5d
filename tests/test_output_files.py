"""Files and folders written whole or not at all (output_files.py): a clean end renames the hidden partial over the
target, an error removes it, and `remove_partials` (the CLI's Ctrl-C path) removes whatever a signal interrupted."""

import os

import pytest

from echollama.output_files import (
    PartialFile,
    atomic_file,
    atomic_folder,
    atomic_path,
    remove_partials,
    write_text_atomically,
)


def _hidden(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


def test_a_finished_write_replaces_the_target_and_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "lock.json"
    target.write_text("old")
    write_text_atomically(target, "new")
    assert target.read_text() == "new" and _hidden(tmp_path) == []


def test_an_error_midway_keeps_the_old_file_and_removes_the_partial(tmp_path):
    target = tmp_path / "model.gguf"
    target.write_bytes(b"old")
    with pytest.raises(ValueError), atomic_file(target) as out:
        out.write(b"half of the new")
        raise ValueError("sha256 mismatch")
    assert target.read_bytes() == b"old" and _hidden(tmp_path) == []


def test_a_writer_that_wants_a_path_gets_a_hidden_one_beside_the_target(tmp_path):
    target = tmp_path / "state.bin"
    with atomic_path(target) as partial:
        assert partial.parent == tmp_path and partial.name.startswith(".state.bin.")
        partial.write_bytes(b"kv")
    assert target.read_bytes() == b"kv" and _hidden(tmp_path) == []


def test_a_folder_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "checkpoint"
    with pytest.raises(KeyboardInterrupt), atomic_folder(target) as staging:
        (staging / "config.json").write_text("{}")
        raise KeyboardInterrupt
    assert not target.exists() and _hidden(tmp_path) == []
    with atomic_folder(target) as staging:
        (staging / "config.json").write_text("{}")
    assert (target / "config.json").read_text() == "{}" and _hidden(tmp_path) == []


def test_remove_partials_cleans_up_what_a_signal_interrupted(tmp_path):
    left = PartialFile(tmp_path / "answer.wav")  # as if Ctrl-C landed before the writer's own cleanup
    left.close_fd()
    assert _hidden(tmp_path) == [left.path.name]
    remove_partials()
    assert _hidden(tmp_path) == []
