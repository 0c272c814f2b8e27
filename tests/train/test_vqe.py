"""VQE with UCCSD on molecular Hamiltonians reaches the exact (FCI/CASCI) energy."""

import pytest
import torch

pytest.importorskip("pyscf")
pytest.importorskip("openfermion")

from qnas.tasks.hamiltonian import molecular_hamiltonian  # noqa: E402
from qnas.tasks.uccsd import uccsd_circuit  # noqa: E402
from qnas.train.vqe import VQEResult, run_vqe  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize(
    "name, space, mapping",
    [("H2", None, "jordan_wigner"), ("H2", None, "bravyi_kitaev"),
     ("LiH", "2e2o", "jordan_wigner")],
)
def test_uccsd_vqe_reaches_exact_energy(name, space, mapping):
    h = molecular_hamiltonian(name, active_space=space, mapping=mapping, use_cache=False)
    c = uccsd_circuit(h.n_qubits, h.n_electrons, h.mapping)
    res = run_vqe(h, c, steps=50, optimizer="lbfgs", init="zeros")
    assert isinstance(res, VQEResult)
    assert res.exact_energy == h.exact_energy
    assert abs(res.energy - h.exact_energy) < 1e-6
    assert res.energy >= h.exact_energy - 1e-9  # variational bound
    assert res.history[0] == pytest.approx(h.hf_energy, abs=1e-9)  # starts at Hartree-Fock
    assert res.params.shape == (len(c.parameters),) and res.params.dtype == torch.float64
    assert res.parameter_names == c.parameters


def test_adam_and_reproducibility():
    h = molecular_hamiltonian("H2", use_cache=False)
    c = uccsd_circuit(4, 2)
    a = run_vqe(h, c, steps=80, lr=0.05, optimizer="adam", seed=3)
    b = run_vqe(h, c, steps=80, lr=0.05, optimizer="adam", seed=3)
    assert a.history == b.history and len(a.history) == 80
    assert a.error < 1e-4 and a.history[-1] < a.history[0] - 0.01


def test_plain_term_list_and_zero_init():
    terms = [("IIII", -0.1), ("IIIZ", 0.2), ("IIZI", 0.2), ("XXYY", 0.05)]
    res = run_vqe(terms, uccsd_circuit(4, 2), steps=40, init="zeros")
    assert res.exact_energy is None and res.error is None
    assert res.history[0] == pytest.approx(-0.5)  # HF energy at zero parameters
    assert res.energy == pytest.approx(-0.1 - (0.4**2 + 0.05**2) ** 0.5, abs=1e-8)


def test_bad_arguments():
    c = uccsd_circuit(4, 2)
    with pytest.raises(ValueError, match="optimizer"):
        run_vqe([("ZZZZ", 1.0)], c, optimizer="sgd")
    with pytest.raises(ValueError, match="qubits"):
        run_vqe([("ZZ", 1.0)], c)
    with pytest.raises(ValueError, match="init"):
        run_vqe([("ZZZZ", 1.0)], c, init=torch.zeros(7))
