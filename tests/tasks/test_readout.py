"""Readouts: wire grouping, log-softmax, <Z> from probabilities and counts."""

import pytest
import torch

import qnas
from qnas.ir import Circuit, Op
from qnas.tasks.readout import ReadoutSpec, expz_from_counts, expz_from_probs, readout_logits


def test_two_classes_on_four_wires_sums_pairs():
    e = torch.tensor([[0.1, 0.2, -0.3, 0.9], [1.0, -1.0, 0.5, 0.5]])
    got = readout_logits(e, 2)
    want = torch.log_softmax(e.reshape(2, 2, 2).sum(-1), -1)  # TorchQuantum's rule
    assert torch.allclose(got, want)
    assert torch.allclose(got.exp().sum(-1), torch.ones(2))
    assert ReadoutSpec.default(4, 2).groups == ((0, 1), (2, 3))


def test_direct_readouts():
    e = torch.randn(5, 10)
    assert torch.allclose(readout_logits(e, 10), torch.log_softmax(e, -1))
    assert torch.allclose(readout_logits(e[:, :4], 4), torch.log_softmax(e[:, :4], -1))


def test_uneven_groups_and_chosen_wires():
    spec = ReadoutSpec.default(7, 3)
    assert spec.group_size == 2 and spec.groups == ((0, 1), (2, 3), (4, 5))  # wire 6 unused
    e = torch.randn(4, 7)
    want = torch.stack([e[:, 0] + e[:, 1], e[:, 2] + e[:, 3], e[:, 4] + e[:, 5]], -1)
    assert torch.allclose(spec.scores(e), want)
    got = readout_logits(e, 2, wires=[6, 2])
    assert torch.allclose(got, torch.log_softmax(e[:, [6, 2]], -1))
    assert spec.scores(e[0]).shape == (3,)


def test_readout_gradient_flows():
    e = torch.randn(3, 4, requires_grad=True)
    loss = torch.nn.functional.nll_loss(readout_logits(e, 2), torch.tensor([0, 1, 1]))
    loss.backward()
    assert e.grad is not None and e.grad.abs().sum() > 0


def test_readout_errors():
    with pytest.raises(ValueError, match="at least 5 measured wires"):
        readout_logits(torch.zeros(1, 4), 5)
    with pytest.raises(ValueError, match="at least 2 classes"):
        readout_logits(torch.zeros(1, 4), 1)
    with pytest.raises(ValueError, match="out of range"):
        readout_logits(torch.zeros(1, 4), 2, wires=[0, 4])
    with pytest.raises(ValueError, match="distinct"):
        ReadoutSpec(2, (1, 1))
    with pytest.raises(ValueError, match="expz must be"):
        ReadoutSpec(2, (0, 1)).scores(torch.zeros(1, 1, 2))
    with pytest.raises(ValueError, match="out of range for expz"):
        ReadoutSpec(2, (0, 3)).scores(torch.zeros(1, 2))


def test_expz_from_probs_bit_order():
    p = torch.zeros(16)
    p[0b0110] = 1.0  # qubits 1 and 2 are |1>
    assert expz_from_probs(p).tolist() == [1.0, -1.0, -1.0, 1.0]
    assert expz_from_probs(p[None], [2, 0]).tolist() == [[-1.0, 1.0]]
    with pytest.raises(ValueError, match="2\\*\\*n"):
        expz_from_probs(torch.ones(6) / 6)
    with pytest.raises(ValueError, match="out of range"):
        expz_from_probs(p, [4])


def test_expz_from_probs_matches_simulator():
    if not hasattr(qnas, "simulate"):
        pytest.skip("qnas.simulate not available yet")
    ops = [Op("ry", (0,), (0.7,)), Op("rx", (2,), (1.9,)), Op("cx", (0, 1), ()),
           Op("ry", (1,), (-0.4,))]
    c = Circuit(3, ops)
    psi = qnas.simulate(c, dtype=torch.complex128)
    probs = psi.abs() ** 2
    got = expz_from_probs(probs)
    for k in range(3):
        pauli = "".join("Z" if q == k else "I" for q in reversed(range(3)))
        want = qnas.expval(c, qnas.PauliSum([(pauli, 1.0)]), dtype=torch.complex128)
        assert torch.allclose(got[:, k], want.real.to(got.dtype), atol=1e-10)


def test_expz_from_counts():
    got = expz_from_counts({"01": 3, "10": 1}, 2)  # rightmost char is qubit 0
    assert torch.allclose(got, torch.tensor([-0.5, 0.5], dtype=torch.float64))
    with pytest.raises(ValueError, match="not 2 bits"):
        expz_from_counts({"012": 1}, 2)
    with pytest.raises(ValueError, match="empty"):
        expz_from_counts({}, 2)
