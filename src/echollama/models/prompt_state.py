"""Evaluated prompt prefixes kept on disk: a one-shot `describe` loads the constant system prompt's KV state
instead of reading it again (about a second of prompt reading on two cores for the 1.5B model).

A state file belongs to one model file, one context size and one exact token sequence (all in its name). It is
written to a temporary file and renamed, with its sha256 beside it; a file whose hash does not match is ignored
and written again, never loaded.
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from echollama.config import echollama_home
from echollama.models.gguf import sha256_file
from echollama.output_files import atomic_path, write_text_atomically


def state_path(model_path: Path, n_ctx: int, tokens: Sequence[int]) -> Path:
    stat = model_path.stat()
    key = f"{model_path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{n_ctx}:{','.join(map(str, tokens))}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return echollama_home() / "prompt-states" / f"{model_path.stem}.{digest}.state"


def load(llama: Any, path: Path, tokens: Sequence[int]) -> bool:
    """Load a verified state into `llama` and tell llama-cpp-python which tokens its cache holds; False if none."""
    import llama_cpp

    checksum = path.with_suffix(".sha256")
    try:
        expected = checksum.read_text().strip()
    except OSError:
        return False
    if not path.is_file() or sha256_file(path) != expected:
        return False
    capacity = len(tokens) + 1
    loaded = (llama_cpp.llama_token * capacity)()
    count = ctypes.c_size_t(0)
    if not llama_cpp.llama_state_load_file(llama.ctx, str(path).encode(), loaded, capacity, ctypes.byref(count)):
        return False
    if list(loaded[: count.value]) != list(tokens):
        llama.reset()
        return False
    llama.input_ids[: len(tokens)] = tokens
    llama.n_tokens = len(tokens)
    return True


def save(llama: Any, path: Path, tokens: Sequence[int]) -> None:
    """Write the KV state of `tokens` (already evaluated, at the start of the cache) atomically, with its sha256."""
    import llama_cpp

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as partial:
        array = (llama_cpp.llama_token * len(tokens))(*tokens)
        if not llama_cpp.llama_state_save_file(llama.ctx, str(partial).encode(), array, len(tokens)):
            raise OSError(f"llama.cpp could not write {partial}")
        digest = sha256_file(partial)
    write_text_atomically(path.with_suffix(".sha256"), digest + "\n")
