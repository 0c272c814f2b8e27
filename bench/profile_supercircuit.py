"""Profile SuperCircuit training steps of an mnist4 row (quick preset) with cProfile.

    .venv/bin/python bench/profile_supercircuit.py --data-dir ../shared/data [--samples 5120]

Prints the wall time of one epoch over ``--samples`` training inputs (after a warm-up that
pays the one-time imports) and the top functions by own time. A profile, not a benchmark:
no peer, no JSON artifact.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--samples", type=int, default=5120)
    ap.add_argument("--task", default="mnist4")
    ap.add_argument("--device", default="lagos")
    args = ap.parse_args()
    torch.set_num_threads(1)
    from qnas.config import load_config
    from qnas.pipeline.context import Context
    from qnas.pipeline.stages.supercircuit import train_supercircuit

    cfg = load_config("quick", None, {"task": args.task, "device": args.device,
                                      "data": {"train_limit": args.samples,
                                               "dir": args.data_dir},
                                      "supercircuit": {"epochs": 1}})
    ctx = Context(cfg)
    torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))]).step()  # one-time imports
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    train_supercircuit(ctx, Path(tempfile.mkdtemp()) / "c.pt", progress=False)
    prof.disable()
    steps = -(-len(ctx.task.data.y_train) // cfg.train.batch_size)
    wall = time.perf_counter() - t
    print(f"{steps} steps (batch {cfg.train.batch_size}) in {wall:.2f} s: "
          f"{1000 * wall / steps:.1f} ms per step")
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
