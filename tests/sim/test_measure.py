"""Probabilities, Z expectations and seeded shot sampling."""

import pytest

import qnas
from qnas.ir import Circuit, Op
from qnas.sim.measure import sample_counts


def test_sampling_is_seeded_and_in_qiskit_order():
    c = Circuit(2, [Op("x", (0,)), Op("h", (1,))])
    p = qnas.probabilities(qnas.simulate(c))[0]
    a = sample_counts(p, 2000, seed=5)
    assert a == sample_counts(p, 2000, seed=5)
    assert set(a) == {"01", "11"}  # qubit 0 is the rightmost character
    assert abs(a["01"] - 1000) < 150


def test_expz_matches_expval():
    c = Circuit(3, [Op("ry", (0,), (0.4,)), Op("cx", (0, 2)), Op("rx", (1,), (1.3,))])
    s = qnas.simulate(c)
    z = qnas.expz(qnas.probabilities(s), 3)
    for w in range(3):
        assert z[0, w].item() == pytest.approx(
            qnas.expval(c, qnas.PauliSum.z(w, 3)).item(), abs=1e-6)


def test_cli_sim_json(tmp_path, capsys):
    import json

    from qnas.cli.main import main

    f = tmp_path / "bell.qasm"
    f.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n'
                 "x q[0];\n")
    assert main(["sim", str(f), "--json", "--shots", "100", "--seed", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_qubits"] == 2
    assert out["probabilities"] == pytest.approx([0, 0.5, 0.5, 0], abs=1e-6)
    assert set(out["counts"]) <= {"01", "10"} and sum(out["counts"].values()) == 100
    bad = tmp_path / "bad.qasm"
    bad.write_text("OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n")
    assert main(["sim", str(bad), "--json"]) == 2
    assert "error" in capsys.readouterr().err
