"""Plots of a run: training curves, search progress, accuracy vs 2-qubit gates (matplotlib).

``qnas run`` writes them to ``<run>/plots``; any records of the same shape work:

>>> import tempfile
>>> hist = [{"epoch": 0, "loss": 1.2}, {"epoch": 1, "loss": 0.9}]
>>> rows = [{"model": "quantumnas", "n_2q": 4, "aer_noisy_acc": 0.8},
...         {"model": "human", "n_2q": 12, "aer_noisy_acc": 0.6}]
>>> paths = write_plots(tempfile.mkdtemp(), {"history": hist}, {"best_by_generation": [-0.9, -0.7]},
...                     {"quantumnas": {"history": hist}}, rows)
>>> [p.name for p in paths]
['training_curves.png', 'search_progress.png', 'acc_vs_2q.png']
"""

from __future__ import annotations

from pathlib import Path


def write_plots(folder: str | Path, sc_hist: dict, found: dict, models: dict, rows: list,
                kind: str = "classification") -> list[Path]:
    """Write the three PNG plots of a run into ``folder`` (created) and return their paths.

    ``sc_hist["history"]`` and ``models[name]["history"]`` are lists of ``{"epoch", "loss"}``
    (training curves); ``found["best_by_generation"]`` holds the best fitness of each search
    generation (plotted negated, as a loss or energy); ``rows`` are the final table's
    ``{"model", "n_2q", metric}`` records, with metric ``aer_noisy_acc`` when ``kind`` is
    ``"classification"`` and ``aer_energy`` otherwise.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, ax = plt.subplots(figsize=(6, 4))
    h = sc_hist.get("history", [])
    if h:
        ax.plot([r["epoch"] for r in h], [r["loss"] for r in h], label="SuperCircuit")
    for name, rec in models.items():
        hist = rec.get("history") or []
        if hist:
            ax.plot([r["epoch"] for r in hist], [r["loss"] for r in hist], label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.legend(fontsize=8)
    ax.set_title("Training curves")
    paths.append(_save(fig, folder / "training_curves.png"))
    fig, ax = plt.subplots(figsize=(6, 4))
    best = found.get("best_by_generation", [])
    ax.plot(range(len(best)), [-f for f in best], marker="o")
    ax.set_xlabel("generation")
    ax.set_ylabel("best noisy validation loss" if kind == "classification"
                  else "best noisy energy (Ha)")
    ax.set_title("Evolutionary co-search")
    paths.append(_save(fig, folder / "search_progress.png"))
    fig, ax = plt.subplots(figsize=(6, 4))
    metric = "aer_noisy_acc" if kind == "classification" else "aer_energy"
    for r in rows:
        ax.scatter(r["n_2q"], r[metric], s=40)
        ax.annotate(r["model"], (r["n_2q"], r[metric]), fontsize=8)
    ax.set_xlabel("2-qubit gates (logical circuit)")
    if kind == "classification":
        ax.set_ylabel("Qiskit Aer noisy test accuracy")
        ax.set_title("Accuracy vs 2-qubit gates")
        paths.append(_save(fig, folder / "acc_vs_2q.png"))
    else:
        ax.set_ylabel("Qiskit Aer noisy energy (Ha)")
        ax.set_title("Energy vs 2-qubit gates")
        paths.append(_save(fig, folder / "energy_vs_2q.png"))
    return paths


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
