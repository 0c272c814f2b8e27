"""UCCSD ansatz as a qnas :class:`~qnas.ir.Circuit`.

The circuit prepares the Hartree-Fock state with X gates, then applies one Trotter step of
every spin-conserving single and double excitation ``exp(t_k (T_k - T_k^dagger))``. Each
mapped generator is ``i * sum_j c_j P_j`` with mutually commuting Pauli strings ``P_j``, so a
single step is exact per excitation; each ``exp(i t c P)`` is a basis change (h for X,
rx(pi/2) for Y), a CNOT parity ladder and ``rz(-2 c * t)`` whose angle is the affine symbol
``param("t{k}")`` scaled by ``-2 c``.

Spin orbitals are interleaved (even = alpha, odd = beta), fermionic mode q -> qubit q, the
convention of :func:`qnas.tasks.hamiltonian.molecular_hamiltonian`.

>>> c = uccsd_circuit(4, 2)
>>> c.parameters
('t0', 't1', 't2')
>>> [op.wires for op in c.ops[:2]]
[(0,), (1,)]
"""

from __future__ import annotations

import math

from qnas.ir import Circuit, Op, Sym, param
from qnas.tasks.hamiltonian import map_fermion_operator, normalize_mapping, occupation_bitstring

Excitation = tuple[tuple[int, ...], tuple[int, ...]]


def uccsd_excitations(n_qubits: int, n_electrons: int) -> list[Excitation]:
    """Spin-conserving singles ``((i,), (a,))`` then doubles ``((i, j), (a, b))``.

    Occupied spin orbitals are ``0 .. n_electrons - 1`` (the Hartree-Fock reference).
    """
    _check_sizes(n_qubits, n_electrons)
    occ, virt = range(n_electrons), range(n_electrons, n_qubits)
    singles = [((i,), (a,)) for i in occ for a in virt if i % 2 == a % 2]
    doubles = [
        ((i, j), (a, b))
        for i in occ for j in occ if i < j
        for a in virt for b in virt if a < b
        if (i % 2) + (j % 2) == (a % 2) + (b % 2)
    ]
    return singles + doubles


def excitation_generator(excitation: Excitation):
    """Anti-Hermitian ``T - T^dagger`` as an openfermion ``FermionOperator``."""
    from openfermion import FermionOperator, hermitian_conjugated

    occ, virt = excitation
    t = FermionOperator(tuple((a, 1) for a in virt) + tuple((i, 0) for i in reversed(occ)))
    return t - hermitian_conjugated(t)


def excitation_paulis(excitation: Excitation, n_qubits: int, mapping: str = "jordan_wigner"):
    """``[(pauli_string, c)]`` (Qiskit order) with ``T - T^dagger = i * sum c P``."""
    qop = map_fermion_operator(excitation_generator(excitation), mapping, n_qubits)
    out = []
    for ops, coeff in qop.terms.items():
        coeff = complex(coeff)
        if abs(coeff.real) > 1e-12:
            raise RuntimeError(f"mapped excitation {excitation} is not anti-Hermitian")
        if abs(coeff.imag) <= 1e-12:
            continue
        chars = ["I"] * n_qubits
        for q, p in ops:
            chars[n_qubits - 1 - q] = p
        out.append(("".join(chars), coeff.imag))
    return sorted(out)


def pauli_rotation_ops(label: str, angle: float | Sym) -> list[Op]:
    """Ops implementing ``exp(-i angle/2 P)`` for the Pauli string ``label`` (Qiskit order)."""
    n = len(label)
    support = [q for q in range(n) if label[n - 1 - q] != "I"]
    if not support:
        raise ValueError("identity Pauli string has no rotation circuit (it is a global phase)")
    pre, post = [], []
    for q in support:
        p = label[n - 1 - q]
        if p == "X":
            pre.append(Op("h", (q,)))
            post.append(Op("h", (q,)))
        elif p == "Y":
            pre.append(Op("rx", (q,), (math.pi / 2,)))
            post.append(Op("rx", (q,), (-math.pi / 2,)))
    ladder = [Op("cx", (support[k], support[k + 1])) for k in range(len(support) - 1)]
    return pre + ladder + [Op("rz", (support[-1],), (angle,))] + ladder[::-1] + post


def uccsd_circuit(n_qubits: int, n_electrons: int, mapping: str = "jordan_wigner") -> Circuit:
    """Hartree-Fock preparation followed by Trotterised UCCSD with parameters ``t0, t1, ...``.

    >>> uccsd_circuit(4, 2, mapping="bravyi_kitaev").n_qubits
    4
    """
    mapping = normalize_mapping(mapping)
    _check_sizes(n_qubits, n_electrons)
    hf = occupation_bitstring(n_qubits, range(n_electrons), mapping)
    ops = [Op("x", (q,)) for q in range(n_qubits) if hf[n_qubits - 1 - q] == "1"]
    names = []
    for k, exc in enumerate(uccsd_excitations(n_qubits, n_electrons)):
        name = f"t{k}"
        names.append(name)
        for label, c in excitation_paulis(exc, n_qubits, mapping):
            # exp(i t c P) = exp(-i (-2 c t)/2 P)
            ops.extend(pauli_rotation_ops(label, param(name) * (-2.0 * c)))
    return Circuit(n_qubits, ops, parameters=tuple(names))


def _check_sizes(n_qubits: int, n_electrons: int) -> None:
    if int(n_qubits) < 1 or int(n_qubits) % 2:
        raise ValueError(f"n_qubits must be a positive even number (spin orbitals), got {n_qubits}")
    if not 0 <= int(n_electrons) <= int(n_qubits):
        raise ValueError(f"n_electrons must be in [0, {n_qubits}], got {n_electrons}")
