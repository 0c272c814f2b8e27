"""Clifford noise resilience: 1 without noise, lower with more noise, replicas are Clifford."""

import numpy as np
import pytest

from qnas.devices import Target
from qnas.elivagar.candidates import device_candidate
from qnas.elivagar.cnr import clifford_replica, cnr, physical_device_circuit


@pytest.fixture(scope="module")
def placed():
    t = Target.from_backend("santiago")
    c = device_candidate(t, 3, 8, np.random.default_rng(1))
    return t, c, physical_device_circuit(c.circuit, t, c.layout)


@pytest.mark.parametrize("mode", ["gates", "angles"])
def test_cnr_is_one_without_noise_and_falls_with_noise(placed, mode):
    _, _, dc = placed
    values = [cnr(dc, 6, np.random.default_rng(0), scale=s, mode=mode) for s in (0, 1, 3, 8)]
    assert values[0] == pytest.approx(1.0, abs=1e-9)
    assert all(a > b for a, b in zip(values, values[1:])), values
    assert 0.0 <= values[-1] < 1.0


def test_replica_keeps_positions_and_is_native_clifford(placed):
    t, c, _ = placed
    rep = clifford_replica(c.circuit, np.random.default_rng(0), t.basis_gates)
    assert rep.parameters == () and rep.inputs == ()
    assert set(rep.count_ops()) <= set(t.basis_gates)
    assert [op.wires for op in rep.ops if len(op.wires) == 2] == \
        [op.wires for op in c.circuit.ops if len(op.wires) == 2]
    for op in rep.ops:  # Clifford angles only
        for a in op.params:
            assert abs(a / (np.pi / 2) - round(a / (np.pi / 2))) < 1e-12


def test_noisier_placement_scores_lower():
    # The same circuit on the same qubits, with the device noise scaled: CNR orders them.
    t = Target.from_backend("quito")
    c = device_candidate(t, 2, 6, np.random.default_rng(2))
    dc = physical_device_circuit(c.circuit, t, c.layout)
    assert cnr(dc, 8, np.random.default_rng(0), scale=0.5) > cnr(dc, 8, np.random.default_rng(0))


def test_unknown_mode_names_choices(placed):
    with pytest.raises(ValueError, match="did you mean angles"):
        cnr(placed[2], 2, mode="angle")


@pytest.mark.parametrize("mode", ["gates", "angles"])
def test_plan_free_path_equals_the_planned_one(placed, mode, monkeypatch):
    """Small registers score through ``qnas.sim.oneshot``; larger ones through plans."""
    from qnas.sim import oneshot

    _, _, dc = placed
    small = cnr(dc, 5, np.random.default_rng(3), mode=mode)
    monkeypatch.setattr(oneshot, "MAX_QUBITS", 0)
    assert cnr(dc, 5, np.random.default_rng(3), mode=mode, method="density") == \
        pytest.approx(small, abs=1e-12)
