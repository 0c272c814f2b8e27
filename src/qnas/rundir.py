"""Run directories: atomic writes, checkpoints, the config snapshot and the one resume policy.

Every long job of qnas (``qnas run``, ``qnas train``, a search) writes into a directory:

- ``config.json``: the configuration snapshot, written once; ``--resume`` compares it with the
  new configuration. Settings that change results must match; settings listed as *free*
  (workers, executor, data path, threads, progress, ...) may differ.
- files written with :func:`atomic_write_text` / :func:`save_checkpoint` (temp file in the same
  folder, fsync, ``os.replace``): a reader sees the old file or the new one, never half of one.
- ``stages/<name>.json`` for :meth:`RunDir.stage`: a finished stage is never run again.

>>> import tempfile
>>> root = tempfile.mkdtemp()
>>> run = RunDir.open(root, {"lr": 0.1, "workers": 2}, resume=False, free={"workers"})
>>> run.stage("double", lambda: {"value": 21 * 2}, log=None)["value"]
42
>>> run = RunDir.open(root, {"lr": 0.1, "workers": 4}, resume=True, free={"workers"})
>>> run.stage("double", lambda: 1 / 0, log=None)["value"]    # done earlier: not run again
42
>>> RunDir.open(root, {"lr": 0.2, "workers": 4}, resume=True, free={"workers"})
Traceback (most recent call last):
...
ValueError: --resume with different settings than ... (lr: 0.1 -> 0.2); use another --out ...
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import torch

CHECKPOINT_FORMAT = "qnas.checkpoint/1"
_OLD_FORMATS = ("qnas.train.checkpoint/1",)


def _atomic_write(path: Path, write: Callable, mode: str, fsync: bool) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike, text: str, fsync: bool = True) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write_text(p, "hello"); p.read_text()
    'hello'
    """
    _atomic_write(Path(path), lambda f: f.write(text), "w", fsync)


def save_checkpoint(state: dict, path: str | os.PathLike) -> None:
    """``torch.save`` ``state`` (plus a format tag) to ``path`` atomically.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ckpt.pt"
    >>> save_checkpoint({"epoch": 3}, p); load_checkpoint(p)["epoch"]
    3
    """
    _atomic_write(Path(path), lambda f: torch.save({"format": CHECKPOINT_FORMAT, **state}, f),
                  "wb", True)


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint of :func:`save_checkpoint`; a damaged file raises a ``ValueError``
    that names it and says what to do.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ckpt.pt"
    >>> _ = p.write_bytes(b"PK\\x03")
    >>> load_checkpoint(p)
    Traceback (most recent call last):
    ...
    ValueError: corrupt checkpoint ...ckpt.pt (...). Delete it to redo the work it holds ...
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    advice = (f"Delete it to redo the work it holds (the run's other files in {path.parent} "
              "are kept) and resume again")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001 - pickle/zip errors come in many types
        raise ValueError(f"corrupt checkpoint {path} ({type(e).__name__}: {e}). "
                         f"{advice}") from None
    if not isinstance(state, dict) or state.get("format") not in (CHECKPOINT_FORMAT,
                                                                   *_OLD_FORMATS):
        raise ValueError(f"corrupt checkpoint {path} (not a qnas checkpoint). {advice}")
    return state


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def config_changes(old: dict, new: dict, free: Iterable[str] = (),
                   defaults: dict | None = None) -> list[str]:
    """``"key: old -> new"`` for every setting (dotted key) that differs, except ``free`` ones.

    A setting the ``old`` snapshot lacks (added to qnas after the run started) is no change
    when ``new`` holds its value in ``defaults``: the run ran with that behaviour.

    >>> config_changes({"a": 1, "s": {"b": 2, "w": 1}}, {"a": 1, "s": {"b": 3, "w": 2}}, {"s.w"})
    ['s.b: 2 -> 3']
    >>> config_changes({"a": 1}, {"a": 1, "n": 0}, defaults={"n": 0})
    []
    """
    o, n, free = _flatten(old), _flatten(json.loads(json.dumps(new))), set(free)
    d = _flatten(json.loads(json.dumps(defaults or {})))
    return [f"{k}: {o.get(k, '(unset)')} -> {n.get(k, '(unset)')}"
            for k in sorted(set(o) | set(n)) if k not in free and o.get(k) != n.get(k)
            and not (k not in o and k in d and n.get(k) == d[k])]


class RunDir:
    """The files of one run: config snapshot, stage records, checkpoints (module docstring)."""

    CONFIG = "config.json"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @classmethod
    def open(cls, root, config: dict, resume: bool, free: Iterable[str] = (),
             defaults: dict | None = None) -> RunDir:
        """Create ``root`` with its config snapshot, or check the snapshot when resuming."""
        run = cls(root)
        path = run.root / cls.CONFIG
        if path.exists():
            if not resume:
                raise ValueError(f"run directory {run.root} already holds a run; pass --resume "
                                 "to continue it or choose another --out")
            try:
                old = json.loads(path.read_text())
            except (ValueError, UnicodeDecodeError) as e:
                raise ValueError(f"corrupt run config {path}: {e}") from None
            diff = config_changes(old, config, free, defaults)
            if diff:
                raise ValueError(f"--resume with different settings than {path} "
                                 f"({'; '.join(diff)}); use another --out for new settings")
        else:
            if run.root.exists() and not run.root.is_dir():
                raise ValueError(f"output path {run.root} exists and is not a directory")
            run.root.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps(config, indent=2) + "\n")
        return run

    def path(self, *parts: str) -> Path:
        """``root/parts...``, creating the parent folder."""
        p = self.root.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def checkpoint(self, name: str) -> Path:
        """Path of the checkpoint ``checkpoints/<name>.pt``."""
        return self.path("checkpoints", f"{name}.pt")

    def write_json(self, name: str, obj) -> Path:
        """Write ``obj`` as JSON to ``root/name`` atomically."""
        p = self.path(name)
        atomic_write_text(p, json.dumps(obj, indent=1) + "\n")
        return p

    def stage(self, name: str, fn: Callable[[], dict], log=print) -> dict:
        """The record of stage ``name``: read from ``stages/<name>.json`` if it finished
        earlier, else ``fn()`` (plus its wall time ``seconds`` and CPU time ``cpu_seconds``),
        written atomically."""
        path = self.path("stages", f"{name}.json")
        if path.exists():
            try:
                out = json.loads(path.read_text())
            except (ValueError, UnicodeDecodeError) as e:
                raise ValueError(f"corrupt stage file {path}: {e}. Delete it to run the "
                                 "stage again and resume") from None
            if log:
                log(f"[{name}] done earlier ({out.get('seconds', 0):.1f} s), skipped")
            return out
        if log:
            log(f"[{name}] ...")
        t, cpu = time.perf_counter(), time.process_time()
        out = fn()
        out["seconds"] = time.perf_counter() - t
        # CPU time of this process (all its threads): less sensitive than wall time to other
        # jobs sharing the cores, so stages timed under different loads compare better
        out["cpu_seconds"] = time.process_time() - cpu
        atomic_write_text(path, json.dumps(out, indent=1))
        if log:
            log(f"[{name}] {out['seconds']:.1f} s")
        return out

    def stage_seconds(self, key: str = "seconds") -> dict[str, float]:
        """Wall time (``key="cpu_seconds"``: CPU time) of every finished stage, by name."""
        out = {}
        for p in sorted((self.root / "stages").glob("*.json")):
            out[p.stem] = json.loads(p.read_text()).get(key)
        return out
