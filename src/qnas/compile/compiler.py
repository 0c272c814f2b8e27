"""Compile a circuit onto a device: layout, routing and basis translation (Qiskit transpiler).

Symbolic ops are first lowered to single-symbol ``rz``/``sx``/``cx`` (:mod:`.lower`), so the
compiled circuit keeps trainable parameters and inputs symbolic: compile once, evaluate many
times. The result is a :class:`CompiledCircuit` holding the circuit on the sorted physical
qubits it uses (``circuit``; wire ``i`` = physical ``qubits[i]``) and on the whole device
(``physical_circuit``), the initial and final layouts, and helpers to get the compact device
and logical-order probabilities. The global phase is dropped (qnas has none).
:func:`compile` itself caches nothing: :class:`qnas.noisy.DeviceCircuitCache` does.

>>> import qnas
>>> from qnas.ir import Circuit, Op, param
>>> c = Circuit(2, [Op("ry", (0,), (param("a"),)), Op("cx", (0, 1))])
>>> cc = compile(c, "santiago", layout=[3, 4])
>>> cc.qubits, cc.initial_layout, cc.circuit.parameters
((3, 4), (3, 4), ('a',))
>>> probs = qnas.probabilities(qnas.simulate(cc.circuit, [1.0]))  # compact wires 0, 1
>>> cc.logical_probabilities(probs).shape                          # logical qubit j in bit j
torch.Size([1, 4])
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from qnas.compile.lower import lower_symbolic
from qnas.compile.target_subset import restrict_target
from qnas.devices import QISKIT_TO_QNAS, Target
from qnas.gates.registry import canonical_name, get_gate
from qnas.ir import Circuit, Op

_QNAS_TO_QISKIT = {v: k for k, v in QISKIT_TO_QNAS.items()}


def as_target(target) -> Target:
    """A :class:`Target` from a Target or a device name (unknown names raise with hints)."""
    if isinstance(target, Target):
        return target
    if isinstance(target, str):
        return Target.from_backend(target)
    raise ValueError(f"expected a qnas Target or a device name, got {type(target).__name__}")


@dataclass(frozen=True)
class CompiledCircuit:
    """A circuit placed on a device (see module docstring)."""

    circuit: Circuit
    physical_circuit: Circuit
    qubits: tuple[int, ...]
    initial_layout: tuple[int, ...]
    final_layout: tuple[int, ...]
    target: Target
    n_logical: int

    @classmethod
    def from_physical(cls, circuit: Circuit, target) -> CompiledCircuit:
        """``circuit`` as it is: already in the device's basis on its physical qubits (wire
        ``w`` = qubit ``w`` = logical qubit ``w``). Nothing is transpiled (no Qiskit needed);
        gates outside the basis or on uncoupled pairs raise ValueError."""
        if not isinstance(circuit, Circuit):
            raise TypeError(f"expected a qnas Circuit, got {type(circuit).__name__}")
        tg = as_target(target)
        n = circuit.n_qubits
        check_layout(None, n, tg)
        for i, op in enumerate(circuit.ops):
            g = canonical_name(op.gate)
            if get_gate(g).kraus or (g in tg.gates and not tg.gates[g]):
                continue  # channel ops, and gates the device reports as ideal everywhere
            try:
                tg.gate_props(g, op.wires)
            except ValueError as e:
                raise ValueError(f"op {i} ({op.to_text()}): {e}") from None
        phys = Circuit(tg.n_qubits, circuit.ops, circuit.parameters, circuit.inputs)
        wires = tuple(range(n))
        return cls(circuit, phys, wires, wires, wires, tg, n)

    @property
    def measured_wires(self) -> tuple[int, ...]:
        """Compact wire holding logical qubit ``j`` at the end of the circuit."""
        pos = {q: i for i, q in enumerate(self.qubits)}
        return tuple(pos[q] for q in self.final_layout)

    @property
    def compact_target(self) -> Target:
        """The device restricted to ``qubits`` (compact wire i = physical ``qubits[i]``)."""
        return restrict_target(self.target, self.qubits)

    def noise_model(self, scale: float = 1.0, **kwargs):
        """``NoiseModel`` of the compact circuit (kwargs as ``NoiseModel.from_target``)."""
        from qnas.noise import NoiseModel

        return NoiseModel.from_target(self.compact_target, scale=scale, **kwargs)

    def logical_probabilities(self, probs: torch.Tensor) -> torch.Tensor:
        """Marginal ``[..., 2**n_logical]`` of compact probabilities ``[..., 2**len(qubits)]``
        over the logical qubits, with logical qubit ``j`` in bit ``j``."""
        return marginal(probs, len(self.qubits), self.measured_wires)


def marginal(probs: torch.Tensor, m: int, keep) -> torch.Tensor:
    """Marginal of ``[..., 2**m]`` onto wires ``keep`` (``keep[j]`` becomes bit ``j``)."""
    keep = [int(w) for w in keep]
    if probs.shape[-1] != 2**m:
        raise ValueError(f"probabilities have {probs.shape[-1]} entries, expected {2**m}")
    if keep == list(range(m)):
        return probs
    lead = probs.shape[:-1]
    nb = len(lead)
    x = probs.reshape(lead + (2,) * m)
    axis = {w: nb + m - 1 - w for w in range(m)}
    kept = [axis[w] for w in reversed(keep)]
    rest = [axis[w] for w in range(m) if w not in set(keep)]
    x = x.permute(list(range(nb)) + kept + rest)
    return x.reshape(lead + (2 ** len(keep), 2 ** (m - len(keep)))).sum(-1)


def check_layout(layout, n_logical: int, target: Target) -> tuple[int, ...] | None:
    if n_logical > target.n_qubits:
        raise ValueError(f"circuit has {n_logical} qubits but device {target.name!r} has "
                         f"only {target.n_qubits}")
    if layout is None:
        return None
    try:
        lay = tuple(int(q) for q in layout)
    except (TypeError, ValueError):
        msg = f"layout must be a list of physical qubit indices, got {layout!r}"
        raise ValueError(msg) from None
    if len(lay) != n_logical:
        raise ValueError(f"layout {list(lay)} has {len(lay)} entries but the circuit has "
                         f"{n_logical} qubits")
    bad = [q for q in lay if not 0 <= q < target.n_qubits]
    if bad:
        raise ValueError(f"layout qubits {bad} outside device {target.name!r} "
                         f"(qubits 0..{target.n_qubits - 1})")
    if len(set(lay)) != len(lay):
        raise ValueError(f"layout {list(lay)} repeats a physical qubit")
    return lay


def compile(circuit: Circuit, target, layout=None, optimization_level: int = 1,  # noqa: A001
            seed: int = 0) -> CompiledCircuit:
    """Place ``circuit`` on ``target`` (a :class:`Target` or device name).

    ``layout[j]`` is the physical qubit of logical qubit ``j`` (None: Qiskit chooses).
    Trainable parameters and inputs stay symbolic, in ``circuit``'s order.
    """
    tg, lay, level = compile_args(circuit, target, layout, optimization_level)
    return _compile(circuit, tg, lay, level, int(seed))


def compile_args(circuit: Circuit, target, layout, optimization_level: int):
    """``(target, layout, level)`` of a compile call, checked (clear errors for bad input)."""
    if not isinstance(circuit, Circuit):
        raise TypeError(f"compile expects a qnas Circuit, got {type(circuit).__name__}")
    tg = as_target(target)
    lay = check_layout(layout, circuit.n_qubits, tg)
    if optimization_level not in (0, 1, 2, 3):
        raise ValueError(f"optimization_level must be 0..3, got {optimization_level}")
    return tg, lay, int(optimization_level)


def warm_up() -> None:
    """Load Qiskit's transpiler stage plugins now rather than in the first :func:`compile`.

    A process's first preset pass manager imports every installed plugin (Qiskit's,
    qiskit-aer's, qiskit-ibm-runtime's entry points: ~0.8 s here). Search worker processes
    call this when they start (:mod:`qnas.search.executors` runs each preloaded module's
    ``warm_up``), so their first candidate costs what the others do.

    >>> warm_up()
    """
    from qiskit.transpiler import generate_preset_pass_manager

    generate_preset_pass_manager(optimization_level=1, basis_gates=["cx", "rz", "sx", "x"])


def _compile(circuit: Circuit, tg: Target, lay, level: int, seed: int) -> CompiledCircuit:
    from qiskit import transpile
    from qiskit.transpiler import CouplingMap

    basis = [_QNAS_TO_QISKIT.get(g, g) for g in tg.basis_gates]
    zsx = "rz" in tg.basis_gates and "sx" in tg.basis_gates
    lowered = lower_symbolic(circuit, zsx=zsx)
    qc = lowered.to_qiskit()
    cmap = CouplingMap([list(e) for e in tg.coupling_map]) if tg.coupling_map else None
    if cmap is not None and tg.n_qubits > cmap.size():
        for q in range(cmap.size(), tg.n_qubits):
            cmap.add_physical_qubit(q)
    tq = transpile(qc, basis_gates=basis, coupling_map=cmap,
                   initial_layout=list(lay) if lay is not None else None,
                   optimization_level=level, seed_transpiler=seed)
    phys = Circuit.from_qiskit(tq, inputs=circuit.inputs)
    phys = Circuit(tq.num_qubits, phys.ops, circuit.parameters, circuit.inputs)
    n = circuit.n_qubits
    if tq.layout is not None:
        init = tuple(int(q) for q in tq.layout.initial_index_layout(filter_ancillas=True)[:n])
        final = tuple(int(q) for q in tq.layout.final_index_layout(filter_ancillas=True)[:n])
    else:
        init = final = tuple(range(n))
    used = sorted({w for op in phys.ops for w in op.wires} | set(final))
    pos = {q: i for i, q in enumerate(used)}
    compact_ops = tuple(Op(op.gate, tuple(pos[w] for w in op.wires), op.params)
                        for op in phys.ops)
    compact = Circuit(len(used), compact_ops, circuit.parameters, circuit.inputs)
    return CompiledCircuit(compact, phys, tuple(used), init, final, tg, n)
