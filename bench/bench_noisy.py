"""Noisy-evaluation benchmark: the qnas noisy chain vs Qiskit Aer, both run the way users run them.

Task: the classifier of ``bench/spec.py`` (encoder + 8 blocks of U3 + CU3 ring, ``<Z>`` on
every wire) compiled once onto a device, evaluated on a batch of inputs under the device's full
noise model (depolarizing + thermal relaxation after every gate, readout error):

==========  ==========  ======================================  ======
qubits      device      layout                                  inputs
==========  ==========  ======================================  ======
4           santiago    0, 1, 2, 3                              300
8           toronto     0..7 (a tree: routing stays on it)      300
10          melbourne   0-1-2-3-4-10-11-12-13-14 (a 10-ring)    10
==========  ==========  ======================================  ======

* **qnas**: ``DeviceCircuit.expz(params, x)`` (what ``qnas.noisy.device_expz`` and the search
  fitness call; compiled once and cached), method ``"density"``, complex64 and complex128.
* **Aer**: the same compiled circuit with symbolic ``Parameter``s, every input bound in ONE
  ``AerSimulator(method="density_matrix", noise_model=NoiseModel.from_backend(fake backend),
  max_parallel_threads=1)`` ``run(..., parameter_binds=[...])`` call (fusion on, Aer's
  default), exact results saved with ``save_expectation_value`` (one ``Z`` per measured qubit)
  or ``save_probabilities`` (of the measured qubits); Aer's readout matrices are applied to
  its exact ``<Z>`` so the two can be compared (to ~1e-6 in complex128).

Both sides: 1 warm-up call, then best (and median) of ``--repeats`` (3) timed calls, 1 thread,
in the same process. Also measures density / trajectory throughput. Usage::

    .venv/bin/python bench/bench_noisy.py [--sizes 4,8,10] [--inputs10 10] [--skip-throughput]

Writes ``bench/results/noisy.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from fw_qnas import build_circuit  # noqa: E402
from spec import make_data  # noqa: E402

from qnas.noisy import DeviceCircuit  # noqa: E402
from qnas.sim import superop  # noqa: E402

SIZES = {4: ("santiago", [0, 1, 2, 3], 300), 8: ("toronto", list(range(8)), 300),
         10: ("melbourne", [0, 1, 2, 3, 4, 10, 11, 12, 13, 14], 10)}


def timed(fn, repeats: int) -> tuple[object, dict]:
    """1 warm-up call, then ``repeats`` timed calls: (last result, {best_s, median_s, runs})."""
    fn()
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, {"best_s": min(times), "median_s": statistics.median(times), "runs": times}


def aer_runner(dc: DeviceCircuit, device: str, params: torch.Tensor, x: torch.Tensor, save: str):
    """A callable running all inputs in one Aer call; returns ``<Z>`` with Aer's readout."""
    from qiskit.quantum_info import Pauli
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    from qnas.backends.aer_eval import fake_backend

    cc = dc.compiled
    nm = NoiseModel.from_backend(fake_backend(device))
    qc = cc.physical_circuit.to_qiskit()
    measured = list(cc.final_layout)
    if save == "expectation":
        for j, q in enumerate(measured):
            qc.save_expectation_value(Pauli("Z"), [q], label=f"z{j}")
    else:
        qc.save_probabilities(measured)
    sim = AerSimulator(method="density_matrix", noise_model=nm, max_parallel_threads=1)
    values = dict(zip(cc.circuit.parameters, params.double().tolist()))
    cols = {name: x[:, i].double().tolist() for i, name in enumerate(cc.circuit.inputs)}
    b = x.shape[0]
    binds = [{p: cols[p.name] if p.name in cols else [values[p.name]] * b
              for p in qc.parameters}]
    # P(measured | true) of each measured qubit -> affine map of <Z>
    ro = [nm._local_readout_errors[(q,)].probabilities for q in measured]
    gain = np.array([(r[0, 0] - r[0, 1] + r[1, 1] - r[1, 0]) / 2 for r in ro])
    bias = np.array([(r[0, 0] - r[0, 1] - r[1, 1] + r[1, 0]) / 2 for r in ro])
    n = len(measured)
    signs = np.array([[1 - 2 * ((i >> j) & 1) for j in range(n)] for i in range(2**n)])

    def run() -> np.ndarray:
        res = sim.run([qc], parameter_binds=binds, shots=1).result()
        if save == "expectation":
            z = np.array([[res.data(i)[f"z{j}"] for j in range(n)] for i in range(b)])
        else:
            z = np.stack([np.asarray(res.data(i)["probabilities"]) for i in range(b)]) @ signs
        return z * gain + bias

    return run


def bench_size(n: int, args) -> dict:
    device, layout, inputs = SIZES[n]
    if n == 10:
        inputs = args.inputs10
    circuit = build_circuit(n)
    data = make_data(n, inputs)
    params = torch.cat([data["u3"].reshape(-1), data["cu3"].reshape(-1)])
    x = data["x"]
    t0 = time.perf_counter()
    dc = DeviceCircuit.compile(circuit, device, layout)
    t_compile = time.perf_counter() - t0
    noisy = dc.noisy_circuit()
    row = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
           "load_average_start": os.getloadavg(),
           "n_logical": n, "device": device, "layout": layout, "inputs": inputs,
           "n_simulated": dc.circuit.n_qubits, "compiled_ops": dc.circuit.count_ops(),
           "ops_with_noise": len(noisy.ops), "plan": superop.plan_stats(noisy),
           "compile_s": t_compile}
    with torch.no_grad():
        z64, row["qnas_c64"] = timed(lambda: dc.expz(params, x), args.repeats)
        z128, row["qnas_c128"] = timed(lambda: dc.expz(params, x, dtype=torch.complex128),
                                       args.repeats)
    print(f"  n={n} {device}: qnas c64 {row['qnas_c64']['best_s']:.4f} s, "
          f"c128 {row['qnas_c128']['best_s']:.4f} s", flush=True)
    if inputs < 100:  # the search's 100 inputs: qnas only (Aer's cost is linear in inputs)
        x100 = make_data(n, 100)["x"]
        with torch.no_grad():
            _, row["qnas_c64_100_inputs"] = timed(lambda: dc.expz(params, x100), args.repeats)
        print(f"  n={n} {device}: qnas c64, 100 inputs "
              f"{row['qnas_c64_100_inputs']['best_s']:.4f} s", flush=True)
    saves = args.aer_save.split(",")
    if n > 4 and args.fastest_save:  # the larger sizes: Aer's fastest save at 4 qubits only
        saves = [args.fastest_save]
    for save in saves:
        run = aer_runner(dc, device, params, x, save)
        za, t = timed(run, args.repeats)
        row[f"aer_{save}"] = t
        row[f"aer_{save}_max_abs_dz_c128"] = float(np.abs(z128.numpy() - za).max())
        row[f"aer_{save}_max_abs_dz_c64"] = float(np.abs(z64.numpy() - za).max())
        print(f"  n={n} aer ({save}): {t['best_s']:.3f} s, max|dz| c128 "
              f"{row[f'aer_{save}_max_abs_dz_c128']:.1e}", flush=True)
    best = min(saves, key=lambda s: row[f"aer_{s}"]["best_s"])
    row["aer_fastest_save"] = best
    row["speedup_c64"] = row[f"aer_{best}"]["best_s"] / row["qnas_c64"]["best_s"]
    row["speedup_c128"] = row[f"aer_{best}"]["best_s"] / row["qnas_c128"]["best_s"]
    row["load_average_end"] = os.getloadavg()
    return row


def throughput(args) -> list[dict]:
    """qnas alone: full density matrices (``simulate_density``), ``<Z>`` (Heisenberg) and
    trajectories, samples per second, on the compiled circuits above."""
    from qnas.sim.density import simulate_density
    from qnas.sim.trajectories import simulate_trajectories

    rows = []
    for n, batch, traj in ((4, 256, 100), (8, 16, 100), (10, 4, 20)):
        device, layout, _ = SIZES[n]
        circuit = build_circuit(n)
        data = make_data(n, batch)
        params = torch.cat([data["u3"].reshape(-1), data["cu3"].reshape(-1)])
        dc = DeviceCircuit.compile(circuit, device, layout)
        noisy = dc.noisy_circuit()
        x = data["x"]
        with torch.no_grad():
            _, t_d = timed(lambda c=noisy, p=params, x=x: simulate_density(c, p, x), 2)
            _, t_t = timed(lambda c=noisy, p=params, x=x, t=traj:
                           simulate_trajectories(c, p, x, trajectories=t, seed=0), 2)
        rows.append({"n": n, "device": device, "ops_with_noise": len(noisy.ops), "batch": batch,
                     "density_matrix_s": t_d["best_s"],
                     "density_samples_per_s": batch / t_d["best_s"],
                     "trajectories": traj, "trajectories_s": t_t["best_s"],
                     "trajectory_states_per_s": batch * traj / t_t["best_s"]})
        print(f"  n={n}: density matrices {batch / t_d['best_s']:9.1f} samples/s   "
              f"trajectories {batch * traj / t_t['best_s']:9.1f} states/s", flush=True)
    return rows


# -- 10-12 qubits: ranking fidelity of the sampled methods --------------------------------------
def _train_super(sc, enc, x, y, readout, steps: int, seed: int = 0):
    """A short noise-free SuperCircuit training (a random SubCircuit per step, the full design
    every other step), standing in for the co-search's trained SuperCircuit."""
    import qnas
    from qnas.pipeline.objective import nll
    from qnas.spaces import UniformSampler
    from qnas.train.model import classifier_circuit

    w = sc.weights.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=0.05)
    gen = torch.Generator().manual_seed(seed)
    sampler = UniformSampler(sc.genes(), seed=seed + 1)
    for step in range(steps):
        spec = sc.full_spec() if step % 2 else sampler.sample()
        ansatz, index = sc.subcircuit(spec)
        circuit = classifier_circuit(enc, ansatz)
        idx = torch.randint(0, len(x), (128,), generator=gen)
        state = qnas.simulate(circuit, w[index], x[idx])
        z = qnas.expz(qnas.probabilities(state), circuit.n_qubits)
        loss = nll(readout(z), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return w.detach()


def ranking(args) -> dict:
    """Noisy validation loss/accuracy of 20 (SubCircuit, layout) candidates of a mnist10-like
    co-search (u3cu3, 10 qubits, 4 blocks, 6x6_ryzxy, weights from a short noise-free
    SuperCircuit training), on a 15-qubit device, by density (exact) and by the sampled methods;
    Kendall tau of each method's ranking against density's, and seconds per evaluation."""
    from scipy.stats import kendalltau

    from qnas.pipeline.objective import accuracy, nll
    from qnas.search.genome import random_layout
    from qnas.spaces import SuperCircuit, UniformSampler
    from qnas.tasks.datasets import load_task_data
    from qnas.tasks.encoders import get_encoder
    from qnas.tasks.readout import ReadoutSpec
    from qnas.train.model import classifier_circuit

    data_dir = os.environ.get("QNAS_DATA") or str(BENCH.parent.parent / "shared" / "data")
    data = load_task_data("mnist10", data_dir, limit=3000)
    x_tr, y_tr = data.x_train.float(), data.y_train
    x_va, y_va = data.x_valid[:100].float(), data.y_valid[:100]
    enc = get_encoder("6x6_ryzxy")
    readout = ReadoutSpec.default(10, 10)
    sc = SuperCircuit("u3cu3", 10, 4, seed=0)
    t0 = time.perf_counter()
    w = _train_super(sc, enc, x_tr, y_tr, readout, args.train_steps)
    t_train = time.perf_counter() - t0
    rng = np.random.default_rng(args.seed)
    sampler = UniformSampler(sc.genes(), seed=args.seed)
    methods = [("density", {})] + [(f"gate_insertion_x{r}", {"repeat": r}) for r in (1, 4, 16)] + \
        [(f"trajectories_{t}", {"trajectories": t}) for t in (4, 16)]
    cands, tried = [], 0
    while len(cands) < args.candidates:
        tried += 1
        spec = sampler.sample()
        ansatz, index = sc.subcircuit(spec)
        circuit = classifier_circuit(enc, ansatz)
        layout = random_layout(10, 15, rng)
        t0 = time.perf_counter()
        dc = DeviceCircuit.compile(circuit, args.ranking_device, layout)
        t_compile = time.perf_counter() - t0
        if dc.circuit.n_qubits > args.max_width:
            continue
        with torch.no_grad():
            clean = dc.expz(w[index], x_va, method="statevector", readout_error=False)
        row = {"spec": str(spec), "layout": list(map(int, layout)),
               "noise_free_accuracy": accuracy(readout(clean.float()), y_va),
               "width": dc.circuit.n_qubits, "cx": dc.circuit.count_ops().get("cx", 0),
               "compile_s": t_compile}
        params = w[index]
        for name, kw in methods:
            t0 = time.perf_counter()
            with torch.no_grad():
                if name == "density":
                    z = dc.expz(params, x_va)
                elif "repeat" in kw:
                    r = kw["repeat"]
                    z = dc.expz(params, x_va.repeat_interleave(r, 0), method="gate_insertion",
                                seed=1).reshape(len(x_va), r, -1).mean(1)
                else:
                    z = dc.expz(params, x_va, method="trajectories", seed=1, **kw)
            logits = readout(z.float())
            row[name] = {"s": time.perf_counter() - t0, "loss": float(nll(logits, y_va)),
                         "accuracy": accuracy(logits, y_va)}
        cands.append(row)
        print(f"  cand {len(cands):2d}: width {row['width']}, cx {row['cx']:3d}, "
              + ", ".join(f"{m} {row[m]['s']:.2f}s acc {row[m]['accuracy']:.2f}"
                          for m, _ in methods), flush=True)
    out = {"device": args.ranking_device, "candidates": cands, "tried": tried,
           "max_width": args.max_width, "train_steps": args.train_steps, "train_s": t_train,
           "summary": {}}
    for name, _ in methods:
        summ = {"mean_s": float(np.mean([c[name]["s"] for c in cands]))}
        if name != "density":
            for metric in ("loss", "accuracy"):
                tau = kendalltau([c["density"][metric] for c in cands],
                                 [c[name][metric] for c in cands]).statistic
                summ[f"kendall_tau_{metric}"] = float(tau)
        out["summary"][name] = summ
        print(f"  {name:22s} {summ}", flush=True)
    return out


def sweep(args) -> dict:
    """Seconds per fitness evaluation with the chain's default (``method=None``) for random
    genomes of a mnist10-like co-search (u3cu3, 10 qubits, up to 4 blocks, 100 inputs) on 15-,
    16- and 27-qubit devices, and the estimated time of a 200-evaluation search (population 20,
    10 generations). Circuits compiled onto more than ``--sweep-cap`` wires are not simulated
    (gate insertion needs minutes there, and 100 x 2**w amplitudes of memory).
    ``--sweep-layouts connected`` draws layouts as ``search.layouts = "connected"`` does
    (connected sets on the coupling map) instead of any distinct qubits."""
    from qnas.devices import Target
    from qnas.noisy import DEFAULTS
    from qnas.search.genome import sample_layout
    from qnas.spaces import SuperCircuit, UniformSampler
    from qnas.tasks.encoders import get_encoder
    from qnas.train.model import classifier_circuit

    enc = get_encoder("6x6_ryzxy")
    sc = SuperCircuit("u3cu3", 10, 4, seed=0)
    x = torch.rand(100, 36, generator=torch.Generator().manual_seed(0)) * 3
    out = {"defaults": dict(DEFAULTS.__dict__), "cap": args.sweep_cap, "devices": {},
           "layouts": args.sweep_layouts}
    for device in args.sweep_devices.split(","):
        target = Target.from_backend(device)
        nq = target.n_qubits
        adjacency = None
        if args.sweep_layouts == "connected":
            adjacency = target.adjacency()
        rng = np.random.default_rng(args.seed)
        sampler = UniformSampler(sc.genes(), seed=args.seed)
        rows = []
        for _ in range(args.sweep_genomes):
            ansatz, index = sc.subcircuit(sampler.sample())
            circuit = classifier_circuit(enc, ansatz)
            t0 = time.perf_counter()
            dc = DeviceCircuit.compile(circuit, device, sample_layout(10, nq, rng, adjacency))
            row = {"width": dc.circuit.n_qubits, "cx": dc.circuit.count_ops().get("cx", 0),
                   "compile_s": time.perf_counter() - t0, "method": dc.default_method()}
            if row["width"] <= args.sweep_cap:
                t0 = time.perf_counter()
                with torch.no_grad():
                    dc.expz(sc.weights[index].detach(), x)
                row["eval_s"] = time.perf_counter() - t0
            rows.append(row)
            print(f"  {device}: width {row['width']:2d} cx {row['cx']:3d} {row['method']:14s} "
                  f"compile {row['compile_s']:.2f}s eval {row.get('eval_s', float('nan')):.2f}s",
                  flush=True)
        done = [r for r in rows if "eval_s" in r]
        per = float(np.mean([r["compile_s"] + r["eval_s"] for r in done])) if done else None
        summ = {"genomes": rows, "widths": [r["width"] for r in rows],
                "simulated": len(done), "too_wide": len(rows) - len(done),
                "mean_s_per_eval": per,
                "search_minutes_if_all_like_simulated": None if per is None else 200 * per / 60}
        out["devices"][device] = summ
        print(f"  {device}: {len(done)}/{len(rows)} simulated, {per} s/eval -> "
              f"{summ['search_minutes_if_all_like_simulated']} min for 200 evaluations",
              flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="4,8,10")
    ap.add_argument("--inputs10", type=int, default=10, help="inputs at 10 qubits")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--aer-save", default="expectation,probabilities",
                    help="Aer save instructions to time at 4 qubits (the fastest is compared "
                         "and used at the other sizes)")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--ranking", action="store_true",
                    help="only the 10-qubit ranking experiment (merged into the JSON)")
    ap.add_argument("--ranking-device", default="melbourne")
    ap.add_argument("--candidates", type=int, default=20)
    ap.add_argument("--max-width", type=int, default=11)
    ap.add_argument("--train-steps", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sweep", action="store_true",
                    help="only the default-method timing sweep (merged into the JSON)")
    ap.add_argument("--sweep-genomes", type=int, default=20)
    ap.add_argument("--sweep-cap", type=int, default=18)
    ap.add_argument("--sweep-layouts", default="any", choices=("any", "connected"))
    ap.add_argument("--sweep-devices", default="melbourne,guadalupe,toronto")
    args = ap.parse_args(argv)
    path = BENCH / "results" / "noisy.json"
    if args.ranking or args.sweep:
        torch.set_num_threads(args.threads)
        old = json.loads(path.read_text()) if path.exists() else {}
        key = "ranking" if args.ranking else (
            "sweep" if args.sweep_layouts == "any" else f"sweep_{args.sweep_layouts}")
        res = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "load_average_start": os.getloadavg()}
        res.update(ranking(args) if args.ranking else sweep(args))
        res["load_average_end"] = os.getloadavg()
        old[key] = res
        path.write_text(json.dumps(old, indent=1) + "\n")
        print(f"wrote {path}")
        return 0
    torch.set_num_threads(args.threads)
    import qiskit
    import qiskit_aer

    out = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
           "load_average_start": os.getloadavg(), "cpus": os.cpu_count(),
           "torch_threads": args.threads, "repeats": args.repeats, "warmup": 1,
           "versions": {"torch": torch.__version__, "qiskit": qiskit.__version__,
                        "qiskit_aer": qiskit_aer.__version__,
                        "python": platform.python_version()},
           "sizes": []}
    print(f"[bench_noisy] load {os.getloadavg()}, torch threads {args.threads}", flush=True)
    args.fastest_save = None
    if path.exists():  # the 4-qubit row of an earlier run says which Aer save is fastest
        for r in json.loads(path.read_text()).get("sizes", []):
            if r["n_logical"] == 4:
                args.fastest_save = r["aer_fastest_save"]
    for n in (int(s) for s in args.sizes.split(",")):
        out["sizes"].append(bench_size(n, args))
        if n == 4:
            args.fastest_save = out["sizes"][-1]["aer_fastest_save"]
    print(f"\n{'qubits':>6} {'device':>10} {'inputs':>6} {'qnas c64':>10} {'qnas c128':>10} "
          f"{'aer':>9} {'x c64':>7} {'x c128':>7} {'max|dz|':>8}")
    for r in out["sizes"]:
        best = r["aer_fastest_save"]
        print(f"{r['n_logical']:>6} {r['device']:>10} {r['inputs']:>6} "
              f"{r['qnas_c64']['best_s']:>10.4f} {r['qnas_c128']['best_s']:>10.4f} "
              f"{r[f'aer_{best}']['best_s']:>9.3f} {r['speedup_c64']:>6.0f}x "
              f"{r['speedup_c128']:>6.0f}x {r[f'aer_{best}_max_abs_dz_c128']:>8.1e}")
    if not args.skip_throughput:
        print("\nthroughput:")
        out["throughput"] = throughput(args)
    out["load_average_end"] = os.getloadavg()
    path.parent.mkdir(exist_ok=True)
    if path.exists():  # keep the experiments run separately (--ranking, --sweep)
        old = json.loads(path.read_text())
        for key in ("ranking", "sweep", "sweep_connected"):
            if key in old:
                out[key] = old[key]
        done = {r["n_logical"] for r in out["sizes"]}  # and sizes not rerun (--sizes)
        kept = [r for r in old.get("sizes", []) if r["n_logical"] not in done]
        out["sizes"] = sorted(out["sizes"] + kept, key=lambda r: r["n_logical"])
        if "throughput" not in out and "throughput" in old:
            out["throughput"] = old["throughput"]
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
