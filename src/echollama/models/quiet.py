"""Silencing chatter that native libraries print straight to file descriptor 2 while a model loads.

LiteRT announces "Created TensorFlow Lite XNNPACK delegate" on every load; our stderr is for status lines and
one-line errors, so the few milliseconds of loading run with fd 2 pointed at /dev/null.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
