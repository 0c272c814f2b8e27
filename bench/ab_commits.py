"""Before/after check of a code change: qnas's training step at two commits, interleaved.

Machines here are shared and noisy, so a figure measured today cannot be set against one in
``bench/results/`` measured on another day. This script times qnas alone (no peers) at an older
commit and at the working tree, alternating ``old, new, old, new, ...`` in the same command, so
that slow phases hit both alike, and reports each side's median of its per-round medians and
the ratio new / old (< 1: the working tree is faster).

The old commit is checked out with ``git worktree`` in a temporary folder and imported through
``PYTHONPATH`` (its own ``bench/bench_train_step.py`` times it); the working tree runs its own.

Usage::

    .venv/bin/python bench/ab_commits.py dd8e68f                   # 3 rounds, 4x256 and 10x256
    .venv/bin/python bench/ab_commits.py dd8e68f --rounds 5 --sizes 4x256

Writes ``bench/results/ab_<old>.json`` (per-round times of both sides and the summary).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
COLUMNS = ("qnas", "qnas-classifier")


def time_once(root: Path, sizes: str, out: Path) -> dict:
    """Run ``bench_train_step.py --frameworks qnas`` of the tree at ``root``; its results."""
    cmd = [sys.executable, str(root / "bench" / "bench_train_step.py"), "--sizes", sizes,
           "--frameworks", "qnas", "--out", str(out)]
    env = {"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"}
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())["results"]


def summarize(rounds: dict[str, list[dict]]) -> dict:
    """Median over rounds of each side's per-round median step time, and new / old.

    >>> r = {"old": [{"qnas": {"4x256": {"median_ms": 4.0}}}],
    ...      "new": [{"qnas": {"4x256": {"median_ms": 3.0}}}]}
    >>> summarize(r)["qnas"]["4x256"]["new_over_old"]
    0.75
    """
    out: dict = {}
    for column in COLUMNS:
        sizes = {size for result in rounds["old"] for size in result.get(column, {})}
        for size in sorted(sizes):
            med = {side: statistics.median(r[column][size]["median_ms"] for r in rounds[side])
                   for side in ("old", "new")}
            out.setdefault(column, {})[size] = {
                "old_ms": med["old"], "new_ms": med["new"],
                "new_over_old": round(med["new"] / med["old"], 3)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="the older commit (any git revision)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes", default="4x256,10x256")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    old = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.old],
                         check=True, capture_output=True, text=True).stdout.strip()
    rounds: dict[str, list[dict]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), old],
                       check=True, capture_output=True)
        try:
            for k in range(args.rounds):
                for side, root in (("old", tree), ("new", ROOT)):
                    rounds[side].append(time_once(root, args.sizes, Path(tmp) / f"{side}{k}.json"))
                    print(f"round {k + 1}/{args.rounds} {side} done", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=False, capture_output=True)
    summary = summarize(rounds)
    for column, sizes in summary.items():
        for size, row in sizes.items():
            print(f"{column:16s} {size:8s} old {row['old_ms']:8.2f} ms  new {row['new_ms']:8.2f} ms"
                  f"  new/old {row['new_over_old']}")
    out = Path(args.out) if args.out else BENCH_DIR / "results" / f"ab_{old}.json"
    out.write_text(json.dumps({"old": old, "new": "working tree", "sizes": args.sizes,
                               "rounds": rounds, "summary": summary}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
