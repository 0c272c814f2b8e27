"""Encoders: built-in op lists (TorchQuantum's), circuits, configs, simulated states."""

import numpy as np
import pytest
import torch

import qnas
from qnas.gates import get_gate
from qnas.ir import Op, inp
from qnas.tasks.encoders import (
    ENCODERS,
    Encoder,
    encoder_from_config,
    get_encoder,
    register_encoder,
)


def test_4x4_ryzxy_ops():
    enc = get_encoder("4x4_ryzxy")
    want = [(g, w, 4 * k + w) for k, g in enumerate(("ry", "rz", "rx", "ry")) for w in range(4)]
    assert list(enc.ops) == want
    assert enc.n_wires == 4 and enc.n_features == 16


def test_6x6_ryzxy_and_10_ryzx_ops():
    enc = get_encoder("6x6_ryzxy")
    assert enc.n_wires == 10 and enc.n_features == 36
    assert enc.ops[9] == ("ry", 9, 9) and enc.ops[10] == ("rz", 0, 10)
    assert enc.ops[29] == ("rx", 9, 29) and enc.ops[30:] == tuple(
        ("ry", w, 30 + w) for w in range(6)
    )
    v = get_encoder("10_ryzx")
    assert v.n_wires == 4 and v.n_features == 10
    assert v.ops[-2:] == (("rx", 0, 8), ("rx", 1, 9)) and v.ops[4] == ("rz", 0, 4)


def test_all_torchquantum_names_present():
    names = {
        "1x1_ry", "2x1_ryry", "2x8_rxryrzrxryrzrxry", "3x1_ryryry", "3x1_rxrxrx", "4_ry",
        "4x4_u3rx", "4x4_u3_h_rx", "4x4_ryzxy", "8x2_ry", "16_ry", "4x4_rzsx", "15_ryrz",
        "2x8_ryzxyzxyz", "10_ryzx", "10_ry", "25_ry", "25_ryrz", "6x6_ryzxy", "6x6_ryrz",
        "6x6_ryrzrx", "10x10_ryzxyzxyzxy", "8x8_ryzxyzxy", "8x2_ryz", "16x1_ry",
    }
    assert names <= set(ENCODERS)
    assert get_encoder("8x8_ryzxyzxy").n_features == 64
    assert get_encoder("6x6_ryrzrx").n_wires == 16
    rzsx = get_encoder("4x4_rzsx")
    assert rzsx.ops[:2] == (("rz", 0, 0), ("sx", 0, -1)) and rzsx.n_features == 16


def test_to_circuit_ops_and_input_order():
    enc = get_encoder("4x4_ryzxy")
    c = enc.to_circuit()
    assert c.n_qubits == 4 and len(c.ops) == 16
    assert c.ops[5] == Op("rz", (1,), (inp("x5"),))
    assert c.inputs == tuple(f"x{i}" for i in range(16)) and c.parameters == ()
    assert enc.to_circuit(6).n_qubits == 6
    assert enc.to_ops(prefix="f")[0] == Op("ry", (0,), (inp("f0"),))
    with pytest.raises(ValueError, match="uses 4 wires; the circuit has only 3"):
        enc.to_circuit(3)
    # u3 encoders start with x2 but the circuit still orders inputs x0..x15
    assert get_encoder("4x4_u3rx").to_circuit().inputs[:3] == ("x0", "x1", "x2")


def test_u3_decomposition_equals_u3_up_to_phase():
    enc = get_encoder("4x4_u3rx")
    assert enc.ops[:4] == (("rz", 0, 2), ("ry", 0, 0), ("rz", 0, 1), ("rx", 0, 3))
    a, b, c = 0.3, -1.1, 2.0
    rz, ry = get_gate("rz").matrix, get_gate("ry").matrix
    m = lambda f, t: f(torch.tensor([t], dtype=torch.float64), torch.complex128)  # noqa: E731
    prod = m(rz, b) @ m(ry, a) @ m(rz, c)
    u3 = get_gate("u3").matrix(torch.tensor([a, b, c], dtype=torch.float64), torch.complex128)
    phase = u3[0, 0] / prod[0, 0]
    assert abs(abs(phase) - 1) < 1e-12 and torch.allclose(prod * phase, u3)


def test_config_roundtrip_and_custom():
    enc = get_encoder("4x4_u3_h_rx")
    assert encoder_from_config(enc.to_config()) == enc
    cfg = {"name": "mine", "ops": [["RY", 0, 0], ["h", 1, None], ["rz", 1, 1]]}
    mine = get_encoder(cfg)
    assert mine.n_wires == 2 and mine.n_features == 2 and mine.ops[1] == ("h", 1, -1)
    c = mine.to_circuit(3)
    assert [op.gate for op in c.ops] == ["ry", "h", "rz"] and c.inputs == ("x0", "x1")
    try:
        register_encoder(mine)
        assert get_encoder("mine") is mine
        with pytest.raises(ValueError, match="already exists"):
            register_encoder(mine)
    finally:
        ENCODERS.pop("mine", None)


@pytest.mark.parametrize(
    "cfg, msg",
    [
        ({"name": "e", "ops": [["foo", 0, 0]]}, "unknown gate 'foo'"),
        ({"name": "e", "ops": [["u3", 0, 0]]}, "takes 3 parameters"),
        ({"name": "e", "ops": [["crx", 0, 0]]}, "single-wire"),
        ({"name": "e", "ops": [["ry", 0, 4]], "n_features": 4}, "feature index 4 out of range"),
        ({"name": "e", "ops": [["ry", 0, -2]]}, "feature index -2"),
        ({"name": "e", "ops": [["h", 0, 0]]}, "fixed gate"),
        ({"name": "e", "n_wires": 2, "ops": [["ry", 2, 0]]}, "wire 2 out of range"),
        ({"name": "e", "ops": [["ry", 0]]}, "expected \\[gate, wire, feature\\]"),
        ({"ops": []}, "misses keys \\['name'\\]"),
    ],
)
def test_config_errors(cfg, msg):
    with pytest.raises(ValueError, match=msg):
        encoder_from_config(cfg)


def test_unknown_encoder_lists_known():
    with pytest.raises(ValueError, match="did you mean 4x4_ryzxy") as e:
        get_encoder("4x4_ryxzy")
    assert "6x6_ryzxy" in str(e.value)
    with pytest.raises(ValueError, match="n_wires"):
        Encoder("e", 0, ())


def _rot(g, t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return {
        "rx": np.array([[c, -1j * s], [-1j * s, c]]),
        "ry": np.array([[c, -s], [s, c]]),
        "rz": np.array([[np.exp(-1j * t / 2), 0], [0, np.exp(1j * t / 2)]]),
    }[g]


def _product_state(enc, x):
    qubits = [np.array([1.0 + 0j, 0.0]) for _ in range(enc.n_wires)]
    for g, w, f in enc.ops:
        qubits[w] = _rot(g, x[f]) @ qubits[w]
    state = np.array([1.0 + 0j])
    for q in qubits:  # qubit k is bit k of the index: later qubits are more significant
        state = np.kron(q, state)
    return state


@pytest.mark.parametrize("name", ["4x4_ryzxy", "10_ryzx", "6x6_ryzxy"])
def test_encoded_state_is_hand_product_state(name):
    if not hasattr(qnas, "simulate"):
        pytest.skip("qnas.simulate not available yet")
    enc = get_encoder(name)
    x = torch.rand(3, enc.n_features, dtype=torch.float64) * 2 * np.pi - np.pi
    psi = qnas.simulate(enc.to_circuit(), inputs=x, dtype=torch.complex128)
    assert psi.shape == (3, 2**enc.n_wires)
    for b in range(3):
        want = _product_state(enc, x[b].numpy())
        assert np.allclose(psi[b].numpy(), want, atol=1e-10)
