"""UCCSD circuits vs exact exponentials of the mapped excitation generators."""

import numpy as np
import pytest
import torch

pytest.importorskip("openfermion")

import qnas  # noqa: E402
from qnas.ir import Circuit  # noqa: E402
from qnas.tasks.hamiltonian import map_fermion_operator, occupation_bitstring  # noqa: E402
from qnas.tasks.uccsd import (  # noqa: E402
    excitation_generator,
    excitation_paulis,
    pauli_rotation_ops,
    uccsd_circuit,
    uccsd_excitations,
)

_PAULI = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]]),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]),
}


pytestmark = pytest.mark.usefixtures("one_thread")


def _pauli_matrix(label: str) -> np.ndarray:
    m = np.eye(1)
    for ch in label:  # leftmost char = highest qubit = most significant bit
        m = np.kron(m, _PAULI[ch])
    return m


def _state(circuit: Circuit, params) -> np.ndarray:
    p = torch.tensor(np.asarray(params, dtype=float))
    return qnas.simulate(circuit, p, dtype=torch.complex128)[0].numpy()


def _reverse_bits(vec: np.ndarray, n: int) -> np.ndarray:
    return vec.reshape([2] * n).transpose(list(range(n))[::-1]).reshape(-1)


def test_excitation_counts_conserve_spin():
    ex = uccsd_excitations(4, 2)
    assert ex == [((0,), (2,)), ((1,), (3,)), ((0, 1), (2, 3))]
    ex6 = uccsd_excitations(6, 2)
    assert len([e for e in ex6 if len(e[0]) == 1]) == 4
    assert len([e for e in ex6 if len(e[0]) == 2]) == 4
    for occ, virt in ex6:
        assert sum(i % 2 for i in occ) == sum(a % 2 for a in virt)
    assert len(uccsd_excitations(8, 4)) == 26


@pytest.mark.parametrize("label", ["Z", "XY", "YZX", "IXIY", "ZIIZ"])
def test_pauli_rotation_ops_implement_exp_minus_i_angle_p(label):
    from scipy.linalg import expm

    n, angle = len(label), 0.731
    c = Circuit(n, pauli_rotation_ops(label, angle))
    rng = np.random.default_rng(3)
    psi0 = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    psi0 /= np.linalg.norm(psi0)
    out = qnas.simulate(c, dtype=torch.complex128,
                        initial_state=torch.tensor(psi0)[None])[0].numpy()
    assert np.allclose(out, expm(-0.5j * angle * _pauli_matrix(label)) @ psi0, atol=1e-12)


def test_excitation_paulis_reassemble_generator():
    from openfermion import get_sparse_operator

    exc = ((0, 1), (2, 5))
    gen = get_sparse_operator(map_fermion_operator(excitation_generator(exc), "jw", 6), 6)
    ours = sum(1j * c * _pauli_matrix(p) for p, c in excitation_paulis(exc, 6))
    perm = [int(format(i, "06b")[::-1], 2) for i in range(64)]
    assert np.allclose(ours, gen.toarray()[np.ix_(perm, perm)])


@pytest.mark.parametrize("mapping, n, ne", [("jordan_wigner", 4, 2), ("jordan_wigner", 6, 2),
                                            ("bravyi_kitaev", 6, 2), ("jordan_wigner", 6, 4)])
def test_uccsd_state_matches_product_of_exact_exponentials(mapping, n, ne):
    from openfermion import get_sparse_operator
    from scipy.sparse.linalg import expm_multiply

    c = uccsd_circuit(n, ne, mapping)
    excitations = uccsd_excitations(n, ne)
    assert c.parameters == tuple(f"t{k}" for k in range(len(excitations)))
    theta = np.random.default_rng(1).normal(scale=0.5, size=len(excitations))
    ref = np.zeros(2**n, complex)
    ref[int(occupation_bitstring(n, range(ne), mapping), 2)] = 1.0
    ref = _reverse_bits(ref, n)  # openfermion order: qubit 0 is the most significant bit
    for t, exc in zip(theta, excitations, strict=True):
        gen = get_sparse_operator(map_fermion_operator(excitation_generator(exc), mapping, n), n)
        ref = expm_multiply(t * gen, ref)
    assert np.allclose(_state(c, theta), _reverse_bits(ref, n), atol=1e-10)


def test_zero_parameters_give_hartree_fock_state():
    for mapping, hf in (("jordan_wigner", "0011"), ("bravyi_kitaev", "0001")):
        c = uccsd_circuit(4, 2, mapping)
        psi = _state(c, np.zeros(len(c.parameters)))
        assert abs(psi[int(hf, 2)]) == pytest.approx(1.0)
    assert Circuit.from_text(c.to_text()) == c


@pytest.mark.parametrize("n, ne", [(3, 1), (0, 0), (4, 5), (4, -1)])
def test_bad_sizes(n, ne):
    with pytest.raises(ValueError, match="n_qubits|n_electrons"):
        uccsd_circuit(n, ne)


def test_bad_mapping():
    with pytest.raises(ValueError, match="mapping"):
        uccsd_circuit(4, 2, mapping="parity")
