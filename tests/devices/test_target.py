"""Device targets: loading fake backends by name, JSON snapshots, helpers."""

import json
import subprocess
import sys

import pytest
import torch

from qnas.devices import Target, list_devices, normalize_name, qnas_gate_name, resolve_device


@pytest.fixture(scope="module")
def santiago():
    return Target.from_backend("santiago")


@pytest.mark.parametrize("name", ["santiago", "fake_santiago", "FakeSantiagoV2", "FakeSantiago",
                                  "SANTIAGO", "Fake_Santiago_V2"])
def test_name_forms_resolve(name, santiago):
    assert resolve_device(name) == "santiago"
    assert Target.from_backend(name) == santiago


def test_santiago_contents(santiago):
    t = santiago
    assert t.name == "santiago" and t.n_qubits == 5
    assert t.basis_gates == ("cx", "id", "rz", "sx", "x")
    # santiago is a line 0-1-2-3-4 with both directions
    assert set(t.coupling_map) == {(i, i + 1) for i in range(4)} | {(i + 1, i) for i in range(4)}
    assert t.neighbors(0) == (1,) and t.neighbors(2) == (1, 3)
    err, dur = t.gate_props("cx", (0, 1))
    assert 1e-3 < err < 5e-2 and 1e-7 < dur < 2e-6
    assert t.gate_error("rz", (3,)) == 0.0 and t.gate_duration("rz", (3,)) == 0.0
    assert all(1e-6 < x < 1e-3 for x in t.t1 + t.t2)
    assert t.dt == pytest.approx(2.2222e-10, rel=1e-3)
    A = t.readout_matrix(0)
    assert torch.allclose(A.sum(0), torch.ones(2, dtype=torch.float64))
    assert A[1, 0] == pytest.approx(t.readout_error[0][0]) and A[1, 0] < 0.1


def test_matches_qiskit_backend(santiago):
    from qiskit_ibm_runtime.fake_provider import FakeSantiagoV2

    qt = FakeSantiagoV2().target
    for name in ("sx", "x", "cx", "id"):
        for qs, p in qt[name].items():
            assert santiago.gate_props(name, qs) == (p.error, p.duration)
    for q in range(5):
        assert santiago.t1[q] == qt.qubit_properties[q].t1
        assert santiago.readout_error[q] == (qt["measure"][(q,)].error,) * 2
    assert Target.from_backend(FakeSantiagoV2()) == santiago  # a backend object works too


def test_asymmetric_readout(santiago):
    asym = Target.from_backend("santiago", asymmetric_readout=True)
    p10, p01 = asym.readout_error[0]
    assert (p10, p01) == pytest.approx((0.0064, 0.0202), abs=1e-12)  # santiago qubit 0
    for q in range(5):  # the symmetric error is the mean of the two assignment errors
        assert sum(asym.readout_error[q]) / 2 == pytest.approx(santiago.readout_error[q][0])
    assert asym.gates == santiago.gates
    A = asym.readout_matrix(0)
    assert A.tolist() == [[1 - p10, p01], [p10, 1 - p01]]


def test_unknown_device_suggests():
    with pytest.raises(ValueError, match="unknown device 'santaigo'.*santiago"):
        Target.from_backend("santaigo")
    with pytest.raises(ValueError, match="toronto"):
        Target.from_backend("FakeTorontoo")
    with pytest.raises(ValueError, match="unknown device"):
        Target.from_backend("zzzz")


def test_bad_queries(santiago):
    with pytest.raises(ValueError, match="not available on device"):
        santiago.gate_props("cx", (0, 2))
    with pytest.raises(ValueError, match="not in the basis"):
        santiago.gate_props("h", (0,))
    with pytest.raises(ValueError, match="outside device"):
        santiago.neighbors(5)


def test_gate_name_mapping():
    assert qnas_gate_name("u1") == "p" and qnas_gate_name("ecr") == "ecr"
    assert qnas_gate_name("reset") is None and qnas_gate_name("if_else") is None
    assert qnas_gate_name("delay") is None
    assert normalize_name("FakeFractionalBackend") == "fractional"


def test_json_round_trip(tmp_path, santiago):
    p = santiago.to_json(tmp_path / "sub" / "santiago.json")
    assert p.exists() and not list(p.parent.glob("*.tmp"))
    assert Target.from_json(p) == santiago
    data = json.loads(p.read_text())
    data["format"] = "other"
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="not a qnas target"):
        Target.from_json(tmp_path / "bad.json")


def test_json_loads_without_qiskit(tmp_path, santiago):
    from qnas.ir import Op
    from qnas.noise import NoiseModel

    p = santiago.to_json(tmp_path / "t.json")
    code = f"""
import sys
for m in ("qiskit", "qiskit_aer", "qiskit_ibm_runtime"):
    sys.modules[m] = None
from qnas.devices import Target
from qnas.noise import NoiseModel
from qnas.ir import Op
t = Target.from_json({str(p)!r})
m = NoiseModel.from_target(t)
print(t.n_qubits, repr(m.gate_noise("cx", (1, 2))[0].params[0]), t.median_errors()["t1"])
assert "qiskit" not in [k for k, v in sys.modules.items() if v is not None]
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lam = NoiseModel.from_target(santiago).gate_noise("cx", (1, 2))[0].params[0]
    assert out.stdout.split() == ["5", repr(lam), repr(santiago.median_errors()["t1"])]
    assert Op("cx", (1, 2)).gate == "cx"


def test_median_errors(santiago):
    m = santiago.median_errors()
    assert m["n_qubits"] == 5
    assert 1e-4 < m["error_1q"] < 1e-3 and 1e-3 < m["error_2q"] < 2e-2
    assert 0 < m["readout_error"] < 0.1 and m["t1"] > 1e-5 and m["t2"] > 1e-5


def test_list_devices():
    devs = list_devices()
    assert len(devs) >= 60
    assert devs["santiago"] == 5 and devs["toronto"] == 27 and devs["sherbrooke"] == 127


@pytest.mark.slow
def test_every_fake_backend_loads():
    for name, n in list_devices().items():
        t = Target.from_backend(name)
        assert t.n_qubits == n, name
        assert t.basis_gates and set(t.basis_gates) <= set(t.gates), name
        if n > 1:
            assert t.coupling_map and t.two_qubit_gates(), name
        assert all(0 <= p <= 1 for r in t.readout_error for p in r), name
        assert Target.from_dict(t.to_dict()) == t, name
