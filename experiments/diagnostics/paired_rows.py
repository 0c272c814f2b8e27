"""Paired bootstrap between two rows' models on the same test inputs (docs/results.md).

Both rows must share task, device data split and seeds (their ``y_test`` must agree); the
difference is model A's exact Aer accuracy minus model B's, all committed seeds resampled
together as in the tables. Usage::

    .venv/bin/python experiments/diagnostics/paired_rows.py ROW_A ROW_B [MODEL_A] [MODEL_B]
"""

import json
import sys
from pathlib import Path

import numpy as np

from qnas.experiments.rows import ARTIFACTS
from qnas.experiments.tables import paired_bootstrap
from qnas.pipeline.objective import decode_predictions


def main(a_row: str, b_row: str, model_a: str = "quantumnas", model_b: str = "quantumnas"):
    right_a, right_b = [], []
    for seed in (0, 1, 2):
        fa = Path(ARTIFACTS) / a_row / f"seed-{seed}" / "results.json"
        fb = Path(ARTIFACTS) / b_row / f"seed-{seed}" / "results.json"
        if not (fa.exists() and fb.exists()):
            continue
        ra, rb = json.loads(fa.read_text()), json.loads(fb.read_text())
        if ra["task_info"]["y_test"] != rb["task_info"]["y_test"]:
            raise ValueError(f"seed {seed}: the rows were tested on different inputs")
        y = np.array(ra["task_info"]["y_test"])
        right_a.append(decode_predictions(ra["evaluations"][model_a]["pred_exact"]) == y)
        right_b.append(decode_predictions(rb["evaluations"][model_b]["pred_exact"]) == y)
    if not right_a:
        raise SystemExit(f"no seed that both {a_row} and {b_row} have finished")
    t = paired_bootstrap(np.stack(right_a), np.stack(right_b), seed=0)
    print(f"{a_row}:{model_a} - {b_row}:{model_b} over {len(right_a)} seeds: "
          f"{t['diff']:+.3f} [{t['low']:+.3f}, {t['high']:+.3f}]")


if __name__ == "__main__":
    main(*sys.argv[1:5])
