"""The noise-sweep plot of ``docs/results.md``: accuracy against the device-noise scale.

One panel per noise sweep (:func:`qnas.experiments.tables.sweep_series`). Points of different
models at the same scale are offset sideways a little, so that equal values stay visible;
error bars are the standard deviation over seeds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qnas.experiments.rows import ARTIFACTS, REPO, ROWS_FILE, load_rows

PLOT = REPO / "docs" / "plots" / "noise_sweep.png"
SHOWN = ("quantumnas", "human", "mapping_only", "noise_unaware", "random")


def sweep_points(rows_file: Path = ROWS_FILE, root: Path = ARTIFACTS,
                 series: str = "sweep") -> dict:
    """``{model: [(scale, mean, sd), ...]}`` of one noise sweep's finished rows (``series``:
    a name of :func:`qnas.experiments.tables.sweep_series`)."""
    from qnas.experiments.tables import sweep_series

    rows = sweep_series(list(load_rows(rows_file).values())).get(series, [])
    return _points(rows, root)


def _points(rows: list, root: Path) -> dict:
    """:func:`sweep_points` of a list of rows."""
    from qnas.experiments.tables import _scale

    out: dict = {m: [] for m in SHOWN}
    for row in sorted(rows, key=_scale):
        results = row.results(root)
        if not results:
            continue
        for m in SHOWN:
            v = [res["evaluations"][m]["aer_exact_acc"] for res in results.values()
                 if m in res["evaluations"]]
            if v:
                out[m].append((_scale(row), float(np.mean(v)),
                               float(np.std(v, ddof=1)) if len(v) > 1 else 0.0))
    return {m: pts for m, pts in out.items() if pts}


def _title(rows: list, name: str) -> str:
    what = ", ".join(sorted({f"{r.task} / {r.device}" for r in rows}))
    if name == "sweep":
        return f"{what} (main rows' settings)"
    return what if {f"{r.task}-{r.device}" for r in rows} == {name} else f"{what} ({name})"


def write_sweep_plot(path: Path = PLOT, rows_file: Path = ROWS_FILE,
                     root: Path = ARTIFACTS) -> Path | None:
    """Write the plot, one panel per noise sweep with a finished row (None when none has)."""
    from qnas.experiments.tables import sweep_series

    series = sweep_series(list(load_rows(rows_file).values()))
    panels = [(name, rows, _points(rows, root)) for name, rows in series.items()]
    panels = [p for p in panels if p[2]]
    if not panels:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(6.4 * len(panels), 4.2), squeeze=False)
    for ax, (name, rows, pts) in zip(axes[0], panels, strict=True):
        for i, (m, p) in enumerate(pts.items()):
            s, mean, sd = (np.array(c) for c in zip(*p))
            off = s * (1 + 0.03 * (i - len(pts) / 2))  # log axis: a relative offset
            ax.errorbar(off, mean, yerr=sd, marker="os^vD"[i % 5], capsize=3, label=m)
        ax.set_xscale("log", base=2)
        scales = sorted({x for p in pts.values() for x, _, _ in p})
        ax.set_xticks(scales, [f"x{x:g}" for x in scales])
        ax.minorticks_off()
        ax.set_title(_title(rows, name), fontsize=10)
        ax.set_xlabel("device noise scale (gate and readout errors x s, T1/T2 / s)")
        ax.set_ylabel("Aer exact noisy test accuracy")
        ax.legend(loc="lower left", fontsize=8, framealpha=0.8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
