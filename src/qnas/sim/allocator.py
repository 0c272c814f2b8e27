"""Keep freed state buffers in the heap: glibc's ``malloc`` tuned for simulation.

A 10-qubit batch of 256 states is a 2 MB tensor, and a training step allocates and frees
hundreds of them. glibc serves blocks above its mmap threshold with ``mmap`` and gives the
top of the heap back to the system above its trim threshold, so each new 2 MB buffer comes
as fresh pages that the kernel must fault in and zero: a third of a 10-qubit training step
here (``bench/bench_train_step.py``, 10x256: 53 -> 38 ms). Raising both thresholds keeps
freed buffers for reuse, as a caching allocator would (PyTorch's own CPU allocator does not
cache).

:func:`tune_malloc` runs when ``qnas`` is imported, on Linux with glibc; set the
environment variable ``QNAS_TUNE_MALLOC=0`` to leave the allocator as it is. The cost: up
to :data:`TRIM_THRESHOLD` bytes of freed memory stay with the process. The process's
``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` environment variables, when set,
win (glibc reads them first and qnas then leaves the allocator alone).

>>> tune_malloc() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import os
import sys

MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed mmap threshold on 64-bit systems
TRIM_THRESHOLD = 256 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (glibc malloc.h)
ENV_SWITCH = "QNAS_TUNE_MALLOC"
_ENV_SET_BY_USER = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")


def tune_malloc(mmap_threshold: int = MMAP_THRESHOLD,
                trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Set glibc's mmap and trim thresholds (module docstring); True when both were set.

    Does nothing (False) off Linux, without glibc, when ``QNAS_TUNE_MALLOC=0`` or when the
    user set glibc's own ``MALLOC_*`` variables."""
    if os.environ.get(ENV_SWITCH, "1") == "0" or not sys.platform.startswith("linux"):
        return False
    if any(v in os.environ for v in _ENV_SET_BY_USER):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # not glibc (musl's mallopt does nothing)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold)) == 1
    return bool(mallopt(_M_TRIM_THRESHOLD, int(trim_threshold)) == 1 and ok)


__all__ = ["ENV_SWITCH", "MMAP_THRESHOLD", "TRIM_THRESHOLD", "tune_malloc"]
