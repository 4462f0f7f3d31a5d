"""How the server's process hands memory back: big buffers go straight back to the system when freed.

glibc serves a large allocation with its own mmap and unmaps it on free, but it raises that threshold (up to 32 MiB)
each time such a block is freed, after which the big scratch buffers of decoding and perception come from per-thread
arenas and stay resident once freed. Four 64 MP uploads beside four live sockets then peaked between 2.5 and 3.4 GB
from run to run; with the threshold fixed at 1 MiB, at 2.1 GB twice (`python -m echollama.evaluation.attack`).
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
MMAP_FROM_BYTES = 1 << 20


def return_big_frees_to_the_system() -> bool:
    """Fix glibc's mmap threshold at 1 MiB for this process (call before the big allocations); False where the C
    library is not glibc (musl, macOS), which keeps its own policy."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_FROM_BYTES))
