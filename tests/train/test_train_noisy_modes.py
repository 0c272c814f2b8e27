"""Density-matrix and gate-insertion modes on a compiled circuit (santiago)."""

import pytest
import torch

import qnas
from qnas.devices import Target
from qnas.noise import NoiseModel, expz_with_readout
from qnas.train.baselines import human_baseline
from qnas.train.model import QuantumClassifier
from qnas.train.noise import gate_insertion_logits
from qnas.train.trainer import train

LAYOUT = (1, 2, 3, 4)


@pytest.fixture(scope="module")
def santiago():
    return Target.from_backend("santiago")


def _model(target, noise, scale=1.0, blocks=1, seed=0):
    return QuantumClassifier(human_baseline("u3cu3", 4, blocks), "4x4_ryzxy", 4, noise=noise,
                             target=target, layout=LAYOUT, noise_scale=scale, seed=seed)


def _zstrings(n, wires):
    return ["".join("Z" if q == w else "I" for q in reversed(range(n))) for w in wires]


def test_density_matches_expval_on_compiled_circuit(santiago):
    m = _model(santiago, "density")
    phys = m.physical
    assert len(phys.measured_wires) == 4
    assert set(phys.circuit.count_ops()) <= set(santiago.basis_gates)
    x = torch.rand(3, 16)
    cc = qnas.compile(m.circuit, santiago, LAYOUT)
    assert cc.circuit == phys.circuit and tuple(cc.initial_layout) == LAYOUT
    compact = cc.compact_target
    z_ref = qnas.expval(cc.circuit, _zstrings(cc.circuit.n_qubits, cc.measured_wires),
                        params=m.weights.detach(), inputs=x, target=compact, method="density")
    mats = NoiseModel.from_target(compact).readout_matrices(cc.measured_wires)
    z_ref = expz_with_readout(z_ref.float(), mats)
    with torch.no_grad():
        assert torch.allclose(m.expz(x), z_ref, atol=1e-5)
        assert torch.allclose(m(x), m.readout(z_ref), atol=1e-5)
        clean = _model(None, None)
        assert not torch.allclose(m.expz(x), clean.expz(x), atol=1e-3)
        assert torch.allclose(m.expz(x), clean.expz(x), atol=0.2)
    m(x).sum().backward()
    assert m.weights.grad.abs().sum() > 0


def test_compiled_circuit_is_equivalent_noise_free(santiago):
    m = _model(santiago, "gate_insertion", scale=0.0)
    clean = _model(None, None)
    x = torch.rand(4, 16)
    m.train()
    with torch.no_grad():
        assert torch.allclose(m.expz(x), clean.expz(x), atol=1e-4)


def test_gate_insertion_per_sample_and_eval(santiago):
    m = _model(santiago, "gate_insertion", scale=10.0)
    x = torch.rand(1, 16).expand(6, 16)
    m.train()
    with torch.no_grad():
        z = m.expz(x)
    assert len({tuple(r) for r in z.round(decimals=5).tolist()}) > 1  # per-sample errors
    m.eval()  # deterministic, noise-free in eval mode
    clean = _model(None, None)
    with torch.no_grad():
        assert torch.allclose(m.expz(x), clean.expz(x), atol=1e-4)


def test_gate_insertion_average_approaches_density(santiago):
    gi_model = _model(santiago, "gate_insertion", scale=1.0)
    dens = _model(santiago, "density")
    x = torch.rand(1, 16)
    gi_model.train()
    with torch.no_grad():
        z_gi = gi_model.expz(x.expand(3000, 16)).mean(0)
        z_d = dens.expz(x)[0]
    assert torch.allclose(z_gi, z_d, atol=0.04), (z_gi, z_d)


def test_gate_insertion_logits_function(santiago):
    m = _model(santiago, "gate_insertion", scale=2.0)
    x = torch.rand(5, 16)
    m.train()
    m.noise_generator.manual_seed(7)
    ref = m(x)
    out = gate_insertion_logits(m.circuit, m.weights, x, m.readout, santiago, LAYOUT, 2.0,
                                generator=torch.Generator().manual_seed(7))
    assert torch.allclose(out, ref, atol=1e-6)


def test_gate_insertion_training_resume_bit_identical(tmp_path):
    from qnas.config import load_config

    cfg = load_config(overrides={
        "task": "digits4", "device": "santiago", "model": {"blocks": 1},
        "train": {"epochs": 3, "batch_size": 16, "lr": 0.05, "warmup_epochs": 0},
        "data": {"train_limit": 32, "eval_limit": 8},
        "noise": {"mode": "gate_insertion", "scale": 2.0, "layout": LAYOUT}})
    full = train(cfg, tmp_path / "a", progress=False, log=None)

    def crash(epoch, rec):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / "b", progress=False, log=None, callback=crash)
    res = train(cfg, tmp_path / "b", resume=True, progress=False, log=None)
    assert torch.equal(res.weights, full.weights)
    assert res.test_acc_noisy is not None and 0 <= res.test_acc_noisy <= 1
