"""Executors give identical search results (results are told in ask order).

The Dask and Ray tests share one 2-worker local cluster per engine (module fixtures) and
evaluate the pipeline's real fitness objects (``NoisyFitness``, ``EnergyFitness``) there.
"""

import json
import sys
import time

import numpy as np
import pytest

from qnas.search import DaskExecutor, EvolutionSearch, LocalExecutor, SearchStore, run_search
from qnas.search.executors import QNAS_PRELOAD, RayExecutor, make_executor
from qnas.spaces import SpecGenes

GENES = SpecGenes.from_space("u3cu3", n_qubits=2, max_blocks=3)


def slow_fitness(g):
    # later candidates of a batch finish first, to expose completion-order bugs
    time.sleep(0.002 * (10 - sum(g.layout) % 10))
    return float(sum(g.genes) - 2 * g.layout[0] + 0.1 * g.layout[1])


def run(tmp_path, executor, name, close=True):
    search = EvolutionSearch(GENES, n_device_qubits=4, population=8, parents=3, mutations=4,
                             crossovers=2, iterations=4, seed=11)
    store = SearchStore(tmp_path / name, fsync=False)
    res = run_search(search, slow_fitness, store, executor=executor, progress=False)
    if close:
        executor.close()
    log = [json.loads(x) for x in store.results_path.read_text().splitlines()]
    return res, [(r["key"], r["fitness"]) for r in log]


@pytest.fixture(scope="module")
def by_value():
    """Cluster workers cannot import this test module by name: ship its functions by value."""
    picklers = []
    for mod in ("cloudpickle", "ray.cloudpickle"):
        try:
            picklers.append(__import__(mod, fromlist=["x"]))
        except ImportError:
            pass
    for p in picklers:
        p.register_pickle_by_value(sys.modules[__name__])
    yield
    for p in picklers:
        p.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def dask_ex(by_value):
    pytest.importorskip("distributed")
    ex = DaskExecutor(workers=2, overlap=False, preload=QNAS_PRELOAD)
    ex.start()
    yield ex
    ex.close()


@pytest.fixture(scope="module")
def ray_ex(by_value):
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        pytest.skip("a Ray is already running in this process")
    ex = RayExecutor(workers=2, overlap=False, preload=QNAS_PRELOAD)
    ex.start()
    yield ex
    ex.close()


@pytest.fixture(params=["dask", "ray"])
def cluster(request):
    return request.getfixturevalue(f"{request.param}_ex")


@pytest.fixture(scope="module")
def digits():
    """A tiny classification context (1 block, 16 validation inputs) and 8 genomes."""
    from qnas.config import load_config
    from qnas.pipeline.context import Context
    from qnas.search import GenomeSpace

    ctx = Context(load_config(overrides={"model": {"blocks": 1},
                                         "search": {"valid_samples": 16}}))
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    space = GenomeSpace(genes, ctx.target.n_qubits)
    rng = np.random.default_rng(3)
    return ctx, [space.random(rng) for _ in range(8)]


def test_local_in_process_and_process_pool_identical(tmp_path):
    a = run(tmp_path, LocalExecutor(workers=0), "inproc")
    b = run(tmp_path, LocalExecutor(workers=2, overlap=False), "pool")
    assert a[0].population == b[0].population and a[0].best_genome == b[0].best_genome
    assert a[1] == b[1] and len(a[1]) == a[0].n_evaluated


class _Counting:
    """Counts its own calls: a worker that keeps one unpickled copy counts on."""

    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        import os

        self.calls += 1
        return x, os.getpid(), self.calls


def test_process_pool_ships_the_callable_once_per_worker():
    fn = _Counting()
    with LocalExecutor(workers=2, overlap=False, preload=()) as ex:
        first = list(ex.map(fn, range(8)))
        second = list(ex.map(fn, range(8, 16)))
    out = first + second
    assert [x for x, _, _ in out] == list(range(16))  # submission order
    per_pid: dict = {}
    for _, pid, calls in out:
        per_pid.setdefault(pid, []).append(calls)
    assert sum(len(v) for v in per_pid.values()) == 16
    for counts in per_pid.values():  # one copy per worker, kept across both maps
        assert sorted(counts) == list(range(1, len(counts) + 1))
    assert fn.calls == 0  # nothing ran in the driver


def test_process_pool_starts_only_when_it_can_pay_and_then_shares_the_work():
    with LocalExecutor(workers=2, preload=()) as ex:  # a short job: no pool started
        assert list(ex.map(abs, [-1, -2, 3])) == [1, 2, 3]
        assert ex.stats["local"] == 3 and ex.stats["remote"] == 0 and ex.stats["start_s"] is None
    with LocalExecutor(workers=2, preload=(), start_after_s=0.0) as ex:
        out = [list(ex.map(abs, range(-40, 0))) for _ in range(3)]
        assert out == [list(range(40, 0, -1))] * 3
        assert ex.stats["local"] + ex.stats["remote"] == 120 and ex.stats["local"] >= 1


def test_executor_errors_and_laziness():
    with pytest.raises(ValueError, match="workers"):
        LocalExecutor(workers=-1)
    with pytest.raises(ValueError, match="address"):
        make_executor("local", address="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor("spark")
    calls = []

    def f(x):
        calls.append(x)
        return x * 2

    it = LocalExecutor(0).map(f, [1, 2, 3])
    assert next(it) == 2 and calls == [1]  # in-process map is lazy: a failure stops it


def test_cluster_search_identical(tmp_path, cluster):
    a = run(tmp_path, LocalExecutor(workers=0), "inproc")
    before = dict(cluster.stats)
    c = run(tmp_path, cluster, f"{cluster.engine}", close=False)
    assert a[0].population == c[0].population and a[0].best_genome == c[0].best_genome
    assert a[1] == c[1] and len(a[1]) == a[0].n_evaluated
    assert cluster.stats["remote"] - before["remote"] == a[0].n_evaluated
    assert cluster.stats["local"] == before["local"]  # overlap=False: all on the workers


@pytest.mark.parametrize("noise", [True, False])
def test_cluster_pipeline_fitness_identical(cluster, digits, noise):
    ctx, genomes = digits
    fitness = ctx.fitness(ctx.sc.weights, noise)  # a NoisyFitness instance, not a function
    local = [fitness(g) for g in genomes]
    shipped = cluster.stats["shipped"]
    assert list(cluster.map(fitness, genomes)) == local
    assert list(cluster.map(fitness, genomes[::-1])) == local[::-1]  # order kept
    assert cluster.stats["shipped"] == shipped + 1  # the callable went out once, not per item


def test_cluster_energy_fitness_identical(cluster):
    from qnas.config import load_config
    from qnas.pipeline.context import Context
    from qnas.search import GenomeSpace

    ctx = Context(load_config(overrides={"task": "vqe_h2", "model": {"blocks": 1}}))
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    rng = np.random.default_rng(0)
    genomes = [GenomeSpace(genes, ctx.target.n_qubits).random(rng) for _ in range(4)]
    fitness = ctx.fitness(ctx.sc.weights)  # EnergyFitness
    assert list(cluster.map(fitness, genomes)) == [fitness(g) for g in genomes]


def test_cluster_overlap_mixes_driver_and_workers(cluster, digits):
    """While the workers are cold, the driver evaluates the front of the batch itself."""
    ctx, genomes = digits
    fitness = ctx.fitness(ctx.sc.weights, noise=False)
    local = [fitness(g) for g in genomes]
    before = dict(cluster.stats)
    cluster.overlap, cluster._remote_done, cluster.chunk_s = True, 0, 0.0  # workers "cold"
    try:
        got = list(cluster.map(fitness, genomes + genomes))
    finally:
        cluster.overlap, cluster.chunk_s = False, 0.2
    assert got == local + local
    assert cluster.stats["local"] > before["local"] and cluster.stats["remote"] > before["remote"]


def test_dask_workers_are_quiet_and_single_threaded(dask_ex):
    def probe():
        import os

        import torch

        return torch.get_num_threads(), os.environ.get("MALLOC_TRIM_THRESHOLD_")

    assert set(dask_ex._client.run(probe).values()) == {(1, None)}


def test_dask_existing_cluster_address(tmp_path, by_value):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as lc:
        # an in-process cluster keeps dask's profiler on: the executor says it is slow
        with pytest.warns(RuntimeWarning, match="profil"):
            a = run(tmp_path, make_executor("dask", address=lc.scheduler_address,
                                            overlap=False), "addr")
    b = run(tmp_path, LocalExecutor(workers=0), "inproc")
    assert a[1] == b[1]


def test_cluster_not_started_for_a_small_search(tmp_path):
    pytest.importorskip("distributed")
    ex = DaskExecutor(workers=2, start_after_s=60.0)
    a = run(tmp_path, ex, "small")
    assert ex._thread is None and ex.stats["local"] == a[0].n_evaluated


def test_dask_starts_in_the_background_while_the_driver_works(tmp_path, by_value):
    pytest.importorskip("distributed")
    ex = DaskExecutor(workers=2, processes=False, start_after_s=0.0)  # a thread cluster: cheap
    d = run(tmp_path, ex, "dask_bg")
    a = run(tmp_path, LocalExecutor(workers=0), "inproc")
    assert a[0].population == d[0].population and a[1] == d[1]
    ex.join()  # close() shuts the cluster down in the background
    assert ex.stats["local"] > 0 and ex._thread is not None and not ex._thread.is_alive()
