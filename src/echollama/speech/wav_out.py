"""Writing speech to a WAV file safely: checked before any model runs, written beside the target, renamed at the end.

A failure or Ctrl-C mid-way removes the partial file, so the user never finds a truncated WAV under the name asked for.
Every hidden name is recorded before the file is created and forgotten only after it is gone or renamed, so a signal
that lands between two bytecodes of that bookkeeping still leaves a name `remove_partials()` can clean up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

import numpy as np

from echollama.errors import OutputError

_LIVE_PARTIALS: set[str] = set()


def remove_partials() -> None:
    """Delete every partial WAV this process still has: the CLI calls it when Ctrl-C or SIGTERM stops a command."""
    for name in list(_LIVE_PARTIALS):
        _forget(name)


def _forget(name: str) -> None:
    Path(name).unlink(missing_ok=True)
    _LIVE_PARTIALS.discard(name)


def check_output_path(path: str | Path) -> Path:
    """Fail now, before minutes of work, if `path` cannot become a file we can write."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    name_max = _name_max(parent)
    if len(os.fsencode(path.name)) > name_max:
        raise OutputError(
            f"{path.name[:40]}...: the file name is {len(os.fsencode(path.name))} bytes long; "
            f"a file name may have at most {name_max}"
        )
    try:
        if path.is_dir():
            raise OutputError(f"{path}: is a directory; give a file name such as {path / 'description.wav'}")
        if not parent.is_dir():
            raise OutputError(f"{path}: the folder {parent} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise OutputError(f"{path}: permission denied; choose another output file with -o")
    except OSError as error:  # a path too long in total, a loop of links on the way
        if error.errno == errno.ENAMETOOLONG:
            raise OutputError(f"{str(path)[:60]}...: the path is {len(os.fsencode(path))} bytes long") from None
        raise OutputError(f"{path}: cannot be written ({error.strerror})") from None
    if path.suffix.lower() != ".wav":
        raise OutputError(f"{path}: the output is a WAV file; give a name ending in .wav")
    # Try it: /proc, /sys, read-only mounts and full disks pass the checks above but take no new file.
    fd, probe = _create_partial(path)
    os.close(fd)
    _forget(probe)
    return path


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _create_partial(path: Path) -> tuple[int, str]:
    """A new, empty hidden file beside `path` (fd, name). Created with mode 0666, so the kernel applies the process
    umask itself: reading the umask would mean setting it, which changes it for every thread for a moment."""
    stem = path.name if len(os.fsencode(path.name)) <= 200 else path.name[:40]  # the hidden name stays legal
    for _ in range(100):
        candidate = path.parent / f".{stem}.{secrets.token_hex(4)}.partial"
        _LIVE_PARTIALS.add(str(candidate))  # before the file exists: no moment where it exists unrecorded
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            _LIVE_PARTIALS.discard(str(candidate))  # someone else's file: never ours to delete
            continue
        except OSError as error:
            _LIVE_PARTIALS.discard(str(candidate))
            raise OutputError(f"{path}: cannot create a file in {path.parent} ({error.strerror})") from None
        return fd, str(candidate)
    raise OutputError(f"{path}: cannot create a temporary file in {path.parent}")


class WavWriter:
    """Append float32 chunks (mono samples, or (n, 2) frames when stereo); `commit()` makes the file appear under its
    name, `abort()` removes it."""

    def __init__(self, path: str | Path, sample_rate: int, channels: int = 1) -> None:
        import soundfile

        self.path = check_output_path(path)
        self.sample_rate = sample_rate
        self.channels = channels
        self.frames = 0
        self._peak = 0.0
        fd, self._tmp = _create_partial(self.path)
        try:
            self._file = soundfile.SoundFile(
                fd, "w", samplerate=sample_rate, channels=channels, subtype="PCM_16", format="WAV", closefd=True
            )
        except BaseException as error:  # Ctrl-C here too: the temporary file must not outlive us
            with contextlib.suppress(OSError):
                os.close(fd)  # not yet handed to libsndfile
            _forget(self._tmp)
            if isinstance(error, Exception):
                raise OutputError(f"{self.path}: cannot write ({error})") from None
            raise

    def write(self, samples: np.ndarray) -> None:
        samples = np.asarray(samples, dtype=np.float32).reshape(-1, self.channels)
        try:
            self._file.write(np.clip(samples, -1.0, 1.0))
        except Exception as error:
            self.abort()
            raise OutputError(f"{self.path}: writing failed ({error})") from None
        self.frames += samples.shape[0]
        if samples.size:
            self._peak = max(self._peak, float(np.abs(samples).max()))

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate

    def commit(self) -> Path:
        self._file.close()
        try:
            os.replace(self._tmp, self.path)
        except OSError as error:
            _forget(self._tmp)
            raise OutputError(f"{self.path}: cannot write ({error.strerror})") from None
        _LIVE_PARTIALS.discard(self._tmp)
        return self.path

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        _forget(self._tmp)

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._file.closed:
            self.commit()
