"""`echollama serve` whose image decoder can be held at a gate, so that a test sees a decode in progress on any
machine, however fast: while the gate's `hold` file exists, each decode (after its admission, with its pixels
counted) leaves an `entered-*` file and waits; removing `hold` lets them go on, through the real decoder.

Run as a script it is the server (`python tests/gated_decode.py serve ...`, the gate folder in
ECHOLLAMA_TEST_DECODE_GATE); imported, it gives tests `gated_server` and `DecodeGate`. Not a test module itself.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from server_process import running_server

GATE_ENV = "ECHOLLAMA_TEST_DECODE_GATE"
HOLD_AT_MOST_S = 120.0  # a test that forgets to release cannot hang the server for ever


class DecodeGate:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hold_file = folder / "hold"

    @contextmanager
    def held(self):
        """Decodes started inside wait at the gate until the block ends."""
        for entered in self.folder.glob("entered-*"):
            entered.unlink()
        self.hold_file.touch()
        try:
            yield self
        finally:
            self.hold_file.unlink(missing_ok=True)

    def wait_entered(self, count: int, timeout_s: float) -> None:
        """Until `count` decodes wait at the gate (each was admitted: its pixels are counted)."""
        deadline = time.monotonic() + timeout_s
        while len(list(self.folder.glob("entered-*"))) < count:
            assert time.monotonic() < deadline, f"fewer than {count} decodes reached the gate within {timeout_s:g} s"
            time.sleep(0.01)


@contextmanager
def gated_server(log_path: Path, *extra: str, ready_timeout_s: float = 300.0):
    """Like server_process.running_server (the tiny LLM), with a gated decoder; yields (base URL, DecodeGate)."""
    gate = DecodeGate(log_path.parent / "decode-gate")
    gate.folder.mkdir(exist_ok=True)
    with running_server(
        log_path, *extra, ready_timeout_s=ready_timeout_s, launcher=(__file__,), env={GATE_ENV: str(gate.folder)}
    ) as base:
        yield base, gate


def _install_gate(folder: Path) -> None:
    from echollama.server import uploads

    gate, decode = DecodeGate(folder), uploads.decode_image

    def gated_decode(data: bytes, source: str = "<upload>", **options):
        if gate.hold_file.exists():
            (gate.folder / f"entered-{time.monotonic_ns()}-{threading.get_ident()}").touch()
            deadline = time.monotonic() + HOLD_AT_MOST_S
            while gate.hold_file.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        return decode(data, source, **options)

    uploads.decode_image = gated_decode


if __name__ == "__main__":
    _install_gate(Path(os.environ[GATE_ENV]))
    from echollama.cli.main import entry

    entry()
