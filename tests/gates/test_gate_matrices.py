"""Cross-check every registered unitary gate against Qiskit's matrix (qubit order reversed)."""

import math
import zlib

import numpy as np
import pytest
import torch

from qnas.gates import all_gates, get_gate, mcx_matrix

qiskit = pytest.importorskip("qiskit")
from qiskit.quantum_info import Operator, random_unitary  # noqa: E402

from qnas.ir.qiskit_bridge import TO_QISKIT  # noqa: E402

UNITARY_GATES = sorted(n for n, g in all_gates().items() if not g.kraus)
FIXED = [n for n in UNITARY_GATES if n not in ("mcx", "unitary")]


def _qiskit_matrix(gate) -> np.ndarray:
    """Qiskit's matrix rewritten with the first qubit as the most significant bit."""
    return Operator(gate).reverse_qargs().data


@pytest.mark.parametrize("name", FIXED)
def test_registry_matrix_matches_qiskit(name):
    import qiskit.circuit.library as lib

    g = get_gate(name)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for _ in range(3):
        vals = rng.uniform(-2 * math.pi, 2 * math.pi, size=g.num_params)
        ours = g.matrix(torch.tensor(vals, dtype=torch.float64), torch.complex128).numpy()
        theirs = _qiskit_matrix(getattr(lib, TO_QISKIT[name])(*vals.tolist()))
        assert ours.shape == (2**g.num_wires,) * 2
        np.testing.assert_allclose(ours, theirs, atol=1e-12, err_msg=f"{name}{tuple(vals)}")
        if g.diagonal is not None:
            diag = g.diagonal(torch.tensor(vals), torch.complex128).numpy()
            np.testing.assert_allclose(diag, np.diag(theirs), atol=1e-12)


@pytest.mark.parametrize("name", [n for n in FIXED if get_gate(n).num_params])
def test_batched_params_match_unbatched(name):
    g = get_gate(name)
    p = torch.rand(4, g.num_params, dtype=torch.float64) * 6 - 3
    batched = g.matrix(p, torch.complex128)
    for b in range(4):
        torch.testing.assert_close(batched[b], g.matrix(p[b], torch.complex128))


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6])
def test_mcx_matrix_matches_qiskit(k):
    from qiskit.circuit.library import MCXGate

    ours = mcx_matrix(k, torch.complex128).numpy()
    np.testing.assert_allclose(ours, _qiskit_matrix(MCXGate(k - 1)), atol=1e-12)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_unitary_params_are_row_major_real_then_imag(k):
    u = random_unitary(2**k, seed=k).data
    params = torch.tensor(np.concatenate([u.real.ravel(), u.imag.ravel()]))
    got = get_gate("unitary").matrix(params, torch.complex128).numpy()
    np.testing.assert_allclose(got, u, atol=1e-15)


def test_every_unitary_gate_has_a_qiskit_class():
    import qiskit.circuit.library as lib

    missing = [n for n in UNITARY_GATES if n not in TO_QISKIT]
    assert not missing, f"gates without a Qiskit mapping: {missing}"
    for cls in TO_QISKIT.values():
        assert hasattr(lib, cls)
