"""Plots of a run: training curves, search progress, accuracy vs 2-qubit gates (matplotlib).

>>> # write_plots(Path("runs/demo/plots"), sc_hist, found, models, rows)
"""

from __future__ import annotations

from pathlib import Path


def write_plots(folder: Path, sc_hist: dict, found: dict, models: dict, rows: list,
                kind: str = "classification") -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
