"""Writing a file (or a folder) so that it appears whole or not at all: written under a hidden partial name beside the
target, flushed to disk, then renamed over it. A failure or Ctrl-C mid-way removes the partial, so nobody finds a
truncated WAV, model or transcript under the name asked for.

Every hidden name is recorded before it is created and forgotten only after it is gone or renamed, so a signal that
lands between two bytecodes of that bookkeeping still leaves a name `remove_partials()` can clean up.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from echollama.errors import OutputError

_LIVE_PARTIALS: set[str] = set()


def remove_partials() -> None:
    """Delete every partial file or folder this process still has: the CLI calls it when Ctrl-C or SIGTERM stops a
    command."""
    for name in list(_LIVE_PARTIALS):
        _forget(name)


def _forget(name: str) -> None:
    if os.path.isdir(name) and not os.path.islink(name):
        shutil.rmtree(name, ignore_errors=True)
    else:
        Path(name).unlink(missing_ok=True)
    _LIVE_PARTIALS.discard(name)


def _partial_name(target: Path) -> Path:
    stem = target.name if len(os.fsencode(target.name)) <= 200 else target.name[:40]  # the hidden name stays legal
    return target.parent / f".{stem}.{secrets.token_hex(4)}.partial"


class PartialFile:
    """A new, empty hidden file beside `target` (its descriptor `fd`, its `path`): `commit()` puts it on disk and
    renames it over `target`, `abort()` removes it.

    Created with mode 0666, so the kernel applies the process umask itself: reading the umask would mean setting it,
    which changes it for every thread for a moment."""

    def __init__(self, target: str | Path) -> None:
        self.target = Path(target)
        parent = self.target.parent
        for _ in range(100):
            candidate = _partial_name(self.target)
            _LIVE_PARTIALS.add(str(candidate))  # before the file exists: no moment where it exists unrecorded
            try:
                self.fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            except FileExistsError:
                _LIVE_PARTIALS.discard(str(candidate))  # someone else's file: never ours to delete
                continue
            except OSError as error:
                _LIVE_PARTIALS.discard(str(candidate))
                raise OutputError(f"{self.target}: cannot create a file in {parent} ({error.strerror})") from None
            self.path = candidate
            return
        raise OutputError(f"{self.target}: cannot create a temporary file in {parent}")

    def close_fd(self) -> None:
        """Close the descriptor, when the writer opens the file by its name instead (or closed it already)."""
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def commit(self) -> Path:
        """Flush the written file to disk and rename it over `target` (the writer has closed it)."""
        try:
            with open(self.path, "rb") as written:
                os.fsync(written.fileno())
            os.replace(self.path, self.target)
        except OSError as error:
            _forget(str(self.path))
            raise OutputError(f"{self.target}: cannot write ({error.strerror})") from None
        _LIVE_PARTIALS.discard(str(self.path))
        return self.target

    def abort(self) -> None:
        _forget(str(self.path))


@contextlib.contextmanager
def _renamed_at_the_end(partial: PartialFile) -> Iterator[PartialFile]:
    try:
        yield partial
        partial.commit()
    except BaseException:  # Ctrl-C included
        partial.abort()
        raise


@contextlib.contextmanager
def atomic_file(target: str | Path, mode: str = "wb", encoding: str | None = None) -> Iterator[IO[Any]]:
    """Open a hidden partial file beside `target` for writing; a clean exit renames it over `target`, an error
    removes it."""
    with _renamed_at_the_end(PartialFile(target)) as partial, os.fdopen(partial.fd, mode, encoding=encoding) as handle:
        yield handle


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A hidden partial name beside `target` for a writer that wants a path (llama.cpp's state file, the GGUF
    converter's --outfile); renamed over `target` when the block ends cleanly, removed otherwise."""
    partial = PartialFile(target)
    partial.close_fd()
    with _renamed_at_the_end(partial):
        yield partial.path


@contextlib.contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """A hidden, empty staging folder beside `target`: filled in the block, renamed to `target` when it ends cleanly
    (`target` must not exist, or be empty), removed otherwise; a crash leaves the hidden folder, never a half one."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _partial_name(target)
    _LIVE_PARTIALS.add(str(staging))
    try:
        staging.mkdir()
        yield staging
        os.replace(staging, target)
    finally:
        _forget(str(staging))


def write_text_atomically(target: str | Path, text: str) -> None:
    """`target` holds `text` (UTF-8), whole or not at all."""
    with atomic_file(target, "w", encoding="utf-8") as handle:
        handle.write(text)
