"""``qnas sim FILE.qasm``: simulate an OpenQASM 2 file and print probabilities (Qiskit order).

Without ``--device`` the circuit is simulated as written (noise-free). With ``--device D``
it goes through :mod:`qnas.noisy`: compiled onto D by the Qiskit transpiler (``--layout``
picks the physical qubits; ``--optimization-level`` 0-3, default 1, is the transpiler's:
0 only routes and translates to the device basis, >= 1 also re-optimises the circuit,
merging or cancelling gates), simulated under D's noise model (``--method density`` or
``trajectories``) and read out with D's readout error, in logical-qubit order. ``--seed``
seeds the transpiler, the trajectories and the shots.

Example::

    qnas sim bell.qasm --json --shots 1000 --seed 1
    qnas sim bell.qasm --device santiago --layout 2,1 --optimization-level 0 --json
"""

from __future__ import annotations

import json
from pathlib import Path

import torch


def add_parser(sub) -> None:
    p = sub.add_parser("sim", help="simulate an OpenQASM 2 file",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("file", help="OpenQASM 2.0 file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--shots", type=int, default=None, help="also sample N shots")
    p.add_argument("--seed", type=int, default=None,
                   help="seed for shot sampling (with --device also for the transpiler and "
                        "trajectories; default 0 there)")
    p.add_argument("--device", default=None, help="device for noisy simulation, e.g. santiago")
    p.add_argument("--method", default="density", choices=("density", "trajectories"),
                   help="noisy simulation method with --device (default %(default)s)")
    p.add_argument("--layout", default=None,
                   help="physical qubit of each logical qubit with --device, e.g. 0,1,2")
    p.add_argument("--optimization-level", type=int, default=1, choices=(0, 1, 2, 3),
                   help="Qiskit transpiler optimization level used with --device (default "
                        "%(default)s): 0 only routes and translates to the device basis, >= 1 "
                        "also re-optimises the circuit (merges or cancels gates)")
    p.add_argument("--double", action="store_true", help="simulate in complex128")


def parse_layout(layout) -> list[int] | None:
    """``"0,1,2"`` (or a list) -> ``[0, 1, 2]``; None stays None.

    >>> parse_layout("2, 0,1"), parse_layout(None)
    ([2, 0, 1], None)
    """
    if layout is None or isinstance(layout, (list, tuple)):
        return None if layout is None else [int(q) for q in layout]
    try:
        return [int(q) for q in str(layout).replace(" ", "").split(",") if q != ""]
    except ValueError:
        msg = f"--layout must be comma-separated qubit indices, got {layout!r}"
        raise ValueError(msg) from None


def read_qasm(path: Path) -> str:
    """The text of a QASM file; a clear ValueError for a missing or binary file."""
    if not path.is_file():
        raise FileNotFoundError(f"no such QASM file: {path}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path} is not a text (OpenQASM) file: byte {e.start} is not "
                         "UTF-8") from None
    if "\x00" in text:
        raise ValueError(f"{path} is not a text (OpenQASM) file: it contains NUL bytes")
    return text


def device_probabilities(circuit, args, dtype) -> torch.Tensor:
    """Logical-qubit probabilities ``[2**n]`` of ``circuit`` on ``args.device``."""
    from qnas.noisy import device_circuit

    if circuit.parameters or circuit.inputs:
        raise ValueError("the QASM circuit has free parameters; bind them before simulating")
    seed = 0 if args.seed is None else int(args.seed)
    dc = device_circuit(circuit, args.device, parse_layout(args.layout),
                        optimization_level=args.optimization_level, seed=seed)
    return dc.probabilities(method=args.method, trajectories=1000, seed=seed, dtype=dtype)[0]


def run(args) -> int:
    import qnas
    from qnas.ir import Circuit

    circuit = Circuit.from_qasm(read_qasm(Path(args.file)))
    dtype = torch.complex128 if args.double else torch.complex64
    n = circuit.n_qubits
    if args.device:
        probs = device_probabilities(circuit, args, dtype)
    else:
        if args.layout:
            raise ValueError("--layout needs --device")
        probs = qnas.probabilities(qnas.simulate(circuit, dtype=dtype))[0]
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
