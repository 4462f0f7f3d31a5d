"""Reading a file the user handed us (a photo, a recording), with one clear InputError for every way it can fail."""

from __future__ import annotations

from pathlib import Path

from echollama.errors import InputError


def read_input_file(path: str | Path, kind: str, max_bytes: int) -> bytes:
    """The bytes of `path`, refusing missing files, folders, empty files and files over `max_bytes`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not {kind}")
    try:
        size = path.stat().st_size
        if size == 0:
            raise InputError(f"{path}: the file is empty (0 bytes)")
        if size > max_bytes:
            raise InputError(
                f"{path}: the file is {size / 2**20:.0f} MiB; {kind}s up to {max_bytes // 2**20} MiB are accepted"
            )
        return path.read_bytes()
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
