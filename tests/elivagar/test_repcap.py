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
