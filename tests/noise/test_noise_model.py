"""Device noise model: cross-checked against Qiskit Aer's NoiseModel.from_backend."""

import functools

import numpy as np
import pytest
import torch

from qnas.devices import Target
from qnas.ir import Circuit, Op, param
from qnas.noise import NoiseModel, op_kraus

_I2 = np.eye(2)


def superop(kraus) -> np.ndarray:
    return sum(np.kron(m.conj(), m) for m in np.asarray(kraus))


def embed(kraus, pos: int, n: int) -> np.ndarray:
    """Kraus ops of a 1-wire channel at local position ``pos`` (0 = MSB) among n wires."""
    out = []
    for k in kraus:
        m = np.eye(1)
        for i in range(n):
            m = np.kron(m, k if i == pos else _I2)
        out.append(m)
    return np.array(out)


def noise_superop(ops, wires) -> np.ndarray:
    """Superop of channel ops acting on ``wires`` (textbook order), converted to Qiskit order."""
    n = len(wires)
    d = 2**n
    s = np.eye(d * d, dtype=complex)
    for op in ops:
        k = op_kraus(op).numpy()
        if len(op.wires) == 1:
            k = embed(k, wires.index(op.wires[0]), n)
        else:
            assert op.wires == tuple(wires)
        s = superop(k) @ s
    perm = np.array([int(format(i, f"0{n}b")[::-1], 2) for i in range(d)])
    P = np.kron(np.eye(d)[perm], np.eye(d)[perm])
    return P @ s @ P.T


@functools.cache
def aer_model(device: str, **kw):
    import qiskit_ibm_runtime.fake_provider as fp
    from qiskit_aer.noise import NoiseModel as AerNoiseModel

    cls = {"santiago": fp.FakeSantiagoV2, "lima": fp.FakeLimaV2, "toronto": fp.FakeTorontoV2}
    return AerNoiseModel.from_backend(cls[device](), **kw)


def aer_superop(nm, gate, qubits):
    from qiskit.quantum_info import SuperOp

    return SuperOp(nm._local_quantum_errors[gate][tuple(qubits)]).data


INSTANCES = {
    "santiago": [("sx", (0,)), ("x", (3,)), ("id", (4,)), ("cx", (0, 1)), ("cx", (1, 0)),
                 ("cx", (3, 4))],
    "lima": [("sx", (2,)), ("x", (4,)), ("cx", (1, 3)), ("cx", (3, 1)), ("cx", (0, 1))],
    "toronto": [("sx", (13,)), ("x", (26,)), ("cx", (12, 13)), ("cx", (25, 26)),
                ("cx", (19, 16))],
}


@pytest.mark.parametrize("device", sorted(INSTANCES))
def test_gate_errors_match_aer(device):
    target = Target.from_backend(device)
    model = NoiseModel.from_target(target)
    nm = aer_model(device)
    for gate, qubits in INSTANCES[device]:
        ours = noise_superop(model.gate_noise(gate, qubits), list(qubits))
        assert np.abs(ours - aer_superop(nm, gate, qubits)).max() < 1e-8, (gate, qubits)
    # the same gate instances carry noise: every Aer error except reset has a qnas match
    aer_keys = {(g, q) for g, d in nm._local_quantum_errors.items() if g != "reset" for q in d}
    ours = {(g, q) for g in target.basis_gates for q in target.gates[g]
            if model.gate_noise(g, q)}
    assert ours == aer_keys
    assert "rz" not in nm._local_quantum_errors and model.gate_noise("rz", (0,)) == ()


@pytest.mark.parametrize("flags", [dict(thermal_relaxation=False), dict(gate_error=False),
                                   dict(temperature=25.0)])
def test_options_match_aer(flags):
    target = Target.from_backend("lima")
    model = NoiseModel.from_target(
        target,
        include_relaxation=flags.get("thermal_relaxation", True),
        include_depolarizing=flags.get("gate_error", True),
        temperature=flags.get("temperature", 0.0),
    )
    nm = aer_model("lima", **flags)
    for gate, qubits in [("sx", (1,)), ("cx", (1, 2))]:
        ours = noise_superop(model.gate_noise(gate, qubits), list(qubits))
        assert np.abs(ours - aer_superop(nm, gate, qubits)).max() < 1e-8, (flags, gate)


@pytest.mark.parametrize("device", ["santiago", "toronto"])
def test_readout_matches_aer(device):
    model = NoiseModel.from_target(Target.from_backend(device))
    nm = aer_model(device)
    mats = model.readout_matrices()
    for q, A in enumerate(mats):
        probs = nm._local_readout_errors[(q,)].probabilities  # rows: true, cols: measured
        assert np.allclose(A.numpy().T, probs, atol=1e-15)


def test_apply_inserts_channels():
    model = NoiseModel.from_target(Target.from_backend("santiago"))
    c = Circuit(3, [Op("sx", (0,)), Op("rz", (1,), (param("a"),)), Op("cx", (1, 2)),
                    Op("bit_flip", (0,), (0.1,))])
    noisy = model.apply(c)
    assert [op.gate for op in noisy.ops] == [
        "sx", "depolarizing", "thermal_relaxation", "rz", "cx", "depolarizing",
        "thermal_relaxation", "thermal_relaxation", "bit_flip"]
    assert noisy.parameters == ("a",) and noisy.n_qubits == 3
    assert [op.wires for op in noisy.ops[5:8]] == [(1, 2), (1,), (2,)]
    assert NoiseModel.from_target(model.target, scale=0.0).apply(c) == c


def test_apply_errors():
    model = NoiseModel.from_target(Target.from_backend("santiago"))
    with pytest.raises(ValueError, match=r"'h' is not in the basis .*santiago.*cx"):
        model.apply(Circuit(1, [Op("h", (0,))]))
    with pytest.raises(ValueError, match=r"cx.*\(0, 2\) is not available"):
        model.apply(Circuit(3, [Op("cx", (0, 2))]))
    with pytest.raises(ValueError, match="circuit has 6 qubits but device 'santiago' has 5"):
        model.apply(Circuit(6, [Op("x", (5,))]))
    with pytest.raises(ValueError, match="scale"):
        NoiseModel.from_target(model.target, scale=-1)


def test_scale():
    t = Target.from_backend("santiago")
    m1, m2 = NoiseModel.from_target(t), NoiseModel.from_target(t, scale=2.0)
    lam1 = m1.gate_noise("cx", (0, 1))[0].params[0]
    lam2 = m2.gate_noise("cx", (0, 1))[0].params[0]
    assert 1.8 * lam1 < lam2 < 2.2 * lam1
    # scale=2 is the device with every gate error and duration doubled
    d = t.to_dict()
    d["gates"] = {g: [[q, e and 2 * e, dur and 2 * dur] for q, e, dur in rows]
                  for g, rows in d["gates"].items()}
    doubled = NoiseModel.from_target(Target.from_dict(d))
    assert doubled.gate_noise("cx", (0, 1)) == m2.gate_noise("cx", (0, 1))
    assert m2.gate_noise("cx", (0, 1))[1].params[2] == 2 * t.gate_duration("cx", (0, 1))
    assert m2.readout_error(0) == pytest.approx(tuple(2 * p for p in t.readout_error[0]))
    off = NoiseModel.from_target(t, include_readout=False)
    assert torch.equal(off.readout_matrices([0])[0], torch.eye(2, dtype=torch.float64))


def test_pauli_error_rates():
    model = NoiseModel.from_target(Target.from_backend("santiago"))
    op = Op("cx", (0, 1))
    labels, p = model.pauli_error_rates(op)
    assert len(labels) == 16 and labels[0] == "II" and p.sum().item() == pytest.approx(1.0)
    # Pauli-twirl of the exact channel: p_P = <<P|S|P>> transformed by the Walsh-Hadamard map
    s = noise_superop(model.gate_noise("cx", (0, 1)), [0, 1])  # Qiskit order, qubit 0 = LSB
    pm = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
          "Z": np.diag([1.0, -1.0])}

    def pmat(lab):  # our label: char i on op.wires[i] -> Qiskit matrix kron(wire1, wire0)
        return np.kron(pm[lab[1]], pm[lab[0]])

    # twirled probabilities: p_P = (1/d^2) sum_Q (-1)^{<P,Q>} R_QQ with R_QQ = Tr(Q E(Q))/d
    def ptm_diag(lab):
        q = pmat(lab)
        out = (s @ q.reshape(-1, order="F")).reshape(4, 4, order="F")
        return np.trace(q @ out).real / 4

    R = {lab: ptm_diag(lab) for lab in labels}
    for lab, pk in zip(labels, p.numpy(), strict=True):
        sign = {la: np.prod([1 if (a == "I" or b == "I" or a == b) else -1
                             for a, b in zip(lab, la, strict=True)]) for la in labels}
        expect = sum(sign[la] * R[la] for la in labels) / 16
        assert pk == pytest.approx(expect, abs=1e-12), lab


def test_twirled_relaxation_is_the_pauli_twirl_of_the_exact_channel():
    t = Target.from_backend("santiago")
    exact = NoiseModel.from_target(t, scale=5.0)
    twirled = NoiseModel.from_target("santiago", scale=5.0, twirl_relaxation=True)
    assert "twirl_relaxation=True" in repr(twirled)
    paulis = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]),
              np.diag([1.0, -1.0])]
    for gate, qubits in [("sx", (2,)), ("cx", (1, 2))]:
        ops = exact.gate_noise(gate, qubits)
        tw = twirled.gate_noise(gate, qubits)
        assert [op.gate for op in tw] == ["depolarizing"] + ["pauli_channel"] * len(qubits)
        assert tw[0] == ops[0]
        for relax, pauli in zip(ops[1:], tw[1:], strict=True):
            k = op_kraus(relax).numpy()
            s = superop(k)
            want = sum(superop([p]) @ s @ superop([p]) for p in paulis) / 4
            assert np.abs(superop(op_kraus(pauli).numpy()) - want).max() < 1e-12
        # pauli_error_rates (gate insertion) sample exactly the twirled channel
        _, rates = twirled.pauli_error_rates(Op(gate, qubits))
        assert torch.allclose(rates, exact.pauli_error_rates(Op(gate, qubits))[1])
    with pytest.raises(ValueError, match="temperature"):
        NoiseModel.from_target(t, temperature=20.0, twirl_relaxation=True)
