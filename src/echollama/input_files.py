"""Reading a file the user handed us (a photo, a recording), with one clear InputError for every way it can fail."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from echollama.errors import InputError

# What stat says a path is, when it is not a regular file we could read (named so the user can see the mistake).
_NOT_A_FILE = (
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a file"),
    (stat.S_ISSOCK, "is a socket, not a file"),
    (stat.S_ISCHR, "is a character device, not a file"),
    (stat.S_ISBLK, "is a block device, not a file"),
)


def read_input_file(path: str | Path, kind: str, max_bytes: int) -> bytes:
    """The bytes of `path`, refusing missing files, folders, pipes, devices, empty files and files over `max_bytes`.

    A FIFO or a device is never opened: reading one could block for ever or never end."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as error:
        raise _stat_error(path, error) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a directory, not {kind}")
    for test, what in _NOT_A_FILE:
        if test(info.st_mode):
            raise InputError(f"{path}: {what}; give {kind} saved on disk")
    if info.st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)")
    if info.st_size > max_bytes:
        raise InputError(
            f"{path}: the file is {info.st_size / 2**20:.0f} MiB; {kind}s up to {max_bytes // 2**20} MiB are accepted"
        )
    try:
        with open(path, "rb") as handle:
            return handle.read(max_bytes + 1)[:max_bytes]  # a file growing while we read stops at the limit
    except OSError as error:
        raise _stat_error(path, error) from None


def _stat_error(path: Path, error: OSError) -> InputError:
    reasons = {
        errno.ENOENT: "no such file",
        errno.ELOOP: "a symbolic link loop (the link points back to itself)",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.ENAMETOOLONG: "the file name is too long",
    }
    if error.errno == errno.ENOENT and path.is_symlink():
        return InputError(f"{path}: a symbolic link to {os.readlink(path)}, which does not exist")
    return InputError(f"{path}: {reasons.get(error.errno or 0, error.strerror or 'cannot be read')}")
