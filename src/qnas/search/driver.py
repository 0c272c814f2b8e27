"""The search driver: ask -> evaluate (skipping cached keys) -> tell -> persist, resumable.

``evaluate_fn(genome) -> float`` (higher is better) is the caller's: train/evaluate the
SubCircuit with the layout on the (noisy) device. Results are appended to the store and
the search state is saved after every tell, so a killed run resumes where it stopped.

>>> import tempfile
>>> from qnas.spaces import SpecGenes
>>> from qnas.search import EvolutionSearch, SearchStore
>>> genes = SpecGenes.from_space("zzry", n_qubits=2, max_blocks=2)
>>> s = EvolutionSearch(genes, 3, population=4, parents=2, mutations=2, crossovers=1,
...                     iterations=3, seed=0)
>>> r = run_search(s, lambda g: -g.spec.n_blocks, SearchStore(tempfile.mkdtemp()),
...                progress=False)
>>> r.best_fitness
-1.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from qnas.search.executors import Executor, LocalExecutor
from qnas.search.genome import Genome
from qnas.search.storage import SearchStore


@dataclass
class SearchResult:
    """Outcome of :func:`run_search`."""

    best_genome: Genome | None
    best_fitness: float | None
    population: list[tuple[Genome, float | None]]
    pareto_front: list[tuple[Genome, float, int]] = field(default_factory=list)
    n_evaluated: int = 0  # evaluations run by this call
    n_cached: int = 0  # candidates answered from the store
    generations: int = 0
    n_told: int = 0  # candidates told over the whole search, across resumes


def run_search(
    search,
    evaluate_fn: Callable[[Genome], float],
    store: SearchStore,
    executor: Executor | None = None,
    progress: bool = True,
    key_fn: Callable[[Genome], str] | None = None,
) -> SearchResult:
    """Run ``search`` to completion, resuming from ``store`` if it holds a state."""
    from tqdm.auto import tqdm

    key_fn = key_fn or store.key
    cache = {k: float(r["fitness"]) for k, r in store.load_results().items()}
    state = store.load_state()
    if state is not None:
        search.load_state_dict(state)
    own = executor is None
    executor = executor or LocalExecutor(workers=0)
    n_eval = n_cached = 0
    bar = tqdm(
        total=search.iterations, initial=search.generation, disable=not progress, unit="gen",
        desc="search",
    )
    try:
        while not search.done:
            batch = search.ask()
            keys = [key_fn(g) for g in batch]
            todo, seen = [], set()
            for g, k in zip(batch, keys, strict=True):
                if k not in cache and k not in seen:
                    todo.append(g)
                    seen.add(k)
            results = executor.map(evaluate_fn, todo)
            gen = search.generation
            for g, k in zip(batch, keys, strict=True):
                if k in cache:
                    n_cached += 1
                else:
                    fit = float(next(results))
                    store.append_result(k, fit, g, generation=gen)
                    cache[k] = fit
                    n_eval += 1
                search.tell(g, cache[k])
                store.save_state(search.state_dict())
            if search.generation != gen:
                bar.update(search.generation - gen)
                if search.best is not None:
                    bar.set_postfix(best=f"{search.best[1]:.4g}")
    finally:
        bar.close()
        if own:
            executor.close()
    best = search.best
    front = search.pareto_front() if getattr(search, "multi_objective", False) else []
    return SearchResult(
        best_genome=best[0] if best else None,
        best_fitness=best[1] if best else None,
        population=search.current_population(),
        pareto_front=front,
        n_evaluated=n_eval,
        n_cached=n_cached,
        generations=search.generation,
        n_told=getattr(search, "n_told", n_eval + n_cached),
    )
