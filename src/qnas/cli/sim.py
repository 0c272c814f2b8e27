"""``qnas sim FILE.qasm``: simulate an OpenQASM 2 file and print probabilities (Qiskit order).

Example::

    qnas sim bell.qasm --json --shots 1000 --seed 1
"""

from __future__ import annotations

import json
from pathlib import Path

import torch


def add_parser(sub) -> None:
    p = sub.add_parser("sim", help="simulate an OpenQASM 2 file")
    p.add_argument("file", help="OpenQASM 2.0 file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--shots", type=int, default=None, help="also sample N shots")
    p.add_argument("--seed", type=int, default=None, help="seed for shot sampling")
    p.add_argument("--device", default=None, help="device for noisy simulation, e.g. santiago")
    p.add_argument("--method", default="density", choices=("density", "trajectories"))
    p.add_argument("--layout", default=None, help="physical qubits, e.g. 0,1,2")
    p.add_argument("--double", action="store_true", help="simulate in complex128")


def run(args) -> int:
    import qnas
    from qnas.ir import Circuit

    path = Path(args.file)
    if not path.is_file():
        raise FileNotFoundError(f"no such QASM file: {path}")
    circuit = Circuit.from_qasm(path.read_text())
    dtype = torch.complex128 if args.double else torch.complex64
    if args.device:
        from qnas.cli.noisy_probs import noisy_probabilities

        probs = noisy_probabilities(circuit, args.device, args.method, args.layout, args.shots,
                                    args.seed, dtype)
        n = circuit.n_qubits
    else:
        if args.layout:
            raise ValueError("--layout needs --device")
        probs = qnas.probabilities(qnas.simulate(circuit, dtype=dtype))[0]
        n = circuit.n_qubits
    out = {"n_qubits": n, "probabilities": [float(v) for v in probs.tolist()]}
    if args.shots is not None:
        out["counts"] = qnas.sample_counts(probs, args.shots, args.seed)
    if args.json:
        print(json.dumps(out))
    else:
        for i, p in enumerate(out["probabilities"]):
            if p > 1e-12:
                print(f"{format(i, f'0{n}b')}  {p:.6f}")
        if "counts" in out:
            print(json.dumps(out["counts"]))
    return 0
