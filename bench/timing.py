"""Warm-up then median wall time of a callable.

GPU work is asynchronous: pass ``sync=device_sync("cuda")`` (``torch.cuda.synchronize``) so
the clock is read only once the device has finished; warm-up and repeats are the same either way.

Example::

    >>> stats = time_fn(lambda: sum(range(100)), warmup=1, repeats=3)
    >>> sorted(stats) == ["max_ms", "median_ms", "min_ms", "repeats"]
    True
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def device_sync(device: object) -> Callable[[], None] | None:
    """``torch.cuda.synchronize`` on a CUDA ``device``; ``None`` (nothing to wait for) else."""
    if not str(device).startswith("cuda"):
        return None
    import torch

    dev = torch.device(device)
    return lambda: torch.cuda.synchronize(dev)


def free_device_memory(device: object) -> None:
    """Give the CUDA caching allocator's free blocks back (the next size, or another
    framework's process, needs them); nothing on the CPU."""
    if str(device).startswith("cuda"):
        import gc

        import torch

        gc.collect()
        torch.cuda.empty_cache()


def time_fn(
    fn: Callable[[], object], warmup: int = 2, repeats: int = 5, budget_s: float | None = None,
    sync: Callable[[], None] | None = None,
) -> dict[str, float]:
    """Run ``fn`` ``warmup`` times untimed, then up to ``repeats`` timed runs.

    ``budget_s`` (optional) stops the timed loop early once that much time was spent
    (at least one timed run always happens). Times are in milliseconds. ``sync`` (optional,
    e.g. :func:`device_sync`) is called after the warm-up and after every timed run, before
    the clock is read.
    """
    if warmup < 0 or repeats < 1:
        raise ValueError(f"need warmup >= 0 and repeats >= 1, got {warmup}, {repeats}")
    for _ in range(warmup):
        fn()
    if sync is not None:
        sync()
    times: list[float] = []
    start = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        if sync is not None:
            sync()
        times.append((time.perf_counter() - t0) * 1e3)
        if budget_s is not None and time.perf_counter() - start > budget_s:
            break
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "repeats": len(times),
    }
