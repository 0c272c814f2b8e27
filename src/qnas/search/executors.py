"""Executors that evaluate a generation's candidates, yielding results in *submission* order.

Order (not completion time) decides what the search is told, so results are identical
whichever executor runs. ``LocalExecutor(workers=0 or 1)`` runs in-process;
``workers >= 2`` uses a ``ProcessPoolExecutor`` (the function and genomes must pickle).
``DaskExecutor`` / ``RayExecutor`` import their libraries lazily.

>>> with LocalExecutor(workers=0) as ex:
...     list(ex.map(abs, [-1, 2, -3]))
[1, 2, 3]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any


class Executor:
    """Base class: ``map(fn, items)`` yields ``fn(item)`` lazily in item order."""

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LocalExecutor(Executor):
    """In-process (``workers`` 0/1) or a process pool of ``workers`` processes."""

    def __init__(self, workers: int = 0, mp_context: str | None = None):
        if int(workers) < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        self.workers = int(workers)
        self.mp_context = mp_context
        self._pool = None

    def _get_pool(self):
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context(self.mp_context) if self.mp_context else None
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._pool

    def map(self, fn, items):
        items = list(items)
        if self.workers <= 1:
            return (fn(x) for x in items)
        futures = [self._get_pool().submit(fn, x) for x in items]
        return _in_order(futures, lambda f: f.result(), lambda f: f.cancel())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _in_order(futures: list, get, cancel) -> Iterator[Any]:
    try:
        for f in futures:
            yield get(f)
    finally:  # an error or an abandoned iterator: drop what has not run yet
        for f in futures:
            cancel(f)


class DaskExecutor(Executor):
    """``dask.distributed``: a scheduler ``address`` or a new ``LocalCluster``.

    ``cluster_kwargs`` go to ``LocalCluster`` (default: ``n_workers=2,
    threads_per_worker=1``; pass ``processes=False`` for a thread-based cluster).
    """

    def __init__(self, address: str | None = None, **cluster_kwargs):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ImportError(
                "DaskExecutor needs dask.distributed: pip install 'dask[distributed]'"
            ) from None
        self.address = address
        self.cluster_kwargs = {"n_workers": 2, "threads_per_worker": 1, **cluster_kwargs}
        self._client = None
        self._cluster = None

    def _get_client(self):
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.address is None:
                self._cluster = LocalCluster(**self.cluster_kwargs)
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.address)
        return self._client

    def map(self, fn, items):
        items = list(items)
        if not items:
            return iter(())
        futures = self._get_client().map(fn, items, pure=False)
        return _in_order(futures, lambda f: f.result(), lambda f: f.cancel())

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


class RayExecutor(Executor):
    """Ray tasks (``ray.init(address)`` unless ray is already initialised)."""

    def __init__(self, address: str | None = None, **init_kwargs):
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ImportError("RayExecutor needs ray: pip install ray") from None
        self.address = address
        self.init_kwargs = init_kwargs
        self._started = False

    def map(self, fn, items):
        import ray

        if not ray.is_initialized():
            ray.init(address=self.address, **self.init_kwargs)
            self._started = True
        remote = ray.remote(fn)
        refs = [remote.remote(x) for x in items]
        return _in_order(refs, ray.get, lambda r: ray.cancel(r))

    def close(self) -> None:
        if self._started:  # shut down only a local Ray this executor started
            import ray

            ray.shutdown()
            self._started = False


def make_executor(kind: str = "local", workers: int = 0, address: str | None = None) -> Executor:
    """An executor by name: ``local`` (``workers`` processes; 0 = in-process), ``dask`` or
    ``ray`` (a cluster at ``address``, else a local one with ``workers`` CPUs)."""
    if kind == "local":
        return LocalExecutor(workers=workers)
    if kind == "dask":
        return DaskExecutor(address=address) if address else DaskExecutor(n_workers=workers or 2)
    if kind == "ray":
        if address:
            return RayExecutor(address=address)
        return RayExecutor(num_cpus=workers or 2, include_dashboard=False)
    raise ValueError(f"unknown executor {kind!r}; expected 'local', 'dask' or 'ray'")
