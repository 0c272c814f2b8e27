"""Large-state benchmark: gates/s at batch 1, 16-24 qubits, vs qiskit-aer, qulacs and
PennyLane lightning.qubit (complex64).

Circuit (``spec.large_state_ops``): 10 layers of RY on every wire + CNOT chain (i, i+1),
constant angles, no gradients. Frameworks:

* qnas: ``qnas.simulate(circuit, dtype=complex64)`` under ``torch.no_grad`` (this process);
* qiskit-aer (this process, i.e. the main venv's qiskit 2.x / aer 0.18):
  ``AerSimulator(method='statevector', precision='single', max_parallel_threads=T)`` on a
  pre-transpiled circuit with ``save_statevector``; only ``run().result()`` is timed;
* qulacs (``bench/.venv-peers``, complex128): ``QuantumCircuit.update_quantum_state``.
* lightning (``bench/.venv-peers``, PennyLane ``lightning.qubit``, ``c_dtype=complex64``): a
  QNode returning ``qml.state()``, ``diff_method=None``;
* torchquantum (not in the default list; ``bench/.venv-peers``): TorchQuantum 0.1.8
  ``QuantumDevice`` + ``tq.functional`` ``ry``/``cnot`` (complex64);
* custatevec (not in the default list; CUDA only, this interpreter in a subprocess):
  cuStateVec ``custatevecApplyMatrix`` per gate, through ctypes (``ls_frameworks``).

``--device cuda`` puts qnas's and TorchQuantum's state on the GPU (``torch.cuda.synchronize``
before the clock is read; one warm-up run at every size, for every framework); qiskit-aer,
qulacs and lightning are CPU builds and are skipped there with a note. The bandwidth and bound
are then the GPU's (device-to-device copy of 1 GiB buffers).

Also measures the copy bandwidth of this machine (torch ``dst.copy_(src)`` on 256 MiB
float32 buffers; bandwidth = bytes read + written per second) and reports the memory bound
``bandwidth / (2 * state bytes)`` gates/s for a complex64 state: one gate = one read and one
write of the state. Simulators that fuse gates (aer does) can beat this per-gate bound.
A warm-up run is done only up to 20 qubits (a single 22+ qubit run takes seconds).

Usage::

    .venv/bin/python bench/bench_large_state.py                 # 16..24 qubits, ~2-3 min
    .venv/bin/python bench/bench_large_state.py --max-qubits 20 # quick
    python3 bench/bench_large_state.py --device cuda --sizes 24,26,28,30 \
        --frameworks qnas,torchquantum,custatevec --peers-python same   # GPU (bench/gpu.sh)

Writes ``bench/results/large_state.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
from ls_worker import add_common_args, parse_qubits, run_framework, skip_note
from report import device_info, format_table, machine_info, write_json
from spec import LARGE_SIZES
from timing import device_sync, free_device_memory, time_fn

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_PEERS_PY = BENCH_DIR / ".venv-peers" / "bin" / "python"
FRAMEWORKS = ("qnas", "qiskit-aer", "qulacs", "lightning", "torchquantum", "custatevec")
DEFAULT_FRAMEWORKS = ("qnas", "qiskit-aer", "qulacs", "lightning")
IN_PROCESS = ("qnas", "qiskit-aer")
OWN_INTERPRETER = ("custatevec",)  # a subprocess of this interpreter (a crash stays there)


def copy_bandwidth_gbs(mib: int = 256, repeats: int = 7, device: str = "cpu") -> float:
    """Copy bandwidth in GB/s (read + write bytes) of ``dst.copy_(src)`` on float32 buffers."""
    src = torch.ones(mib * 2**20 // 4, device=device)
    dst = torch.empty_like(src)
    stats = time_fn(lambda: dst.copy_(src), warmup=2, repeats=repeats, sync=device_sync(device))
    return 2 * src.numel() * 4 / (stats["median_ms"] / 1e3) / 1e9


def run_subprocess(fw: str, sizes: list[int], args) -> tuple[dict, dict]:
    """Run ``fw`` through ``ls_worker.py`` in the peers venv (or in-process without one);
    cuStateVec, and every peer with ``--peers-python same``, in this interpreter."""
    worker_args = [
        "--frameworks", fw, "--sizes", ",".join(map(str, sizes)),
        "--threads", str(args.threads), "--layers", str(args.layers),
        "--repeats", str(args.repeats), "--budget-s", str(args.budget_s),
        "--check-qubits", ",".join(map(str, args.check_qubits)), "--device", args.device,
    ]
    same = fw in OWN_INTERPRETER or args.peers_python == "same"
    py = Path(sys.executable) if same else Path(args.peers_python)
    if not py.exists():
        print(f"[bench] {py} not found (run bench/setup_peers.sh); trying {fw} in-process",
              file=sys.stderr)
        return {fw: run_framework(fw, sizes, args)}, {}
    path = str(BENCH_DIR)
    if same and os.environ.get("PYTHONPATH"):
        path += os.pathsep + os.environ["PYTHONPATH"]  # e.g. src and wheels in /tmp/site
    env = dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS=str(args.threads))
    proc = subprocess.run([str(py), str(BENCH_DIR / "ls_worker.py"), *worker_args],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        return {fw: {"error": f"worker exit {proc.returncode}: {proc.stderr[-2000:]}"}}, {}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["results"], out["versions"]


def max_abs_diff(a, b) -> float | None:
    if not a or not b:
        return None
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def summarize(results: dict, sizes: list[int], bw_gbs: float):
    fws = [f for f in FRAMEWORKS if f in results and "skipped" not in results[f]]
    header = ["qubits", "gates"] + [f"{f} gates/s" for f in fws] + ["bound gates/s"]
    others = [f for f in fws if f != "qnas"]
    header += [f"qnas / {f}" for f in others] + ["qnas % bound"]
    header += [f"max|dZ| {f}" for f in others]
    rows = []
    for n in sizes:
        cell = {f: results[f].get(str(n), {}) for f in fws}
        gps = {f: c.get("gates_per_s") for f, c in cell.items()}
        gates = next((c["gates"] for c in cell.values() if "gates" in c), None)
        bound = bw_gbs * 1e9 / (2 * 8 * 2**n)
        q = gps.get("qnas")
        row: list = [n, gates] + [gps[f] for f in fws] + [bound]
        row += [(q / gps[f] if q and gps[f] else None) for f in others]
        row.append(100.0 * q / bound if q else None)
        row += [max_abs_diff(cell.get("qnas", {}).get("z"), cell[f].get("z")) for f in others]
        rows.append(row)
    return header, rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="large-state gates/s: qnas vs qiskit-aer vs qulacs")
    ap.add_argument("--sizes", type=parse_qubits, default=list(LARGE_SIZES),
                    help="comma list of qubit counts (default 16,18,20,22,24)")
    ap.add_argument("--max-qubits", type=int, default=None, help="drop sizes above this")
    ap.add_argument("--frameworks", default=",".join(DEFAULT_FRAMEWORKS),
                    help=f"comma list from {','.join(FRAMEWORKS)} (default %(default)s)")
    ap.add_argument("--peers-python", default=str(DEFAULT_PEERS_PY),
                    help="interpreter of the qulacs/lightning/TorchQuantum worker, or 'same' "
                         "for this one (default %(default)s)")
    ap.add_argument("--out", default=None,
                    help="JSON path (default bench/results/large_state.json)")
    add_common_args(ap)
    args = ap.parse_args(argv)
    sizes = [n for n in args.sizes if args.max_qubits is None or n <= args.max_qubits]
    if not sizes:
        raise ValueError(f"no sizes left: --sizes {args.sizes} with --max-qubits {args.max_qubits}")
    fws = args.frameworks.split(",")
    unknown = set(fws) - set(FRAMEWORKS)
    if unknown:
        raise ValueError(f"unknown frameworks {sorted(unknown)}; use {','.join(FRAMEWORKS)}")
    torch.set_num_threads(args.threads)

    dev_info = device_info(args.device)  # fails early if CUDA is asked for and missing
    info = machine_info()
    t0 = time.perf_counter()
    gpu = args.device != "cpu"
    bw = copy_bandwidth_gbs(mib=1024 if gpu else 256, device=args.device)
    free_device_memory(args.device)
    results: dict = {}
    versions: dict = {"torch": torch.__version__}
    for fw in fws:
        if skip_note(fw, args.device):
            results[fw] = {"skipped": skip_note(fw, args.device)}
        elif fw in IN_PROCESS:
            try:
                from ls_frameworks import versions as fw_version

                versions[fw] = fw_version(fw)
                results[fw] = run_framework(fw, sizes, args)
            except Exception as exc:  # e.g. qiskit-aer missing from this venv
                results[fw] = {"error": repr(exc)}
            free_device_memory(args.device)
        else:
            res, ver = run_subprocess(fw, sizes, args)
            results.update(res)
            versions.update(ver)
    header, rows = summarize(results, sizes, bw)
    print(format_table(header, rows))
    print(f"copy bandwidth {bw:.2f} GB/s (read+write); bound = bandwidth / (2 * 8 B * 2**n)")
    for fw, r in results.items():
        if "skipped" in r:
            print(f"[bench] {fw} skipped: {r['skipped']}", file=sys.stderr)
            continue
        for key, cell in r.items():
            if key == "error" or (isinstance(cell, dict) and "error" in cell):
                print(f"[bench] {fw} {key} failed: {cell if key == 'error' else cell['error']}",
                      file=sys.stderr)
    info["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    info["total_s"] = round(time.perf_counter() - t0, 1)
    payload = {
        "benchmark": "large_state", "machine": info, "versions": versions, **dev_info,
        "args": vars(args),
        "copy_bandwidth_gbs": bw, "table": {"header": header, "rows": rows}, "results": results,
    }
    path = write_json("large_state", payload, args.out)
    print("device: " + ", ".join(f"{k}={v}" for k, v in dev_info.items()))
    print(f"versions: {versions}\nload avg 1m: {info.get('loadavg_1m')} -> "
          f"{info['loadavg_1m_end']}; total {info['total_s']} s; wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
