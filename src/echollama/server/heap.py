"""How the server's process hands memory back: big buffers go straight back to the system when freed.

glibc serves a large allocation with its own mmap and unmaps it on free, but it raises that threshold (up to 32 MiB)
each time such a block is freed, after which the big scratch buffers of decoding and perception come from per-thread
arenas and stay resident once freed. Four 64 MP uploads beside four live sockets then peaked between 2.5 and 3.4 GB
from run to run; with the threshold fixed at 1 MiB, at 2.1 GB twice (`python -m echollama.evaluation.attack`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
MMAP_FROM_BYTES = 1 << 20


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library, if it is glibc (it has mallopt and malloc_trim); looked up once, since find_library runs
    ldconfig. None elsewhere (musl, macOS), which keep their own policy."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - both must exist
    except (OSError, AttributeError):
        return None
    return libc


def return_big_frees_to_the_system() -> bool:
    """Fix glibc's mmap threshold at 1 MiB for this process (call before the big allocations); False where the C
    library is not glibc."""
    libc = _glibc()
    return libc is not None and bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_FROM_BYTES))


def return_freed_memory() -> None:
    """Hand freed heap pages back to the system. Images, audio and model scratch buffers are allocated and freed on
    many worker threads; glibc keeps what they free in per-thread arenas, so without a trim the resident size creeps
    up for hours although nothing is kept (seen in `make soak`)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
