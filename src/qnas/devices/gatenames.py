"""The one place that maps device (Qiskit) instruction names to qnas gate names.

>>> from qnas.devices.gatenames import qnas_gate_name
>>> qnas_gate_name("cx"), qnas_gate_name("u1"), qnas_gate_name("measure")
('cx', 'p', None)
"""

from __future__ import annotations

# Qiskit instruction name -> qnas registry name (canonical).
QISKIT_TO_QNAS: dict[str, str] = {
    "id": "id",
    "x": "x",
    "sx": "sx",
    "rz": "rz",
    "rx": "rx",
    "cx": "cx",
    "ecr": "ecr",
    "cz": "cz",
    "rzz": "rzz",
    "u1": "p",
    "u2": "u2",
    "u3": "u3",
}

# Device instructions that are not gates of the circuit IR: dropped from ``basis_gates``.
# ``measure`` is kept separately as readout error/duration.
IGNORED: frozenset[str] = frozenset(
    {
        "measure",
        "measure_2",
        "reset",
        "reset_2",
        "delay",
        "barrier",
        "if_else",
        "for_loop",
        "while_loop",
        "switch_case",
        "box",
        "store",
    }
)


def qnas_gate_name(qiskit_name: str) -> str | None:
    """The qnas gate for a device instruction name, or ``None`` for non-gate instructions.

    Unknown names fall back to the qnas registry when it has a gate of that name;
    otherwise they are ``None`` (the device's unsupported instruction is skipped).
    """
    key = qiskit_name.lower()
    if key in IGNORED:
        return None
    if key in QISKIT_TO_QNAS:
        return QISKIT_TO_QNAS[key]
    from qnas.gates.registry import get_gate

    try:
        g = get_gate(key)
    except ValueError:
        return None
    return None if g.kraus else g.name
