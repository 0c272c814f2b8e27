"""Compilation onto devices: coupling map, basis, equivalence up to layout, symbolic params."""

from __future__ import annotations

import pytest
import torch

import qnas
from qnas.compile import compile as qcompile
from qnas.compile import lower_symbolic, marginal, restrict_target
from qnas.gates import get_gate
from qnas.ir import Circuit, Op, inp, param
from qnas.noisy import DeviceCircuit, device_expz

C128 = torch.complex128


def classifier(n=4, blocks=2) -> Circuit:
    """The benchmark classifier: 4x4_ryzxy encoder + blocks of U3 and a CU3 ring."""
    ops = [Op(g, (w,), (inp(f"x{4 * layer + w % 4}"),))
           for layer, g in enumerate(("ry", "rz", "rx", "ry")) for w in range(n)]
    for b in range(blocks):
        ops += [Op("u3", (w,), tuple(param(f"u{b}_{w}_{k}") for k in range(3)))
                for w in range(n)]
        ops += [Op("cu3", (w, (w + 1) % n), tuple(param(f"c{b}_{w}_{k}") for k in range(3)))
                for w in range(n)]
    return Circuit(n, ops)


def _check_on_device(cc):
    t = cc.target
    edges = set(t.coupling_map)
    for op in cc.physical_circuit.ops:
        assert op.gate in t.basis_gates, op
        if len(op.wires) == 2:
            assert tuple(op.wires) in edges, op
    for op in cc.circuit.ops:  # compact wires map back onto physical instances
        phys = tuple(cc.qubits[w] for w in op.wires)
        t.gate_props(op.gate, phys)


@pytest.mark.parametrize("device,layout", [("santiago", [4, 3, 2, 1]), ("sherbrooke", None),
                                           ("torino", [0, 1, 2, 3]), ("toronto", [1, 4, 7, 10])])
def test_symbolic_classifier_compiles_and_is_equivalent(device, layout):
    c = classifier(4, blocks=2)
    cc = qcompile(c, device, layout=layout)
    _check_on_device(cc)
    if layout is not None:
        assert cc.initial_layout == tuple(layout)
    assert cc.circuit.parameters == c.parameters and cc.circuit.inputs == c.inputs
    g = torch.Generator().manual_seed(0)
    p = torch.rand(len(c.parameters), generator=g, dtype=torch.float64) * 6
    x = torch.rand(3, len(c.inputs), generator=g, dtype=torch.float64) * 3
    want = qnas.probabilities(qnas.simulate(c, p, x, C128))
    got = DeviceCircuit(cc).probabilities(p, x, method="statevector", readout_error=False,
                                          dtype=C128)
    assert torch.allclose(got, want, atol=1e-10)


def test_lower_symbolic_matches_gates_up_to_phase():
    eye = torch.eye(4, dtype=C128)
    for g in ("rx", "ry", "u2", "u3", "r", "cp", "crz", "cry", "crx", "cu3", "cu", "rzz", "rxx",
              "rzx", "ryy"):
        gd = get_gate(g)
        wires = (1, 0) if gd.num_wires == 2 else (0,)
        c = Circuit(2, [Op(g, wires, tuple(1.3 * param(f"a{i}") - 0.2
                                           for i in range(gd.num_params)))])
        p = (torch.rand(gd.num_params, dtype=torch.float64) * 5).expand(4, -1)
        for zsx in (True, False):
            low = lower_symbolic(c, zsx)
            allowed = {"rz", "sx", "cx", "h"} | (set() if zsx else {"u3"})
            assert {op.gate for op in low.ops} <= allowed, g
            a = qnas.simulate(c, p, None, C128, initial_state=eye)
            b = qnas.simulate(low, p, None, C128, initial_state=eye)
            phase = (b.conj() * a).sum() / (b.abs() ** 2).sum()
            assert torch.allclose(a, phase * b, atol=1e-12), g
            assert abs(abs(phase) - 1) < 1e-12


def test_routing_permutation_is_undone():
    # a ring on a line forces SWAPs: the final layout differs from the initial one
    c = Circuit(3, [Op("h", (0,)), Op("cx", (0, 1)), Op("cx", (1, 2)), Op("cx", (2, 0)),
                    Op("ry", (2,), (0.3,)), Op("rx", (1,), (1.1,))])
    cc = qcompile(c, "santiago", layout=[0, 1, 2])
    _check_on_device(cc)
    want = qnas.probabilities(qnas.simulate(c, dtype=C128))
    got = DeviceCircuit(cc).probabilities(method="statevector", readout_error=False, dtype=C128)
    assert torch.allclose(got, want, atol=1e-10)


def test_restrict_target_and_marginal():
    t = qnas.Target.from_backend("santiago")
    sub = restrict_target(t, [3, 2])
    assert sub.n_qubits == 2 and set(sub.coupling_map) == {(0, 1), (1, 0)}
    assert sub.readout_error == (t.readout_error[3], t.readout_error[2])
    assert sub.gate_props("cx", (0, 1)) == t.gate_props("cx", (3, 2))
    with pytest.raises(ValueError, match="repeated"):
        restrict_target(t, [1, 1])
    p = torch.arange(8, dtype=torch.float64)  # p[i] = i over 3 wires
    m = marginal(p, 3, [2, 0])  # bit0 <- wire 2, bit1 <- wire 0
    assert m.tolist() == [0 + 2, 4 + 6, 1 + 3, 5 + 7]


def test_classifier_expz_api():
    c = classifier(4, blocks=1)
    p = torch.rand(len(c.parameters))
    x = torch.rand(5, len(c.inputs))
    z = device_expz(c, p, x, qnas.Target.from_backend("santiago"), [0, 1, 2, 3])
    assert z.shape == (5, 4) and bool((z.abs() < 1).all())
    clean = qnas.expz(qnas.probabilities(qnas.simulate(c, p, x)), 4)
    assert (z - clean).abs().max() > 1e-3


@pytest.mark.parametrize("layout,msg", [([0, 1], "has 2 entries"), ([0, 0, 1], "repeats"),
                                        ([0, 1, 9], "outside device"), ("ab", "list of")])
def test_bad_layouts(layout, msg):
    c = Circuit(3, [Op("cx", (0, 1)), Op("cx", (1, 2))])
    with pytest.raises(ValueError, match=msg):
        qcompile(c, "santiago", layout=layout)


def test_too_wide_and_unknown_device():
    with pytest.raises(ValueError, match="only 5"):
        qcompile(Circuit(6, [Op("h", (5,))]), "santiago")
    with pytest.raises(ValueError, match="did you mean"):
        qcompile(Circuit(1, [Op("h", (0,))]), "santigo")
    with pytest.raises(ValueError, match="bind its parameters"):
        lower_symbolic(Circuit(1, [Op("bit_flip", (0,), (param("a"),))]))
