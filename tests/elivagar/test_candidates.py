"""Device-aware candidates: connected placements, native gates on coupling edges, seeded."""

import numpy as np
import pytest

from qnas.devices import Target
from qnas.elivagar.candidates import (
    connected_qubits,
    device_candidate,
    mapping_score,
    native_gates,
    sample_mapping,
)
from qnas.tasks.encoders import get_encoder


def _connected(target, qubits) -> bool:
    qs, seen, todo = set(qubits), {qubits[0]}, [qubits[0]]
    while todo:
        for m in target.neighbors(todo.pop()):
            if m in qs and m not in seen:
                seen.add(m)
                todo.append(m)
    return seen == qs


@pytest.mark.parametrize("device,n", [("toronto", 4), ("brisbane", 5), ("santiago", 2)])
def test_candidates_respect_coupling_map_and_native_gates(device, n):
    t = Target.from_backend(device)
    rot, fixed, two = native_gates(t)
    rng = np.random.default_rng(0)
    for _ in range(8):
        c = device_candidate(t, n, 3 * n, rng)
        assert len(set(c.layout)) == n and _connected(t, c.layout)
        assert set(c.circuit.count_ops()) <= set(t.basis_gates)
        assert len(c.circuit.parameters) == 3 * n
        for op in c.circuit.ops:
            if len(op.wires) == 2:  # on an edge, in a direction the device has
                phys = tuple(c.layout[w] for w in op.wires)
                assert op.gate == two and phys in t.gates[two], (op, c.layout)


def test_encoder_prefix_and_same_seed_same_candidates():
    t = Target.from_backend("toronto")
    enc = get_encoder("4x4_ryzxy").to_circuit(4)

    def draw(seed):
        rng = np.random.default_rng(seed)
        return [device_candidate(t, 4, 8, rng, encoder=enc) for _ in range(5)]

    a, b, c = draw(3), draw(3), draw(4)
    assert [x.to_dict() for x in a] == [x.to_dict() for x in b]
    assert [x.to_dict() for x in a] != [x.to_dict() for x in c]
    cand = a[0]
    assert cand.circuit.ops[: len(enc.ops)] == enc.ops and cand.circuit.inputs == enc.inputs
    assert type(cand).from_dict(cand.to_dict()) == cand


def test_mapping_score_prefers_better_qubits():
    t = Target.from_backend("toronto")
    rng = np.random.default_rng(0)
    pool = list({connected_qubits(t, 3, rng) for _ in range(200)})
    scores = np.array([mapping_score(t, q) for q in pool])
    best = pool[int(scores.argmax())]
    draws = [sample_mapping(t, 3, rng, draws=64, temperature=0.02) for _ in range(30)]
    mean_drawn = np.mean([mapping_score(t, q) for q in draws])
    assert mean_drawn > np.median(scores) and mapping_score(t, best) >= mean_drawn


def test_bad_input_is_named():
    t = Target.from_backend("santiago")
    with pytest.raises(ValueError, match="cannot place 6 qubits"):
        connected_qubits(t, 6, np.random.default_rng(0))
    with pytest.raises(ValueError, match="temperature must be > 0"):
        sample_mapping(t, 2, np.random.default_rng(0), temperature=0)


def test_rxyz_rotations_are_trainable_and_need_no_routing():
    t = Target.from_backend("lagos")
    assert native_gates(t)[0] == ("rz",)
    rng = np.random.default_rng(3)
    seen = set()
    for _ in range(6):
        c = device_candidate(t, 4, 12, rng, rotations="rxyz")
        seen |= {op.gate for op in c.circuit.ops if op.params}
        assert len(c.circuit.parameters) == 12
        two = [op for op in c.circuit.ops if len(op.wires) == 2]
        assert all(tuple(c.layout[w] for w in op.wires) in t.gates["cx"] for op in two)
    assert seen == {"rx", "ry", "rz"}
    with pytest.raises(ValueError, match="unknown candidate rotations 'xyz'"):
        native_gates(t, "xyz")
