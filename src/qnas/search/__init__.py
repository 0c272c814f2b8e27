"""Noise-adaptive evolutionary co-search of SubCircuits and qubit layouts.

>>> import tempfile
>>> from qnas.spaces import SpecGenes
>>> genes = SpecGenes.from_space("u3cu3", n_qubits=2, max_blocks=2)
>>> search = EvolutionSearch(genes, n_device_qubits=5, population=6, parents=2,
...                          mutations=3, crossovers=1, iterations=2, seed=0)
>>> result = run_search(search, lambda g: -sum(g.layout), SearchStore(tempfile.mkdtemp()),
...                     progress=False)
>>> result.generations
2
"""

from qnas.search.driver import SearchResult, run_search
from qnas.search.evolution import Constraints, EvolutionSearch
from qnas.search.executors import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    ProcessExecutor,
    RayExecutor,
)
from qnas.search.genome import (
    Genome,
    GenomeSpace,
    grow_connected,
    is_connected,
    random_layout,
    repair_layout,
    sample_layout,
    validate_layout,
)
from qnas.search.operators import ParetoSelection, TopKSelection, UniformCrossover, UniformMutation
from qnas.search.pareto import dominates, non_dominated_ranks, pareto_front
from qnas.search.random_search import RandomSearch
from qnas.search.storage import SearchStore, candidate_key

__all__ = [
    "Constraints",
    "DaskExecutor",
    "EvolutionSearch",
    "Executor",
    "Genome",
    "GenomeSpace",
    "LocalExecutor",
    "ProcessExecutor",
    "ParetoSelection",
    "RandomSearch",
    "RayExecutor",
    "SearchResult",
    "SearchStore",
    "TopKSelection",
    "UniformCrossover",
    "UniformMutation",
    "candidate_key",
    "dominates",
    "non_dominated_ranks",
    "pareto_front",
    "grow_connected",
    "is_connected",
    "random_layout",
    "sample_layout",
    "repair_layout",
    "run_search",
    "validate_layout",
]
