"""A logical classifier circuit compiled onto a device, with its noisy ``<Z>`` readouts.

:class:`PhysicalCircuit` compiles once (``qnas.compile(circuit, target, layout)``; trainable
parameters and inputs stay symbolic) onto the device qubits it uses (compact wires) and
remembers which wire holds each logical qubit at the end (after routing), so ``<Z>`` columns
come back in logical order. Noise models and readout errors are those of the compact wires.

>>> # phys = PhysicalCircuit.get(circuit, Target.from_backend("santiago"), (0, 1, 2, 3))
>>> # z = phys.expz_density(params, x)          # [B, n_logical], device noise + readout error
"""

from __future__ import annotations

import torch

from qnas.ir import Circuit
from qnas.sim.measure import expz, probabilities

_CACHE: dict = {}
_CACHE_MAX = 64


class PhysicalCircuit:
    """A compiled classifier circuit on ``target`` and its measured physical wires."""

    def __init__(self, circuit: Circuit, target, layout=None):
        if target is None:
            raise ValueError("a device target is needed for noisy simulation")
        if circuit.n_qubits > target.n_qubits:
            raise ValueError(f"circuit has {circuit.n_qubits} qubits but device "
                             f"{target.name!r} has {target.n_qubits}")
        if layout is not None:
            layout = tuple(int(q) for q in layout)
            if len(layout) != circuit.n_qubits:
                raise ValueError(f"layout {layout} has {len(layout)} qubits; the circuit "
                                 f"has {circuit.n_qubits}")
        from qnas.compile import compile as qcompile

        self.logical = circuit
        self.target = target
        self.layout = layout
        self.compiled = qcompile(circuit, target, layout)
        # compact circuit: wire i = physical qubit compiled.qubits[i]
        self.circuit = self.compiled.circuit
        self.measured = self.compiled.measured_wires  # compact wire of each logical qubit
        self._insertions: dict[float, object] = {}
        self._models: dict[float, object] = {}

    @classmethod
    def get(cls, circuit: Circuit, target, layout=None) -> PhysicalCircuit:
        """A cached instance per (circuit, device, layout)."""
        key = (circuit, target.name, None if layout is None else tuple(int(q) for q in layout))
        hit = _CACHE.get(key)
        if hit is None or hit.target is not target and hit.target != target:
            if len(_CACHE) >= _CACHE_MAX:
                _CACHE.pop(next(iter(_CACHE)))
            hit = _CACHE[key] = cls(circuit, target, layout)
        return hit

    @property
    def physical_qubits(self) -> tuple[int, ...]:
        """Device qubit measured for each logical wire."""
        return tuple(self.compiled.qubits[w] for w in self.measured)

    def noise_model(self, scale: float = 1.0):
        """The device noise model on the compact wires, gate errors and durations x scale."""
        scale = float(scale)
        if scale not in self._models:
            self._models[scale] = self.compiled.noise_model(scale=scale)
        return self._models[scale]

    def insertion(self, scale: float = 1.0):
        """The cached :class:`~qnas.train.noise.GateInsertion` at ``scale``."""
        from qnas.train.noise import GateInsertion

        scale = float(scale)
        if scale not in self._insertions:
            model = self.noise_model(1.0)  # rates at scale 1, error probabilities x scale
            self._insertions[scale] = GateInsertion(
                self.circuit, lambda op: model.pauli_error_rates(op)[1], scale)
        return self._insertions[scale]

    def _z(self, state: torch.Tensor, n: int) -> torch.Tensor:
        return expz(probabilities(state).float(), n, self.measured)

    def expz_statevector(self, circuit: Circuit, params, inputs) -> torch.Tensor:
        """Noise-free ``<Z>`` ``[B, n_logical]`` of ``circuit`` (this one or a derived one)."""
        import qnas

        return self._z(qnas.simulate(circuit, params, inputs), circuit.n_qubits)

    def expz_density(self, params, inputs, scale: float = 1.0,
                     readout_error: bool = True) -> torch.Tensor:
        """``<Z>`` under the device noise model (density matrix), readout error included."""
        import qnas

        rho = qnas.simulate(self.circuit, params, inputs, method="density",
                            noise_model=self.noise_model(scale))
        z = self._z(rho, self.circuit.n_qubits)
        return self.readout_error(z, scale) if readout_error else z

    def readout_error(self, z: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
        """Apply the (scaled) readout error of the measured physical qubits to ``<Z>``."""
        from qnas.noise import expz_with_readout

        mats = self.compiled.readout_matrices(self.noise_model(scale))
        return expz_with_readout(z, mats)
