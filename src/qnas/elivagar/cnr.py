"""Clifford noise resilience (CNR, Élivágar): how close a circuit's noisy outputs stay to its
noiseless ones, measured on Clifford replicas of it.

A replica keeps the circuit's gate positions: every 1-qubit gate becomes a random Clifford from
{H, S, Z, X, Y}, every 2-qubit gate a CX (the device's own ``cz``/``ecr`` are kept: they are
Clifford already and CX is not native there). Replicas are written in the device's native gates
(H = RZ(pi/2) SX RZ(pi/2), S = RZ(pi/2), Z = RZ(pi), X = X, Y = X RZ(pi), up to global phases),
so each runs through qnas's one noisy chain (:class:`qnas.noisy.DeviceCircuit`: the device noise
model on the same physical qubits, exact density matrix, readout error) without compiling.
Replicas read no inputs and no parameters: they start from ``|0...0>``.

``CNR = 1 - mean TVD`` between the noiseless and the noisy output distributions over the
replicas (exact probabilities, no shots): 1 without noise, lower for noisier placements.

``mode="angles"`` (the pipeline's default, ``search.cnr_mode``) is a faster variant: a
replica is the circuit itself with every trainable angle and input set to a random multiple
of pi/2, so its ops, and hence its noise, are exactly the candidate's; all replicas share one
circuit and run as one batch (about 30x faster at 4 qubits, where building a simulation plan
per replica dominates).
With native rotations that is a Clifford circuit; a compiled circuit whose angles are
fractions of a parameter (``rz(theta/2)``) is then near-Clifford, which the exact density
matrix does not mind.

``method`` picks the noisy simulation: ``"density"`` (the exact density matrix, the device's
relaxation as it is), ``"pauli"`` (:mod:`qnas.elivagar.twirled`: Clifford replicas under
Pauli-twirled relaxation, no density matrix, exact for that twirled noise; ~55x faster at
10 qubits) or ``"auto"`` (the default: the density matrix up to
:data:`qnas.sim.oneshot.MAX_QUBITS` qubits, above it ``"pauli"`` where the replicas are
Clifford, else the density matrix).

>>> import numpy as np
>>> from qnas.ir import Circuit, Op, param
>>> c = Circuit(2, [Op("rz", (0,), (param("a"),)), Op("sx", (0,)), Op("cx", (0, 1))])
>>> dc = physical_device_circuit(c, "santiago", (3, 4))
>>> r = cnr(dc, replicas=4, rng=np.random.default_rng(0))
>>> 0.9 < r < 1.0, round(cnr(dc, 4, np.random.default_rng(0), scale=0.0), 9)
(True, 1.0)
>>> 0.9 < cnr(dc, 4, np.random.default_rng(0), mode="angles") < 1.0
True
>>> 0.9 < cnr(dc, 4, np.random.default_rng(0), method="pauli") < 1.0
True
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from qnas.ir import Circuit, Op

CLIFFORDS_1Q = ("h", "s", "z", "x", "y")
CLIFFORDS_2Q = ("cx", "cz", "ecr")
MODES = ("gates", "angles")
METHODS = ("auto", "density", "pauli")
_HALF_PI = math.pi / 2
# Each Clifford in the device's rz/sx/x basis, in time order (equal up to a global phase).
_NATIVE = {
    "h": (("rz", _HALF_PI), ("sx", None), ("rz", _HALF_PI)),
    "s": (("rz", _HALF_PI),),
    "z": (("rz", math.pi),),
    "x": (("x", None),),
    "y": (("rz", math.pi), ("x", None)),
}


def clifford_ops(name: str, wire: int, basis) -> tuple[Op, ...]:
    """The 1-qubit Clifford ``name`` on ``wire`` in ``basis`` (itself when native).

    >>> [op.to_text() for op in clifford_ops("h", 2, ("cx", "rz", "sx", "x"))]
    ['rz(1.5707963267948966) 2', 'sx 2', 'rz(1.5707963267948966) 2']
    """
    if name in basis:
        return (Op(name, (wire,)),)
    seq = _NATIVE[name]
    missing = sorted({g for g, _ in seq} - set(basis))
    if missing:
        raise ValueError(f"Clifford {name!r} needs gates {missing}, not in the basis {basis}")
    return tuple(Op(g, (wire,), () if a is None else (a,)) for g, a in seq)


def clifford_replica(circuit: Circuit, rng: np.random.Generator, basis) -> Circuit:
    """A random Clifford replica of ``circuit`` in ``basis`` (module docstring).

    >>> from qnas.ir import param
    >>> c = Circuit(2, [Op("ry", (0,), (param("a"),)), Op("cx", (0, 1))])
    >>> r = clifford_replica(c, np.random.default_rng(0), ("cx", "rz", "sx", "x"))
    >>> r.parameters, r.ops[-1].to_text()
    ((), 'cx 0 1')
    """
    ops: list[Op] = []
    for op in circuit.ops:
        if len(op.wires) == 1:
            name = CLIFFORDS_1Q[int(rng.integers(len(CLIFFORDS_1Q)))]
            ops.extend(clifford_ops(name, op.wires[0], basis))
        elif len(op.wires) == 2:
            ops.append(Op(op.gate if op.gate in CLIFFORDS_2Q else "cx", op.wires))
        else:
            raise ValueError(f"clifford_replica: no rule for {len(op.wires)}-qubit gate "
                             f"{op.gate!r}")
    return Circuit(circuit.n_qubits, ops)


def physical_device_circuit(circuit: Circuit, target, layout):
    """``circuit`` (native gates, 2-qubit gates on coupling edges) placed on ``layout`` as it
    is, no compiling: a :class:`~qnas.noisy.DeviceCircuit` on the device restricted to the
    layout's qubits (wire ``j`` = physical ``layout[j]``, with its noise)."""
    from qnas.compile import as_target
    from qnas.compile.target_subset import restrict_target
    from qnas.noisy import DeviceCircuit

    return DeviceCircuit.from_physical(circuit, restrict_target(as_target(target), layout))


def tvd(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Total-variation distance ``sum |p - q| / 2`` over the last axis.

    >>> float(tvd(torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5])))
    0.5
    """
    return (p - q).abs().sum(-1) / 2


def noisy_probabilities(dc, params=None, inputs=None, scale: float = 1.0) -> torch.Tensor:
    """``dc.probabilities`` by the exact density matrix (readout error included).

    A circuit without 2-qubit gates goes through the Schrödinger-picture density matrix:
    ``qnas.sim.superop``'s product-state shortcut fails on it (returns None for a plan with
    no items left; reported with this work)."""
    if dc.circuit.num_two_qubit_gates:
        return dc.probabilities(params, inputs, method="density", scale=scale,
                                dtype=torch.complex128)
    from qnas.noise import apply_readout_error
    from qnas.sim import simulate
    from qnas.sim.measure import probabilities

    rho = simulate(dc.noisy_circuit(scale), params, inputs, torch.complex128, method="density")
    probs = dc.compiled.logical_probabilities(probabilities(rho, "density"))
    return apply_readout_error(probs, dc.readout_matrices(scale, probs.dtype))


def replica_tvds(dc, replicas: int, rng: np.random.Generator, scale: float = 1.0,
                 method: str = "auto") -> list[float]:
    """TVD between the noiseless and noisy outputs of ``replicas`` Clifford replicas of the
    circuit of ``dc`` (a :class:`~qnas.noisy.DeviceCircuit`; compact wires)."""
    from qnas.noisy import DeviceCircuit

    basis = dc.target.basis_gates
    out = []
    for _ in range(int(replicas)):
        rep = clifford_replica(dc.circuit, rng, basis)
        rdc = DeviceCircuit(dataclasses.replace(dc.compiled, circuit=rep))
        out.extend(batch_tvds(rdc, None, None, scale, method))
    return out


def batch_tvds(dc, params, inputs, scale: float = 1.0, method: str = "auto") -> list[float]:
    """TVD between the noiseless and the noisy (readout error included) output
    distributions of ``dc`` for each row of ``params``/``inputs``; ``method``: see the
    module docstring.

    By the density matrix, small registers (:data:`qnas.sim.oneshot.MAX_QUBITS`) run
    without simulation plans (a candidate's circuit runs once): one statevector and one
    density batch. Larger ones use :meth:`~qnas.noisy.DeviceCircuit.probabilities`
    (Heisenberg picture where it is cheaper), density batches of at most ``2**(8 - n)``
    rows (big density batches are slower per row)."""
    from qnas.elivagar import twirled
    from qnas.sim import oneshot

    c = dc.circuit
    _check_method(method)
    if method == "pauli" or (method == "auto" and c.n_qubits > oneshot.MAX_QUBITS):
        try:
            return twirled.twirled_tvds(dc, params, inputs, scale)
        except twirled.NotClifford:
            if method == "pauli":
                raise
    if c.n_qubits <= oneshot.MAX_QUBITS:
        return [float(v) for v in tvd(*oneshot_probabilities(dc, params, inputs, scale))]
    clean = dc.probabilities(params, inputs, method="statevector", readout_error=False,
                             dtype=torch.complex128)
    rows = clean.shape[0]
    chunk = max(1, 2 ** max(0, 8 - c.n_qubits))
    out: list[float] = []
    for a in range(0, rows, chunk):
        p = params[a : a + chunk] if params is not None else None
        x = inputs[a : a + chunk] if inputs is not None else None
        noisy = noisy_probabilities(dc, p, x, scale)
        out.extend(float(v) for v in tvd(clean[a : a + chunk], noisy))
    return out


def oneshot_probabilities(dc, params, inputs, scale: float = 1.0):
    """``(noiseless, noisy)`` logical output distributions of ``dc`` for each row of
    ``params``/``inputs`` by :mod:`qnas.sim.oneshot` (no plan; the noisy one by the exact
    density matrix with the device noise times ``scale``, readout error included)."""
    from qnas.noise import apply_readout_error
    from qnas.sim import oneshot

    c = dc.circuit
    clean = oneshot.statevector(c, params, inputs).abs() ** 2
    noisy = oneshot.probabilities(c, params, inputs, noise=dc.noise_model(scale).gate_noise)
    clean, noisy = (dc.compiled.logical_probabilities(t) for t in (clean, noisy))
    return clean, apply_readout_error(noisy, dc.readout_matrices(scale, noisy.dtype))


def angle_replicas(circuit: Circuit, replicas: int, rng: np.random.Generator):
    """``(params, inputs)`` of ``mode="angles"`` replicas: a random multiple of pi/2 for
    every parameter and input of ``circuit`` (None where it has none), one row per replica.

    >>> from qnas.ir import param
    >>> c = Circuit(1, [Op("rz", (0,), (param("a"),))])
    >>> p, x = angle_replicas(c, 3, np.random.default_rng(0))
    >>> tuple(p.shape), x is None, bool(((p / (math.pi / 2)) % 1 == 0).all())
    ((3, 1), True, True)
    """
    k = rng.integers(4, size=(int(replicas), len(circuit.parameters) + len(circuit.inputs)))
    angles = torch.tensor(k * (math.pi / 2), dtype=torch.float64)
    params, inputs = angles[:, : len(circuit.parameters)], angles[:, len(circuit.parameters) :]
    return (params if circuit.parameters else None), (inputs if circuit.inputs else None)


def angle_tvds(dc, replicas: int, rng: np.random.Generator, scale: float = 1.0,
               method: str = "auto") -> list[float]:
    """TVDs of ``mode="angles"`` replicas (:func:`angle_replicas`): the circuit of ``dc``
    with its parameters and inputs at random multiples of pi/2 (module docstring),
    simulated in batches."""
    c = dc.circuit
    if not c.parameters and not c.inputs:  # nothing to vary: one run is every replica
        return batch_tvds(dc, None, None, scale, method) * int(replicas)
    return batch_tvds(dc, *angle_replicas(c, replicas, rng), scale, method)


def _check_method(method: str) -> None:
    if method not in METHODS:
        from qnas.suggest import did_you_mean

        raise ValueError(f"unknown CNR method {method!r}; expected one of {METHODS}"
                         f"{did_you_mean(str(method), METHODS)}")


def cnr(dc, replicas: int = 32, rng: np.random.Generator | None = None,
        scale: float = 1.0, mode: str = "gates", method: str = "auto") -> float:
    """``1 - mean TVD`` over ``replicas`` Clifford replicas of the circuit of ``dc`` (a
    :class:`~qnas.noisy.DeviceCircuit`; module docstring); ``scale`` multiplies the device
    noise (0: none); ``mode`` ``"gates"`` (Élivágar's replicas) or ``"angles"``;
    ``method`` ``"auto"``, ``"density"`` or ``"pauli"`` (module docstring)."""
    if int(replicas) < 1:
        raise ValueError(f"CNR needs at least 1 replica, got {replicas}")
    if mode not in MODES:
        from qnas.suggest import did_you_mean

        raise ValueError(f"unknown CNR mode {mode!r}; expected one of {MODES}"
                         f"{did_you_mean(str(mode), MODES)}")
    _check_method(method)
    rng = np.random.default_rng(0) if rng is None else rng
    fn = replica_tvds if mode == "gates" else angle_tvds
    return 1.0 - float(np.mean(fn(dc, replicas, rng, scale, method)))


__all__ = ["CLIFFORDS_1Q", "METHODS", "MODES", "angle_replicas", "angle_tvds", "batch_tvds",
           "clifford_ops", "clifford_replica", "cnr", "oneshot_probabilities",
           "physical_device_circuit", "replica_tvds", "tvd"]
