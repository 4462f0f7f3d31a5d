"""The preference-pair JSONL file: append-only, one complete row per line, resumable after any interruption.

A row is written with one `write` of the whole line, then flushed and fsynced, so only a killed process can leave a
partial last line; `open_pairs` cuts such a tail off before appending again.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from echollama.errors import OutputError

# The published AquaLabs/Spatial-DPO-Dataset has these three columns (paper §6.1); ours come first, extras after.
PAIR_COLUMNS = ("prompt", "chosen", "rejected")


def read_rows(path: Path) -> list[dict]:
    """Every complete row of a pairs file (a torn last line is ignored)."""
    rows: list[dict] = []
    if not path.exists():
        return rows
    with open(path, "rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break  # a torn tail: never a row
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return rows


def _good_length(path: Path) -> int:
    """Bytes of the file up to the end of its last complete, parseable line."""
    good = 0
    with open(path, "rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                json.loads(line)
            except json.JSONDecodeError:
                break
            good += len(line)
    return good


class PairsFile:
    """Appends rows from many threads; `done` holds the image ids already in the file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                good = _good_length(self.path)
                if good != self.path.stat().st_size:
                    os.truncate(self.path, good)  # drop the torn tail of a killed run
            self.done = {row.get("image_id") for row in read_rows(self.path)}
            self._handle = open(self.path, "ab")  # noqa: SIM115 (kept open for appends; closed by close())
        except OSError as error:
            raise OutputError(f"cannot write the pairs file {self.path}: {error.strerror}") from None
        self._lock = threading.Lock()

    def append(self, row: dict) -> None:
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self._handle.write(line)
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self.done.add(row.get("image_id"))

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> PairsFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
