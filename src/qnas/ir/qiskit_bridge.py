"""Convert between qnas :class:`~qnas.ir.Circuit` and Qiskit ``QuantumCircuit`` (Qiskit 2.x).

Qiskit is imported lazily. Trainable parameters and inputs become ``Parameter``s with the
same names (affine symbols become ``scale*p + offset``); ``to_qiskit`` records the qnas
symbol order in ``qc.metadata`` (``qnas_parameters``/``qnas_inputs``) and ``from_qiskit``
honours it, so ``from_qiskit(to_qiskit(c)) == c``. Otherwise ``parameters`` follow
``qc.parameters`` (Qiskit's sorted order) and ``inputs`` the given ``inputs`` list.

Matrix convention: qnas gate matrices have the first wire as the most significant bit,
Qiskit's have the first qubit as the least significant one. Standard gates map wire for
wire (the *gate* is the same, only its matrix is written differently); ``unitary`` ops are
appended with their wires reversed.

``from_qiskit`` ignores ``barrier``, ``measure``, ``delay`` and the circuit's
``global_phase`` (qnas circuits have no global phase, so states agree up to that phase);
``reset``, control flow and unknown instructions without a definition raise ValueError.
Gates outside the table are expanded through their Qiskit ``definition``. ``mcx`` with
one or two controls comes back as ``cx``/``ccx`` (Qiskit builds those classes).

>>> from qnas.ir import Circuit, Op, param
>>> c = Circuit(2, [Op("h", (0,)), Op("crx", (0, 1), (2.0 * param("w") + 0.5,))])
>>> qc = to_qiskit(c)
>>> [inst.operation.name for inst in qc.data]
['h', 'crx']
>>> from_qiskit(qc) == c
True
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from qnas.ir.circuit import Circuit, Op
from qnas.ir.params import INPUT, PARAM, Sym

# qnas gate -> qiskit.circuit.library class name
TO_QISKIT = {
    "id": "IGate", "x": "XGate", "y": "YGate", "z": "ZGate", "h": "HGate", "s": "SGate",
    "sdg": "SdgGate", "t": "TGate", "tdg": "TdgGate", "sx": "SXGate", "sxdg": "SXdgGate",
    "rx": "RXGate", "ry": "RYGate", "rz": "RZGate", "p": "PhaseGate", "r": "RGate",
    "u2": "U2Gate", "u3": "U3Gate", "cx": "CXGate", "cy": "CYGate", "cz": "CZGate",
    "ch": "CHGate", "csx": "CSXGate", "crx": "CRXGate", "cry": "CRYGate", "crz": "CRZGate",
    "cp": "CPhaseGate", "cu3": "CU3Gate", "cu": "CUGate", "swap": "SwapGate",
    "iswap": "iSwapGate", "ecr": "ECRGate", "rxx": "RXXGate", "ryy": "RYYGate",
    "rzz": "RZZGate", "rzx": "RZXGate", "ccx": "CCXGate", "cswap": "CSwapGate",
    "mcx": "MCXGate", "unitary": "UnitaryGate",
}
# qiskit instruction name -> qnas gate
FROM_QISKIT = {name: name for name in TO_QISKIT} | {"u": "u3", "u1": "p", "cu1": "cp"}
IGNORED = frozenset({"barrier", "measure", "delay", "global_phase"})
_MAX_DEPTH = 20


def _qiskit_value(p, syms: dict):
    if not isinstance(p, Sym):
        return float(p)
    base = syms[p.name]
    if p.scale == 1.0 and p.offset == 0.0:
        return base
    if p.offset == 0.0:
        return p.scale * base
    return p.scale * base + p.offset


def to_qiskit(circuit: Circuit, *, drop_noise: bool = False):
    """A ``qiskit.QuantumCircuit`` for ``circuit`` (noise channels raise unless dropped)."""
    import qiskit.circuit.library as lib
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    from qnas.ir.qasm_export import unitary_ops

    syms = {n: Parameter(n) for n in circuit.parameters + circuit.inputs}
    qc = QuantumCircuit(circuit.n_qubits)
    for i, op, g in unitary_ops(circuit, drop_noise, "to_qiskit",
                                "Qiskit circuits hold only unitaries here"):
        if g.name not in TO_QISKIT:
            raise ValueError(f"to_qiskit: op {i}: gate {g.name!r} has no Qiskit mapping")
        cls = getattr(lib, TO_QISKIT[g.name])
        if g.name == "mcx":
            qc.append(cls(len(op.wires) - 1), list(op.wires))
        elif g.name == "unitary":
            if any(isinstance(p, Sym) for p in op.params):
                raise ValueError(f"to_qiskit: op {i}: unitary params must be constants")
            mat = g.matrix(torch.tensor(op.params, dtype=torch.float64), torch.complex128)
            qc.append(cls(mat.numpy(), check_input=False), list(reversed(op.wires)))
        else:
            qc.append(cls(*(_qiskit_value(p, syms) for p in op.params)), list(op.wires))
    qc.metadata = {"qnas_parameters": list(circuit.parameters),
                   "qnas_inputs": list(circuit.inputs)}
    return qc


def _qnas_value(x, input_names: set[str], where: str):
    """A float or an affine :class:`Sym` from a Qiskit parameter value."""
    from qiskit.circuit import ParameterExpression

    if not isinstance(x, ParameterExpression):
        return float(x)
    free = list(x.parameters)
    if not free:
        v = complex(x.numeric())
        if abs(v.imag) > 1e-12:
            raise ValueError(f"from_qiskit: {where}: complex parameter value {v}")
        return float(v.real)
    if len(free) > 1:
        names = sorted(p.name for p in free)
        raise ValueError(f"from_qiskit: {where}: expression {x} uses several parameters {names}; "
                         "only affine functions of one parameter are supported")
    (p,) = free
    try:
        grad = x.gradient(p)
    except Exception as e:  # noqa: BLE001 - qiskit raises assorted errors here
        raise ValueError(f"from_qiskit: {where}: cannot differentiate {x}: {e}") from None
    if isinstance(grad, ParameterExpression) and grad.parameters:
        raise ValueError(f"from_qiskit: {where}: expression {x} is not affine in {p.name!r}")
    scale = float(complex(grad.numeric() if isinstance(grad, ParameterExpression) else grad).real)
    offset = float(complex(x.bind({p: 0.0}).numeric()).real)
    kind = INPUT if p.name in input_names else PARAM
    return Sym(p.name, kind, scale, offset)


def _convert(qc, qubits: list[int], input_names: set[str], ops: list[Op], depth: int):
    from qiskit.circuit import ControlFlowOp

    for k, inst in enumerate(qc.data):
        op = inst.operation
        name = op.name
        wires = [qubits[qc.find_bit(q).index] for q in inst.qubits]
        where = f"instruction {k} ({name})" + (" in a gate definition" if depth else "")
        if name in IGNORED:
            continue
        if name == "reset" or isinstance(op, ControlFlowOp):
            raise ValueError(f"from_qiskit: {where}: {name!r} is not supported (unitary "
                             "circuits only)")
        target = FROM_QISKIT.get(name)
        ctrl = getattr(op, "ctrl_state", None)
        if ctrl is not None and ctrl != 2 ** op.num_ctrl_qubits - 1:
            target = None  # open controls: expand the definition
        if target == "unitary":
            mat = torch.as_tensor(op.to_matrix(), dtype=torch.complex128).flatten()
            vals = torch.cat([mat.real, mat.imag]).tolist()
            ops.append(Op("unitary", tuple(reversed(wires)), tuple(vals)))
        elif target is not None:
            vals = tuple(_qnas_value(x, input_names, where) for x in op.params)
            ops.append(Op(target, tuple(wires), vals))
        elif op.definition is not None and depth < _MAX_DEPTH:
            _convert(op.definition, wires, input_names, ops, depth + 1)
        else:
            raise ValueError(f"from_qiskit: {where}: unsupported instruction {name!r} with no "
                             "definition to expand")


def from_qiskit(qc, inputs: Sequence[str] | None = None) -> Circuit:
    """A :class:`Circuit` from a Qiskit ``QuantumCircuit``.

    Parameters named in ``inputs`` become input features, all others trainable params.
    """
    meta = qc.metadata if isinstance(qc.metadata, dict) else {}
    if inputs is None:
        inputs = meta.get("qnas_inputs") or []
    inputs = [str(n) for n in inputs]
    if len(set(inputs)) != len(inputs):
        raise ValueError(f"from_qiskit: duplicate names in inputs {inputs}")
    ops: list[Op] = []
    _convert(qc, list(range(qc.num_qubits)), set(inputs), ops, 0)
    used = {p.name for op in ops for p in op.params if isinstance(p, Sym) and p.kind == PARAM}
    order = [p.name for p in qc.parameters if p.name in used]
    order += sorted(used - set(order))
    recorded = meta.get("qnas_parameters")
    if recorded is not None and set(recorded) == used:
        order = list(recorded)
    return Circuit(qc.num_qubits, ops, parameters=order, inputs=inputs)
