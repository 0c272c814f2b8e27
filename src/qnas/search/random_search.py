"""Random search as an ask/tell searcher: a seeded list of candidates, told batch by batch.

It runs under the same driver and store as :class:`~qnas.search.EvolutionSearch`
(:func:`~qnas.search.run_search`), so it is cached and resumes mid-way in the same way. The
candidates are ``initial`` (if given) then draws from ``sample(rng)`` with
``numpy.random.default_rng(seed)``; the best is the first candidate with the highest fitness.

>>> import tempfile
>>> from qnas.search import SearchStore, run_search
>>> s = RandomSearch(lambda rng: int(rng.integers(100)), budget=10, seed=0, batch_size=4)
>>> s.iterations, len(s.ask())
(3, 4)
>>> r = run_search(s, lambda g: -abs(g - 50), SearchStore(tempfile.mkdtemp()), progress=False,
...                key_fn=str)
>>> r.best_genome, r.n_told
(51, 10)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

STATE_FORMAT = 1


class RandomSearch:
    """``budget`` candidates ``sample(rng)``, asked ``batch_size`` at a time (module doc)."""

    multi_objective = False

    def __init__(self, sample: Callable[[np.random.Generator], object], budget: int,
                 seed: int = 0, batch_size: int = 10, initial: Sequence = ()):
        if int(budget) < 1 or int(batch_size) < 1:
            raise ValueError(f"budget and batch_size must be >= 1, got {budget}, {batch_size}")
        rng = np.random.default_rng(int(seed))
        first = list(initial)[: int(budget)]  # e.g. the co-search's own generation-0 seeds
        self.candidates = first + [sample(rng) for _ in range(int(budget) - len(first))]
        self.budget, self.seed, self.batch_size = int(budget), int(seed), int(batch_size)
        self.fitness: list[float] = []
        self.best: tuple[object, float] | None = None

    @property
    def iterations(self) -> int:
        return math.ceil(self.budget / self.batch_size)

    @property
    def generation(self) -> int:
        """Batches fully told."""
        return len(self.fitness) // self.batch_size if not self.done else self.iterations

    @property
    def n_told(self) -> int:
        return len(self.fitness)

    @property
    def done(self) -> bool:
        return len(self.fitness) >= self.budget

    def ask(self) -> list:
        """The untold candidates of the current batch (same list until told)."""
        start = len(self.fitness)
        end = min(self.budget, (start // self.batch_size + 1) * self.batch_size)
        return self.candidates[start:end]

    def tell(self, candidate, fitness: float) -> None:
        f = float(fitness)
        if math.isnan(f):
            raise ValueError(f"fitness of {candidate} is NaN")
        if self.done or self.candidates[len(self.fitness)] != candidate:
            raise ValueError(f"{candidate} is not the next pending candidate")
        self.fitness.append(f)
        if self.best is None or f > self.best[1]:
            self.best = (candidate, f)

    def current_population(self) -> list[tuple[object, float | None]]:
        return list(zip(self.candidates, self.fitness + [None] * (self.budget - self.n_told)))

    def state_dict(self) -> dict:
        return {"format": STATE_FORMAT, "budget": self.budget, "seed": self.seed,
                "batch_size": self.batch_size, "fitness": list(self.fitness)}

    def load_state_dict(self, state: dict) -> None:
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ValueError(f"random-search state has an unknown format (expected "
                             f"{STATE_FORMAT})")
        mine = (self.budget, self.seed, self.batch_size)
        theirs = (state.get("budget"), state.get("seed"), state.get("batch_size"))
        if mine != theirs:
            raise ValueError(f"stored random-search state was made with (budget, seed, "
                             f"batch_size) = {theirs}, not {mine}")
        self.fitness, self.best = [], None
        for c, f in zip(self.candidates, state["fitness"]):
            self.tell(c, f)
