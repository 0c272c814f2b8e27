"""QuantumClassifier (noise-free and readout modes) and the human baselines."""

import math

import pytest
import torch

import qnas
from qnas.devices import Target
from qnas.noise import NoiseModel, expz_with_readout
from qnas.spaces import SuperCircuit, get_space, list_spaces
from qnas.tasks.encoders import get_encoder
from qnas.tasks.readout import ReadoutSpec
from qnas.train.baselines import human_baseline
from qnas.train.model import QuantumClassifier, classifier_circuit


@pytest.fixture(scope="module")
def santiago():
    return Target.from_backend("santiago")


@pytest.mark.parametrize("space", list_spaces())
def test_baseline_gate_counts(space):
    sp = get_space(space)
    n, blocks = 4, 3
    c = human_baseline(space, n, blocks)
    counts = c.count_ops()
    expected: dict[str, int] = {}
    for li, layer in enumerate(sp.layers):
        per_block = len(sp.layer_wires(li, n))
        reps = 1 if layer.once else blocks
        expected[layer.gate] = expected.get(layer.gate, 0) + per_block * reps
    assert counts == expected
    assert len(c.parameters) == sum(
        len(sp.layer_wires(li, n)) * (1 if ly.once else blocks) * ly.num_params
        for li, ly in enumerate(sp.layers)
    )


def test_baseline_u3cu3_paper_size():
    c = human_baseline("u3cu3", 4, 8)
    assert c.count_ops() == {"u3": 32, "cu3": 32}
    assert len(c.parameters) == 192 and c.num_two_qubit_gates == 32
    with pytest.raises(ValueError, match="n_blocks"):
        human_baseline("u3cu3", 4, 0)
    with pytest.raises(ValueError, match="unknown design space"):
        human_baseline("nope", 4, 2)


def test_forward_matches_simulator():
    ansatz = human_baseline("u3cu3", 4, 2)
    m = QuantumClassifier(ansatz, "4x4_ryzxy", n_classes=2, seed=3)
    x = torch.rand(5, 16)
    circ = classifier_circuit(get_encoder("4x4_ryzxy"), ansatz)
    z = qnas.expval(circ, ["IIIZ", "IIZI", "IZII", "ZIII"], params=m.weights.detach(), inputs=x)
    ref = ReadoutSpec(2, (0, 1, 2, 3))(z)
    out = m(x)
    assert out.shape == (5, 2)
    assert torch.allclose(out, ref, atol=1e-5)
    assert torch.allclose(out.exp().sum(-1), torch.ones(5), atol=1e-5)


def test_gradients_flow_and_seed():
    ansatz = human_baseline("zzry", 4, 2)
    a = QuantumClassifier(ansatz, n_classes=4, seed=1)
    b = QuantumClassifier(ansatz, n_classes=4, seed=1)
    c = QuantumClassifier(ansatz, n_classes=4, seed=2)
    assert torch.equal(a.weights, b.weights) and not torch.equal(a.weights, c.weights)
    assert float(a.weights.detach().abs().max()) <= math.pi
    a(torch.rand(4, 16)).sum().backward()
    assert a.weights.grad is not None and a.weights.grad.abs().sum() > 0


def test_from_supercircuit_inherits_weights():
    sc = SuperCircuit("u3cu3", 4, max_blocks=2, seed=0)
    m = QuantumClassifier.from_supercircuit(sc, n_classes=4)
    assert torch.equal(m.weights.detach(), sc.weights.detach())


def test_readout_mode(santiago):
    ansatz = human_baseline("u3cu3", 4, 1)
    clean = QuantumClassifier(ansatz, n_classes=4, seed=0)
    noisy = QuantumClassifier(ansatz, n_classes=4, seed=0, noise="readout", target=santiago,
                              layout=(4, 3, 2, 1), noise_scale=2.0)
    x = torch.rand(6, 16)
    mats = NoiseModel.from_target(santiago, 2.0).readout_matrices((4, 3, 2, 1))
    ref = expz_with_readout(clean.expz(x), mats)
    assert torch.allclose(noisy.expz(x), ref, atol=1e-6)
    assert not torch.allclose(noisy.expz(x), clean.expz(x), atol=1e-3)


def test_bad_inputs(santiago):
    ansatz = human_baseline("u3cu3", 4, 1)
    with pytest.raises(ValueError, match="unknown noise mode"):
        QuantumClassifier(ansatz, noise="bogus", target=santiago)
    with pytest.raises(ValueError, match="needs a device target"):
        QuantumClassifier(ansatz, noise="density")
    with pytest.raises(ValueError, match="unknown encoder"):
        QuantumClassifier(ansatz, encoder="nope")
    with pytest.raises(ValueError, match="classes"):
        QuantumClassifier(ansatz, n_classes=5)
    with pytest.raises(ValueError, match="layout"):
        QuantumClassifier(ansatz, noise="readout", target=santiago, layout=(0, 1))
    with pytest.raises(ValueError, match="noise_scale"):
        QuantumClassifier(ansatz, noise="readout", target=santiago, noise_scale=-1)
    with pytest.raises(ValueError, match="init"):
        QuantumClassifier(ansatz, init=torch.zeros(3))
    m = QuantumClassifier(ansatz)
    with pytest.raises(ValueError, match=r"x must be \[B, 16\]"):
        m(torch.rand(2, 10))
