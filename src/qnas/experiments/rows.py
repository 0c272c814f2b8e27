"""Rows of the results tables: which (task, device, settings) a row runs, with which seeds,
and where its artifacts live.

A row's run directory (``runs/experiments/<row>/seed-<k>``, checkpoints included) stays out
of the repository; its artifacts (``experiments/rows/<row>/seed-<k>/config.json`` and
``results.json``, a few tens of kB) are committed, and every table is rebuilt from them.

>>> rows = load_rows(ROWS_FILE)
>>> r = rows["mnist4-lagos"]
>>> r.task, r.device, r.seeds, r.settings["evaluation"]["test_samples"]
('mnist4', 'lagos', (0, 1, 2), 1000)
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from qnas.rundir import atomic_write_text
from qnas.suggest import did_you_mean

REPO = Path(__file__).resolve().parents[3]
ROWS_FILE = REPO / "experiments" / "rows.toml"
ARTIFACTS = REPO / "experiments" / "rows"

# Named sets of run-directory paths a row may ``reuse`` from another row's run (``keep =
# "trained"`` in rows.toml): what the pipeline has written once a stage is done.
_SUPERCIRCUIT = ("stages/supercircuit.json", "checkpoints/supercircuit.pt")
KEEP_SETS: dict[str, tuple[str, ...]] = {
    # the trained SuperCircuit: for rows that differ in the search and what follows it
    "supercircuit": _SUPERCIRCUIT,
    # + every search and the trained SubCircuits and baselines: for rows that differ only after
    # training (e.g. the layout re-choice, ``search.refine_layouts``)
    "trained": _SUPERCIRCUIT + (
        "stages/search.json", "stages/baseline_*.json", "search", "search_random",
        "search_noise_unaware", "search_mapping_only", "checkpoints/finetune*.pt",
        "checkpoints/human*.pt", "checkpoints/random*.pt", "checkpoints/noise_unaware*.pt",
        "checkpoints/mapping_only*.pt"),
}


@dataclass(frozen=True)
class Row:
    """One row: a task on a device with the layered settings of ``rows.toml``."""

    name: str
    table: str
    task: str
    device: str
    seeds: tuple[int, ...]
    config_file: str | None = None
    settings: dict = field(default_factory=dict, compare=False)
    reuse: dict | None = field(default=None, compare=False)  # {"row": name, "keep": [globs]}
    # cost table: this row's search time is its (task, device)'s base of the speed-ups
    time_reference: bool = field(default=False, compare=False)
    # noise sweep: the series (``sweep = "name"`` in rows.toml) this row is one scale of
    sweep: str | None = field(default=None, compare=False)

    def config(self, seed: int, data_dir: str | None = None):
        """The run's :class:`~qnas.config.Config` for ``seed``."""
        from qnas.config import load_config, merge

        over = merge(self.settings, {"task": self.task, "device": self.device, "seed": seed})
        if data_dir is not None:
            over = merge(over, {"data": {"dir": str(data_dir)}})
        file = REPO / self.config_file if self.config_file else None
        return load_config(None, file, over)

    def artifact_dir(self, seed: int, root: Path = ARTIFACTS) -> Path:
        return Path(root) / self.name / f"seed-{seed}"

    def results(self, root: Path = ARTIFACTS) -> dict[int, dict]:
        """``{seed: results.json}`` of the seeds whose artifacts exist."""
        out = {}
        for s in self.seeds:
            f = self.artifact_dir(s, root) / "results.json"
            if f.exists():
                out[s] = json.loads(f.read_text())
        return out


def _dotted(d: dict) -> dict:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``."""
    out: dict = {}
    for key, v in d.items():
        node = out
        *head, last = key.split(".")
        for h in head:
            node = node.setdefault(h, {})
        node[last] = v
    return out


def load_rows(path: str | Path = ROWS_FILE) -> dict[str, Row]:
    """The rows of a registry file, by name (settings checked when a run's config is built)."""
    import tomllib

    from qnas.config import merge

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: not valid TOML ({e})") from None
    base = data.get("defaults", {})
    rows = {}
    for i, r in enumerate(data.get("row", [])):
        unknown = set(r) - {"name", "table", "task", "device", "seeds", "config", "set",
                            "reuse", "time_reference", "sweep"}
        if unknown:
            raise ValueError(f"{path}: row {i} has unknown keys {sorted(unknown)}")
        reuse = _reuse(r.get("reuse"), f"{path}: row {i}")
        for key in ("name", "task", "device"):
            if key not in r:
                raise ValueError(f"{path}: row {i} needs a {key!r}")
        if not isinstance(r.get("time_reference", False), bool):
            raise ValueError(f"{path}: row {i}: time_reference must be true or false")
        if not isinstance(r.get("sweep", ""), str) or r.get("sweep") == "":
            raise ValueError(f"{path}: row {i}: sweep must be a series name (a string)")
        settings = merge(_dotted(base.get("set", {})), _dotted(r.get("set", {})))
        rows[r["name"]] = Row(r["name"], r.get("table", "main"), r["task"], r["device"],
                              tuple(r.get("seeds", base.get("seeds", [0]))),
                              r.get("config", base.get("config")), settings, reuse,
                              r.get("time_reference", False), r.get("sweep"))
    return rows


def _reuse(reuse: dict | None, where: str) -> dict | None:
    """``reuse`` of a row with its ``keep`` as a list of globs (a :data:`KEEP_SETS` name
    expanded).

    >>> _reuse({"row": "a", "keep": "supercircuit"}, "here")["keep"]
    ['stages/supercircuit.json', 'checkpoints/supercircuit.pt']
    """
    if reuse is None:
        return None
    if set(reuse) != {"row", "keep"} or not reuse["keep"]:
        raise ValueError(f"{where}: reuse needs exactly 'row' (a row name) and 'keep' (paths "
                         f"of that row's run directory, globs allowed, or one of "
                         f"{', '.join(map(repr, KEEP_SETS))})")
    keep = reuse["keep"]
    if isinstance(keep, str):
        if keep not in KEEP_SETS:
            raise ValueError(f"{where}: unknown keep set {keep!r}"
                             f"{did_you_mean(keep, KEEP_SETS)}; sets: {', '.join(KEEP_SETS)}")
        keep = KEEP_SETS[keep]
    return {"row": reuse["row"], "keep": list(keep)}


def get_row(name: str, path: str | Path = ROWS_FILE) -> Row:
    rows = load_rows(path)
    if name not in rows:
        raise ValueError(f"unknown row {name!r}{did_you_mean(name, rows)}; rows: "
                         f"{', '.join(rows)}")
    return rows[name]


def run_dir(row: Row, seed: int, root: str | Path = "runs/experiments") -> Path:
    return Path(root) / row.name / f"seed-{seed}"


def run_row(row: Row, seed: int, data_dir=None, root="runs/experiments", progress=True,
            log=print, artifacts: Path = ARTIFACTS) -> Path:
    """Run (or resume) the pipeline of ``row`` with ``seed``; then keep its artifacts."""
    from qnas.pipeline.run import run_pipeline

    if seed not in row.seeds:
        raise ValueError(f"row {row.name} runs seeds {list(row.seeds)}, not {seed}")
    out = run_dir(row, seed, root)
    if row.reuse and not out.exists():
        start_from(row, seed, root)
    run_pipeline(row.config(seed, data_dir), out, resume=True, progress=progress, log=log)
    return collect(row, seed, out, artifacts)


def start_from(row: Row, seed: int, root: str | Path = "runs/experiments") -> Path:
    """A new run directory of ``row`` holding only the ``reuse.keep`` paths of the finished
    run of ``reuse.row`` with the same seed: stages that do not depend on the settings in
    which the rows differ (a variant that changes what happens after training keeps the
    SuperCircuit, searches and baselines). The resumed pipeline recomputes everything else,
    so the results are those of a run from scratch."""
    src = Path(root) / row.reuse["row"] / f"seed-{seed}"
    if not (src / "results.json").exists():
        raise FileNotFoundError(f"row {row.name} reuses {src}, which has not finished: run "
                                f"`qnas experiments run {row.reuse['row']} --seed {seed}` "
                                "first")
    out = run_dir(row, seed, root)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for pattern in row.reuse["keep"]:
        for p in sorted(src.glob(pattern)):
            dest = tmp / p.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if p.is_dir() else shutil.copyfile)(p, dest)
    tmp.mkdir(parents=True, exist_ok=True)
    atomic_write_text(tmp / "reused.json", json.dumps({"from": str(src), **row.reuse}))
    tmp.replace(out)
    return out


def collect(row: Row, seed: int, out: Path, root: Path = ARTIFACTS) -> Path:
    """Copy a finished run's ``config.json`` and ``results.json`` into the artifacts."""
    dest = row.artifact_dir(seed, root)
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "results.json"):
        src = Path(out) / name
        if not src.exists():
            raise FileNotFoundError(f"{src} is missing: the run has not finished")
        shutil.copyfile(src, dest / (name + ".tmp"))
        (dest / (name + ".tmp")).replace(dest / name)
    note = (f" (starting from row {row.reuse['row']}'s run directory: "
            f"{', '.join(row.reuse['keep'])})" if row.reuse else "")
    atomic_write_text(dest / "README", f"qnas experiments run {row.name} --seed {seed}{note}\n")
    return dest
