"""Training-step benchmark: qnas vs TorchQuantum 0.1.8 vs PennyLane (default.qubit).

One step = forward + log-softmax/NLL loss + backward + Adam step on the circuit of
``bench/spec.py`` (4x4_ryzxy encoder, 8 blocks of U3 + CU3 ring, <Z> on every wire).
qnas runs in this process through its public API: ``qnas.expval`` with ``<Z>`` on every
wire (the reference for the ratios) and ``qnas.train.QuantumClassifier`` (``noise=None``);
``--qnas-expz`` adds ``qnas.simulate`` + ``qnas.expz``. The peers run one after the other
(never concurrently) in ``bench/.venv-peers`` (made by ``bench/setup_peers.sh``) via
``bench/peer_worker.py``, with the same warm-up, repeats and budget.
Correctness: every framework evaluates the same seeded weights/inputs before training;
``max|dZ|`` is the largest difference of its ``[B, n]`` <Z> outputs from qnas's.

``--device cuda`` runs qnas and TorchQuantum on the GPU (data made on the CPU, then moved;
``torch.cuda.synchronize`` before the clock is read); PennyLane is skipped there with a note.
``--peers-python same`` runs the peers with this interpreter (the GPU machine has only one,
TorchQuantum from wheels: ``bench/gpu.sh``).

On a shared machine, ``--rounds R`` repeats the whole sequence (qnas, then each peer) R
times: a framework's time is the median of its per-round medians and a ratio the median of
the per-round ratios, so slow phases of other jobs hit every framework alike.

Usage::

    .venv/bin/python bench/bench_train_step.py              # default sizes, ~2-3 min
    .venv/bin/python bench/bench_train_step.py --full       # + PennyLane at 16 qubits (slow)
    .venv/bin/python bench/bench_train_step.py --sizes 4x256,10x256 \
        --frameworks qnas,torchquantum,pennylane --rounds 3

Writes ``bench/results/train_step.json`` (``--out`` elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

import torch
from peer_worker import CPU_ONLY, parse_sizes
from report import device_info, format_table, machine_info, write_json
from spec import TRAIN_SIZES, make_data
from timing import free_device_memory
from train_common import run_train_step

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_PEERS_PY = BENCH_DIR / ".venv-peers" / "bin" / "python"
PEERS = ("torchquantum", "pennylane")
# qnas through its public API: name in the results -> fw_qnas readout
QNAS_VARIANTS = {"qnas": "expval", "qnas-classifier": "classifier", "qnas-expz": "expz"}
# required qnas speedup over TorchQuantum, by qubit count (issue "Speed where users feel it")
TARGETS = {4: 20.0, 10: 10.0, 16: 2.0}


def run_qnas(sizes, args) -> tuple[dict, dict]:
    import fw_qnas

    variants = ["qnas", "qnas-classifier"] + (["qnas-expz"] if args.qnas_expz else [])
    results: dict = {}
    for name in variants:
        results[name] = {}
        for n, b in sizes:
            data = make_data(n, b)
            model = fw_qnas.build_model(n, data, readout=QNAS_VARIANTS[name])
            if args.device == "cpu":  # as before: an exception stops the benchmark
                results[name][f"{n}x{b}"] = run_train_step(
                    model, data, args.warmup, args.repeats, args.budget_s
                )
                continue
            try:  # on a GPU, record the failure (e.g. out of memory) and go on
                results[name][f"{n}x{b}"] = run_train_step(
                    model, data, args.warmup, args.repeats, args.budget_s, device=args.device
                )
            except Exception:
                results[name][f"{n}x{b}"] = {"error": traceback.format_exc(limit=3)}
            finally:
                model = None
                free_device_memory(args.device)
    return results, {"qnas": fw_qnas.version(), "torch": torch.__version__}


def peers_interpreter(text: str) -> Path:
    """``--peers-python``: a path, or ``same`` for this interpreter."""
    return Path(sys.executable) if text == "same" else Path(text)


def run_peer(fw: str, sizes, args) -> tuple[dict, dict]:
    """Run one peer framework in the peers venv (or in-process if no venv is found)."""
    if not sizes:
        return {}, {}
    size_text = ",".join(f"{n}x{b}" for n, b in sizes)
    worker_args = [
        "--sizes", size_text, "--frameworks", fw, "--warmup", str(args.warmup),
        "--repeats", str(args.repeats), "--threads", str(args.threads),
    ]
    if args.budget_s is not None:
        worker_args += ["--budget-s", str(args.budget_s)]
    if args.device != "cpu":
        worker_args += ["--device", args.device]
    py = peers_interpreter(args.peers_python)
    if not py.exists():
        print(f"[bench] {py} not found (run bench/setup_peers.sh); trying {fw} in-process",
              file=sys.stderr)
        import io
        from contextlib import redirect_stdout

        import peer_worker

        buf = io.StringIO()
        with redirect_stdout(buf):
            peer_worker.main(worker_args)
        out = json.loads(buf.getvalue())
    else:
        threads = str(args.threads)
        path = str(BENCH_DIR)
        if args.peers_python == "same" and os.environ.get("PYTHONPATH"):
            path += os.pathsep + os.environ["PYTHONPATH"]  # e.g. wheels in /tmp/site
        env = dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS=threads,
                   MKL_NUM_THREADS=threads)
        proc = subprocess.run(
            [str(py), str(BENCH_DIR / "peer_worker.py"), *worker_args],
            capture_output=True, text=True, env=env, check=False,
        )
        if proc.returncode != 0:
            err = proc.stderr.strip()[-2000:]
            return {fw: {"error": f"worker exit {proc.returncode}: {err}"}}, {}
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["results"], out["versions"]


def max_abs_diff(a, b) -> float | None:
    if a is None or b is None:
        return None
    return float((torch.tensor(a) - torch.tensor(b)).abs().max())


def _ratio(results: dict, fw: str, ref: str, key: str) -> float | None:
    """Median over rounds of the per-round ratio ``fw time / ref time``."""
    a, b = results.get(fw, {}).get(key, {}), results.get(ref, {}).get(key, {})
    ra, rb = a.get("round_ms") or [a.get("median_ms")], b.get("round_ms") or [b.get("median_ms")]
    pairs = [x / y for x, y in zip(ra, rb) if x and y]
    return statistics.median(pairs) if pairs else None


def summarize(results: dict, sizes) -> tuple[list[str], list[list]]:
    qn = [f for f in QNAS_VARIANTS if f in results]
    peers = [f for f in PEERS if f in results and "skipped" not in results[f]]
    header = ["qubits x batch"] + [f"{f} ms" for f in qn + peers]
    header += [f"x vs {p}" + (" (expval / classifier)" if "qnas-classifier" in qn else "")
               for p in peers]
    header += [f"max|dZ| {p}" for p in peers] + ["target vs TQ"]
    rows = []
    for n, b in sizes:
        key = f"{n}x{b}"
        row: list = [key] + [results[f].get(key, {}).get("median_ms") for f in qn + peers]
        speed = {}
        for p in peers:
            s_expval = _ratio(results, p, "qnas", key)
            speed[p] = s_expval
            if "qnas-classifier" in qn:
                s_clf = _ratio(results, p, "qnas-classifier", key)
                row.append(None if s_expval is None else
                           f"{s_expval:.1f} / {'-' if s_clf is None else f'{s_clf:.1f}'}")
            else:
                row.append(s_expval)
        row += [max_abs_diff(results["qnas"].get(key, {}).get("z"),
                             results[p].get(key, {}).get("z")) for p in peers]
        tgt = TARGETS.get(n)
        s = speed.get("torchquantum")
        ok = None if tgt is None or s is None else ("ok" if s >= tgt else "MISS")
        row.append(None if ok is None else f">={tgt:g}x {ok}")
        rows.append(row)
    return header, rows


def merge_rounds(rounds: list[dict]) -> dict:
    """One result per framework and size: the per-round medians and their median."""
    out: dict = {}
    for res in rounds:
        for fw, cells in res.items():
            if not isinstance(cells, dict):
                continue
            for key, cell in cells.items():
                tgt = out.setdefault(fw, {})
                if key == "error" or not isinstance(cell, dict) or "median_ms" not in cell:
                    tgt.setdefault(key, cell)
                    continue
                m = tgt.setdefault(key, dict(cell, round_ms=[]))
                m["round_ms"].append(cell["median_ms"])
                m["min_ms"] = min(m["min_ms"], cell["min_ms"])
                m["max_ms"] = max(m["max_ms"], cell["max_ms"])
    for cells in out.values():
        for cell in cells.values():
            if isinstance(cell, dict) and cell.get("round_ms"):
                cell["median_ms"] = statistics.median(cell["round_ms"])
                cell["rounds"] = len(cell["round_ms"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="qnas vs TorchQuantum vs PennyLane train step")
    ap.add_argument("--sizes", default=",".join(f"{n}x{b}" for n, b in TRAIN_SIZES),
                    help="comma list of NQUBITSxBATCH (default %(default)s)")
    ap.add_argument("--frameworks", default="qnas,torchquantum,pennylane")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=15, help="max timed steps per cell")
    ap.add_argument("--budget-s", type=float, default=8.0,
                    help="stop timing a cell after this many seconds (>= 1 timed step)")
    ap.add_argument("--pennylane-max-qubits", type=int, default=10,
                    help="skip PennyLane above this size (its 16-qubit step takes ~1 min)")
    ap.add_argument("--full", action="store_true",
                    help="PennyLane at every size and a 30 s budget per cell")
    ap.add_argument("--qnas-expz", action="store_true",
                    help="also time qnas.simulate + qnas.expz (besides expval and "
                         "QuantumClassifier)")
    ap.add_argument("--qnas-expval", action="store_true",
                    help="(kept for old scripts: qnas.expval is now always the reference)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat qnas and every peer this many times, interleaved; report "
                         "medians of per-round results (robust to other jobs' load)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads for every framework (default 1: on a shared 2-core box "
                         "2 threads can make small-op workloads 100x slower; try 2 when idle)")
    ap.add_argument("--peers-python", default=str(DEFAULT_PEERS_PY),
                    help="interpreter of the peers' worker, or 'same' for this one "
                         "(default %(default)s)")
    ap.add_argument("--device", default="cpu",
                    help="torch device for qnas and TorchQuantum: cpu (default) or cuda[:i]")
    ap.add_argument("--out", default=None, help="JSON path (default bench/results/train_step.json)")
    args = ap.parse_args(argv)
    if args.full:
        args.pennylane_max_qubits = 10**6
        args.budget_s = max(args.budget_s, 30.0)
    sizes = parse_sizes(args.sizes)
    fws = args.frameworks.split(",")
    unknown = set(fws) - {"qnas", *PEERS}
    if unknown:
        raise ValueError(f"unknown frameworks {sorted(unknown)}; use qnas,{','.join(PEERS)}")
    if "qnas" not in fws:
        raise ValueError("qnas must be among --frameworks (it is the reference for ratios)")

    if args.threads < 1:
        raise ValueError(f"--threads must be >= 1, got {args.threads}")
    torch.set_num_threads(args.threads)
    dev_info = device_info(args.device)  # fails early if CUDA is asked for and missing
    info = machine_info()
    if args.rounds < 1:
        raise ValueError(f"--rounds must be >= 1, got {args.rounds}")
    t0 = time.perf_counter()
    rounds, loads = [], []
    for r in range(args.rounds):
        loads.append(round(os.getloadavg()[0], 2))
        res_r, versions = run_qnas(sizes, args)
        for fw in PEERS:
            if fw in fws and args.device != "cpu" and fw in CPU_ONLY:
                res_r[fw] = {"skipped": CPU_ONLY[fw]}
                continue
            if fw in fws:
                limit = args.pennylane_max_qubits if fw == "pennylane" else 10**6
                fw_sizes = [(n, b) for n, b in sizes if n <= limit]
                res, ver = run_peer(fw, fw_sizes, args)
                res_r.update(res)
                versions.update(ver)
        rounds.append(res_r)
        if args.rounds > 1:
            print(f"[bench] round {r + 1}/{args.rounds} done (load avg 1m {loads[-1]})",
                  file=sys.stderr)
    results = merge_rounds(rounds)
    header, rows = summarize(results, sizes)
    print(format_table(header, rows))
    for fw, r in results.items():
        if isinstance(r, dict) and "skipped" in r:
            print(f"[bench] {fw} skipped: {r['skipped']}", file=sys.stderr)
        if isinstance(r, dict) and "error" in r:
            print(f"[bench] {fw} failed: {r['error']}", file=sys.stderr)
        for key, cell in r.items() if isinstance(r, dict) else ():
            if isinstance(cell, dict) and "error" in cell:
                print(f"[bench] {fw} {key} failed: {cell['error']}", file=sys.stderr)
    for r in results.values():  # the raw <Z> rows only feed max|dZ|; keep the JSON small
        for cell in r.values() if isinstance(r, dict) else ():
            if isinstance(cell, dict):
                cell.pop("z", None)
    info["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    info["loadavg_1m_rounds"] = loads
    info["total_s"] = round(time.perf_counter() - t0, 1)
    payload = {
        "benchmark": "train_step", "machine": info, "versions": versions, **dev_info,
        "args": vars(args), "table": {"header": header, "rows": rows}, "results": results,
    }
    path = write_json("train_step", payload, args.out)
    print(f"threads per framework: {args.threads}; device: "
          + ", ".join(f"{k}={v}" for k, v in dev_info.items()))
    print(f"versions: {versions}\nload avg 1m: {info.get('loadavg_1m')} -> "
          f"{info['loadavg_1m_end']}; total {info['total_s']} s; wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
