"""Stage ``evaluate``: every model under Qiskit Aer with the fake device's noise model.

A classifier gets its test accuracy (first ``evaluation.test_samples`` inputs), a VQE model its
energy, with ``evaluation.shots`` shots. A pruned model is deployed without its pruned gates.

Usage::

    evals = evaluate_all(ctx, models)
"""

from __future__ import annotations

from qnas.ir import Circuit


def model_values(rec: dict) -> tuple[Circuit, dict]:
    """The trained circuit of a model record and its ``{parameter: value}``."""
    c = Circuit.from_text(rec["circuit"])
    return c, dict(zip(c.parameters, rec["params"]))


def evaluate_all(ctx, models: dict) -> dict:
    """``{name: metrics}`` for every model record of ``models``."""
    out = {}
    for name, rec in models.items():
        trained, trained_values = model_values(rec)
        deployed, values = trained, trained_values
        if "exported" in rec:  # pruned gates are absent from what is deployed
            deployed, values = Circuit.from_text(rec["exported"]), {}
        out[name] = ctx.task.evaluate(deployed, values, trained, trained_values, rec["layout"])
    return out


def run(ctx, run_dir, models: dict, progress=True, log=print) -> dict:
    """The stage: ``{name: metrics}``."""
    return run_dir.stage("evaluate", lambda: {"models": evaluate_all(ctx, models)},
                         log)["models"]
