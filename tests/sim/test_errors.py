"""Bad input raises clear errors naming the problem."""

import pytest
import torch

import qnas
from qnas.ir import Circuit, Op, inp, param


def test_unknown_gate_suggests():
    with pytest.raises(ValueError, match="unknown gate 'cnto'.*cnot"):
        Circuit(2, [Op("cnto", (0, 1))])


def test_wrong_wire_count_and_range():
    with pytest.raises(ValueError, match="acts on 2 wire"):
        Circuit(3, [Op("cx", (0,))])
    with pytest.raises(ValueError, match="wire 3 out of range"):
        Circuit(3, [Op("x", (3,))])
    with pytest.raises(ValueError, match="repeated wire"):
        Circuit(3, [Op("cx", (1, 1))])
    with pytest.raises(ValueError, match="takes 3 parameter"):
        Circuit(1, [Op("u3", (0,), (0.1,))])


def test_bad_params_and_inputs():
    c = Circuit(1, [Op("rx", (0,), (param("a"),)), Op("ry", (0,), (inp("x"),))])
    with pytest.raises(ValueError, match=r"params has shape \[2\], expected \[1\]"):
        qnas.simulate(c, torch.zeros(2), torch.zeros(3, 1))
    with pytest.raises(ValueError, match="NaN"):
        qnas.simulate(c, torch.zeros(1), torch.tensor([[float("nan")]]))
    with pytest.raises(ValueError, match="circuit needs inputs"):
        qnas.simulate(c, torch.zeros(1))
    with pytest.raises(ValueError, match="batch size"):
        qnas.simulate(c, torch.zeros(2, 1), torch.zeros(3, 1))
    with pytest.raises(ValueError, match="dtype"):
        qnas.simulate(c, torch.zeros(1), torch.zeros(3, 1), dtype=torch.float32)


def test_params_by_name():
    c = Circuit(1, [Op("rx", (0,), (param("a"),))])
    s = qnas.simulate(c, {"a": torch.tensor(torch.pi)})
    assert s[0, 1].abs().item() == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="missing values"):
        qnas.simulate(c, {"b": 1.0})


def test_observable_width_mismatch():
    c = Circuit(2, [Op("h", (0,))])
    with pytest.raises(ValueError, match="observable acts on 3 qubits"):
        qnas.expval(c, qnas.PauliSum("ZZZ"))
    with pytest.raises(ValueError, match="invalid Pauli string"):
        qnas.PauliSum("ZQ")


def test_canonical_text_round_trip_and_errors():
    c = Circuit(2, [Op("u3", (1,), (0.1, -2.0 * param("w") + 0.25, inp("x"))),
                    Op("cx", (1, 0))])
    assert Circuit.from_text(c.to_text()) == c
    with pytest.raises(ValueError, match="line 2"):
        Circuit.from_text("qubits 2\ncx 0 x\n")


def test_batched_initial_state_with_shared_params():
    c = Circuit(1, [Op("rx", (0,), (param("a"),))])
    init = torch.tensor([[1, 0], [0, 1], [0.6, 0.8]], dtype=torch.complex64)
    out = qnas.simulate(c, torch.tensor([torch.pi]), initial_state=init)
    assert out.shape == (3, 2)
    torch.testing.assert_close(out.abs(), init.abs().flip(-1))
