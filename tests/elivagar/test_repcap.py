"""Representational capacity: class-separating circuits score higher than input-blind ones."""

import numpy as np
import pytest
import torch

from qnas.elivagar.repcap import balanced_sample, repcap, repcap_from_matrix
from qnas.ir import Circuit, Op, inp, param


def _data():
    x = torch.tensor([[0.0, 0.1], [0.1, 0.0], [0.05, 0.05], [3.1, 3.0], [3.0, 3.1], [3.1, 3.1]])
    return x, torch.tensor([0, 0, 0, 1, 1, 1])


def test_orthogonal_classes_beat_an_input_blind_circuit():
    x, y = _data()
    # class 0 -> near |00>, class 1 -> near |11> (orthogonal), whatever the trainable angles
    sep = Circuit(2, [Op("ry", (0,), (inp("x0"),)), Op("ry", (1,), (inp("x1"),)),
                      Op("rz", (0,), (param("a"),)), Op("rz", (1,), (param("b"),))])
    blind = Circuit(2, [Op("rz", (0,), (inp("x0"),)), Op("rz", (1,), (inp("x1"),)),
                        Op("ry", (0,), (param("a"),)), Op("cx", (0, 1))])
    assert repcap(sep, x, y, 8) == pytest.approx(1.0)
    assert repcap(blind, x, y, 8) == pytest.approx(1 - 2 / 6)  # 1 - (m-1)/(2m), m = 3
    assert repcap(sep, x, y, 8, measured=(0, 1)) > repcap(blind, x, y, 8, measured=(0, 1))


def test_measured_fidelity_sees_the_ansatz_state_fidelity_does_not():
    x = torch.rand(12, 2, generator=torch.Generator().manual_seed(0)) * 3
    y = torch.arange(12) % 2
    enc = [Op("ry", (0,), (inp("x0"),)), Op("ry", (1,), (inp("x1"),))]
    a = Circuit(2, enc + [Op("rz", (0,), (param("a"),))])
    b = Circuit(2, enc + [Op("rx", (0,), (param("a"),)), Op("cx", (0, 1)),
                          Op("ry", (1,), (param("b"),))])
    rng = lambda: np.random.default_rng(0)  # noqa: E731
    assert repcap(a, x, y, 8, rng()) == repcap(b, x, y, 8, rng())  # a unitary after the data
    assert repcap(a, x, y, 8, rng(), (0, 1)) != repcap(b, x, y, 8, rng(), (0, 1))


def test_weighting_of_different_class_pairs():
    y = np.array([0, 0, 1, 1, 2, 2])
    ideal = torch.tensor((y[:, None] == y[None, :]).astype(float))
    assert repcap_from_matrix(ideal, y) == 1.0
    # every pair called "same": different-class errors weigh 1/(C-1) each
    assert repcap_from_matrix(torch.ones(6, 6, dtype=torch.float64), y) == pytest.approx(0.5)
    # every pair called "different" (the diagonal counts as same)
    assert repcap_from_matrix(torch.zeros(6, 6, dtype=torch.float64), y) == pytest.approx(0.75)


def test_balanced_sample():
    y = np.array([0] * 10 + [1] * 3)
    idx = balanced_sample(y, 4, np.random.default_rng(0))
    assert sorted(y[idx].tolist()) == [0] * 4 + [1] * 3


def _per_sample_states(circuit, theta, x):
    """The reference: every (parameter vector, input) pair as its own batch row."""
    from qnas.sim import simulate

    p, m = len(theta), len(x)
    params = theta.repeat_interleave(m, 0) if circuit.parameters else None
    inputs = x.repeat(p, 1) if circuit.inputs else None
    out = simulate(circuit, params, inputs, torch.complex128)
    return out.expand(p * m, -1).reshape(p, m, -1)


@pytest.mark.parametrize("m", [3, 9])  # fewer inputs than amplitudes; more (unitary path)
@pytest.mark.parametrize("kind", ["encoder_first", "interleaved", "no_inputs", "no_params"])
def test_output_states_equal_the_per_sample_simulation(kind, m):
    from qnas.elivagar.repcap import encoder_split, output_states
    from qnas.ir import Circuit, Op, inp, param

    enc = [Op("ry", (q,), (inp(f"x{q}"),)) for q in range(3)] + [Op("cx", (0, 2))]
    ansatz = [Op("u3", (1,), (param("a"), param("b"), param("c"))), Op("cx", (1, 0)),
              Op("crx", (2, 1), (param("d"),)), Op("rz", (0,), (param("e"),))]
    ops = {"encoder_first": enc + ansatz, "interleaved": ansatz[:2] + enc + ansatz[2:],
           "no_inputs": ansatz, "no_params": enc}[kind]
    c = Circuit(3, ops)
    if kind == "encoder_first":
        assert encoder_split(c) is not None
    if kind == "interleaved":
        assert encoder_split(c) is None
    gen = torch.Generator().manual_seed(m)
    theta = torch.rand(4, len(c.parameters), generator=gen, dtype=torch.float64) * 6
    x = torch.rand(m, 3, generator=gen, dtype=torch.float64) * 3
    got = output_states(c, theta, x, torch.complex128)
    torch.testing.assert_close(got, _per_sample_states(c, theta, x), atol=1e-12, rtol=0)
