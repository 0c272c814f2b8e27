"""How much each Élivágar predictor varies over a row's candidate pool, and which one decides.

For the first N candidates of a row's Élivágar pool (seed K): the spread of RepCap, of the
CNR and of CNR**w, and the Kendall tau of each with the composite RepCap x CNR**w: which
predictor orders the candidates the composite picks from.

    .venv/bin/python experiments/diagnostics/predictor_spread.py ROW [SEED] [N]

(reads the row's committed config; needs the data directory in $QNAS_DATA or ../shared/data).
"""

import json
import os
import sys

import numpy as np
from scipy.stats import kendalltau

from qnas.config import from_dict
from qnas.pipeline.context import Context
from qnas.pipeline.stages import elivagar as stage


def main(row: str, seed: int = 0, n: int = 100) -> None:
    cfg = from_dict(json.load(open(f"experiments/rows/{row}/seed-{seed}/config.json")))
    cfg = cfg.replace(data={"dir": os.environ.get("QNAS_DATA", "../shared/data")})
    ctx = Context(cfg)
    fitness = stage.predictor_fitness(ctx)
    parts = [fitness.components(c) for c in stage.elivagar_candidates(ctx, n)]
    r, c, s = (np.array([p[k] for p in parts]) for k in ("repcap", "cnr", "score"))
    w = fitness.noise_weight
    for name, v in (("RepCap", r), ("CNR", c), (f"CNR**{w:g}", c**w), ("composite", s)):
        q = np.percentile(v, [0, 10, 50, 90, 100])
        print(f"{name:>10}: min {q[0]:.4f}  p10 {q[1]:.4f}  median {q[2]:.4f}  p90 {q[3]:.4f}"
              f"  max {q[4]:.4f}  (p90-p10 {q[3] - q[1]:.4f})")
    for name, v in (("RepCap", r), ("CNR", c)):
        tau = kendalltau(v, s)
        print(f"Kendall tau of {name} with the composite: {tau.statistic:+.3f}")
    print(f"composite's pick: candidate {int(np.argmax(s))}, RepCap rank "
          f"{int((r > r[np.argmax(s)]).sum()) + 1}, CNR rank {int((c > c[np.argmax(s)]).sum()) + 1}"
          f" of {n}")


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], int(a[1]) if len(a) > 1 else 0, int(a[2]) if len(a) > 2 else 100)
