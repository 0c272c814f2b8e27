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


def evaluate_all(ctx, models: dict, partial=None) -> dict:
    """``{name: metrics}`` for every model record of ``models``. With ``partial`` (a JSON
    path) each model's metrics are written there as soon as they exist, and models already
    there are not evaluated again (a 10-qubit Aer evaluation takes minutes per model). A
    model deployed like one already evaluated (same circuit, values, layout: the deployed
    ``quantumnas`` is the pruned or the unpruned record; a baseline that found the human
    design) shares its metrics instead of running Aer again.

    >>> class Task:
    ...     calls = 0
    ...     def evaluate(self, *args):
    ...         Task.calls += 1
    ...         return {"aer_noisy_acc": 0.5}
    >>> class Ctx:
    ...     task = Task()
    >>> from qnas.ir import Circuit, Op, param
    >>> text = Circuit(1, [Op("ry", (0,), (param("w"),))]).to_text()
    >>> rec = {"circuit": text, "params": [0.1], "layout": [0]}
    >>> out = evaluate_all(Ctx(), {"a": rec, "b": dict(rec, fitness=0.7)})
    >>> out["b"] == out["a"], Task.calls
    (True, 1)
    """
    import json

    from qnas.rundir import atomic_write_text

    done = json.loads(partial.read_text()) if partial is not None and partial.exists() else {}
    out = {}
    for name, rec in models.items():
        if name in done:
            out[name] = done[name]
            continue
        twin = next((k for k, r in models.items() if k in out and _deployed(r) == _deployed(rec)),
                    None)
        if twin is not None:
            out[name] = out[twin]
            continue
        trained, trained_values = model_values(rec)
        deployed, values = trained, trained_values
        if "exported" in rec:  # pruned gates are absent from what is deployed
            deployed, values = Circuit.from_text(rec["exported"]), {}
        out[name] = ctx.task.evaluate(deployed, values, trained, trained_values, rec["layout"])
        if partial is not None:
            atomic_write_text(partial, json.dumps({**done, **out}))
    return out


def _deployed(rec: dict) -> tuple:
    """What the evaluation of a model record depends on."""
    return rec["circuit"], rec["params"], rec["layout"], rec.get("exported")


def run(ctx, run_dir, models: dict, progress=True, log=print) -> dict:
    """The stage: ``{name: metrics}`` (resumes model by model after an interruption)."""
    partial = run_dir.path("checkpoints", "evaluate_partial.json")
    return run_dir.stage("evaluate", lambda: {"models": evaluate_all(ctx, models, partial)},
                         log)["models"]
