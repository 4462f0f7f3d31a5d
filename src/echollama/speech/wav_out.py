"""Writing speech to a WAV file safely: checked before any model runs, written beside the target, renamed at the end
(output_files.py: a failure or Ctrl-C mid-way removes the partial file, so the user never finds a truncated WAV under
the name asked for).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np

from echollama.errors import OutputError
from echollama.output_files import PartialFile


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
    probe = PartialFile(path)
    probe.close_fd()
    probe.abort()
    return path


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


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
        self._partial = PartialFile(self.path)
        try:
            self._file = soundfile.SoundFile(
                self._partial.fd,
                "w",
                samplerate=sample_rate,
                channels=channels,
                subtype="PCM_16",
                format="WAV",
                closefd=True,
            )
        except BaseException as error:  # Ctrl-C here too: the temporary file must not outlive us
            self._partial.close_fd()  # not yet handed to libsndfile
            self._partial.abort()
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
        return self._partial.commit()

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._partial.abort()

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._file.closed:
            self.commit()
