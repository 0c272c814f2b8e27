"""Readout error on probabilities and on <Z>, checked against the explicit 2^n x 2^n matrix."""

import pytest
import torch

from qnas.noise import apply_readout_error, expz_with_readout, readout_matrix


def random_mats(n, gen):
    out = []
    for _ in range(n):
        p10, p01 = (0.2 * torch.rand(2, generator=gen, dtype=torch.float64)).tolist()
        out.append(readout_matrix(p10, p01))
    return out


def z_marginals(probs, n):
    idx = torch.arange(2**n)
    return torch.stack([(probs * (1 - 2 * ((idx >> k) & 1))).sum(-1) for k in range(n)], -1)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_matches_full_kron(n):
    gen = torch.Generator().manual_seed(n)
    mats = random_mats(n, gen)
    probs = torch.rand(5, 2**n, generator=gen, dtype=torch.float64)
    probs = probs / probs.sum(-1, keepdim=True)
    full = torch.ones(1, 1, dtype=torch.float64)
    for k in reversed(range(n)):  # Qiskit order: qubit 0 is the least significant factor
        full = torch.kron(full, mats[k])
    noisy = apply_readout_error(probs, mats)
    assert torch.allclose(noisy, probs @ full.T, atol=1e-14)
    assert torch.allclose(noisy.sum(-1), torch.ones(5, dtype=torch.float64))
    assert torch.allclose(apply_readout_error(probs[0], mats), noisy[0])
    # <Z> formula agrees with the marginals of the noisy distribution
    z = z_marginals(probs, n)
    assert torch.allclose(expz_with_readout(z, mats), z_marginals(noisy, n), atol=1e-14)


def test_single_qubit_bits():
    # qubit 1 flips 0->1 always; qubit 0 is perfect: |00> (index 0) is read as index 2
    mats = [readout_matrix(0.0, 0.0), readout_matrix(1.0, 0.0)]
    out = apply_readout_error(torch.tensor([1.0, 0, 0, 0], dtype=torch.float64), mats)
    assert out.tolist() == [0.0, 0.0, 1.0, 0.0]
    z = expz_with_readout(torch.tensor([[1.0, 1.0]], dtype=torch.float64), mats)
    assert z.tolist() == [[1.0, -1.0]]


def test_bad_inputs():
    m = readout_matrix(0.1, 0.2)
    with pytest.raises(ValueError, match="need 4"):
        apply_readout_error(torch.ones(1, 8), [m, m])
    with pytest.raises(ValueError, match="3 columns but 2"):
        expz_with_readout(torch.ones(1, 3), [m, m])
    with pytest.raises(ValueError, match="outside"):
        readout_matrix(1.5, 0.0)
