"""Ask/tell over a fixed list of candidates, for the training-free strategies.

:class:`CandidateSearch` is :class:`~qnas.search.RandomSearch` over candidates drawn up front
(from a seed), so it runs under the same driver and store as the co-search
(:func:`~qnas.search.run_search`: cached, resumable mid-way). It adds the full ranking (the
strategies keep the top ones, not only the best) and the search's wall time summed over
sessions (kept in its state, so a resumed search still reports its whole cost).

>>> import tempfile
>>> from qnas.search import SearchStore, run_search
>>> s = CandidateSearch(["a", "bbb", "cc"], batch_size=2)
>>> r = run_search(s, len, SearchStore(tempfile.mkdtemp()), progress=False, key_fn=str)
>>> [c for c, _ in s.ranking()], r.n_told
(['bbb', 'cc', 'a'], 3)
"""

from __future__ import annotations

import time

from qnas.search.random_search import RandomSearch


class CandidateSearch(RandomSearch):
    """``candidates`` told ``batch_size`` at a time (module docstring)."""

    def __init__(self, candidates, seed: int = 0, batch_size: int = 10):
        items = list(candidates)
        it = iter(items)
        super().__init__(lambda rng: next(it), len(items), seed, batch_size)
        self.seconds = 0.0
        self._clock: float | None = None

    def ask(self) -> list:
        if self._clock is None:
            self._clock = time.perf_counter()
        return super().ask()

    def tell(self, candidate, fitness: float) -> None:
        super().tell(candidate, fitness)
        if self._clock is not None:
            now = time.perf_counter()
            self.seconds += now - self._clock
            self._clock = now

    def ranking(self) -> list[tuple[object, float]]:
        """Told candidates, best first (ties: the earlier candidate first)."""
        told = list(zip(self.candidates, self.fitness))
        order = sorted(range(len(told)), key=lambda i: (-told[i][1], i))
        return [told[i] for i in order]

    def state_dict(self) -> dict:
        return {**super().state_dict(), "seconds": self.seconds}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.seconds, self._clock = float(state.get("seconds", 0.0)), None


__all__ = ["CandidateSearch"]
