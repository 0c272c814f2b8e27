"""Restrict a device :class:`~qnas.devices.Target` to a subset of its physical qubits.

Compiled circuits are simulated on the sorted set of physical qubits they use; the compact
wire ``i`` is physical qubit ``qubits[i]``. :func:`restrict_target` renumbers gate
instances, coupling edges, T1/T2 and readout errors accordingly, so
``NoiseModel.from_target(restrict_target(t, qs))`` gives compact wire ``i`` the noise of
physical qubit ``qs[i]``.

>>> from qnas.devices import Target
>>> sub = restrict_target(Target.from_backend("santiago"), [1, 2])
>>> sub.n_qubits, sub.coupling_map
(2, ((0, 1), (1, 0)))
"""

from __future__ import annotations

from qnas.devices import Target


def restrict_target(target: Target, qubits) -> Target:
    """A :class:`Target` on ``qubits`` (physical indices, any order; wire i = ``qubits[i]``)."""
    qs = [int(q) for q in qubits]
    if not qs:
        raise ValueError("restrict_target needs at least one qubit")
    if len(set(qs)) != len(qs):
        raise ValueError(f"restrict_target: repeated qubits in {qs}")
    for q in qs:
        if not 0 <= q < target.n_qubits:
            raise ValueError(f"qubit {q} outside device {target.name!r} ({target.n_qubits} "
                             "qubits)")
    pos = {q: i for i, q in enumerate(qs)}
    gates = {}
    for g, inst in target.gates.items():
        gates[g] = {tuple(pos[q] for q in k): v for k, v in inst.items()
                    if all(q in pos for q in k)}
    edges = tuple((pos[a], pos[b]) for a, b in target.coupling_map if a in pos and b in pos)

    def pick(vals):
        return tuple(vals[q] for q in qs)

    return Target(
        name=target.name,
        n_qubits=len(qs),
        basis_gates=target.basis_gates,
        coupling_map=edges,
        gates=gates,
        t1=pick(target.t1),
        t2=pick(target.t2),
        readout_error=pick(target.readout_error),
        readout_duration=pick(target.readout_duration),
        frequency=pick(target.frequency),
        dt=target.dt,
    )
