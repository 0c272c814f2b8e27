"""Do per-wire ``<Z>`` shifts under noise rank trained candidates better than the CNR?

For each candidate of a committed predictor artifact (``experiments/predictors/<row>-seed-
<k>.json``: CNR, RepCap and the noisy validation accuracy of the candidate trained from
scratch), the CNR's own Clifford replicas (``mode="angles"``, the same seeded angles) are
simulated noiseless and noisy (exact density matrix, readout error included) and compared
wire by wire on ``<Z>``, which is what the classifier reads:

* ``abs_shift``: mean ``|<Z>_noisy - <Z>_noiseless|`` over replicas and wires;
* ``diff_shift``: the same after removing each replica's mean shift (a shift common to all
  wires does not change an argmax over classes);
* ``offset_spread``: the spread across wires of the mean shift (a wire whose signal the noise
  moves most: a class bias);
* ``zcorr``: how much of the noiseless ``<Z>`` survives (regression slope).

Printed: Kendall tau (and p) of each, of the CNR, RepCap, the composite and the 2-qubit gate
count with the trained noisy accuracy.

    .venv/bin/python experiments/diagnostics/readout_shift.py \
        experiments/predictors/mnist4-quito-elivagar-rxyz64-seed-0.json

(needs the data directory in $QNAS_DATA or ../shared/data).
"""

import json
import os
import sys

import numpy as np
import torch
from scipy.stats import kendalltau

from qnas.elivagar.candidates import Candidate
from qnas.elivagar.cnr import angle_replicas, oneshot_probabilities
from qnas.elivagar.score import candidate_seed
from qnas.experiments.rows import load_rows
from qnas.ir import Circuit
from qnas.pipeline.context import Context
from qnas.pipeline.stages import elivagar as stage

MEASURES = ("cnr", "repcap", "score", "n_2q", "abs_shift", "diff_shift", "offset_spread",
            "zcorr")


def expz(probs: torch.Tensor) -> torch.Tensor:
    """``<Z_w>`` ``[R, n]`` of probabilities ``[R, 2**n]`` (Qiskit bit order)."""
    n = probs.shape[1].bit_length() - 1
    idx = torch.arange(2**n)
    signs = torch.stack([1 - 2 * ((idx >> w) & 1) for w in range(n)], 1).to(probs.dtype)
    return probs @ signs


def shifts(fitness, candidate) -> dict:
    """The ``<Z>`` measures of ``candidate`` on its CNR replicas (module docstring)."""
    dc = fitness.device_circuit(candidate)
    rng = candidate_seed(candidate, fitness.seed)  # the CNR's own replica angles
    p, x = angle_replicas(dc.circuit, fitness.replicas, rng)
    zc, zn = (expz(t) for t in oneshot_probabilities(dc, p, x, fitness.scale))
    dz = zn - zc
    return {"abs_shift": float(dz.abs().mean()),
            "diff_shift": float((dz - dz.mean(1, keepdim=True)).abs().mean()),
            "offset_spread": float(dz.mean(0).std()),
            "zcorr": float((zn * zc).sum() / (zc * zc).sum().clamp_min(1e-9))}


def main(path: str) -> None:
    art = json.load(open(path))
    cfg = load_rows()[art["row"]].config(art["seed"],
                                         os.environ.get("QNAS_DATA", "../shared/data"))
    ctx = Context(cfg)
    fitness = stage.predictor_fitness(ctx)
    rows = []
    for c in art["candidates"]:
        cand = Candidate(Circuit.from_text(c["circuit"]), tuple(c["layout"]))
        rows.append({**{m: c[m] for m in ("cnr", "repcap", "score", "n_2q")},
                     **shifts(fitness, cand), "trained": c["trained_noisy_score"]})
    trained = np.array([r["trained"] for r in rows])
    print(f"{art['row']} seed {art['seed']}: {len(rows)} candidates, trained noisy accuracy "
          f"{trained.min():.3f}-{trained.max():.3f}")
    for m in MEASURES:
        t = kendalltau([r[m] for r in rows], trained)
        print(f"{m:>14}: Kendall tau {t.statistic:+.3f} (p {t.pvalue:.3f})")


if __name__ == "__main__":
    main(sys.argv[1])
