"""``qnas sim FILE --device``: compiled noisy probabilities vs Aer; bad input errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qnas.cli.main import main

BELL3 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
h q[0];
cx q[0],q[1];
ry(0.4) q[2];
cx q[1],q[2];
rz(0.3) q[0];
cx q[2],q[0];
"""


def _aer_with_readout(qasm: str, device: str, layout, level: int = 1):
    """Aer density-matrix probabilities of the logical qubits with readout error applied
    through Aer's own ReadoutError matrices (exact, no shots)."""
    from qiskit import QuantumCircuit, transpile
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    from qnas.backends.aer_eval import fake_backend

    backend = fake_backend(device)
    nm = NoiseModel.from_backend(backend)
    qc = QuantumCircuit.from_qasm_str(qasm)
    tq = transpile(qc, backend=backend, initial_layout=layout, optimization_level=level,
                   seed_transpiler=0)
    final = tq.layout.final_index_layout()
    tq.save_probabilities(final)
    p = np.asarray(AerSimulator(method="density_matrix", noise_model=nm).run(tq, shots=1)
                   .result().data(0)["probabilities"])
    n = len(final)
    x = p.reshape((2,) * n)
    for j, q in enumerate(final):  # readout on logical bit j (axis n-1-j), Aer's P(meas|true)
        r = nm._local_readout_errors[(q,)].probabilities
        x = np.moveaxis(np.tensordot(x, r, axes=([n - 1 - j], [0])), -1, n - 1 - j)
    return x.reshape(-1)


@pytest.mark.parametrize("device,layout", [("santiago", [2, 3, 4]), ("lima", [4, 1, 3]),
                                           ("toronto", [14, 16, 19])])
def test_cli_density_matches_aer(tmp_path, capsys, device, layout):
    f = tmp_path / "c.qasm"
    f.write_text(BELL3)
    rc = main(["sim", str(f), "--device", device, "--layout", ",".join(map(str, layout)),
               "--double", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    ours = np.asarray(out["probabilities"])
    ref = _aer_with_readout(BELL3, device, layout)
    assert 0.5 * np.abs(ours - ref).sum() < 1e-3


def test_cli_trajectories_and_shots(tmp_path, capsys):
    f = tmp_path / "c.qasm"
    f.write_text(BELL3)
    args = ["sim", str(f), "--device", "santiago", "--method", "trajectories", "--shots", "500",
            "--seed", "3", "--json", "--double"]
    assert main(args) == 0
    a = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    b = json.loads(capsys.readouterr().out)
    assert a == b and sum(a["counts"].values()) == 500
    assert main(["sim", str(f), "--device", "santiago", "--double", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    diff = np.abs(np.asarray(a["probabilities"]) - np.asarray(d["probabilities"])).max()
    assert diff < 4 * (0.25 / 1000) ** 0.5  # 1000 trajectories


@pytest.mark.parametrize("extra,msg", [(["--device", "santigo"], "did you mean"),
                                       (["--device", "santiago", "--layout", "0,0,1"], "repeats"),
                                       (["--device", "santiago", "--layout", "0,1"], "entries"),
                                       (["--device", "santiago", "--layout", "a,b,c"], "--layout"),
                                       (["--device", "santiago", "--layout", "0,1,7"], "outside"),
                                       (["--layout", "0,1,2"], "needs --device")])
def test_cli_bad_input(tmp_path, capsys, extra, msg):
    f = tmp_path / "c.qasm"
    f.write_text(BELL3)
    assert main(["sim", str(f), *extra]) == 2
    assert msg in capsys.readouterr().err


def test_cli_too_wide(tmp_path, capsys):
    f = tmp_path / "w.qasm"
    f.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[6];\nh q[5];\n')
    assert main(["sim", str(f), "--device", "lima"]) == 2
    assert "only 5" in capsys.readouterr().err


# h h and x x cancel at optimization level >= 1, not at level 0 (more gates, more noise)
CANCELLING = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
h q[0];
h q[0];
x q[1];
x q[1];
ry(0.7) q[0];
cx q[0],q[1];
"""


def test_cli_optimization_level_is_passed_to_the_transpiler(tmp_path, capsys):
    f = tmp_path / "c.qasm"
    f.write_text(CANCELLING)
    probs = {}
    for level in (None, 0, 1, 3):
        extra = [] if level is None else ["--optimization-level", str(level)]
        assert main(["sim", str(f), "--device", "lima", "--layout", "0,1", "--double",
                     "--json", *extra]) == 0
        probs[level] = np.asarray(json.loads(capsys.readouterr().out)["probabilities"])
    assert np.array_equal(probs[None], probs[1])  # the default is level 1
    assert np.abs(probs[0] - probs[1]).max() > 1e-4  # level 0 keeps the cancelling pairs
    for level in (0, 3):
        ref = _aer_with_readout(CANCELLING, "lima", [0, 1], level)
        assert 0.5 * np.abs(probs[level] - ref).sum() < 1e-6, level


def test_cli_help_documents_optimization_level(capsys):
    with pytest.raises(SystemExit):
        main(["sim", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--optimization-level {0,1,2,3}" in out and "(default 1)" in out
    with pytest.raises(SystemExit):
        main(["sim", "x.qasm", "--optimization-level", "4"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("data,why", [(b"\x89PNG\r\n\x1a\n\xff\xfe", "byte 0 is not UTF-8"),
                                      (b"OPENQASM 2.0;\x00\x00", "NUL bytes")])
def test_cli_binary_file_is_a_clear_error(tmp_path, capsys, data, why):
    f = tmp_path / "image.qasm"
    f.write_bytes(data)
    assert main(["sim", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnas sim: error: ") and str(f) in err
    assert "is not a text (OpenQASM) file" in err and why in err
    assert "codec" not in err
