"""Pareto fronts for (fitness: maximise, 2-qubit gate count: minimise).

>>> pts = [(0.9, 10), (0.8, 4), (0.7, 4), (0.95, 12), (0.5, 1), (0.4, 2)]
>>> pareto_front(pts)
[4, 1, 0, 3]
>>> non_dominated_ranks(pts)
[0, 0, 1, 0, 0, 1]
"""

from __future__ import annotations

from collections.abc import Sequence


def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """``a`` is at least as good in both objectives and better in one."""
    return a[0] >= b[0] and a[1] <= b[1] and (a[0] > b[0] or a[1] < b[1])


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the non-dominated points, by increasing cost (then decreasing fitness).

    Of exactly equal points only the first is kept.
    """
    keep = []
    for i, p in enumerate(points):
        if any(dominates(q, p) for q in points):
            continue
        if any(tuple(points[j]) == tuple(p) for j in keep):
            continue
        keep.append(i)
    return sorted(keep, key=lambda i: (points[i][1], -points[i][0], i))


def non_dominated_ranks(points: Sequence[tuple[float, float]]) -> list[int]:
    """Front number of every point (0 = non-dominated), as in NSGA-II."""
    n = len(points)
    ranks = [-1] * n
    left = set(range(n))
    r = 0
    while left:
        front = [i for i in left if not any(dominates(points[j], points[i]) for j in left)]
        for i in front:
            ranks[i] = r
        left -= set(front)
        r += 1
    return ranks
