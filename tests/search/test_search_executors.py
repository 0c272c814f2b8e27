"""Executors give identical search results (results are told in ask order)."""

import json
import time

import pytest

from qnas.search import DaskExecutor, EvolutionSearch, LocalExecutor, SearchStore, run_search
from qnas.spaces import SpecGenes

GENES = SpecGenes.from_space("u3cu3", n_qubits=2, max_blocks=3)


def slow_fitness(g):
    # later candidates of a batch finish first, to expose completion-order bugs
    time.sleep(0.002 * (10 - sum(g.layout) % 10))
    return float(sum(g.genes) - 2 * g.layout[0] + 0.1 * g.layout[1])


def run(tmp_path, executor, name):
    search = EvolutionSearch(GENES, n_device_qubits=4, population=8, parents=3, mutations=4,
                             crossovers=2, iterations=4, seed=11)
    store = SearchStore(tmp_path / name, fsync=False)
    with executor:
        res = run_search(search, slow_fitness, store, executor=executor, progress=False)
    log = [json.loads(x) for x in store.results_path.read_text().splitlines()]
    return res, [(r["key"], r["fitness"]) for r in log]


def test_local_in_process_and_process_pool_identical(tmp_path):
    a = run(tmp_path, LocalExecutor(workers=0), "inproc")
    b = run(tmp_path, LocalExecutor(workers=2), "pool")
    assert a[0].population == b[0].population and a[0].best_genome == b[0].best_genome
    assert a[1] == b[1] and len(a[1]) == a[0].n_evaluated


def test_dask_identical(tmp_path):
    pytest.importorskip("distributed")
    a = run(tmp_path, LocalExecutor(workers=1), "inproc")
    d = run(tmp_path, DaskExecutor(n_workers=2, processes=False, dashboard_address=None),
            "dask")
    assert a[0].population == d[0].population and a[0].best_genome == d[0].best_genome
    assert a[1] == d[1]


def test_executor_errors_and_laziness():
    with pytest.raises(ValueError, match="workers"):
        LocalExecutor(workers=-1)
    calls = []

    def f(x):
        calls.append(x)
        return x * 2

    it = LocalExecutor(0).map(f, [1, 2, 3])
    assert next(it) == 2 and calls == [1]  # in-process map is lazy: a failure stops it


@pytest.mark.slow
def test_dask_process_cluster_identical(tmp_path):
    pytest.importorskip("distributed")
    import sys

    import cloudpickle

    # worker processes cannot import this test module by name: ship its functions by value
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        d = run(tmp_path, DaskExecutor(n_workers=2, processes=True), "dask_proc")
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    a = run(tmp_path, LocalExecutor(workers=0), "inproc")
    assert a[0].population == d[0].population and a[1] == d[1]


def test_ray_identical(tmp_path):
    pytest.importorskip("ray")
    import sys

    from ray import cloudpickle

    from qnas.search.executors import make_executor

    # Ray workers cannot import this test module by name: ship its functions by value
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        r = run(tmp_path, make_executor("ray", workers=2), "ray")
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    a = run(tmp_path, LocalExecutor(workers=0), "inproc")
    assert a[0].population == r[0].population and a[0].best_genome == r[0].best_genome
    assert a[1] == r[1] and len(a[1]) == a[0].n_evaluated
