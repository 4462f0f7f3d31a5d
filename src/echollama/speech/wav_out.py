"""Writing speech to a WAV file safely: checked before any model runs, written beside the target, renamed at the end.

A failure or Ctrl-C mid-way removes the partial file, so the user never finds a truncated WAV under the name asked for.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from echollama.errors import OutputError


def check_output_path(path: str | Path) -> Path:
    """Fail now, before minutes of work, if `path` cannot become a file we can write."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name such as {path / 'description.wav'}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"{path}: permission denied; choose another output file with -o")
    if path.suffix.lower() != ".wav":
        raise OutputError(f"{path}: the output is a WAV file; give a name ending in .wav")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
        fd, self._tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".partial")
        try:
            os.close(fd)
            self._file = soundfile.SoundFile(
                self._tmp, "w", samplerate=sample_rate, channels=channels, subtype="PCM_16", format="WAV"
            )
        except BaseException as error:  # Ctrl-C here too: the temporary file must not outlive us
            Path(self._tmp).unlink(missing_ok=True)
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
            os.chmod(self._tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a WAV should get the usual permissions
            os.replace(self._tmp, self.path)
        except OSError as error:
            Path(self._tmp).unlink(missing_ok=True)
            raise OutputError(f"{self.path}: cannot write ({error.strerror})") from None
        return self.path

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        Path(self._tmp).unlink(missing_ok=True)

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._file.closed:
            self.commit()
