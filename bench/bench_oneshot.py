"""One-shot noisy probabilities: ``qnas.sim.oneshot`` vs the planned density simulator.

Training-free search (Élivágar's CNR) simulates each candidate circuit once. Both sides get
the same fresh circuits (so no plan is reused, as in a search): random native circuits
(``rz``/``sx``/``cx`` on guadalupe's coupling map, 60 ops per qubit, 10% ``cx``) under the
device's noise model, 32 rows of angles that are multiples of pi/2, complex128, 1 thread:

* **oneshot**: ``oneshot.probabilities(circuit, params, noise=model.gate_noise)``;
* **planned**: ``superop.marginal_probabilities(model.apply(circuit), params, ...)`` (what
  ``DeviceCircuit.probabilities(method="density")`` runs), plan built on first use.

One warm-up circuit per size, then ``--repeats`` fresh circuits, median per side. Usage::

    .venv/bin/python bench/bench_oneshot.py [--sizes 4,5,6,7] [--repeats 5]

Writes ``bench/results/oneshot.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from qnas.ir import Circuit, Op, param
from qnas.noise import NoiseModel
from qnas.sim import oneshot, superop


def random_native(n: int, edges, rng) -> Circuit:
    ops = []
    for i in range(60 * n):
        r = rng.random()
        if r < 0.1:
            a, b = edges[rng.integers(len(edges))]
            ops.append(Op("cx", (int(a), int(b))))
        elif r < 0.5:
            ops.append(Op("sx", (int(rng.integers(n)),)))
        else:
            ops.append(Op("rz", (int(rng.integers(n)),), (param(f"p{i}"),)))
    return Circuit(n, tuple(ops))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="4,5,6,7")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = NoiseModel.from_target("guadalupe")
    all_edges = sorted({tuple(e) for e in model.target.coupling_map})
    rows = []
    for n in (int(v) for v in args.sizes.split(",")):
        edges = [e for e in all_edges if max(e) < n]
        rng = np.random.default_rng(n)
        times = {"oneshot": [], "planned": []}
        err = 0.0
        for k in range(args.repeats + 1):
            c = random_native(n, edges, rng)
            p = torch.tensor(rng.integers(4, size=(32, len(c.parameters))) * np.pi / 2)
            t0 = time.perf_counter()
            a = oneshot.probabilities(c, p, noise=model.gate_noise)
            t1 = time.perf_counter()
            b = superop.marginal_probabilities(model.apply(c), p, None, tuple(range(n)),
                                               torch.complex128, None)
            t2 = time.perf_counter()
            err = max(err, float((a - b).abs().max()))
            if k:  # the first circuit is the warm-up
                times["oneshot"].append(t1 - t0)
                times["planned"].append(t2 - t1)
        med = {k: statistics.median(v) for k, v in times.items()}
        rows.append({"qubits": n, "ops": 60 * n, "rows": 32, "median_s": med, "times_s": times,
                     "planned_over_oneshot": med["planned"] / med["oneshot"],
                     "max_abs_diff": err})
        print(f"{n} qubits: oneshot {med['oneshot'] * 1e3:.1f} ms, planned "
              f"{med['planned'] * 1e3:.1f} ms, ratio {med['planned'] / med['oneshot']:.2f}x, "
              f"max |diff| {err:.1e}")
    out = Path(__file__).parent / "results" / "oneshot.json"
    out.write_text(json.dumps({"rows": rows, "repeats": args.repeats}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
