"""Warm-up then median wall time of a callable.

Example::

    >>> stats = time_fn(lambda: sum(range(100)), warmup=1, repeats=3)
    >>> sorted(stats) == ["max_ms", "median_ms", "min_ms", "repeats"]
    True
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def time_fn(
    fn: Callable[[], object], warmup: int = 2, repeats: int = 5, budget_s: float | None = None
) -> dict[str, float]:
    """Run ``fn`` ``warmup`` times untimed, then up to ``repeats`` timed runs.

    ``budget_s`` (optional) stops the timed loop early once that much time was spent
    (at least one timed run always happens). Times are in milliseconds.
    """
    if warmup < 0 or repeats < 1:
        raise ValueError(f"need warmup >= 0 and repeats >= 1, got {warmup}, {repeats}")
    for _ in range(warmup):
        fn()
    times: list[float] = []
    start = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
        if budget_s is not None and time.perf_counter() - start > budget_s:
            break
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "repeats": len(times),
    }
