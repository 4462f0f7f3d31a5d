"""A model's load on a daemon thread, its result or error kept in a Future: what the pipeline and `read` start while
an image decodes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import TypeVar

Result = TypeVar("Result")


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


def while_loading(work: Callable[[], Result], loads: Iterable[Future]) -> Result:
    """`work()` (an image's decoding) while `loads` go on; if it fails, wait for them before its error goes up:
    native libraries (llama.cpp, onnxruntime, OpenCV) can crash a process that exits while they load."""
    try:
        return work()
    except BaseException:
        for future in list(loads):
            try:
                future.result()
            except BaseException:  # the work's error is the one to report
                pass
        raise
