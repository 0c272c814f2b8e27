"""Gate-insertion noise (per-sample Pauli errors) on circuits already in a device basis."""

import pytest
import torch

import qnas
from qnas.devices import Target
from qnas.ir import Circuit, Op, inp, param
from qnas.noise import NoiseModel
from qnas.noisy import GateInsertion, insertion_for_target, scaled_rates

P1 = torch.tensor([0.7, 0.1, 0.05, 0.15], dtype=torch.float64)
P2 = torch.cat([torch.tensor([0.61], dtype=torch.float64),
                0.39 * torch.softmax(torch.arange(15, dtype=torch.float64) / 4, 0)])


def _basis_circuit():
    return Circuit(3, [Op("ry", (0,), (inp("x0"),)), Op("sx", (0,)),
                       Op("rz", (1,), (param("a"),)), Op("cx", (0, 1)), Op("sx", (2,)),
                       Op("cx", (1, 2)), Op("x", (0,))])


def _rates(op):
    if op.gate in ("rz", "ry"):
        return torch.tensor([1.0, 0, 0, 0], dtype=torch.float64)
    return P1 if len(op.wires) == 1 else P2


def test_structure_skips_error_free_gates():
    gi = GateInsertion(_basis_circuit(), _rates)
    # sx, cx(2 wires), sx, cx(2 wires), x -> 7 slots; rz/ry get none
    assert gi.n_slots == 7
    assert gi.circuit.count_ops()["u3"] == 7
    assert gi.circuit.inputs[:1] == ("x0",) and len(gi.circuit.inputs) == 1 + 21
    assert gi.circuit.parameters == ("a",)
    assert gi.sample(5).shape == (5, 21)


def test_statistics_match_rates_times_scale():
    scale = 1.5
    c = Circuit(2, [Op("sx", (0,)), Op("cx", (0, 1))])
    gi = GateInsertion(c, lambda op: P1 / 2 if op.gate == "sx" else P2, scale=1.0)
    gi_s = GateInsertion(c, lambda op: scaled_rates(P1 / 2, 1) if op.gate == "sx" else P2,
                         scale=scale)
    n = 40000
    g = torch.Generator().manual_seed(0)
    paulis = gi_s.sample_paulis(n, g)  # slots: sx->0, cx->(1, 2)
    p_sx = scaled_rates(P1 / 2, scale)
    freq = torch.bincount(paulis[:, 0], minlength=4).double() / n
    assert torch.allclose(freq, p_sx, atol=0.01)
    assert abs(float(p_sx[1:].sum()) - scale * float((P1 / 2)[1:].sum())) < 1e-12
    joint = torch.bincount(paulis[:, 1] * 4 + paulis[:, 2], minlength=16).double() / n
    assert torch.allclose(joint, scaled_rates(P2, scale), atol=0.01)
    assert gi.n_slots == gi_s.n_slots == 3


def test_device_rates_statistics():
    target = Target.from_backend("santiago")
    model = NoiseModel.from_target(target)
    c = Circuit(2, [Op("cx", (0, 1))])
    scale = 20.0
    gi = insertion_for_target(c, target, scale)
    n = 50000
    paulis = gi.sample_paulis(n, torch.Generator().manual_seed(1))
    lab = paulis[:, 0] * 4 + paulis[:, 1]
    freq = torch.bincount(lab, minlength=16).double() / n
    rates = model.pauli_error_rates(c.ops[0])[1]
    expect = rates * scale
    expect[0] = 1 - expect[1:].sum()
    assert torch.allclose(freq, expect, atol=0.006)
    assert abs(float(1 - freq[0]) - scale * float(1 - rates[0])) < 0.01


def test_per_sample_patterns_differ():
    gi = GateInsertion(_basis_circuit(), lambda op: torch.full((4 ** len(op.wires),),
                                                                1 / 4 ** len(op.wires)))
    x = torch.zeros(2, 1)
    inputs = gi.inputs(x, torch.Generator().manual_seed(0))
    assert not torch.equal(inputs[0], inputs[1])
    a = torch.tensor([0.3])
    s = qnas.simulate(gi.circuit, a, inputs)
    assert not torch.allclose(s[0].abs(), s[1].abs())


def test_seeded_sampling_reproducible():
    gi = GateInsertion(_basis_circuit(), _rates, scale=2.0)
    a = gi.sample(64, torch.Generator().manual_seed(5))
    b = gi.sample(64, torch.Generator().manual_seed(5))
    c = gi.sample(64, torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_scale_zero_is_noise_free():
    c = _basis_circuit()
    gi = GateInsertion(c, _rates, scale=0.0)
    assert gi.n_slots == 0 and gi.circuit == c
    x = torch.rand(3, 1)
    assert torch.equal(qnas.simulate(gi.circuit, torch.tensor([0.4]), gi.inputs(x)),
                       qnas.simulate(c, torch.tensor([0.4]), x))


@pytest.mark.parametrize("k,gate", [(1, "x"), (2, "y"), (3, "z")])
def test_u3_angles_realise_paulis(k, gate):
    base = Circuit(1, [Op("ry", (0,), (inp("x0"),)), Op("rz", (0,), (inp("x1"),))])
    gi = GateInsertion(Circuit(1, [Op("sx", (0,))]), lambda op: P1)
    ang = gi.angles(torch.tensor([[k]]))
    x = torch.tensor([[0.7, 0.4]])
    full = Circuit(1, base.ops + gi.circuit.ops)
    s_ins = qnas.simulate(full, None, torch.cat([x, ang], -1))
    s_ref = qnas.simulate(Circuit(1, base.ops + (Op("sx", (0,)), Op(gate, (0,)))), None, x)
    assert abs(abs(complex((s_ins.conj() * s_ref).sum())) - 1) < 1e-5


def test_bad_rates():
    with pytest.raises(ValueError, match="exceeds 1"):
        GateInsertion(Circuit(1, [Op("sx", (0,))]), lambda op: P1, scale=10)
    with pytest.raises(ValueError, match="noise scale"):
        scaled_rates(P1, -1)
    with pytest.raises(ValueError, match="Pauli rates"):
        GateInsertion(Circuit(1, [Op("sx", (0,))]), lambda op: P2)
    noisy = Circuit(1, [Op("sx", (0,)), Op("depolarizing", (0,), (0.1,))])
    with pytest.raises(ValueError, match="noise channel"):
        GateInsertion(noisy, _rates)
