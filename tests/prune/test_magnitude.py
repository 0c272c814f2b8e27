"""Magnitude pruning reaches its target ratio and pruned gates are absent from the export."""

import math

import pytest
import torch

from qnas.ir import Circuit, Op, inp, param
from qnas.prune import MagnitudePruner, polynomial_ratio, remove_pruned_gates, wrap_angles


def test_schedule_is_monotone_and_reaches_target():
    ratios = [polynomial_ratio(k, 4, 0.6) for k in range(6)]
    assert ratios[0] == 0.0 and ratios[4] == pytest.approx(0.6) and ratios[5] == pytest.approx(0.6)
    assert all(a <= b for a, b in zip(ratios, ratios[1:]))
    with pytest.raises(ValueError, match="target pruning ratio"):
        polynomial_ratio(1, 2, 1.5)


def test_pruner_reaches_target_and_uses_wrapped_magnitudes():
    g = torch.Generator().manual_seed(0)
    w = (torch.rand(100, generator=g) - 0.5) * 4 * math.pi
    p = MagnitudePruner(100, target=0.5, steps=3)
    for k in range(1, 4):
        mask = p.step(w, k)
        p.apply(w)
    assert mask.sum().item() == 50 and p.sparsity == 0.5
    assert (w[mask] == 0).all()
    kept = wrap_angles(w[~mask]).abs()
    assert kept.min() >= 0  # pruned ones were the smallest wrapped magnitudes
    assert wrap_angles(torch.tensor([2 * math.pi - 0.1])).item() == pytest.approx(-0.1, abs=1e-6)


def test_pruned_gates_are_absent_from_export():
    c = Circuit(2, [Op("ry", (0,), (inp("x0"),)),
                    Op("u3", (0,), (param("a"), param("b"), param("c"))),
                    Op("cu3", (0, 1), (param("d"), param("e"), param("f"))),
                    Op("rz", (1,), (param("g"),)), Op("cx", (0, 1))])
    values = dict(a=0.0, b=0.0, c=0.0, d=0.3, e=0.0, f=0.0, g=0.0)
    out = remove_pruned_gates(c, values)
    assert [op.gate for op in out.ops] == ["ry", "cu3", "cx"]
    assert out.parameters == () and out.inputs == ("x0",)
    assert "u3(" not in out.to_qasm({"x0": 0.1}).split("cu3")[0].split("ry")[1]
