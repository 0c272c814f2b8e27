"""Gate tables for OpenQASM 2: ``qelib1.inc`` -> registry names, and exported definitions.

``QELIB1`` maps each ``qelib1.inc`` gate (Qiskit's version) to ``(qnas gate, #params,
#qubits, param transform)``; ``rccx rc3x c3sqrtx`` have no registry gate and are inlined
from their ``qelib1.inc`` bodies. ``DEFINITIONS`` are the ``gate`` blocks written for
registry gates that ``qelib1.inc`` lacks (exact, including global phase).

>>> QELIB1["cu1"][0], QELIB1["c4x"][:3]
('cp', ('mcx', 0, 5))
"""

from __future__ import annotations

import math

import torch


def _drop(_values):
    return []


_SAME = {
    # name: (#params, #qubits)
    "u3": (3, 1), "u2": (2, 1), "p": (1, 1), "cx": (0, 2), "id": (0, 1),
    "x": (0, 1), "y": (0, 1), "z": (0, 1), "h": (0, 1), "s": (0, 1), "sdg": (0, 1),
    "t": (0, 1), "tdg": (0, 1), "rx": (1, 1), "ry": (1, 1), "rz": (1, 1), "sx": (0, 1),
    "sxdg": (0, 1), "cz": (0, 2), "cy": (0, 2), "swap": (0, 2), "ch": (0, 2), "ccx": (0, 3),
    "cswap": (0, 3), "crx": (1, 2), "cry": (1, 2), "crz": (1, 2), "cp": (1, 2),
    "cu3": (3, 2), "csx": (0, 2), "cu": (4, 2), "rxx": (1, 2), "rzz": (1, 2),
}
QELIB1: dict[str, tuple] = {k: (k, n, q, None) for k, (n, q) in _SAME.items()}
QELIB1.update({
    "u1": ("p", 1, 1, None), "u": ("u3", 3, 1, None), "cu1": ("cp", 1, 2, None),
    "u0": ("id", 1, 1, _drop), "c3x": ("mcx", 0, 4, None), "c4x": ("mcx", 0, 5, None),
})

QELIB1_BODIES = (
    "gate rccx a,b,c { u2(0,pi) c; u1(pi/4) c; cx b,c; u1(-pi/4) c; cx a,c; u1(pi/4) c;"
    " cx b,c; u1(-pi/4) c; u2(0,pi) c; }",
    "gate rc3x a,b,c,d { u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d; cx a,d;"
    " u1(pi/4) d; cx b,d; u1(-pi/4) d; cx a,d; u1(pi/4) d; cx b,d; u1(-pi/4) d; u2(0,pi) d;"
    " u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d; }",
    "gate c3sqrtx a,b,c,d { h d; cu1(pi/8) a,d; h d; cx a,b; h d; cu1(-pi/8) b,d; h d;"
    " cx a,b; h d; cu1(pi/8) b,d; h d; cx b,c; h d; cu1(-pi/8) c,d; h d; cx a,c; h d;"
    " cu1(pi/8) c,d; h d; cx b,c; h d; cu1(-pi/8) c,d; h d; cx a,c; h d; cu1(pi/8) c,d;"
    " h d; }",
)

# order matters: ecr uses rzx
DEFINITIONS = {
    "rzx": "gate rzx(param0) q0,q1 { h q1; cx q0,q1; rz(param0) q1; cx q0,q1; h q1; }",
    "ryy": "gate ryy(param0) q0,q1 { rx(pi/2) q0; rx(pi/2) q1; cx q0,q1; rz(param0) q1;"
           " cx q0,q1; rx(-pi/2) q0; rx(-pi/2) q1; }",
    "iswap": "gate iswap q0,q1 { s q0; s q1; h q0; cx q0,q1; cx q1,q0; h q1; }",
    "ecr": "gate ecr q0,q1 { rzx(pi/4) q0,q1; x q0; rzx(-pi/4) q0,q1; }",
    "r": "gate r(param0,param1) q0 { u3(param0,param1-pi/2,pi/2-param1) q0; }",
}


def ops_unitary(ops, n: int) -> torch.Tensor:
    """The ``2^n x 2^n`` unitary of ops (constant params) with wire 0 most significant."""
    from qnas.gates import get_gate, mcx_matrix

    dt = torch.complex128
    u = torch.eye(2**n, dtype=dt).reshape([2] * n + [2**n])
    for op in ops:
        k = len(op.wires)
        if op.gate == "mcx":
            m = mcx_matrix(k, dt)
        else:
            m = get_gate(op.gate).matrix(torch.tensor(op.params, dtype=torch.float64), dt)
        m = m.reshape([2] * (2 * k))
        u = torch.tensordot(m, u, dims=(list(range(k, 2 * k)), list(op.wires)))
        u = torch.movedim(u, list(range(k)), list(op.wires))
    return u.reshape(2**n, 2**n)


def body_matches(name: str, n_params: int, n_qubits: int, expand) -> bool:
    """Whether a ``gate`` body (``expand(values) -> ops``) implements registry gate ``name``.

    Compared at two pseudo-random parameter points, up to a global phase.
    """
    from qnas.gates import all_gates, mcx_matrix

    g = all_gates().get(name)
    if g is None or g.kraus or n_qubits > 6:
        return False
    if name == "mcx":
        if n_params or n_qubits < 2:
            return False
    elif g.num_wires != n_qubits or g.num_params != n_params:
        return False
    gen = torch.Generator().manual_seed(1234)
    for _ in range(2):
        vals = (torch.rand(n_params, generator=gen, dtype=torch.float64) * 2 * math.pi - math.pi)
        got = ops_unitary(expand(vals.tolist()), n_qubits)
        if name == "mcx":
            want = mcx_matrix(n_qubits, torch.complex128)
        else:
            want = g.matrix(vals, torch.complex128)
        overlap = torch.trace(want.conj().T @ got) / 2**n_qubits
        if abs(abs(overlap.item()) - 1.0) > 1e-9:
            return False
    return True
