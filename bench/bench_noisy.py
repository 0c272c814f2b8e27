"""Noisy-evaluation benchmark: qnas density matrix vs Qiskit Aer on a device noise model.

Task: the 4-qubit classifier of ``bench/spec.py`` (4x4_ryzxy encoder + 8 blocks of U3 + CU3
ring, ``<Z>`` on every wire) compiled onto ``santiago`` (layout 0,1,2,3), evaluated on 300
inputs with the full device noise (depolarizing + thermal relaxation + readout).

* ``qnas-density``: one batched call of ``device_expz`` (compiled once, cached).
* ``aer-one-per-input``: the predecessor's method, one ``AerSimulator(method=
  "density_matrix")`` run per bound circuit; timed on a subset and extrapolated to 300.
* ``aer-batched``: all 300 bound circuits in one ``run`` call.

Aer computes exact probabilities with ``save_probabilities`` (no shots) and readout error is
applied from Aer's own readout matrices, so the ``<Z>`` values can be compared.
Also measures density-matrix and trajectory throughput at 4, 8 and 12 qubits.

Usage::

    .venv/bin/python bench/bench_noisy.py [--threads 1] [--aer-subset 30]

Writes ``bench/results/noisy.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from fw_qnas import build_circuit  # noqa: E402
from spec import make_data  # noqa: E402

from qnas.compile import compile as qcompile  # noqa: E402
from qnas.ir import Circuit  # noqa: E402
from qnas.noisy import device_expz  # noqa: E402
from qnas.sim.density import simulate_density  # noqa: E402
from qnas.sim.trajectories import simulate_trajectories  # noqa: E402

DEVICE = "santiago"
LAYOUT = [0, 1, 2, 3]


def best_of(fn, repeats=3):
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, min(times)


def aer_setup(cc):
    """The same compiled circuit (full device width, symbolic) for Aer, plus its noise model.

    (Transpiling the symbolic circuit with Qiskit directly can take minutes in the basis
    translator, depending on PYTHONHASHSEED; qnas.compile lowers symbolic gates first.)
    """
    from qiskit_aer.noise import NoiseModel

    from qnas.backends.aer_eval import fake_backend

    nm = NoiseModel.from_backend(fake_backend(DEVICE))
    tq = cc.physical_circuit.to_qiskit()
    tq.save_probabilities(list(cc.final_layout))
    ro = [nm._local_readout_errors[(q,)].probabilities for q in cc.final_layout]
    return tq, nm, ro


def aer_bind(tq, p_names, params, x_row, inputs):
    vals = dict(zip(p_names, params))
    vals.update(zip(inputs, x_row))
    return tq.assign_parameters({p: vals[p.name] for p in tq.parameters})


def aer_expz(probs: np.ndarray, ro) -> np.ndarray:
    n = len(ro)
    z = np.zeros(n)
    for j in range(n):
        p1 = probs.reshape((2,) * n).sum(axis=tuple(a for a in range(n) if a != n - 1 - j))
        p1 = p1 @ ro[j]  # P(measured) = sum_true P(true) P(measured | true)
        z[j] = p1[0] - p1[1]
    return z


def bench_classifier(args) -> dict:
    from qiskit_aer import AerSimulator

    circuit = build_circuit(4)
    data = make_data(4, args.inputs)
    params = torch.cat([data["u3"].reshape(-1), data["cu3"].reshape(-1)])
    x = data["x"]
    t0 = time.perf_counter()
    cc = qcompile(circuit, DEVICE, layout=LAYOUT)
    t_compile = time.perf_counter() - t0
    with torch.no_grad():
        device_expz(circuit, params, x[:2], DEVICE, LAYOUT)  # warm caches
        z_q, t_q = best_of(lambda: device_expz(circuit, params, x, cc.target, LAYOUT))
        z_q64, t_q64 = best_of(lambda: device_expz(
            circuit, params, x, cc.target, LAYOUT, dtype=torch.complex128))
    tq, nm, ro = aer_setup(cc)
    sim = AerSimulator(method="density_matrix", noise_model=nm)
    p_np, x_np = params.double().numpy(), x.double().numpy()
    k = min(args.aer_subset, args.inputs)
    t0 = time.perf_counter()
    z_one = []
    for i in range(k):
        res = sim.run(aer_bind(tq, circuit.parameters, p_np, x_np[i], circuit.inputs),
                      shots=1).result()
        z_one.append(aer_expz(np.asarray(res.data(0)["probabilities"]), ro))
    t_one = (time.perf_counter() - t0) * args.inputs / k
    t0 = time.perf_counter()
    bound = [aer_bind(tq, circuit.parameters, p_np, x_np[i], circuit.inputs)
             for i in range(args.inputs)]
    res = sim.run(bound, shots=1).result()
    z_b = np.stack([aer_expz(np.asarray(res.data(i)["probabilities"]), ro)
                    for i in range(args.inputs)])
    t_batch = time.perf_counter() - t0
    dz = float(np.abs(z_q64.numpy() - z_b).max())
    dz32 = float(np.abs(z_q.numpy() - z_b).max())
    ops = cc.circuit.count_ops()
    return {
        "inputs": args.inputs, "device": DEVICE, "layout": LAYOUT,
        "compiled_ops": ops, "compile_s": t_compile,
        "qnas_density_c64_s": t_q, "qnas_density_c128_s": t_q64,
        "aer_one_per_input_s": t_one, "aer_one_per_input_timed_inputs": k,
        "aer_batched_s": t_batch,
        "speedup_vs_aer_one_per_input": t_one / t_q,
        "speedup_vs_aer_batched": t_batch / t_q,
        "max_abs_dz_vs_aer_c128": dz, "max_abs_dz_vs_aer_c64": dz32,
        "aer_one_vs_batched_max_dz": float(np.abs(np.stack(z_one) - z_b[:k]).max()),
    }


def throughput(args) -> list[dict]:
    rows = []
    for n, batch, traj in ((4, 256, 100), (8, 16, 100), (12, 1, 20)):
        circuit = build_circuit(n)
        data = make_data(n, batch)
        params = torch.cat([data["u3"].reshape(-1), data["cu3"].reshape(-1)])
        blocks = 2  # fewer blocks at every size: a ~compile-free noisy workload
        keep = 4 * n + blocks * 2 * n
        c = Circuit(n, circuit.ops[:keep], circuit.parameters, circuit.inputs)
        cc = qcompile(c, "toronto", layout=list(range(n)) if n <= 4 else None)
        model = cc.noise_model()
        noisy = model.apply(cc.circuit)
        m = cc.circuit.n_qubits
        with torch.no_grad():
            _, t_d = best_of(lambda c=noisy, p=params, x=data["x"]: simulate_density(c, p, x),
                             args.repeats)
            _, t_t = best_of(lambda c=noisy, p=params, x=data["x"], t=traj:
                             simulate_trajectories(c, p, x, trajectories=t, seed=0), args.repeats)
        rows.append({"n_logical": n, "n_simulated": m, "ops": len(noisy.ops), "batch": batch,
                     "density_s": t_d, "density_samples_per_s": batch / t_d,
                     "trajectories": traj, "trajectories_s": t_t,
                     "trajectory_states_per_s": batch * traj / t_t})
        print(f"  n={n} (sim {m}q, {len(noisy.ops)} ops) density {batch / t_d:9.1f} samples/s"
              f"   trajectories {batch * traj / t_t:9.1f} states/s", flush=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=300)
    ap.add_argument("--aer-subset", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--skip-throughput", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"[bench_noisy] torch threads={args.threads}, inputs={args.inputs}", flush=True)
    res = bench_classifier(args)
    print(f"\n4-qubit classifier on {DEVICE}, {args.inputs} inputs "
          f"(compiled: {res['compiled_ops']})")
    print(f"{'method':<34}{'time (s)':>10}{'qnas speedup':>14}")
    print(f"{'qnas density (complex64)':<34}{res['qnas_density_c64_s']:>10.4f}{'':>14}")
    print(f"{'qnas density (complex128)':<34}{res['qnas_density_c128_s']:>10.4f}{'':>14}")
    print(f"{'aer one circuit per input (extr.)':<34}{res['aer_one_per_input_s']:>10.3f}"
          f"{res['speedup_vs_aer_one_per_input']:>13.1f}x")
    print(f"{'aer batched (one run call)':<34}{res['aer_batched_s']:>10.3f}"
          f"{res['speedup_vs_aer_batched']:>13.1f}x")
    print(f"max |dZ| vs Aer: c128 {res['max_abs_dz_vs_aer_c128']:.2e}, "
          f"c64 {res['max_abs_dz_vs_aer_c64']:.2e}")
    out = {"classifier": res, "provisional": True,
           "note": "shared 2-core machine; Aer one-per-input timed on a subset and "
                   "extrapolated linearly"}
    if not args.skip_throughput:
        print("\nthroughput (compiled onto toronto, 2 blocks):")
        out["throughput"] = throughput(args)
    path = BENCH / "results" / "noisy.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1, default=lambda o: o if not math.isnan(o) else None))
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
