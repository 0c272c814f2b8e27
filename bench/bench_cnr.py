"""CNR of one Élivágar candidate: the exact density matrix vs the Pauli-twirled flip path.

Each size gets fresh device-aware candidates (``qnas.elivagar.device_candidate`` on
melbourne's coupling map, ``rx``/``ry``/``rz`` rotations, 8 trainable angles per qubit after a
``ry`` encoder on every wire, as ``qnas run --strategy elivagar`` draws them), placed as they
are (:meth:`PredictorFitness.device_circuit`), and both methods score the same 32 angle
replicas (``mode="angles"``), complex128, 1 thread:

* **density**: ``cnr(dc, 32, rng, mode="angles", method="density")`` (what ``auto`` runs up
  to 6 qubits: the one-shot density matrix; above, the planned one in small batches);
* **pauli**: ``cnr(..., method="pauli")`` (``qnas.elivagar.twirled``: flip masks, no density
  matrix; the relaxation Pauli-twirled, so the score differs slightly: ``|dCNR|``).

One warm-up candidate per size, then ``--repeats`` fresh ones, median per side. Usage::

    .venv/bin/python bench/bench_cnr.py [--sizes 4,6,8,10] [--repeats 3]

Writes ``bench/results/cnr.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from qnas.devices import Target
from qnas.elivagar import PredictorFitness
from qnas.elivagar.candidates import device_candidate
from qnas.elivagar.cnr import cnr
from qnas.ir import Circuit, Op, inp

OUT = Path(__file__).resolve().parent / "results" / "cnr.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="4,6,8,10")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="melbourne")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    torch.set_num_threads(1)
    target = Target.from_backend(args.device)
    rows = []
    for n in (int(v) for v in args.sizes.split(",")):
        rng = np.random.default_rng(n)
        enc = Circuit(n, tuple(Op("ry", (w,), (inp(f"x{w}"),)) for w in range(n)))
        fit = PredictorFitness(target, None, None)
        times: dict[str, list] = {"density": [], "pauli": []}
        diffs, ops = [], []
        for k in range(args.repeats + 1):
            cand = device_candidate(target, n, 8 * n, rng, encoder=enc, rotations="rxyz")
            dc = fit.device_circuit(cand)
            score = {}
            for method in ("density", "pauli"):
                t0 = time.perf_counter()
                score[method] = cnr(dc, 32, np.random.default_rng(k), mode="angles",
                                    method=method)
                if k:  # the first candidate is the warm-up
                    times[method].append(time.perf_counter() - t0)
            if k:
                diffs.append(abs(score["density"] - score["pauli"]))
                ops.append(len(dc.circuit.ops))
        med = {m: statistics.median(v) for m, v in times.items()}
        rows.append({"qubits": n, "native_ops": ops, "replicas": 32, "median_s": med,
                     "times_s": times, "density_over_pauli": med["density"] / med["pauli"],
                     "max_abs_cnr_diff": max(diffs)})
        print(f"{n} qubits ({statistics.median(ops):.0f} native ops): density "
              f"{med['density'] * 1e3:.0f} ms, pauli {med['pauli'] * 1e3:.0f} ms "
              f"({med['density'] / med['pauli']:.1f}x); max |dCNR| {max(diffs):.4f}", flush=True)
    out = {"command": "python bench/bench_cnr.py --sizes " + args.sizes + " --repeats "
                      + str(args.repeats) + " --device " + args.device,
           "torch_threads": 1, "rows": rows}
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
