"""``QuantumClassifier``: encoder + ansatz circuit + ``<Z>`` readout, as a ``torch.nn.Module``.

The module owns the ansatz's trainable angles (``weights``, in ``ansatz.parameters`` order);
``forward(x [B, F]) -> log-probabilities [B, C]``. Noise modes (``noise=``):

``None``              noise-free statevector (the fast path; the default)
``"readout"``         noise-free state, the device's readout error applied to ``<Z>``
``"gate_insertion"``  training: per-sample Pauli errors inserted after every gate of the
                      circuit compiled to the device (rates x ``noise_scale``) + readout
                      error; eval (``model.eval()``): deterministic noise-free readout
``"density"``         exact density matrix of the compiled circuit with the device noise
                      model (x ``noise_scale``) + readout error

The two compiled modes go through :mod:`qnas.noisy` (``model.physical`` is the cached
:class:`~qnas.noisy.DeviceCircuit`).

>>> from qnas.train.baselines import human_baseline
>>> m = QuantumClassifier(human_baseline("u3cu3", 4, 2), "4x4_ryzxy", n_classes=4, seed=0)
>>> m(torch.rand(3, 16)).shape, m.weights.numel()
(torch.Size([3, 4]), 48)
"""

from __future__ import annotations

import functools
import math

import torch

from qnas.ir import Circuit
from qnas.sim.measure import expz, probabilities

NOISE_MODES = (None, "readout", "gate_insertion", "density")


@functools.lru_cache(maxsize=32)
def _z_observables(n: int) -> tuple:
    """``<Z>`` on every wire as ``qnas.PauliSum`` observables (one list per register size)."""
    from qnas.sim.pauli import PauliSum

    return tuple(PauliSum.z(w, n) for w in range(n))


def classifier_circuit(encoder, ansatz: Circuit) -> Circuit:
    """Encoder ops then the ansatz; inputs ``x0..x{F-1}``, parameters of the ansatz."""
    n = max(encoder.n_wires, ansatz.n_qubits)
    return Circuit(n, tuple(encoder.to_ops()) + tuple(ansatz.ops),
                   parameters=ansatz.parameters, inputs=encoder.input_names())


class QuantumClassifier(torch.nn.Module):
    """A parameterised quantum circuit classifier (see the module docstring)."""

    def __init__(
        self,
        ansatz: Circuit,
        encoder="4x4_ryzxy",
        n_classes: int = 4,
        readout_wires=None,
        *,
        noise: str | None = None,
        target=None,
        layout=None,
        noise_scale: float = 1.0,
        seed: int | None = 0,
        init: torch.Tensor | None = None,
    ):
        super().__init__()
        from qnas.tasks.encoders import get_encoder
        from qnas.tasks.readout import ReadoutSpec

        if not isinstance(ansatz, Circuit):
            raise ValueError(f"ansatz must be a qnas Circuit, got {type(ansatz).__name__}")
        if ansatz.inputs:
            raise ValueError(f"the ansatz must not read input features, got {ansatz.inputs[:4]}")
        if noise not in NOISE_MODES:
            raise ValueError(f"unknown noise mode {noise!r}; expected one of {NOISE_MODES}")
        if noise is not None and target is None:
            raise ValueError(f"noise mode {noise!r} needs a device target")
        if not (math.isfinite(noise_scale) and noise_scale >= 0):
            raise ValueError(f"noise_scale must be finite and >= 0, got {noise_scale}")
        self.encoder = get_encoder(encoder)
        self.circuit = classifier_circuit(self.encoder, ansatz)
        self.readout = ReadoutSpec.default(self.circuit.n_qubits, n_classes, readout_wires)
        self.noise, self.target, self.noise_scale = noise, target, float(noise_scale)
        self.layout = None if layout is None else tuple(int(q) for q in layout)
        if target is not None and self.circuit.n_qubits > target.n_qubits:
            raise ValueError(f"circuit has {self.circuit.n_qubits} qubits; device "
                             f"{target.name!r} has {target.n_qubits}")
        if self.layout is not None and len(self.layout) != self.circuit.n_qubits:
            raise ValueError(f"layout {self.layout} must list {self.circuit.n_qubits} qubits")
        n_par = len(ansatz.parameters)
        if init is None:
            gen = torch.Generator().manual_seed(int(seed)) if seed is not None else None
            init = (torch.rand(n_par, generator=gen, dtype=torch.float64) * 2 - 1) * math.pi
        init = torch.as_tensor(init, dtype=torch.float32).detach().clone()
        if init.shape != (n_par,):
            raise ValueError(f"init has shape {list(init.shape)}, expected [{n_par}]")
        self.weights = torch.nn.Parameter(init)
        # per-sample noise draws (checkpointed by the trainer for bit-identical resume)
        self.noise_generator = torch.Generator().manual_seed(0 if seed is None else int(seed))
        self._phys = None

    @classmethod
    def from_supercircuit(cls, supercircuit, spec=None, encoder="4x4_ryzxy", n_classes=4,
                          **kw) -> QuantumClassifier:
        """A SubCircuit of ``supercircuit`` (default: all of it) inheriting its weights."""
        circ, index = supercircuit.subcircuit(spec or supercircuit.full_spec())
        return cls(circ, encoder, n_classes, init=supercircuit.weights.detach()[index], **kw)

    # -- noise helpers --------------------------------------------------------------------
    @property
    def physical(self):
        """The circuit compiled onto the target (a :class:`~qnas.noisy.DeviceCircuit`)."""
        if self._phys is None:
            from qnas.noisy import device_circuit

            self._phys = device_circuit(self.circuit, self.target, self.layout)
        return self._phys

    @property
    def measured_qubits(self) -> tuple[int, ...]:
        """Physical qubits read for the logical wires (no compilation needed)."""
        return self.layout if self.layout is not None else tuple(range(self.circuit.n_qubits))

    def _readout_only(self, z: torch.Tensor) -> torch.Tensor:
        from qnas.noise import NoiseModel, expz_with_readout

        model = NoiseModel.from_target(self.target, self.noise_scale)
        return expz_with_readout(z, model.readout_matrices(self.measured_qubits))

    # -- forward --------------------------------------------------------------------------
    def expz(self, x: torch.Tensor) -> torch.Tensor:
        """``<Z>`` ``[B, n_qubits]`` on the logical wires under this model's noise mode."""
        import qnas

        x = torch.as_tensor(x, dtype=torch.float32)
        if x.dim() != 2 or x.shape[1] != self.encoder.n_features:
            raise ValueError(f"x must be [B, {self.encoder.n_features}], got {list(x.shape)}")
        mode = self.noise
        if mode == "density":
            return self.physical.expz(self.weights, x, method="density", scale=self.noise_scale)
        if mode == "gate_insertion" and self.training:
            return self.physical.expz(self.weights, x, method="gate_insertion",
                                      scale=self.noise_scale, generator=self.noise_generator)
        if mode is None:  # the simulator's fastest readout: one matmul over its own layout
            return qnas.expval(self.circuit, _z_observables(self.circuit.n_qubits),
                               self.weights, x)
        z = expz(probabilities(qnas.simulate(self.circuit, self.weights, x)),
                 self.circuit.n_qubits)
        return self._readout_only(z) if mode == "readout" else z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.expz(x))

    def extra_repr(self) -> str:
        return (f"encoder={self.encoder.name!r}, n_qubits={self.circuit.n_qubits}, "
                f"params={self.weights.numel()}, classes={self.readout.n_classes}, "
                f"noise={self.noise!r}")
