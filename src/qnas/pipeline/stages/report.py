"""Stage ``report``: results.json, the final circuit (OpenQASM 3, text, drawing), plots, table.

``final.qasm`` is OpenQASM 3 with the trained values bound and the encoder's input features
left symbolic (``input float[64] x0;`` ...); its header says what the inputs are.

Usage::

    results = run(ctx, run_dir, sc_hist, found, models, evals)
"""

from __future__ import annotations

from qnas.ir import Circuit
from qnas.rundir import atomic_write_text


def final_circuit(model: dict) -> tuple[Circuit, dict]:
    """What is deployed of a model: the circuit without pruned gates and its trained values."""
    circuit = Circuit.from_text(model.get("exported", model["circuit"]))
    values = {} if "exported" in model else dict(zip(circuit.parameters, model["params"]))
    return circuit, values


def to_qasm3(circuit: Circuit, values: dict, header: str) -> str:
    """OpenQASM 3 of ``circuit`` with ``values`` bound; unbound inputs become ``input``s."""
    from qiskit import qasm3

    qc = circuit.to_qiskit()
    qc = qc.assign_parameters({p: values[p.name] for p in qc.parameters if p.name in values})
    body = qasm3.dumps(qc)
    comment = "".join(f"// {line}\n" for line in header.splitlines())
    return comment + body


def export_final(ctx, run_dir, model: dict, log=print) -> None:
    """Write ``final.txt``, ``final_model.json`` (what ``qnas deploy`` runs), ``final.qasm``
    and ``final_drawing.txt``."""
    cfg = ctx.cfg
    circuit, values = final_circuit(model)
    atomic_write_text(run_dir.path("final.txt"), circuit.to_text())
    run_dir.write_json("final_model.json", {"task": cfg.task, "device": cfg.device,
                                            "circuit": circuit.to_text(), "values": values,
                                            "layout": model["layout"]})
    if circuit.inputs:
        enc = getattr(ctx.task.encoder, "name", "the encoder")
        what = (f"inputs {circuit.inputs[0]}..{circuit.inputs[-1]}: the {len(circuit.inputs)} "
                f"input features of task {cfg.task} (encoder {enc}), one value each per sample")
    else:
        what = "no inputs"
    header = (f"qnas run: task {cfg.task}, device {cfg.device}, space {cfg.space}, seed "
              f"{cfg.seed}\ntrained parameters are bound; {what}\nlayout (physical qubit of "
              f"logical qubit j): {model['layout'] or 'chosen by Qiskit at deployment'}")
    try:
        atomic_write_text(run_dir.path("final.qasm"), to_qasm3(circuit, values, header))
        drawing = circuit.to_qiskit().draw(output="text", fold=120)
        atomic_write_text(run_dir.path("final_drawing.txt"), str(drawing))
    except Exception as e:  # noqa: BLE001  (export problems must not lose the results)
        if log:
            log(f"export warning: {e}")


def table_rows(ctx, models: dict, evals: dict) -> list[dict]:
    rows = []
    for name, ev in evals.items():
        rec = models[name]
        extra = {m: ev[m] for m in ("aer_exact_acc", "aer_exact_energy") if m in ev}
        rows.append({"model": name, **{m: ev[m] for m in ctx.task.metrics}, **extra,
                     "n_2q": rec.get("n_2q_exported", rec["n_2q"]),
                     "n_params": rec.get("n_params_exported", rec["n_params"]),
                     "layout": rec["layout"]})
    return rows


def format_table(rows, cfg, task, info: dict | None = None) -> str:
    """The table ``qnas run`` prints, with a legend line saying what each column is."""
    m1, m2 = task.metrics
    l1, l2 = task.metric_labels
    exact = "aer_exact_acc" if task.kind == "classification" else "aer_exact_energy"
    what = "test accuracy" if task.kind == "classification" else "energy (Ha)"
    head = f"{cfg.task} on {cfg.device} ({cfg.space}), Qiskit Aer noisy {what}"
    info = info or task.info()
    if "exact_energy" in info:
        head += f"; exact energy {info['exact_energy']:.4f} Ha"
    lines = [head, f"{'model':<20}{l1:>10}{'exact':>9}{l2:>11}{'#2q':>6}{'#params':>9}  layout"]
    for r in rows:
        ex = f"{r[exact]:>9.4f}" if exact in r else f"{'':>9}"
        lines.append(f"{r['model']:<20}{r[m1]:>10.4f}{ex}{r[m2]:>11.4f}"
                     f"{r['n_2q']:>6}{r['n_params']:>9}  {r['layout']}")
    scale = cfg.noise.device_scale
    noise = "the device's noise model" + (f" scaled x{scale:g}" if scale != 1 else "")
    if task.kind == "classification":
        on = (f"{info['n_test']} test inputs; {cfg.evaluation.shots} shots "
              f"('{l1}') and exact probabilities ('exact')")
    else:
        on = f"{cfg.evaluation.shots} shots per group ('{l1}') and exact probabilities ('exact')"
    lines.append(f"Aer = Qiskit Aer density matrix with {noise}, readout error included; {on}; "
                 f"'{l2}' = the same trained parameters without noise. quantumnas = the "
                 f"deployed searched model (pruned unless that lost validation score); "
                 f"layout None = Qiskit's own layout; #params counts non-zero angles.")
    return "\n".join(lines)


def run(ctx, run_dir, sc_hist, found, models, evals, log=print,
        deployed: str = "quantumnas") -> dict:
    """Write the run's results and the final circuit of model ``deployed``, plot, print the
    table; returns the results."""
    from qnas.report.plots import write_plots

    export_final(ctx, run_dir, models[deployed], log)
    rows = table_rows(ctx, models, evals)
    results = {"config": ctx.cfg.to_dict(), "strategy": ctx.cfg.search.strategy,
               "search": found, "table": rows,
               "evaluations": evals, "task_info": ctx.task.info(),
               "stage_seconds": run_dir.stage_seconds(),
               "stage_cpu_seconds": run_dir.stage_seconds("cpu_seconds")}
    run_dir.write_json("results.json", results)
    try:
        write_plots(run_dir.root / "plots", sc_hist, found, models, rows, ctx.task.kind)
    except Exception as e:  # noqa: BLE001
        if log:
            log(f"plot warning: {e}")
    if log:
        log(format_table(rows, ctx.cfg, ctx.task, results["task_info"]))
    return results
