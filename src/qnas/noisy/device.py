"""A logical circuit on a device: compile -> noise model -> simulate(method) -> readout.

:class:`DeviceCircuit` holds one :class:`~qnas.compile.CompiledCircuit` (compact wires: wire
``i`` is physical qubit ``compiled.qubits[i]``) and, per noise scale, its noise model, the
noisy circuit (channel ops inserted by :meth:`NoiseModel.apply`) and the gate-insertion
circuit. Its :meth:`~DeviceCircuit.probabilities` and :meth:`~DeviceCircuit.expz` come back in
logical order (logical qubit ``j`` in bit ``j`` / column ``j``, routing undone) with the
readout error of the measured physical qubits. Methods (:data:`METHODS`):

``"density"``         exact density matrix under the device noise model
``"trajectories"``    mean over sampled statevectors (unbiased for the same channels)
``"gate_insertion"``  one sampled Pauli error pattern per row (relaxation Pauli-twirled)
``"statevector"``     noise-free gates (readout error still applies when asked for)

:class:`DeviceCircuitCache` is the one cache of compiled circuits (LRU); the module functions
use :data:`DEFAULT_CACHE` unless given ``cache=``.

>>> import torch
>>> from qnas.ir import Circuit, Op, inp, param
>>> c = Circuit(2, [Op("ry", (0,), (inp("x"),)), Op("cx", (0, 1)), Op("rz", (1,), (param("a"),))])
>>> a, x = torch.tensor([0.5]), torch.tensor([[0.3], [1.2]])
>>> device_probabilities(c, a, x, "santiago", [3, 4]).shape    # density + readout error
torch.Size([2, 4])
>>> z = device_expz(c, a, x, "santiago", [3, 4])
>>> clean = device_expz(c, a, x, "santiago", [3, 4], method="statevector", readout_error=False)
>>> bool((z.abs() < clean.abs()).all())                          # noise shrinks <Z>
True
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from qnas.compile import CompiledCircuit, compile_args
from qnas.compile import compile as compile_circuit
from qnas.ir import Circuit
from qnas.noise import NoiseModel, apply_readout_error, expz_with_readout
from qnas.noisy.insertion import GateInsertion
from qnas.sim import simulate
from qnas.sim.cache import LRUCache
from qnas.sim.measure import expz, probabilities

METHODS = ("density", "trajectories", "gate_insertion", "statevector")


def check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"unknown noisy method {method!r}; expected one of {METHODS}")
    return method


class DeviceCircuit:
    """A circuit compiled onto a device with its noise models and readout (module docstring).

    Build one with :meth:`compile` (Qiskit transpiler), :meth:`from_physical` (a circuit
    already on the device's qubits; no Qiskit) or, cached, :func:`device_circuit`.
    """

    def __init__(self, compiled: CompiledCircuit):
        if not isinstance(compiled, CompiledCircuit):
            raise TypeError(f"expected a CompiledCircuit, got {type(compiled).__name__}")
        self.compiled = compiled
        self._per_scale = LRUCache(maxsize=32)  # (what, scale) -> model / circuit / insertion

    @classmethod
    def compile(cls, circuit: Circuit, target, layout=None, *, optimization_level: int = 1,
                seed: int = 0) -> DeviceCircuit:
        """Compile ``circuit`` onto ``target`` (uncached; see :func:`device_circuit`)."""
        return cls(compile_circuit(circuit, target, layout, optimization_level, seed))

    @classmethod
    def from_physical(cls, circuit: Circuit, target) -> DeviceCircuit:
        """``circuit`` as it is on ``target`` (see :meth:`CompiledCircuit.from_physical`)."""
        return cls(CompiledCircuit.from_physical(circuit, target))

    def __repr__(self) -> str:
        cc = self.compiled
        return (f"DeviceCircuit({cc.target.name!r}, n_logical={cc.n_logical}, "
                f"qubits={cc.qubits}, final_layout={cc.final_layout})")

    # -- the compiled circuit -------------------------------------------------------------
    @property
    def target(self):
        """The whole device (a :class:`~qnas.devices.Target`)."""
        return self.compiled.target

    @property
    def circuit(self) -> Circuit:
        """The compiled circuit on compact wires (noise-free)."""
        return self.compiled.circuit

    @property
    def n_logical(self) -> int:
        return self.compiled.n_logical

    @property
    def measured_wires(self) -> tuple[int, ...]:
        """Compact wire measured for logical qubit ``j``."""
        return self.compiled.measured_wires

    # -- noise, per scale -----------------------------------------------------------------
    def _memo(self, what: str, scale: float, build):
        scale = float(scale)
        return self._per_scale.get((what, scale), lambda: build(scale))

    def noise_model(self, scale: float = 1.0) -> NoiseModel:
        """The device noise model on the compact wires; gate errors, durations and readout
        errors times ``scale``."""
        return self._memo("model", scale, self.compiled.noise_model)

    def noisy_circuit(self, scale: float = 1.0) -> Circuit:
        """The compiled circuit with the noise model's channel ops after every gate."""
        return self._memo("noisy", scale, lambda s: self.noise_model(s).apply(self.circuit))

    def insertion(self, scale: float = 1.0) -> GateInsertion:
        """Gate insertion on the compiled circuit: Pauli rates of the scale-1 noise model,
        error probabilities times ``scale``."""
        def build(s):
            model = self.noise_model(1.0)
            return GateInsertion(self.circuit, lambda op: model.pauli_error_rates(op)[1], s)

        return self._memo("insertion", scale, build)

    def readout_matrices(self, scale: float = 1.0, dtype=torch.float64) -> list[torch.Tensor]:
        """Assignment matrices ``A[measured, true]`` of the physical qubit measured for each
        logical qubit, in logical order."""
        return self.noise_model(scale).readout_matrices(self.measured_wires, dtype)

    # -- simulate + read out --------------------------------------------------------------
    def _compact_probabilities(self, params, inputs, method, scale, trajectories, generator,
                               seed, dtype, device) -> torch.Tensor:
        """Probabilities ``[B, 2**len(qubits)]`` of the compact wires, before readout."""
        check_method(method)
        if method == "statevector":
            state = simulate(self.circuit, params, inputs, dtype, device=device)
        elif method == "gate_insertion":  # Pauli patterns are drawn on the CPU
            if generator is None and seed is not None:
                generator = torch.Generator().manual_seed(int(seed))
            gi = self.insertion(scale)
            x = _feature_rows(self.circuit, params, inputs)
            state = simulate(gi.circuit, params, gi.inputs(x, generator), dtype, device=device)
            method = "statevector"
        else:
            state = simulate(self.noisy_circuit(scale), params, inputs, dtype, device=device,
                             method=method, trajectories=trajectories, seed=seed,
                             generator=generator)
        return probabilities(state, method)

    def probabilities(self, params=None, inputs=None, *, method: str = "density",
                      scale: float = 1.0, readout_error: bool = True, trajectories: int = 100,
                      generator: torch.Generator | None = None, seed: int | None = None,
                      dtype=torch.complex64, device=None) -> torch.Tensor:
        """Probabilities ``[B, 2**n_logical]`` (logical qubit ``j`` in bit ``j``).

        ``scale`` multiplies the noise (gate errors, durations, readout errors); sampled
        methods draw from ``generator`` (or a generator seeded with ``seed``; neither: torch's
        global RNG for gate insertion, a random seed for trajectories).
        """
        compact = self._compact_probabilities(params, inputs, method, scale, trajectories,
                                              generator, seed, dtype, device)
        probs = self.compiled.logical_probabilities(compact)
        if readout_error:
            probs = apply_readout_error(probs, self.readout_matrices(scale, probs.dtype))
        return probs

    def expz(self, params=None, inputs=None, *, method: str = "density", scale: float = 1.0,
             readout_error: bool = True, trajectories: int = 100,
             generator: torch.Generator | None = None, seed: int | None = None,
             dtype=torch.complex64, device=None) -> torch.Tensor:
        """``<Z>`` ``[B, n_logical]`` of the logical qubits (keywords as
        :meth:`probabilities`)."""
        compact = self._compact_probabilities(params, inputs, method, scale, trajectories,
                                              generator, seed, dtype, device)
        z = expz(compact, self.circuit.n_qubits, self.measured_wires)
        if readout_error:
            z = expz_with_readout(z, self.readout_matrices(scale))
        return z


def _feature_rows(circuit: Circuit, params, inputs) -> torch.Tensor:
    """Inputs as ``[B, F]`` rows (insertion angles are appended per row)."""
    if inputs is None:
        p = torch.as_tensor(params) if params is not None else None
        rows = p.shape[0] if p is not None and p.dim() == 2 else 1
        dtype = p.dtype if p is not None and p.is_floating_point() else torch.float32
        device = p.device if p is not None else None
        return torch.zeros(rows, 0, dtype=dtype, device=device)
    if isinstance(inputs, Mapping):
        inputs = torch.stack([torch.as_tensor(inputs[k]) for k in circuit.inputs], -1)
    x = torch.as_tensor(inputs)
    if not x.is_floating_point():
        x = x.to(torch.float32)
    return x[None] if x.dim() == 1 else x


class DeviceCircuitCache(LRUCache):
    """Compiled :class:`DeviceCircuit` objects, least recently used evicted beyond ``maxsize``.

    Keyed on the circuit's content (ops and parameter/input order: equal circuits have equal
    canonical text and vice versa; the circuit's hash is computed once, so a lookup is cheaper
    than building the text), the target's name, the layout, the optimization level and the
    transpiler seed. A hit whose target has the same name but other calibration data is
    recompiled.

    >>> from qnas.ir import Circuit, Op
    >>> cache = DeviceCircuitCache(maxsize=4)
    >>> c = Circuit(2, [Op("h", (0,)), Op("cx", (0, 1))])
    >>> cache.get(c, "lima", [0, 1]) is cache.get(Circuit.from_text(c.to_text()), "lima", [0, 1])
    True
    >>> len(cache), cache.hits, cache.misses
    (1, 1, 1)
    """

    def __init__(self, maxsize: int = 128):
        super().__init__(maxsize)

    def __repr__(self) -> str:
        return (f"DeviceCircuitCache(maxsize={self.maxsize}, size={len(self)}, "
                f"hits={self.hits}, misses={self.misses})")

    def get(self, circuit: Circuit, target, layout=None, *, optimization_level: int = 1,
            seed: int = 0) -> DeviceCircuit:
        """The :class:`DeviceCircuit` of ``circuit`` on ``target`` (compiled on a miss)."""
        tg, lay, level = compile_args(circuit, target, layout, optimization_level)
        seed = int(seed)
        key = (circuit, tg.name, lay, level, seed)

        def build():
            return DeviceCircuit.compile(circuit, tg, lay, optimization_level=level, seed=seed)

        dc = super().get(key, build)
        if dc.target is not tg and dc.target != tg:  # same name, other calibration
            dc = build()
            self.put(key, dc)
        return dc


DEFAULT_CACHE = DeviceCircuitCache()
"""The cache :func:`device_circuit`, :func:`device_probabilities` and :func:`device_expz` use
unless given ``cache=``."""


def device_circuit(circuit: Circuit, target, layout=None, *, optimization_level: int = 1,
                   seed: int = 0, cache: DeviceCircuitCache | None = None) -> DeviceCircuit:
    """``circuit`` compiled onto ``target`` (a Target or device name) with ``layout``
    (``layout[j]`` = physical qubit of logical ``j``; None: the transpiler picks), cached."""
    cache = DEFAULT_CACHE if cache is None else cache
    return cache.get(circuit, target, layout, optimization_level=optimization_level, seed=seed)


def device_probabilities(circuit: Circuit, params, inputs, target, layout=None, *,
                         method: str = "density", scale: float = 1.0,
                         readout_error: bool = True, optimization_level: int = 1,
                         seed: int = 0, trajectories: int = 100,
                         generator: torch.Generator | None = None, dtype=torch.complex64,
                         device=None, cache: DeviceCircuitCache | None = None) -> torch.Tensor:
    """Probabilities ``[B, 2**n_logical]`` of logical ``circuit`` on ``target`` (logical qubit
    ``j`` in bit ``j``, Qiskit order): compiled (``optimization_level``, transpiler ``seed``;
    cached), simulated by ``method`` under the device noise times ``scale``, with readout
    error. Sampled methods draw from ``generator`` (None: unseeded)."""
    check_method(method)
    dc = device_circuit(circuit, target, layout, optimization_level=optimization_level,
                        seed=seed, cache=cache)
    return dc.probabilities(params, inputs, method=method, scale=scale,
                            readout_error=readout_error, trajectories=trajectories,
                            generator=generator, dtype=dtype, device=device)


def device_expz(circuit: Circuit, params, inputs, target, layout=None, *,
                method: str = "density", scale: float = 1.0, readout_error: bool = True,
                optimization_level: int = 1, seed: int = 0, trajectories: int = 100,
                generator: torch.Generator | None = None, dtype=torch.complex64, device=None,
                cache: DeviceCircuitCache | None = None) -> torch.Tensor:
    """``<Z>`` ``[B, n_logical]`` of every logical qubit (column ``j`` = logical qubit ``j``);
    arguments as :func:`device_probabilities`."""
    check_method(method)
    dc = device_circuit(circuit, target, layout, optimization_level=optimization_level,
                        seed=seed, cache=cache)
    return dc.expz(params, inputs, method=method, scale=scale, readout_error=readout_error,
                   trajectories=trajectories, generator=generator, dtype=dtype, device=device)


__all__ = ["METHODS", "DeviceCircuit", "DeviceCircuitCache", "DEFAULT_CACHE", "device_circuit",
           "device_probabilities", "device_expz", "check_method"]
