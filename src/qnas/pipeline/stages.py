"""The stages after the search: train, prune, baselines, Aer evaluation, report.

A model is a JSON record: classifier circuit (canonical text, symbolic), trained parameter
values, layout (physical qubits, or ``None`` for Qiskit's own noise-aware layout) and sizes.

>>> # models = after_search(ctx, run, found, progress=False, log=print)
"""

from __future__ import annotations

import json

import numpy as np
import torch

from qnas.ir import Circuit


def _record(circuit: Circuit, params: torch.Tensor, layout, **extra) -> dict:
    return {"circuit": circuit.to_text(), "params": [float(v) for v in params.tolist()],
            "layout": list(layout) if layout is not None else None,
            "n_params": len(circuit.parameters), "n_2q": circuit.num_two_qubit_gates, **extra}


def _values(rec) -> tuple[Circuit, dict]:
    c = Circuit.from_text(rec["circuit"])
    return c, dict(zip(c.parameters, rec["params"]))


def after_search(ctx, run, found, progress, log) -> dict:
    """Fine-tune the found SubCircuit from inherited weights, then prune it iteratively."""
    from qnas.pipeline.run import _finetune
    from qnas.prune import MagnitudePruner, remove_pruned_gates

    cfg = ctx.cfg
    spec = ctx.spec_from_string(found["spec"])
    circuit, index = ctx.circuits(spec)
    layout = tuple(found["layout"])

    def train():
        params, hist = _finetune(ctx, run, "finetune", circuit, ctx.initial_weights(index), layout,
                                 progress)
        return {"model": _record(circuit, params, layout, history=hist,
                                 noisy_score=ctx.noisy_score(circuit, params, layout))}

    trained = run.stage("train", train, log)["model"]

    def prune():
        params = torch.tensor(trained["params"])
        pruner = MagnitudePruner(len(params), cfg.prune_target, cfg.prune_steps)
        steps = []
        for k in range(1, cfg.prune_steps + 1):
            pruner.step(params, k)
            p, hist = _finetune(ctx, run, f"prune{k}", circuit, params, layout, progress,
                                epochs=cfg.prune_finetune_epochs, pruner=pruner)
            params = p.clone()
            steps.append({"step": k, "sparsity": pruner.sparsity, "history": hist})
        pruner.apply(params)
        values = dict(zip(circuit.parameters, params.tolist()))
        exported = remove_pruned_gates(circuit, values)
        rec = _record(circuit, params, layout, steps=steps, sparsity=pruner.sparsity,
                      exported=exported.to_text(), n_2q_exported=exported.num_two_qubit_gates,
                      n_ops_exported=len(exported.ops), n_ops=len(circuit.ops),
                      noisy_score=ctx.noisy_score(circuit, params, layout))
        return {"model": rec}

    pruned = run.stage("prune", prune, log)["model"] if cfg.prune_target > 0 else None
    # The deployed model is the pruned one unless pruning lost noisy validation score.
    out = {"quantumnas_unpruned": trained, "quantumnas": trained}
    if pruned is not None:
        out["quantumnas_pruned"] = pruned
        if pruned["noisy_score"] >= trained["noisy_score"]:
            out["quantumnas"] = pruned
    return out


def baselines(ctx, run, found, progress, log) -> dict:
    """Human design, random search, noise-unaware search, noise-adaptive mapping only."""
    from qnas.pipeline.run import _finetune, _search
    from qnas.search import GenomeSpace
    from qnas.spaces import SpecGenes, SubCircuitSpec

    cfg = ctx.cfg
    out = {}
    hb = cfg.human_blocks or cfg.max_blocks
    human_spec = SubCircuitSpec(hb, ctx.sc.full_spec().layers[: len(ctx.sc.full_spec().layers)
                                                             * hb // ctx.sc.max_blocks])
    fresh = None
    if {"human", "mapping_only"} & set(cfg.baselines):
        def human():
            circuit, index = ctx.circuits(human_spec)
            init = ctx.initial_weights(index, scratch=True)  # a human design has nothing to inherit
            params, hist = _finetune(ctx, run, "human", circuit, init, None, progress)
            return {"model": _record(circuit, params, None, history=hist,
                                     spec=human_spec.to_string())}

        fresh = run.stage("baseline_human", human, log)["model"]
        if "human" in cfg.baselines:
            out["human"] = fresh
    if "random" in cfg.baselines:
        def random_search():
            genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
            space = GenomeSpace(genes, ctx.target.n_qubits)
            rng = np.random.default_rng(cfg.seed + 2)
            fit = ctx.fitness(ctx.sc.weights)
            best = None
            for _ in range(found["n_evaluated"]):
                g = space.random(rng)
                f = fit(g)
                if best is None or f > best[1]:
                    best = (g, f)
            circuit, index = ctx.circuits(best[0].spec)
            params, hist = _finetune(ctx, run, "random", circuit, ctx.initial_weights(index),
                                     best[0].layout, progress)
            return {"model": _record(circuit, params, best[0].layout, history=hist,
                                     spec=best[0].spec.to_string(), fitness=best[1])}

        out["random"] = run.stage("baseline_random", random_search, log)["model"]
    if "noise_unaware" in cfg.baselines:
        def unaware():
            res = _search(ctx, run, "search_noise_unaware", ctx.sc.weights, False, progress)
            spec = ctx.spec_from_string(res["spec"])
            circuit, index = ctx.circuits(spec)
            params, hist = _finetune(ctx, run, "noise_unaware", circuit, ctx.initial_weights(index),
                                     None, progress)
            return {"model": _record(circuit, params, None, history=hist, spec=res["spec"])}

        out["noise_unaware"] = run.stage("baseline_noise_unaware", unaware, log)["model"]
    if "mapping_only" in cfg.baselines:
        def mapping():
            from qnas.search.genome import Genome, random_layout

            circuit = Circuit.from_text(fresh["circuit"])
            params = torch.tensor(fresh["params"])
            fit = ctx.fitness(torch.zeros(0))
            fit.circuits = lambda spec: (circuit, torch.arange(len(params)))
            fit.weights = params
            rng = np.random.default_rng(cfg.seed + 3)
            best = None
            for _ in range(cfg.mapping_only_layouts):
                layout = random_layout(ctx.n_qubits, ctx.target.n_qubits, rng)
                f = fit(Genome(human_spec, layout, ()))
                if best is None or f > best[1]:
                    best = (layout, f)
            return {"model": dict(fresh, layout=list(best[0]), fitness=best[1])}

        out["mapping_only"] = run.stage("baseline_mapping_only", mapping, log)["model"]
    return out


def evaluate_all(ctx, models: dict) -> dict:
    """Every model under Qiskit Aer with the fake device's noise model: test accuracy of a
    classifier (first ``eval_test_samples`` inputs) or a VQE energy, ``eval_shots`` shots."""
    out = {}
    for name, rec in models.items():
        trained, trained_values = _values(rec)
        deployed, values = trained, trained_values
        if "exported" in rec:  # pruned gates are absent from what is deployed
            deployed, values = Circuit.from_text(rec["exported"]), {}
        out[name] = ctx.objective.evaluate(deployed, values, trained, trained_values,
                                           rec["layout"])
    return out


def report(ctx, run, sc_hist, found, models, evals, log) -> dict:
    """Write results.json, the final circuit (QASM, text, drawing), plots; print a table."""
    from qnas.report.plots import write_plots
    from qnas.search.storage import atomic_write_text

    cfg = ctx.cfg
    final = models["quantumnas"]
    final_circuit = Circuit.from_text(final.get("exported", final["circuit"]))
    values = {} if "exported" in final else dict(zip(final_circuit.parameters, final["params"]))
    bindings = {**values, **{k: 0.0 for k in final_circuit.inputs}}
    atomic_write_text(run.root / "final.txt", final_circuit.to_text())
    # What `qnas deploy` runs on a backend: the circuit, its trained values, the layout.
    atomic_write_text(run.root / "final_model.json", json.dumps({
        "task": cfg.task, "device": cfg.device, "circuit": final_circuit.to_text(),
        "values": values, "layout": final["layout"]}, indent=1))
    try:
        from qnas.ir.qasm import to_qasm

        # Inputs are bound to 0 in the QASM file; the text form keeps them symbolic.
        atomic_write_text(run.root / "final.qasm", to_qasm(final_circuit, bindings))
        qc = final_circuit.to_qiskit()
        atomic_write_text(run.root / "final_drawing.txt", str(qc.draw(output="text", fold=120)))
    except Exception as e:  # noqa: BLE001  (export problems must not lose the results)
        log(f"export warning: {e}")
    rows = []
    for name, ev in evals.items():
        rec = models[name]
        rows.append({"model": name, **{m: ev[m] for m in ctx.objective.metrics},
                     "n_2q": rec.get("n_2q_exported", rec["n_2q"]), "n_params": rec["n_params"],
                     "layout": rec["layout"]})
    stage_seconds = {}
    for p in sorted((run.root / "stages").glob("*.json")):
        stage_seconds[p.stem] = json.loads(p.read_text()).get("seconds")
    results = {"config": cfg.to_dict(), "search": found, "table": rows,
               "evaluations": evals, "task_info": ctx.objective.info(),
               "stage_seconds": stage_seconds}
    atomic_write_text(run.root / "results.json", json.dumps(results, indent=1))
    try:
        write_plots(run.root / "plots", sc_hist, found, models, rows, ctx.objective.kind)
    except Exception as e:  # noqa: BLE001
        log(f"plot warning: {e}")
    log(format_table(rows, cfg, ctx.objective))
    return results


def format_table(rows, cfg, objective) -> str:
    m1, m2 = objective.metrics
    l1, l2 = objective.metric_labels
    what = "test accuracy" if objective.kind == "classification" else "energy (Ha)"
    head = f"{cfg.task} on {cfg.device} ({cfg.space}), Qiskit Aer noisy {what}"
    info = objective.info()
    if "exact_energy" in info:
        head += f"; exact energy {info['exact_energy']:.4f} Ha"
    lines = [head, f"{'model':<20}{l1:>10}{l2:>11}{'#2q':>6}{'#params':>9}  layout"]
    for r in rows:
        lines.append(f"{r['model']:<20}{r[m1]:>10.4f}{r[m2]:>11.4f}"
                     f"{r['n_2q']:>6}{r['n_params']:>9}  {r['layout']}")
    return "\n".join(lines)
