"""Device noise model with the semantics of Qiskit Aer's ``NoiseModel.from_backend``.

Per gate instance (gate on its physical qubits), after the gate:

1. ``depolarizing(lam)`` on all the gate's wires, with ``lam`` chosen so that the average
   gate infidelity of (depolarizing then relaxation) equals the reported gate error
   (Aer's ``_device_depolarizing_error``), then
2. ``thermal_relaxation(T1, T2, duration, 0)`` on each wire separately (T2 truncated to
   2*T1; Aer tensors the per-qubit relaxations of multi-qubit gates).

Zero/unreported errors give no depolarizing op; zero durations (``rz``) no relaxation.
Readout error is separate (:meth:`NoiseModel.readout_matrices`). ``scale`` multiplies every
reported gate error, gate duration and readout probability (``scale=1`` is Aer's model).
``twirl_relaxation=True`` replaces each relaxation by its Pauli twirl (a ``pauli_channel``
with the rates of :meth:`NoiseModel.pauli_error_rates`): the channel that gate-insertion
training samples from.

>>> model = NoiseModel.from_target("santiago")          # a Target or a device name
>>> [op.gate for op in model.gate_noise("cx", (0, 1))]
['depolarizing', 'thermal_relaxation', 'thermal_relaxation']
>>> twirled = NoiseModel.from_target("santiago", twirl_relaxation=True)
>>> [op.gate for op in twirled.gate_noise("cx", (0, 1))]
['depolarizing', 'pauli_channel', 'pauli_channel']
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from qnas.gates.registry import canonical_name, get_gate
from qnas.ir import Circuit, Op
from qnas.noise.channels import depolarizing_max, pauli_labels
from qnas.noise.readout import readout_matrix

INF_TIME = 1e30  # stands in for an infinite T1/T2 (op parameters must be finite)


def excited_population(freq_hz: float | None, temperature_mk: float) -> float:
    """Aer's ``_excited_population``: Boltzmann |1> population (0 at zero temperature)."""
    if freq_hz is None or not temperature_mk or math.isinf(freq_hz):
        return 0.0
    pop = 1.0 / (1.0 + math.exp(47.99243e-9 * freq_hz / abs(temperature_mk)))
    return 1.0 - pop if temperature_mk < 0 else pop


def _twirl(relax) -> torch.Tensor:
    """Pauli probabilities (I, X, Y, Z) of the Pauli twirl of one relaxation channel."""
    t1, t2, time, _ = relax
    pr, e2 = 1 - math.exp(-time / t1), math.exp(-time / t2)
    return torch.tensor([(2 - pr + 2 * e2) / 4, pr / 4, pr / 4, (2 - pr - 2 * e2) / 4],
                        dtype=torch.float64)


class NoiseModel:
    """Gate, relaxation and readout noise of one :class:`~qnas.devices.Target`."""

    def __init__(self, target, scale: float = 1.0, include_relaxation: bool = True,
                 include_depolarizing: bool = True, include_readout: bool = True,
                 temperature: float = 0.0, twirl_relaxation: bool = False):
        if not (math.isfinite(scale) and scale >= 0):
            raise ValueError(f"noise scale must be finite and >= 0, got {scale}")
        if isinstance(target, str):
            from qnas.devices import Target

            target = Target.from_backend(target)
        self.target = target
        self.scale = float(scale)
        self.include_relaxation = include_relaxation
        self.include_depolarizing = include_depolarizing
        self.include_readout = include_readout
        self.temperature = float(temperature)
        self.twirl_relaxation = bool(twirl_relaxation)
        if self.twirl_relaxation and self.temperature:
            raise ValueError("twirl_relaxation needs temperature 0 (no excited population)")
        self._cache: dict = {}
        self._ops_cache: dict = {}  # (gate, wires) -> gate_noise's ops (Ops are immutable)

    @classmethod
    def from_target(cls, target, scale: float = 1.0, include_relaxation: bool = True,
                    include_depolarizing: bool = True, include_readout: bool = True,
                    temperature: float = 0.0, twirl_relaxation: bool = False) -> NoiseModel:
        """The noise model of ``target`` (a :class:`~qnas.devices.Target` or device name)."""
        return cls(target, scale, include_relaxation, include_depolarizing, include_readout,
                   temperature, twirl_relaxation)

    def __repr__(self) -> str:
        return (f"NoiseModel({self.target.name!r}, scale={self.scale}, "
                f"relaxation={self.include_relaxation}, depolarizing={self.include_depolarizing}, "
                f"readout={self.include_readout}"
                + (", twirl_relaxation=True" if self.twirl_relaxation else "") + ")")

    # -- per-instance parameters ----------------------------------------------------------
    def _relax_params(self, q: int, duration: float) -> tuple[float, float, float, float]:
        t = self.target
        t1, t2 = t.t1[q], t.t2[q]
        if t1 is not None:
            t2 = 2 * t1 if t2 is None else min(t2, 2 * t1)
        t1 = INF_TIME if t1 is None else t1
        t2 = INF_TIME if t2 is None else t2
        return (t1, t2, duration, excited_population(t.frequency[q], self.temperature))

    def instance(self, gate: str, wires: Iterable[int]):
        """``(lam, relax)``: depolarizing parameter (or None) and per-wire relaxation params.

        ``relax`` is a tuple of ``(t1, t2, time, excited_population)`` per wire, or None.
        """
        g = canonical_name(gate)
        wires = tuple(int(w) for w in wires)
        key = (g, wires)
        if key in self._cache:
            return self._cache[key]
        tg = self.target
        if g not in tg.gates:
            raise ValueError(f"gate {gate!r} is not in the basis of device {tg.name!r}: "
                             f"{tg.basis_gates}; transpile to the device basis first")
        if not tg.gates[g]:  # globally ideal gate
            self._cache[key] = (None, None)
            return self._cache[key]
        error, duration = tg.gate_props(g, wires)
        error = None if error is None else error * self.scale
        duration = None if duration is None else duration * self.scale
        relax = None
        relax_fid = 1.0
        n = len(wires)
        dim = 2**n
        if self.include_relaxation and duration:
            relax = tuple(self._relax_params(q, duration) for q in wires)
            f_pro = 1.0
            for t1, t2, time, _ in relax:
                pr = 1 - math.exp(-time / t1)
                f_pro *= (2 - pr + 2 * math.exp(-time / t2)) / 4
            relax_fid = (dim * f_pro + 1) / (dim + 1)
        lam = None
        if self.include_depolarizing and error and error > 1 - relax_fid:
            error = min(error, dim / (dim + 1))
            lam = dim * (error - (1 - relax_fid)) / (dim * relax_fid - 1)
            lam = min(lam, depolarizing_max(n))
        self._cache[key] = (lam, relax)
        return self._cache[key]

    def gate_noise(self, gate: str, wires: Iterable[int]) -> tuple[Op, ...]:
        """Channel ops inserted after one gate instance (depolarizing, then relaxation)."""
        wires = tuple(int(w) for w in wires)
        key = (gate, wires)
        if key not in self._ops_cache:
            self._ops_cache[key] = self._gate_noise(gate, wires)
        return self._ops_cache[key]

    def _gate_noise(self, gate: str, wires: tuple[int, ...]) -> tuple[Op, ...]:
        lam, relax = self.instance(gate, wires)
        ops = []
        if lam:
            ops.append(Op("depolarizing", wires, (lam,)))
        if relax is not None:
            for q, r in zip(wires, relax, strict=True):
                if r[0] >= INF_TIME and r[1] >= INF_TIME:  # skip identity channels
                    continue
                if self.twirl_relaxation:
                    ops.append(Op("pauli_channel", (q,), tuple(_twirl(r)[1:].tolist())))
                else:
                    ops.append(Op("thermal_relaxation", (q,), r))
        return tuple(ops)

    def apply(self, circuit: Circuit) -> Circuit:
        """A new circuit with noise channel ops after every gate (wires = physical qubits)."""
        if circuit.n_qubits > self.target.n_qubits:
            raise ValueError(f"circuit has {circuit.n_qubits} qubits but device "
                             f"{self.target.name!r} has {self.target.n_qubits}")
        ops: list[Op] = []
        for i, op in enumerate(circuit.ops):
            ops.append(op)
            if get_gate(op.gate).kraus:
                continue
            try:
                ops.extend(self.gate_noise(op.gate, op.wires))
            except ValueError as e:
                raise ValueError(f"op {i} ({op.to_text()}): {e}") from None
        return Circuit(circuit.n_qubits, tuple(ops), circuit.parameters, circuit.inputs)

    # -- Pauli rates (noise-injection training / cheap trajectories) -----------------------
    def pauli_error_rates(self, op: Op) -> tuple[tuple[str, ...], torch.Tensor]:
        """Pauli error probabilities of one gate instance, identity first.

        The depolarizing part is exact; the relaxation part is Pauli-twirled per qubit
        (pX = pY = pr/4, pZ = (2 - pr - 2 exp(-t/T2))/4 with pr = 1 - exp(-t/T1)).
        Label character i acts on ``op.wires[i]``.
        """
        lam, relax = self.instance(op.gate, op.wires)
        n = len(op.wires)
        probs = torch.ones(1, dtype=torch.float64)
        for q in range(n):
            single = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64)
            if relax is not None:
                single = _twirl(relax[q])
            probs = torch.kron(probs, single)  # first wire = first label character
        if lam:
            probs = (1 - lam) * probs + lam / 4**n
        return pauli_labels(n), probs.clamp_min(0)

    # -- readout ----------------------------------------------------------------------------
    def readout_error(self, q: int) -> tuple[float, float]:
        """Scaled ``(P(1|0), P(0|1))`` of qubit q ((0, 0) when readout noise is off)."""
        self.target._check_qubit(q)
        if not self.include_readout:
            return (0.0, 0.0)
        p10, p01 = self.target.readout_error[q]
        return (min(1.0, p10 * self.scale), min(1.0, p01 * self.scale))

    def readout_matrices(self, wires: Iterable[int] | int | None = None,
                         dtype=torch.float64) -> list[torch.Tensor]:
        """Assignment matrices ``A[measured, true]`` for ``wires`` (an int n = range(n))."""
        if wires is None:
            wires = range(self.target.n_qubits)
        elif isinstance(wires, int):
            wires = range(wires)
        return [readout_matrix(*self.readout_error(int(q)), dtype=dtype) for q in wires]
