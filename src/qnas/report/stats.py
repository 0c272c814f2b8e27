"""Paired comparisons of two models on the same test inputs (classification) or seeds (VQE).

A row of the results tables compares QuantumNAS with its best baseline over several seeds.
For a classifier each seed gives a 0/1 "correct" vector on the same test inputs; the paired
bootstrap resamples the *inputs* (keeping all seeds of an input together) and gives a 95%
interval for the difference of mean accuracies. McNemar's exact test is the classic paired
test for one seed. :func:`verdict` turns an interval into win / tie / loss.

>>> import numpy as np
>>> a = np.array([[1, 1, 1, 0, 1, 1, 1, 1] * 25])   # 1 seed x 200 inputs, 87.5% correct
>>> b = np.array([[1, 0, 1, 0, 1, 0, 1, 1] * 25])   # 62.5% correct, never right where a fails
>>> d = paired_bootstrap(a, b, n_boot=2000, seed=0)
>>> round(d["diff"], 3), d["low"] > 0, verdict(d)
(0.25, True, 'win')
>>> round(mcnemar(a[0], b[0]), 6)    # 50 discordant pairs, all for a
0.0
"""

from __future__ import annotations

import math

import numpy as np


def paired_bootstrap(a, b, n_boot: int = 10000, seed: int = 0, level: float = 0.95) -> dict:
    """Difference of mean accuracy ``mean(a) - mean(b)`` with a paired bootstrap interval.

    ``a`` and ``b`` are ``[seeds, inputs]`` arrays of 0/1 (correct or not) on the same inputs
    (a 1-D array is one seed). Inputs are resampled with replacement, all seeds of an input
    together. Returns ``diff``, ``low``, ``high`` (the ``level`` interval) and ``p`` (two-sided
    bootstrap p-value: twice the smaller tail mass at 0).
    """
    a, b = _as_2d(a), _as_2d(b)
    if a.shape != b.shape:
        raise ValueError(f"paired samples need the same shape, got {a.shape} and {b.shape}")
    per_input = (a - b).mean(axis=0)  # each input's accuracy difference, averaged over seeds
    n = per_input.size
    rng = np.random.default_rng(seed)
    means = np.empty(n_boot)
    for lo in range(0, n_boot, 1000):  # bounded memory for large test sets
        hi = min(n_boot, lo + 1000)
        idx = rng.integers(0, n, size=(hi - lo, n))
        means[lo:hi] = per_input[idx].mean(axis=1)
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    p = 2 * min((means <= 0).mean(), (means >= 0).mean())
    return {"diff": float(per_input.mean()), "low": float(low), "high": float(high),
            "p": float(min(1.0, p)), "n_inputs": int(n), "n_seeds": int(a.shape[0])}


def paired_seeds(a, b, level: float = 0.95) -> dict:
    """Paired t interval of ``mean(a - b)`` over seeds (one score per seed, e.g. minus the
    energy of VQE, where there are no test inputs to resample).

    >>> d = paired_seeds([1.0, 1.2, 1.1], [0.5, 0.6, 0.55])
    >>> round(d["diff"], 3), verdict(d)
    (0.55, 'win')
    """
    from scipy import stats

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if d.size < 2:
        raise ValueError("a paired test over seeds needs at least 2 seeds")
    mean, sem = float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))
    if sem == 0:
        low = high = mean
        p = 0.0 if mean != 0 else 1.0
    else:
        t = stats.t.ppf(0.5 + level / 2, d.size - 1)
        low, high = mean - t * sem, mean + t * sem
        p = float(2 * stats.t.sf(abs(mean / sem), d.size - 1))
    return {"diff": mean, "low": float(low), "high": float(high), "p": p,
            "n_seeds": int(d.size)}


def mcnemar(a, b) -> float:
    """Exact two-sided McNemar p-value of two 0/1 vectors on the same inputs."""
    from scipy.stats import binomtest

    a, b = np.asarray(a).astype(bool), np.asarray(b).astype(bool)
    n01, n10 = int((a & ~b).sum()), int((~a & b).sum())
    if n01 + n10 == 0:
        return 1.0
    return float(binomtest(n01, n01 + n10, 0.5).pvalue)


def verdict(test: dict) -> str:
    """``win`` when the whole interval is above 0, ``loss`` when below, else ``tie``."""
    if test["low"] > 0:
        return "win"
    if test["high"] < 0:
        return "loss"
    return "tie"


def _as_2d(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[None, :] if x.ndim == 1 else x
