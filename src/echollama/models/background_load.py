"""A model's load on a daemon thread, its result or error kept in a Future: what the pipeline and `read` start while
an image decodes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future


def in_background(function: Callable[[], object], name: str) -> Future:
    """Run `function` on a daemon thread (an interrupted CLI exits without waiting for a model to finish loading)."""
    future: Future = Future()

    def target() -> None:
        try:
            future.set_result(function())
        except BaseException as error:
            future.set_exception(error)

    threading.Thread(target=target, name=name, daemon=True).start()
    return future
