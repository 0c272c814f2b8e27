"""The plots of ``docs/results.md``, rebuilt from the committed artifacts by
``qnas experiments tables``.

* ``noise_sweep.png``: accuracy against the device-noise scale, one panel per noise sweep
  (:func:`qnas.experiments.tables.sweep_series`). Points of different models at the same
  scale are offset sideways a little, so that equal values stay visible.
* ``search_cost.png``: Aer accuracy against search time, one panel per (task, device) of the
  search-cost table, with issue 13's goal regions (>= 50x less search time within 2 points
  of QuantumNAS; >= 10x).

Error bars are the standard deviation over seeds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qnas.experiments.rows import ARTIFACTS, REPO, ROWS_FILE, load_rows

PLOT = REPO / "docs" / "plots" / "noise_sweep.png"
COST_PLOT = REPO / "docs" / "plots" / "search_cost.png"
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


STRATEGY_STYLE = {"quantumnas": ("tab:blue", "o"), "random": ("tab:gray", "v"),
                  "elivagar": ("tab:orange", "s"), "hybrid": ("tab:green", "D")}


def cost_points(rows_file: Path = ROWS_FILE, root: Path = ARTIFACTS) -> list[dict]:
    """Per (task, device) of the search-cost table with a finished row: ``where``, ``base``
    (QuantumNAS's search seconds), ``main`` (the main row's name, None when it has not run),
    ``reference`` (its mean Aer exact accuracy) and ``points``: ``(strategy, row name, mean
    search seconds, mean accuracy, sd)`` of QuantumNAS (the main row) and every finished cost
    row."""
    from qnas.experiments.tables import _deployed, _strategy, cost_groups, search_cost

    out = []
    for g in cost_groups(list(load_rows(rows_file).values()), root):
        runs = [("quantumnas", g["main_row"], g["main"], "quantumnas")] if g["main"] else []
        for r in g["members"]:
            res = g["results"][r.name]
            if res:
                strategy = _strategy(r)
                runs.append((strategy, r, res, _deployed(next(iter(res.values())), strategy)))
        points = []
        for strategy, row, results, model in runs:
            secs = [c["seconds"] for c in (search_cost(x, strategy) for x in results.values())
                    if c]
            acc = [x["evaluations"][model]["aer_exact_acc"] for x in results.values()
                   if model in x["evaluations"]]
            if secs and acc:
                points.append((strategy, row.name, float(np.mean(secs)), float(np.mean(acc)),
                               float(np.std(acc, ddof=1)) if len(acc) > 1 else 0.0))
        if points and g["base"]:
            ref = [p[3] for p in points if p[1] == getattr(g["main_row"], "name", None)]
            out.append({"where": g["where"], "base": g["base"],
                        "reference": ref[0] if ref else None, "points": points,
                        "main": getattr(g["main_row"], "name", None) if g["main"] else None})
    return out


def _short(name: str, where: str) -> str:
    """A row's name without its ``task-device-`` prefix."""
    task, device = (w.strip() for w in where.split("/"))
    prefix = f"{task}-{device}-"
    return name[len(prefix):] if name.startswith(prefix) else name


def write_cost_plot(path: Path = COST_PLOT, rows_file: Path = ROWS_FILE,
                    root: Path = ARTIFACTS) -> Path | None:
    """Write the search-cost plot (module docstring); None when no cost row has run."""
    panels = cost_points(rows_file, root)
    if not panels:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(2, len(panels))
    rows_n = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(7.2 * cols, 5.0 * rows_n), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        base, ref = panel["base"], panel["reference"]
        pts = panel["points"]
        secs = [p[2] for p in pts]
        lo, hi = min(secs + [base / 50]) / 2, max(secs + [base]) * 2
        y0 = min(p[3] - p[4] for p in pts) - 0.03
        y1 = max(p[3] + p[4] for p in pts) + 0.03
        if ref is not None:
            y0, y1 = min(y0, ref - 0.05), max(y1, ref + 0.03)
            ax.fill_between([lo, base / 50], ref - 0.02, y1, color="tab:orange", alpha=0.15,
                            lw=0, label="goal: >= 50x less, within 2 points")
            ax.axhline(ref, color="tab:blue", lw=0.8, ls=":")
        for x, text in ((base / 10, "10x less"), (base / 50, "50x less")):
            ax.axvline(x, color="k", lw=0.6, ls="--")
            ax.annotate(text, (x, 0.98), xycoords=("data", "axes fraction"), fontsize=8,
                        ha="right", va="top", rotation=90)
        seen = set()
        below = {p[1] for p in sorted(pts, key=lambda p: p[2])[1::2]}  # neighbours alternate
        for strategy, name, sec, acc, sd in pts:
            color, marker = STRATEGY_STYLE.get(strategy, ("k", "x"))
            ax.errorbar(sec, acc, yerr=sd, color=color, marker=marker, capsize=3,
                        ls="none", label=None if strategy in seen else strategy)
            seen.add(strategy)
            text = "main row" if name == panel["main"] else _short(name, panel["where"])
            ax.annotate(text, (sec, acc), fontsize=6.5, textcoords="offset points",
                        xytext=(4, -9 if name in below else 3))
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(y0, y1)
        ax.set_title(panel["where"], fontsize=10)
        ax.set_xlabel("search time (s, one core; QuantumNAS: SuperCircuit + co-search)")
        ax.set_ylabel("Aer exact noisy test accuracy")
        ax.legend(loc="lower left", fontsize=8, framealpha=0.8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
