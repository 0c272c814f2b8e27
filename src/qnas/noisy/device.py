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

``method=None`` (the default everywhere) picks by size (:data:`DEFAULTS`, a
:class:`MethodDefaults` whose fields the caller may change): ``"density"`` up to 8 logical
qubits; above, ``"density"`` while the compiled circuit has at most 11 wires (seconds per 100
inputs), else ``"gate_insertion"`` with up to 16 Pauli patterns per input, seeded with
``DEFAULTS.seed`` (the same draws for every candidate of a search): exact density matrices of
12 or more wires take a minute or more per 100 inputs (bench/RESULTS.md, section 5).

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
from dataclasses import dataclass

import torch

from qnas.compile import CompiledCircuit, compile_args
from qnas.compile import compile as compile_circuit
from qnas.ir import Circuit, Sym
from qnas.noise import NoiseModel, apply_readout_error, expz_with_readout
from qnas.noisy.insertion import PREFIX as INSERTION_PREFIX
from qnas.noisy.insertion import GateInsertion
from qnas.sim import simulate, superop
from qnas.sim.cache import LRUCache
from qnas.sim.measure import expz, probabilities
from qnas.sim.trajectories import simulate_pauli_insertions

METHODS = ("density", "trajectories", "gate_insertion", "statevector")
CHUNK_AMPLITUDES = 2**26  # gate insertion / density: at most this many amplitudes at once


@dataclass
class MethodDefaults:
    """What ``method=None`` means; change the fields of :data:`DEFAULTS` to change it.

    Up to ``large_logical`` logical qubits: ``"density"``. Above: ``"density"`` while the
    compiled circuit has at most ``density_max_qubits`` wires, else ``large_method`` with
    ``samples`` Pauli patterns (gate insertion; fewer when ``rows * samples * 2**wires`` would
    exceed ``sample_budget``) or trajectories per input, averaged, drawn from ``seed`` unless
    the caller gives ``seed`` or ``generator``.

    >>> d = MethodDefaults()
    >>> d.large_method, d.density_max_qubits, d.samples
    ('gate_insertion', 11, 16)
    """

    large_logical: int = 8
    density_max_qubits: int = 11
    large_method: str = "gate_insertion"
    samples: int = 16
    sample_budget: int = 2**23
    seed: int = 0

    def method_for(self, n_logical: int, n_wires: int) -> str:
        """The method for a circuit of ``n_logical`` qubits compiled onto ``n_wires`` wires."""
        if n_logical <= self.large_logical or n_wires <= self.density_max_qubits:
            return "density"
        return check_method(self.large_method)


DEFAULTS = MethodDefaults()
"""The settings of ``method=None`` (see :class:`MethodDefaults`)."""


def check_method(method: str | None) -> str | None:
    if method is not None and method not in METHODS:
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

    def insertion_slots(self, scale: float = 1.0) -> tuple[tuple[int, int], ...]:
        """``(op, wire)`` of each insertion point of :meth:`insertion` in :attr:`circuit`."""
        def build(s):
            slots, src = [], -1
            for op in self.insertion(s).circuit.ops:
                if op.gate == "u3" and op.params and isinstance(op.params[0], Sym) and \
                        op.params[0].name.startswith(INSERTION_PREFIX):
                    slots.append((src, op.wires[0]))
                else:
                    src += 1
            return tuple(slots)

        return self._memo("slots", scale, build)

    def readout_matrices(self, scale: float = 1.0, dtype=torch.float64) -> list[torch.Tensor]:
        """Assignment matrices ``A[measured, true]`` of the physical qubit measured for each
        logical qubit, in logical order."""
        return self.noise_model(scale).readout_matrices(self.measured_wires, dtype)

    # -- simulate + read out --------------------------------------------------------------
    def default_method(self) -> str:
        """What ``method=None`` runs for this circuit (:data:`DEFAULTS`)."""
        return DEFAULTS.method_for(self.n_logical, self.circuit.n_qubits)

    def _resolve(self, method, trajectories, generator, seed):
        """``(method, trajectories, seed, samples)`` with ``method=None`` resolved."""
        if method is not None:
            return check_method(method), trajectories, seed, 1
        method = self.default_method()
        if method in ("gate_insertion", "trajectories") and generator is None and seed is None:
            seed = DEFAULTS.seed
        samples = max(1, int(DEFAULTS.samples))
        if method == "trajectories":
            return method, samples, seed, 1
        return method, trajectories, seed, samples if method == "gate_insertion" else 1

    def _compact_probabilities(self, params, inputs, method, scale, trajectories, generator,
                               seed, dtype, device, samples: int = 1) -> torch.Tensor:
        """Probabilities ``[B, 2**len(qubits)]`` of the compact wires, before readout."""
        check_method(method)
        if method == "statevector":
            state = simulate(self.circuit, params, inputs, dtype, device=device)
        elif method == "gate_insertion":  # Pauli patterns are drawn on the CPU
            if generator is None and seed is not None:
                generator = torch.Generator().manual_seed(int(seed))
            gi = self.insertion(scale)
            x = _feature_rows(self.circuit, params, inputs)
            p = params
            width = 2**self.circuit.n_qubits
            samples = max(1, min(samples, DEFAULTS.sample_budget // (x.shape[0] * width)))
            if samples > 1:  # several patterns per row, averaged below
                x = x.repeat_interleave(samples, 0)
                if p is not None and torch.as_tensor(p).dim() == 2:
                    p = torch.as_tensor(p).repeat_interleave(samples, 0)
            # The same draws as gi.inputs(x, generator), simulated as sparse Pauli errors on
            # the fused noise-free circuit (equal to simulating gi.circuit), in chunks of rows.
            paulis = gi.sample_paulis(x.shape[0], generator)
            per = p is not None and torch.as_tensor(p).dim() == 2
            step = max(1, CHUNK_AMPLITUDES // width)
            parts = []
            for a in range(0, x.shape[0], step):
                state = simulate_pauli_insertions(
                    self.circuit, self.insertion_slots(scale), paulis[a : a + step],
                    torch.as_tensor(p)[a : a + step] if per else p,
                    x[a : a + step] if self.circuit.inputs else None, dtype, device=device)
                parts.append(probabilities(state, "statevector"))
            probs = torch.cat(parts) if len(parts) > 1 else parts[0]
            if samples > 1:
                probs = probs.reshape(-1, samples, probs.shape[-1]).mean(1)
            return probs
        else:
            state = simulate(self.noisy_circuit(scale), params, inputs, dtype, device=device,
                             method=method, trajectories=trajectories, seed=seed,
                             generator=generator)
        return probabilities(state, method)

    def _density_probabilities(self, params, inputs, scale, dtype, device) -> torch.Tensor:
        """Exact measured-wire probabilities (superoperator simulation). In the Schroedinger
        picture (more observables than inputs) the inputs run in chunks of at most
        ``CHUNK_AMPLITUDES`` Pauli coefficients: 300 inputs on 11 wires would otherwise hold
        5 GB per intermediate."""
        circuit, wires = self.noisy_circuit(scale), self.measured_wires
        x = _feature_rows(circuit, params, inputs)  # [rows, F], also without inputs
        rows = x.shape[0]
        step = max(1, CHUNK_AMPLITUDES // 4**circuit.n_qubits)
        if rows <= step or 2 ** len(wires) < rows:  # one run (or backwards: cheaper)
            return superop.marginal_probabilities(circuit, params, inputs, wires, dtype, device)
        p = None if params is None else torch.as_tensor(params)
        per_row = p is not None and p.dim() == 2
        parts = [superop.marginal_probabilities(
                     circuit, p[a : a + step] if per_row else params,
                     x[a : a + step] if inputs is not None else None, wires, dtype, device,
                     heisenberg=False)
                 for a in range(0, rows, step)]
        return torch.cat(parts)

    def probabilities(self, params=None, inputs=None, *, method: str | None = None,
                      scale: float = 1.0, readout_error: bool = True, trajectories: int = 100,
                      generator: torch.Generator | None = None, seed: int | None = None,
                      dtype=torch.complex64, device=None) -> torch.Tensor:
        """Probabilities ``[B, 2**n_logical]`` (logical qubit ``j`` in bit ``j``).

        ``method=None``: :meth:`default_method`. ``scale`` multiplies the noise (gate errors,
        durations, readout errors); sampled methods draw from ``generator`` (or a generator
        seeded with ``seed``; neither: torch's global RNG for gate insertion, a random seed for
        trajectories - except that ``method=None`` seeds with ``DEFAULTS.seed``).
        """
        method, trajectories, seed, samples = self._resolve(method, trajectories, generator,
                                                            seed)
        if method == "density":  # Heisenberg picture when cheaper (superop)
            probs = self._density_probabilities(params, inputs, scale, dtype, device)
        else:
            compact = self._compact_probabilities(params, inputs, method, scale, trajectories,
                                                  generator, seed, dtype, device, samples)
            probs = self.compiled.logical_probabilities(compact)
        if readout_error:
            probs = apply_readout_error(probs, self.readout_matrices(scale, probs.dtype))
        return probs

    def expz(self, params=None, inputs=None, *, method: str | None = None, scale: float = 1.0,
             readout_error: bool = True, trajectories: int = 100,
             generator: torch.Generator | None = None, seed: int | None = None,
             dtype=torch.complex64, device=None) -> torch.Tensor:
        """``<Z>`` ``[B, n_logical]`` of the logical qubits (keywords as
        :meth:`probabilities`)."""
        method, trajectories, seed, samples = self._resolve(method, trajectories, generator,
                                                            seed)
        if method == "density":  # Heisenberg picture when cheaper (superop)
            z = superop.expz(self.noisy_circuit(scale), params, inputs, self.measured_wires,
                             dtype, device)
        else:
            compact = self._compact_probabilities(params, inputs, method, scale, trajectories,
                                                  generator, seed, dtype, device, samples)
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
                         method: str | None = None, scale: float = 1.0,
                         readout_error: bool = True, optimization_level: int = 1,
                         seed: int = 0, trajectories: int = 100,
                         generator: torch.Generator | None = None, dtype=torch.complex64,
                         device=None, cache: DeviceCircuitCache | None = None) -> torch.Tensor:
    """Probabilities ``[B, 2**n_logical]`` of logical ``circuit`` on ``target`` (logical qubit
    ``j`` in bit ``j``, Qiskit order): compiled (``optimization_level``, transpiler ``seed``;
    cached), simulated by ``method`` under the device noise times ``scale``, with readout
    error. ``method=None``: the default for its size (:data:`DEFAULTS`). Sampled methods draw
    from ``generator`` (None: unseeded, except under ``method=None``)."""
    check_method(method)
    dc = device_circuit(circuit, target, layout, optimization_level=optimization_level,
                        seed=seed, cache=cache)
    return dc.probabilities(params, inputs, method=method, scale=scale,
                            readout_error=readout_error, trajectories=trajectories,
                            generator=generator, dtype=dtype, device=device)


def device_expz(circuit: Circuit, params, inputs, target, layout=None, *,
                method: str | None = None, scale: float = 1.0, readout_error: bool = True,
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


__all__ = ["METHODS", "DEFAULTS", "MethodDefaults", "DeviceCircuit", "DeviceCircuitCache",
           "DEFAULT_CACHE", "device_circuit", "device_probabilities", "device_expz",
           "check_method"]
