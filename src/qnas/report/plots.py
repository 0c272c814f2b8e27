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
    fig, (ax0, ax) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [1, 2]})
    h = sc_hist.get("history", [])
    if h:
        ax0.plot(range(1, len(h) + 1), [r["loss"] for r in h])
    ax0.set_title("SuperCircuit")
    ax0.set_xlabel("epoch")
    ax0.set_ylabel("training loss")
    styles = ["-", "--", "-.", ":"]
    for i, (name, rec) in enumerate(models.items()):
        hist = model_history(rec)
        if hist:  # identical curves stay visible: each model its own dash and marker
            ax.plot(range(1, len(hist) + 1), [r["loss"] for r in hist], styles[i % 4],
                    marker="os^vDx<>"[i % 8], markevery=max(1, len(hist) // 8), label=name)
    ax.set_title("Deployed models (epochs in all, fine-tuning included)")
    ax.set_xlabel("epoch")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
    for (n2q, value), names in coinciding(rows, metric).items():
        ax.scatter(n2q, value, s=40)  # models at the same point share one label
        ax.annotate(", ".join(names), (n2q, value), fontsize=8, xytext=(4, 4),
                    textcoords="offset points")
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


def model_history(rec: dict) -> list[dict]:
    """A model's training records in order: ``history``, or a pruned model's fine-tuning
    ``steps`` one after the other.

    >>> model_history({"steps": [{"history": [{"loss": 1}]}, {"history": [{"loss": 2}]}]})
    [{'loss': 1}, {'loss': 2}]
    """
    if rec.get("history"):
        return list(rec["history"])
    return [h for st in rec.get("steps", []) for h in st.get("history", [])]


def coinciding(rows: list, metric: str) -> dict:
    """``{(n_2q, value): [model names]}``: models drawn at the same point.

    >>> coinciding([{"model": "a", "n_2q": 4, "m": 0.5}, {"model": "b", "n_2q": 4, "m": 0.5}],
    ...            "m")
    {(4, 0.5): ['a', 'b']}
    """
    out: dict = {}
    for r in rows:
        out.setdefault((r["n_2q"], round(float(r[metric]), 6)), []).append(r["model"])
    return out


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
