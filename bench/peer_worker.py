"""Run the peers' training steps and print one JSON object on stdout.

Meant to run inside ``bench/.venv-peers`` (``bench_train_step.py`` starts it as a
subprocess), but works in any interpreter that has the requested frameworks (on a GPU
machine: the one interpreter, with TorchQuantum installed from wheels, ``bench/gpu.sh``).
``--device cuda`` runs TorchQuantum on the GPU; PennyLane ``default.qubit`` is CPU-only here
and is skipped there with a note.

Example::

    bench/.venv-peers/bin/python bench/peer_worker.py --sizes 4x256 \
        --frameworks torchquantum,pennylane --warmup 1 --repeats 3
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback

from spec import make_data
from timing import free_device_memory
from train_common import run_train_step

MODULES = {"torchquantum": "fw_torchquantum", "pennylane": "fw_pennylane"}
# frameworks that cannot run their tensors on a CUDA device in this benchmark
CPU_ONLY = {"pennylane": "PennyLane default.qubit is CPU-only in this setup; not run on CUDA"}


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``"4x256,16x32"`` -> ``[(4, 256), (16, 32)]``."""
    sizes = []
    for item in text.split(","):
        try:
            n, b = item.lower().split("x")
            sizes.append((int(n), int(b)))
        except ValueError as exc:
            raise ValueError(f"bad size {item!r}: expected NQUBITSxBATCH like 4x256") from exc
    return sizes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--frameworks", default="torchquantum,pennylane")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--budget-s", type=float, default=None)
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    ap.add_argument("--device", default="cpu", help="torch device of the tensors (cpu, cuda)")
    args = ap.parse_args(argv)
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    out: dict = {"python": sys.version.split()[0], "results": {}, "versions": {}}
    for fw in args.frameworks.split(","):
        if fw not in MODULES:
            raise ValueError(f"unknown framework {fw!r}; choose from {sorted(MODULES)}")
        out["results"][fw] = {}
        if args.device != "cpu" and fw in CPU_ONLY:
            out["results"][fw] = {"skipped": CPU_ONLY[fw]}
            continue
        try:
            t0 = time.perf_counter()
            mod = importlib.import_module(MODULES[fw])
            out["versions"][fw] = mod.version()
            out["versions"][fw + "_import_s"] = round(time.perf_counter() - t0, 2)
        except Exception:
            out["results"][fw]["error"] = traceback.format_exc(limit=3)
            continue
        for n, b in parse_sizes(args.sizes):
            key = f"{n}x{b}"
            try:
                data = make_data(n, b)
                model = mod.build_model(n, data)
                out["results"][fw][key] = run_train_step(
                    model, data, args.warmup, args.repeats, args.budget_s, device=args.device
                )
            except Exception:
                out["results"][fw][key] = {"error": traceback.format_exc(limit=3)}
            finally:
                model = None
                free_device_memory(args.device)
    import torch

    out["versions"]["torch"] = torch.__version__
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
