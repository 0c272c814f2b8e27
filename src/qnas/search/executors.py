"""Executors that evaluate a generation's candidates, yielding results in *submission* order.

Order (not completion time) decides what the search is told, so results are identical
whichever executor runs. ``LocalExecutor(workers=0 or 1)`` runs in-process;
``workers >= 2`` runs a :class:`ProcessExecutor`, a local process pool scheduled like the
clusters below (the function and genomes must pickle).

``DaskExecutor`` / ``RayExecutor`` (libraries imported lazily) run on a cluster: a new local
one with ``workers`` single-threaded processes, or an existing one at ``address``
(``tcp://scheduler:8786``; ``auto`` or ``ray://head:10001``). They:

* ship the callable (any picklable function or instance, with its data) to each worker
  process *once* (``client.scatter`` / ``ray.put`` of its pickle; every worker unpickles it
  once and keeps it, with its caches, while the same pickle comes back), and send the
  candidates in chunks sized from the measured evaluation time (~``chunk_s`` = 0.2 s of work
  per task, at least two tasks per worker and batch);
* start the cluster in the background once the driver has evaluated for ``start_after_s``
  seconds (a search too small to pay for a cluster never starts one), and keep evaluating in
  the driver, from the front of the batch, until every worker has answered: start-up and each
  worker's first (cold) evaluations are hidden behind useful work (``overlap=False``: wait
  for the cluster and evaluate everything there);
* keep the engines quiet (no INFO lines; warnings only when something is wrong) and give each
  worker 1 torch thread (``threads``): small circuits are fastest single-threaded. A local
  Dask cluster runs without the worker profiler and ``MALLOC_TRIM_THRESHOLD_`` (each slows
  this GIL-heavy simulation by tens of percent); remote Dask workers with them get a warning;
* shut the cluster down in the background on ``close()`` (``close(wait=True)`` or
  ``join()`` wait; so do the next start of the same engine and the interpreter's exit).

>>> with LocalExecutor(workers=0) as ex:
...     list(ex.map(abs, [-1, 2, -3]))
[1, 2, 3]
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import math
import os
import pickle
import sys
import threading
import time
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

# Modules each cluster worker imports when it starts (the search's fitness), so a worker that
# cannot import qnas fails at once with a clear message rather than at its first candidate;
# a preloaded module's ``warm_up()`` then runs once (the compiler's loads Qiskit's plugins).
QNAS_PRELOAD = ("qnas.pipeline.fitness", "qnas.noisy", "qnas.compile.compiler")


class Executor:
    """Base class: ``map(fn, items)`` yields ``fn(item)`` lazily in item order."""

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def start(self, wait: bool = True) -> None:
        """Start the executor's workers, if it has any (in the background unless ``wait``)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LocalExecutor(Executor):
    """In-process (``workers`` 0/1) or, with ``workers >= 2``, a :class:`ProcessExecutor` of
    that many local processes (``kwargs`` go to it)."""

    def __init__(self, workers: int = 0, **kwargs):
        if int(workers) < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        self.workers = int(workers)
        self._pool = ProcessExecutor(self.workers, **kwargs) if self.workers >= 2 else None

    @property
    def stats(self) -> dict:
        return self._pool.stats if self._pool is not None else {}

    def start(self, wait: bool = True) -> None:
        if self._pool is not None:
            self._pool.start(wait)

    def map(self, fn, items):
        if self._pool is None:
            return (fn(x) for x in list(items))
        return self._pool.map(fn, items)

    def close(self, wait: bool = True) -> None:
        """Shut the pool down (a local pool closes in a fraction of a second: by default
        this waits for it, so no pool outlives its executor)."""
        if self._pool is not None:
            self._pool.close(wait)


# ---------------------------------------------------------------- worker side (any engine)

_WORKER_FNS: OrderedDict[str, Callable] = OrderedDict()  # pickle digest -> callable
_WORKER_LOCK = threading.Lock()
_WORKER_KEEP = 4  # callables a worker keeps (a pipeline has one per search)


def _set_threads(threads: int) -> None:
    """Give torch (if this process uses it) ``threads`` intra-op threads; 0 leaves it."""
    if threads > 0 and "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def _warm_worker(threads: int, preload: Sequence[str]) -> int:
    """Run once per worker at start-up: import ``preload`` (and run each module's
    ``warm_up()``, if it has one) and limit the torch threads."""
    import importlib

    if threads > 0:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ.setdefault(var, str(threads))
    if threads == 1:  # Qiskit's own threads too (Sabre's parallel trials): Qiskit's flag
        os.environ.setdefault("QISKIT_IN_PARALLEL", "TRUE")  # for its own worker processes
    for name in preload:
        warm = getattr(importlib.import_module(name), "warm_up", None)
        if callable(warm):
            warm()
    _set_threads(threads)
    return os.getpid()


DASK_MALLOC_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def _warm_dask_worker(threads: int, preload: Sequence[str], dask_worker=None) -> dict:
    """:func:`_warm_worker` on a Dask worker; returns its settings that slow a GIL-heavy
    evaluation (see ``DaskExecutor``)."""
    _warm_worker(threads, preload)
    out = {}
    if dask_worker is not None and "profile" in dask_worker.periodic_callbacks:
        out["distributed.worker.profile.enabled"] = True
    if os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        out["MALLOC_TRIM_THRESHOLD_"] = os.environ["MALLOC_TRIM_THRESHOLD_"]
    return out


def _worker_fn(digest: str, fetch: Callable[[], bytes]) -> Callable:
    """The callable with this pickle ``digest``, unpickled once per worker process."""
    with _WORKER_LOCK:
        fn = _WORKER_FNS.get(digest)
        if fn is None:
            fn = pickle.loads(fetch())
            _WORKER_FNS[digest] = fn
            while len(_WORKER_FNS) > _WORKER_KEEP:
                _WORKER_FNS.popitem(last=False)
        else:
            _WORKER_FNS.move_to_end(digest)
    return fn


def _run_chunk(digest: str, blob: bytes, threads: int, items: list) -> tuple[list, float]:
    """Evaluate ``items`` with the shipped callable; results and the compute seconds."""
    fn = _worker_fn(digest, lambda: blob)
    _set_threads(threads)
    t0 = time.perf_counter()
    out = [fn(x) for x in items]
    return out, time.perf_counter() - t0


def _run_chunk_ray(digest: str, box: list, threads: int, items: list) -> tuple[list, float]:
    """:func:`_run_chunk` for Ray: ``box`` holds the pickle's object ref, fetched only by a
    worker that has not unpickled this callable yet."""
    import ray

    fn = _worker_fn(digest, lambda: ray.get(box[0]))
    _set_threads(threads)
    t0 = time.perf_counter()
    out = [fn(x) for x in items]
    return out, time.perf_counter() - t0


# ---------------------------------------------------------------- driver side


_LIVE: weakref.WeakSet = weakref.WeakSet()  # started, not yet closed


@atexit.register
def _close_all() -> None:  # a forgotten close() must not leave a cluster running
    for ex in list(_LIVE):
        ex.close(wait=True)


class _Chunk:
    __slots__ = ("start", "stop", "future", "result")

    def __init__(self, start, stop, future):
        self.start, self.stop, self.future, self.result = start, stop, future, None


class ClusterExecutor(Executor):
    """Shared scheduling of :class:`DaskExecutor` and :class:`RayExecutor` (see the module
    docstring); an engine provides ``_start``, ``_ship``, ``_submit``, ``_done``, ``_get``,
    ``_cancel``, ``_shutdown`` and ``_dumps``."""

    engine = "cluster"

    def __init__(self, address: str | None = None, workers: int = 2, threads: int = 1,
                 overlap: bool = True, start_after_s: float = 2.0, chunk_s: float = 0.2,
                 preload: Sequence[str] = ()):
        if int(workers) < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.address = address
        self.workers = int(workers)
        self.threads = int(threads)
        self.overlap = bool(overlap)
        self.start_after_s = float(start_after_s)
        self.chunk_s = float(chunk_s)
        self.preload = tuple(preload)
        self.n_workers = self.workers  # of the cluster, once started
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._shipped: tuple[str, Any] | None = None  # (digest, engine handle)
        self._remote_done = 0  # chunks answered by the cluster
        self._local_s = 0.0  # seconds the driver has spent evaluating
        self._item_s: float | None = None  # mean seconds per evaluation
        self._closed = False
        # evaluations in the driver / on the cluster, their compute seconds, chunks sent,
        # callables shipped, seconds the cluster took to start and warm up
        self.stats = {"local": 0, "remote": 0, "local_s": 0.0, "remote_s": 0.0, "chunks": 0,
                      "shipped": 0, "start_s": None}

    # -- engine hooks
    def _start(self) -> None:
        raise NotImplementedError

    def _dumps(self, fn) -> bytes:
        raise NotImplementedError

    def _ship(self, blob: bytes):
        raise NotImplementedError

    def _submit(self, digest: str, handle, items: list):
        raise NotImplementedError

    def _done(self, future) -> bool:
        raise NotImplementedError

    def _get(self, future) -> tuple[list, float]:
        raise NotImplementedError

    def _cancel(self, futures: list) -> None:
        raise NotImplementedError

    def _shutdown(self) -> None:
        raise NotImplementedError

    # -- start-up
    def start(self, wait: bool = True) -> None:
        """Start (or connect to) the cluster in the background; ``wait``: until it is up."""
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")
        if self._thread is None:
            for other in list(_LIVE):  # one engine, one cluster at a time in a process
                if other._closed and other.engine == self.engine:
                    other.join()
            # One thread starts the cluster, waits for close() and shuts it down: Ray's
            # processes die with the thread that started them (parent-death signal).
            self._thread = threading.Thread(target=self._lifecycle, daemon=True,
                                            name=f"qnas-{self.engine}-executor")
            _LIVE.add(self)
            self._thread.start()
        if wait:
            self._wait_started()
            self._raise_start_error()

    def _wait_started(self) -> None:
        while not self._ready.wait(0.05):
            pass

    def _lifecycle(self) -> None:
        t0 = time.perf_counter()
        try:
            self._start()
            self.stats["start_s"] = round(time.perf_counter() - t0, 3)
            # run at exit before the engines' own handlers (registered later, run earlier),
            # which would close this cluster under the thread that is closing it
            atexit.unregister(_close_all)
            atexit.register(_close_all)
        except BaseException as e:  # reported by the driver thread
            self._error = e
        finally:
            self._ready.set()
        self._stop.wait()
        try:
            self._shutdown()
        except Exception as e:  # pragma: no cover - a cluster that would not close
            warnings.warn(f"closing the {self.engine} executor: {e}", RuntimeWarning,
                          stacklevel=1)

    def _raise_start_error(self) -> None:
        if self._error is not None:
            where = f"at {self.address!r}" if self.address else "(local cluster)"
            raise RuntimeError(f"{self.engine} executor {where} could not start: "
                               f"{self._error}") from self._error

    @property
    def ready(self) -> bool:
        """The cluster is up and its workers warmed (imports done, threads set)."""
        if self._ready.is_set():
            self._raise_start_error()
            return True
        return False

    def _helping(self) -> bool:
        """Whether the driver evaluates too: until every worker has answered once."""
        if not self.overlap:
            return False
        return not self.ready or self._remote_done < self.n_workers

    # -- scheduling
    def _chunk_size(self, n_left: int) -> int:
        """Items per task: ~``chunk_s`` seconds of work (each task costs the engine and the
        worker's event loop some time), but at least two tasks per worker for balance."""
        cap = max(1, math.ceil(n_left / (2 * self.n_workers)))
        if self._item_s is None:
            return cap
        return max(1, min(cap, round(self.chunk_s / max(self._item_s, 1e-6))))

    def _observe(self, n: int, seconds: float) -> None:
        if n:
            s = seconds / n
            self._item_s = s if self._item_s is None else 0.7 * self._item_s + 0.3 * s

    def _ensure_shipped(self, fn) -> tuple[str, Any]:
        blob = self._dumps(fn)
        digest = hashlib.blake2b(blob, digest_size=16).hexdigest()
        if self._shipped is None or self._shipped[0] != digest:
            self._shipped = (digest, self._ship(blob))
            self.stats["shipped"] += 1
        return self._shipped

    def map(self, fn, items):
        items = list(items)
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")
        if not self.overlap:
            self.start(wait=True)
        elif self._thread is None and self._local_s >= self.start_after_s:
            self.start(wait=False)
        return self._schedule(fn, items)

    def _schedule(self, fn, items: list) -> Iterator[Any]:
        """Yield ``fn(item)`` in item order. Unassigned items are ``head..tail``. Warm
        workers get them all, in chunks from the front. While the workers are starting or
        cold, the driver evaluates the front one item at a time and the cluster gets chunks
        from the back (at most two per worker in flight), until the two meet."""
        n = len(items)
        local: dict[int, Any] = {}
        chunks: list[_Chunk] = []
        by_item: dict[int, _Chunk] = {}
        head, tail, nxt = 0, n - 1, 0
        shipped = None

        def submit(lo, hi):
            ch = _Chunk(lo, hi, self._submit(shipped[0], shipped[1], items[lo:hi]))
            self.stats["chunks"] += 1
            chunks.append(ch)
            for i in range(lo, hi):
                by_item[i] = ch

        try:
            while nxt < n:
                if nxt in local:
                    yield local.pop(nxt)
                    nxt += 1
                    continue
                c = by_item.get(nxt)
                if c is not None:  # nothing left for the driver: wait for the cluster
                    if c.result is None:
                        self._collect(c)
                    yield c.result[nxt - c.start]
                    if nxt == c.stop - 1:
                        c.result = ()  # free it
                    nxt += 1
                    continue
                if head <= tail and self.ready:
                    if shipped is None:
                        shipped = self._ensure_shipped(fn)
                    for x in chunks:  # answered ones, without waiting
                        if x.result is None and self._done(x.future):
                            self._collect(x)
                    if not self._helping():
                        size = self._chunk_size(tail - head + 1)
                        while head <= tail:
                            submit(head, min(head + size, tail + 1))
                            head += size
                        continue
                    busy = sum(1 for x in chunks if x.result is None)
                    while head <= tail and busy < 2 * self.n_workers:
                        lo = max(head, tail - self._chunk_size(tail - head + 1) + 1)
                        submit(lo, tail + 1)
                        tail = lo - 1
                        busy += 1
                    if head > tail:
                        continue
                # the driver evaluates the front of the batch itself
                t0 = time.perf_counter()
                local[head] = fn(items[head])
                dt = time.perf_counter() - t0
                self._local_s += dt
                self.stats["local_s"] += dt
                self.stats["local"] += 1
                self._observe(1, dt)
                head += 1
                if self.overlap and self._thread is None and self._local_s >= self.start_after_s:
                    self.start(wait=False)
        finally:  # an error or an abandoned iterator: drop what has not run yet
            self._cancel([c.future for c in chunks if c.result is None])

    def _collect(self, c: _Chunk) -> None:
        out, seconds = self._get(c.future)
        c.result = out
        self._remote_done += 1
        self.stats["remote"] += len(out)
        self.stats["remote_s"] += seconds
        self._observe(len(out), seconds)

    def close(self, wait: bool = False) -> None:
        """Shut the cluster down (a start in progress finishes first). In the background
        unless ``wait``: the next executor of this engine, and the interpreter's exit, wait
        for it."""
        if not self._closed:
            self._closed = True
            self._shipped = None
            self._stop.set()
        if wait:
            self.join()

    def join(self) -> None:
        """Wait until the cluster has shut down (after :meth:`close`)."""
        if self._thread is not None and self._thread is not threading.current_thread():
            while self._thread.is_alive():
                self._thread.join(0.05)
        _LIVE.discard(self)


class ProcessExecutor(ClusterExecutor):
    """A pool of ``workers`` local processes, scheduled as a cluster (module docstring):
    started once the driver has evaluated for ``start_after_s`` seconds, the callable
    unpickled once per worker (a fitness keeps its caches across generations), chunks sized
    from the measured evaluation time, the driver helping until every worker has answered.
    Workers start from a ``forkserver`` that imports ``preload`` once, where the platform has
    one (``mp_context``: another start method; a plain ``fork`` of a process that has run
    torch can deadlock in its OpenMP pool).

    >>> with ProcessExecutor(2, overlap=False, preload=()) as ex:
    ...     list(ex.map(abs, [-1, 2, -3]))
    [1, 2, 3]
    """

    engine = "processes"

    def __init__(self, workers: int = 2, threads: int = 1, mp_context: str | None = None,
                 preload: Sequence[str] = QNAS_PRELOAD, **kwargs):
        super().__init__(None, workers, threads, preload=preload, **kwargs)
        self.mp_context = mp_context
        self._pool = None

    def _start(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, wait

        method = self.mp_context
        if method is None and "forkserver" in multiprocessing.get_all_start_methods():
            method = "forkserver"
        ctx = multiprocessing.get_context(method) if method else None
        if method == "forkserver":
            ctx.set_forkserver_preload(list(self.preload))
        self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx,
                                         initializer=_warm_worker,
                                         initargs=(self.threads, self.preload))
        wait([self._pool.submit(os.getpid) for _ in range(self.workers)])

    def _dumps(self, fn):
        return pickle.dumps(fn)

    def _ship(self, blob):
        return blob

    def _submit(self, digest, handle, items):
        return self._pool.submit(_run_chunk, digest, handle, self.threads, items)

    def _done(self, future):
        return future.done()

    def _get(self, future):
        return future.result()

    def _cancel(self, futures):
        for f in futures:
            f.cancel()

    def _shutdown(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _quiet(names: Iterable[str], level: int = logging.WARNING) -> None:
    for name in names:
        lg = logging.getLogger(name)
        if lg.level < level:
            lg.setLevel(level)


class _DropMessages(logging.Filter):
    """Drops log records that start with one of ``prefixes`` (engine chatter, not problems)."""

    def __init__(self, prefixes: tuple[str, ...]):
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record):
        return not str(record.getMessage()).startswith(self.prefixes)


class DaskExecutor(ClusterExecutor):
    """``dask.distributed``: a scheduler ``address`` or a new ``LocalCluster``.

    ``cluster_kwargs`` go to ``LocalCluster`` (default: ``n_workers=workers,
    threads_per_worker=1``, no dashboard, logs at WARNING; pass ``processes=False`` for a
    thread-based cluster). ``start_method``: how its worker processes start (``forkserver``:
    forked from a server that imported ``preload`` once; ``spawn``: Dask's default).
    """

    engine = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None,
                 threads: int = 1, overlap: bool = True, start_after_s: float = 2.0,
                 chunk_s: float = 0.2, preload: Sequence[str] = (),
                 start_method: str = "forkserver", **cluster_kwargs):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ImportError(
                "DaskExecutor needs dask.distributed: pip install 'dask[distributed]'"
            ) from None
        workers = workers or cluster_kwargs.pop("n_workers", None) or 2
        super().__init__(address, workers, threads, overlap, start_after_s, chunk_s, preload)
        self.start_method = start_method
        quiet = {"silence_logs": logging.WARNING, "dashboard_address": None}
        if "dashboard_address" not in cluster_kwargs and "scheduler_kwargs" not in cluster_kwargs:
            # no dashboard, and its HTTP server on a free port (not a warning when 8787 is taken)
            quiet["scheduler_kwargs"] = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
        self.cluster_kwargs = {"n_workers": self.workers, "threads_per_worker": 1, **quiet,
                               **cluster_kwargs}
        self._client = None
        self._cluster = None

    def _start(self):
        from distributed import Client, LocalCluster

        _quiet(("distributed", "distributed.client", "distributed.scheduler",
                "distributed.nanny", "distributed.worker", "distributed.core"))
        if self.address is None:
            import dask

            # Dask's worker defaults slow a GIL-heavy simulation ~1.5-2x: the statistical
            # profiler samples the task thread every 10 ms and MALLOC_TRIM_THRESHOLD_=65536
            # returns memory to the OS on every few tensor frees. The nannies also write their
            # pre-spawn variables into this process's environment: put it back afterwards.
            # Workers fork from a server that imports ``preload`` once ("forkserver"), rather
            # than each importing torch and qnas anew ("spawn"): a quicker start on few cores.
            env = dict(os.environ)
            try:
                with dask.config.set({"distributed.worker.profile.enabled": False,
                                      DASK_MALLOC_KEY: None,
                                      "distributed.worker.multiprocessing-method":
                                          self.start_method}):
                    if self.start_method == "forkserver":
                        _forkserver_preload(self.preload)
                    self._cluster = LocalCluster(**self.cluster_kwargs)
            finally:
                for k in set(os.environ) - set(env):
                    del os.environ[k]
                os.environ.update(env)
            self._client = Client(self._cluster, set_as_default=False)
        else:
            self._client = Client(self.address, set_as_default=False)
            self._client.wait_for_workers(1, timeout=120)
        slow = {k: v for w in self._client.run(_warm_dask_worker, self.threads,
                                                self.preload).values() for k, v in w.items()}
        if slow:
            where = f" at {self.address}" if self.address else ""
            warnings.warn(f"the dask workers{where} run with {slow}, which slows evaluation "
                          "~1.5-2x; start them with profiling off "
                          "(DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False) and without "
                          "MALLOC_TRIM_THRESHOLD_", RuntimeWarning, stacklevel=2)
        info = self._client.scheduler_info(n_workers=-1) if _accepts_n_workers(
            self._client.scheduler_info) else self._client.scheduler_info()
        self.n_workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def _dumps(self, fn):
        import cloudpickle

        return cloudpickle.dumps(fn)

    def _ship(self, blob):
        return self._client.scatter(blob, broadcast=True, hash=True)

    def _submit(self, digest, handle, items):
        return self._client.submit(_run_chunk, digest, handle, self.threads, items, pure=False)

    def _done(self, future):
        return future.done()

    def _get(self, future):
        return future.result()

    def _cancel(self, futures):
        if futures and self._client is not None:
            self._client.cancel(futures)

    def _shutdown(self):
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            # closing anyway: a worker that takes a while to exit is killed, not news
            chatter = _DropMessages(("Worker process still alive",))
            nanny = logging.getLogger("distributed.nanny")
            nanny.addFilter(chatter)
            try:
                self._cluster.close()
            finally:
                nanny.removeFilter(chatter)
            self._cluster = None


def _forkserver_preload(modules: Sequence[str]) -> None:
    """The forkserver (if it has not started yet) imports ``distributed`` and ``modules``, not
    Dask's longer default list (pandas and more, which the workers do not need)."""
    from distributed.utils import get_mp_context

    get_mp_context().set_forkserver_preload(["distributed", *modules])  # after Dask's own


def _accepts_n_workers(f) -> bool:
    import inspect

    try:
        return "n_workers" in inspect.signature(f).parameters
    except (TypeError, ValueError):
        return False


class RayExecutor(ClusterExecutor):
    """Ray: a cluster at ``address`` (``auto``, a GCS ``host:port`` or ``ray://host:10001``,
    which needs ``pip install 'ray[client]'``), the Ray already initialised in this process,
    or a new local one with ``workers`` CPUs (no dashboard, worker logs not forwarded).
    ``init_kwargs`` go to ``ray.init``."""

    engine = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None,
                 threads: int = 1, overlap: bool = True, start_after_s: float = 2.0,
                 chunk_s: float = 0.2, preload: Sequence[str] = (), **init_kwargs):
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ImportError("RayExecutor needs ray: pip install ray") from None
        workers = workers or init_kwargs.pop("num_cpus", None) or 2
        super().__init__(address, workers, threads, overlap, start_after_s, chunk_s, preload)
        self.init_kwargs = init_kwargs
        self._started = False
        self._remote = None

    def _start(self):
        import ray

        # notices, not problems: the start runs in a background thread (no SIGTERM handler
        # there), and Ray's default token authentication is on for a new local cluster
        chatter = _DropMessages(("SIGTERM handler is not set",
                                 "Token authentication is enabled for this Ray cluster"))
        logs = [logging.getLogger(n) for n in (
            "ray._private.worker", "ray._private.authentication.authentication_token_setup")]
        for lg in logs:
            lg.addFilter(chatter)
        try:
            if not ray.is_initialized():
                if self.address is None:
                    # workers at normal priority (Ray's default nice 15 starves them next
                    # to any other process, the driver included)
                    kw = {"num_cpus": self.workers, "include_dashboard": False,
                          "log_to_driver": False, "logging_level": logging.WARNING,
                          "_system_config": {"worker_niceness": 0}, **self.init_kwargs}
                    ray.init(**kw)
                    self._started = True
                elif self.address.startswith("ray://"):
                    ray.init(address=self.address, **self.init_kwargs)
                    self._started = True
                else:
                    kw = {"log_to_driver": False, "logging_level": logging.WARNING,
                          **self.init_kwargs}
                    ray.init(address=self.address, **kw)
                    self._started = True
        finally:
            for lg in logs:
                lg.removeFilter(chatter)
        self.n_workers = max(1, int(ray.cluster_resources().get("CPU", self.workers)))
        warm = ray.remote(num_cpus=1)(_warm_worker)
        ray.get([warm.remote(self.threads, self.preload) for _ in range(self.n_workers)])
        self._remote = ray.remote(num_cpus=1)(_run_chunk_ray)

    def _dumps(self, fn):
        from ray import cloudpickle

        return cloudpickle.dumps(fn)

    def _ship(self, blob):
        import ray

        return [ray.put(blob)]  # boxed: a task gets the ref, not the value

    def _submit(self, digest, handle, items):
        return self._remote.remote(digest, handle, self.threads, items)

    def _done(self, future):
        import ray

        return bool(ray.wait([future], timeout=0)[0])

    def _get(self, future):
        import ray

        return ray.get(future)

    def _cancel(self, futures):
        import ray

        for f in futures:
            try:
                ray.cancel(f)
            except Exception:  # already finished or gone
                pass

    def _shutdown(self):
        if self._started:  # shut down only a Ray this executor started or connected
            import ray

            ray.shutdown()
            self._started = False


def run_executor(kind: str = "local", workers: int = 0, address: str | None = None,
                 **kwargs) -> Executor:
    """The executor that every search of one run shares (:func:`make_executor`'s arguments),
    its workers started at once in the background: a pool or cluster created when a run
    begins starts while the SuperCircuit trains and is warm when the first search needs it,
    instead of costing each search its start-up (close it when the run ends).

    >>> with run_executor("local", 0) as ex:
    ...     list(ex.map(abs, [-2]))
    [2]
    """
    executor = make_executor(kind, workers, address, **kwargs)
    executor.start(wait=False)
    return executor


def make_executor(kind: str = "local", workers: int = 0, address: str | None = None,
                  **kwargs) -> Executor:
    """An executor by name: ``local`` (``workers`` processes; 0 = in-process), ``dask`` or
    ``ray`` (a cluster at ``address``, else a local one with ``workers`` processes, default 2,
    each importing :data:`QNAS_PRELOAD` at start). ``kwargs`` go to the executor."""
    if kind == "local":
        if address:
            raise ValueError("--address needs --executor dask or ray (local has no cluster)")
        return LocalExecutor(workers=workers, **kwargs)
    if kind in ("dask", "ray"):
        cls = DaskExecutor if kind == "dask" else RayExecutor
        kwargs.setdefault("preload", QNAS_PRELOAD)
        return cls(address=address or None, workers=workers or 2, **kwargs)
    raise ValueError(f"unknown executor {kind!r}; expected 'local', 'dask' or 'ray'")
