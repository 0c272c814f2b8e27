"""Random circuits over every registered gate, and a dense reference simulator."""

from __future__ import annotations

import numpy as np
import torch

from qnas.gates import all_gates, get_gate, mcx_matrix
from qnas.ir import Circuit, Op, param


def unitary_gates():
    return sorted(n for n, g in all_gates().items() if not g.kraus)


def random_unitary(d, rng):
    z = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def random_op(name, n, rng, symbolic=False, sym_prefix="w"):
    g = get_gate(name)
    k = g.num_wires
    if name == "mcx":
        k = int(rng.integers(2, min(n, 4) + 1))
    elif name == "unitary":
        k = int(rng.integers(1, min(n, 3) + 1))
    wires = tuple(int(w) for w in rng.choice(n, size=k, replace=False))
    if name == "unitary":
        u = random_unitary(2**k, rng)
        params = tuple(np.concatenate([u.real.ravel(), u.imag.ravel()]).tolist())
    else:
        params = tuple(float(v) for v in rng.uniform(-np.pi, np.pi, g.params_for(k)))
        if symbolic and params:
            params = tuple(param(f"{sym_prefix}{rng.integers(1 << 30)}") for _ in params)
    return Op(name, wires, params)


def random_gate_wires(n, rng, gates_1q, gates_2q, p_two):
    """A gate name and its wires: from ``gates_2q`` on two random wires with probability
    ``p_two`` (when ``n > 1``), else from ``gates_1q`` on one."""
    if n > 1 and rng.random() < p_two:
        g = gates_2q[rng.integers(len(gates_2q))]
        return g, tuple(int(w) for w in rng.choice(n, 2, replace=False))
    return gates_1q[rng.integers(len(gates_1q))], (int(rng.integers(n)),)


def random_circuit(n, depth, rng, gates=None):
    gates = gates or unitary_gates()
    ops = []
    for _ in range(depth):
        cands = [g for g in gates if (get_gate(g).num_wires or 1) <= n and
                 not (g == "mcx" and n < 2)]
        ops.append(random_op(str(rng.choice(cands)), n, rng))
    return Circuit(n, tuple(ops))


def dense_reference(circuit: Circuit) -> np.ndarray:
    """Statevector by explicit 2^n x 2^n matrices (independent of the fast kernels)."""
    n = circuit.n_qubits
    psi = np.zeros(2**n, dtype=np.complex128)
    psi[0] = 1
    for op in circuit.ops:
        g = get_gate(op.gate)
        k = len(op.wires)
        if g.name == "mcx":
            m = mcx_matrix(k, torch.complex128).numpy()
        else:
            m = g.matrix(torch.tensor(op.params, dtype=torch.float64), torch.complex128).numpy()
        full = np.zeros((2**n, 2**n), dtype=np.complex128)
        for i in range(2**n):
            loc = 0
            for w in op.wires:  # first wire is the most significant local bit
                loc = (loc << 1) | ((i >> w) & 1)
            for lo in range(2**k):
                j = i
                for pos, w in enumerate(op.wires):
                    bit = (lo >> (k - 1 - pos)) & 1
                    j = (j & ~(1 << w)) | (bit << w)
                full[j, i] += m[lo, loc]
        psi = full @ psi
    return psi
