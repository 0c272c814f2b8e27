"""The Aer evaluation keeps routed circuits small enough for its density matrix.

Qiskit's routing may pass through qubits outside a model's layout (a 10-qubit mnist10 model
on melbourne was routed over 14 of its 15 qubits: a 4.3 GB density matrix per input, which
did not finish in hours). ``route_for_aer`` keeps Qiskit's routing when it stays within
``max_qubits`` and otherwise routes within the layout's connected region.
"""

from __future__ import annotations

import pytest

from qnas.ir import Circuit, Op

pytest.importorskip("qiskit_aer")


def _all_pairs(n: int):
    """A circuit that needs routing on any sparse coupling map, measured."""
    ops = [Op("cx", (a, b)) for a in range(n) for b in range(n) if a != b] * 2
    qc = Circuit(n, [Op("h", (q,)) for q in range(n)] + ops).to_qiskit()
    qc.measure_all()
    return qc


SPREAD = [0, 2, 4, 10, 12]  # melbourne qubits joined by 1, 3 (and 11) only


def test_wide_routing_is_redone_within_the_layouts_connected_region():
    from qiskit import transpile

    from qnas.backends import aer_eval

    be = aer_eval.fake_backend("melbourne")
    qc = _all_pairs(5)
    plain = transpile(qc, backend=be, initial_layout=SPREAD, optimization_level=1,
                      seed_transpiler=0)
    region = aer_eval.connected_region(be.coupling_map, SPREAD)
    assert len(aer_eval.active_qubits(plain)) > len(region) == 7  # Qiskit's route is wider
    routed = aer_eval.route_for_aer(qc, be, SPREAD, seed=0, max_qubits=7)
    assert aer_eval.active_qubits(routed) == region
    edges = set(be.coupling_map.get_edges())
    for inst in routed.data:
        if inst.operation.num_qubits == 2 and inst.operation.name != "barrier":
            assert tuple(routed.find_bit(q).index for q in inst.qubits) in edges
    assert routed.count_ops()["measure"] == 5


def test_routing_within_the_limit_is_qiskits_own():
    from qiskit import transpile

    from qnas.backends.aer_eval import fake_backend, route_for_aer

    be = fake_backend("melbourne")
    qc = _all_pairs(5)
    plain = transpile(qc, backend=be, initial_layout=SPREAD, optimization_level=1,
                      seed_transpiler=0)
    assert route_for_aer(qc, be, SPREAD, seed=0, max_qubits=12) == plain


def test_a_region_wider_than_the_limit_is_a_clear_error():
    from qnas.backends.aer_eval import fake_backend, route_for_aer

    with pytest.raises(ValueError, match="max_aer_qubits = 5"):
        route_for_aer(_all_pairs(5), fake_backend("melbourne"), SPREAD, seed=0, max_qubits=5)


def test_the_limit_is_a_config_setting_with_a_range():
    from qnas.config import load_config

    assert load_config().evaluation.max_aer_qubits == 12
    with pytest.raises(ValueError, match="max_aer_qubits"):
        load_config(overrides={"evaluation": {"max_aer_qubits": 0}})
