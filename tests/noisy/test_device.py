"""``qnas.noisy``: the DeviceCircuit API, its one cache, and the package layering."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import qnas
from qnas.devices import Target
from qnas.ir import Circuit, Op, inp, param
from qnas.noisy import (
    DEFAULT_CACHE,
    DeviceCircuit,
    DeviceCircuitCache,
    device_circuit,
    device_expz,
    device_probabilities,
)
from qnas.sim import expz

SRC = Path(qnas.__file__).resolve().parent


def _circuit() -> Circuit:
    return Circuit(2, [Op("ry", (0,), (inp("x"),)), Op("cx", (0, 1)),
                       Op("rz", (1,), (param("a"),)), Op("sx", (1,))])


A = torch.tensor([0.4])
X = torch.tensor([[0.3], [1.2], [2.0]])


def test_cache_keys_on_content_and_compile_options():
    cache = DeviceCircuitCache(maxsize=3)
    c = _circuit()
    dc = cache.get(c, "lima", [0, 1])
    assert cache.get(Circuit.from_text(c.to_text()), "lima", (0, 1)) is dc  # equal circuit
    assert cache.get(c, Target.from_backend("lima"), [0, 1]) is dc  # name or Target
    assert cache.get(c, "lima", [1, 0]) is not dc
    assert cache.get(c, "lima", [0, 1], optimization_level=0) is not dc
    assert cache.get(c, "lima", [0, 1], seed=5) is not dc
    assert len(cache) == 3 and cache.hits == 2 and cache.misses == 4  # LRU: dc was evicted
    assert cache.get(c, "lima", [0, 1]) is not dc
    two = Circuit(2, [Op("rx", (0,), (param("a"),)), Op("cx", (0, 1)),
                      Op("ry", (1,), (param("b"),))])
    swapped = Circuit(2, two.ops, ("b", "a"))
    assert swapped.to_text() != two.to_text()
    dc2, dc2s = cache.get(two, "lima", [0, 1]), cache.get(swapped, "lima", [0, 1])
    assert dc2s is not dc2 and dc2s.circuit.parameters == ("b", "a")
    p = torch.tensor([0.3, 1.7])
    assert torch.allclose(dc2.expz(p), dc2s.expz(p.flip(0)))


def test_same_name_other_calibration_recompiles():
    cache = DeviceCircuitCache()
    t = Target.from_backend("lima")
    data = t.to_dict()
    data["readout_error"] = [[0.2, 0.2]] * t.n_qubits
    other = Target.from_dict(data)
    assert other.name == t.name and other != t
    c = _circuit()
    a = cache.get(c, t, [0, 1])
    b = cache.get(c, other, [0, 1])
    assert b is not a and b.target is other
    assert not torch.allclose(a.expz(A, X), b.expz(A, X))


def test_module_functions_use_the_given_cache():
    cache = DeviceCircuitCache()
    before = len(DEFAULT_CACHE)
    c = Circuit(2, [Op("sx", (0,)), Op("cx", (1, 0)), Op("rz", (0,), (param("b"),))])
    p = device_probabilities(c, torch.tensor([0.2]), None, "santiago", [3, 4], cache=cache)
    z = device_expz(c, torch.tensor([0.2]), None, "santiago", [3, 4], cache=cache)
    assert len(cache) == 1 and cache.hits == 1 and len(DEFAULT_CACHE) == before
    assert p.shape == (1, 4) and z.shape == (1, 2)
    assert torch.allclose(z, expz(p, 2), atol=1e-6)  # readout on <Z> == readout on probs
    assert device_circuit(c, "santiago", [3, 4], cache=cache) is cache.get(c, "santiago", [3, 4])


def test_methods_shapes_seeds_and_scale():
    dc = device_circuit(_circuit(), "santiago", [1, 2])
    for method in ("density", "trajectories", "gate_insertion", "statevector"):
        p = dc.probabilities(A, X, method=method, seed=0)
        assert p.shape == (3, 4) and torch.allclose(p.sum(-1), torch.ones(3), atol=1e-5)
        assert torch.equal(p, dc.probabilities(A, X, method=method, seed=0))  # seeded
        assert dc.expz(A, X, method=method, seed=0).shape == (3, 2)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    rows = X.repeat(20, 1)
    a = dc.expz(A, rows, method="gate_insertion", scale=20.0, generator=g1)
    assert torch.equal(a, dc.expz(A, rows, method="gate_insertion", scale=20.0, generator=g2))
    assert not torch.equal(a, dc.expz(A, rows, method="gate_insertion", scale=20.0, generator=g1))
    clean = dc.expz(A, X, method="statevector", readout_error=False)
    assert torch.allclose(dc.expz(A, X, scale=0.0), clean, atol=1e-6)  # scale 0: no noise
    weak, strong = dc.expz(A, X, scale=1.0), dc.expz(A, X, scale=3.0)
    assert ((strong - clean).abs() > (weak - clean).abs()).all()
    assert dc.noise_model(2.0) is dc.noise_model(2.0) and dc.noise_model(2.0).scale == 2.0
    assert dc.noisy_circuit(1.0) is dc.noisy_circuit(1.0)
    with pytest.raises(ValueError, match="unknown noisy method"):
        dc.probabilities(A, X, method="exact")
    with pytest.raises(ValueError, match="unknown noisy method"):
        device_expz(_circuit(), A, X, "santiago", method="shots")


def test_gate_insertion_without_inputs_and_batched_params():
    c = Circuit(2, [Op("rx", (0,), (param("a"),)), Op("cx", (0, 1))])
    dc = device_circuit(c, "lima", [0, 1])
    p = torch.tensor([[0.1], [0.9], [2.0]])
    z = dc.expz(p, None, method="gate_insertion", scale=5.0, seed=1)
    assert z.shape == (3, 2)
    assert dc.expz(torch.tensor([0.3]), None, method="gate_insertion", seed=1).shape == (1, 2)


def test_density_runs_many_inputs_in_chunks_with_the_same_result(monkeypatch):
    import qnas.noisy.device as device_mod

    dc = device_circuit(_circuit(), "santiago", [1, 2])
    rows = torch.linspace(0.0, 3.0, 4)[:, None]  # 4 inputs <= 4 outcomes: Schroedinger picture
    whole = dc.probabilities(A, rows, method="density")
    calls = []
    real = device_mod.superop.marginal_probabilities
    monkeypatch.setattr(device_mod.superop, "marginal_probabilities",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(device_mod, "CHUNK_AMPLITUDES", 4 ** dc.noisy_circuit(1.0).n_qubits)
    chunked = dc.probabilities(A, rows, method="density")
    assert len(calls) == 4 and torch.allclose(chunked, whole, atol=1e-6)
    per_row = torch.tensor([[0.1], [0.5], [0.9]])  # per-input parameters, no inputs
    c = Circuit(2, [Op("rx", (0,), (param("a"),)), Op("cx", (0, 1))])
    d2 = device_circuit(c, "lima", [0, 1])
    monkeypatch.setattr(device_mod, "CHUNK_AMPLITUDES", 2**26)
    one = d2.probabilities(per_row, None, method="density")
    monkeypatch.setattr(device_mod, "CHUNK_AMPLITUDES", 4 ** d2.noisy_circuit(1.0).n_qubits)
    assert torch.allclose(d2.probabilities(per_row, None, method="density"), one, atol=1e-6)


def test_from_physical_needs_no_transpiler():
    c = Circuit(2, [Op("sx", (0,)), Op("cx", (0, 1))])
    dc = DeviceCircuit.from_physical(c, "santiago")
    assert dc.circuit == c and dc.measured_wires == (0, 1)
    rho = qnas.simulate(c, target="santiago", method="density", dtype=torch.complex128)
    want = qnas.probabilities(rho)
    got = dc.probabilities(readout_error=False, dtype=torch.complex128)
    assert torch.allclose(got, want, atol=1e-12)


def test_core_and_chain_work_without_qiskit(tmp_path):
    path = Target.from_backend("santiago").to_json(tmp_path / "santiago.json")
    code = (
        "import sys; sys.modules['qiskit'] = None; sys.modules['qiskit_aer'] = None\n"
        "import torch, qnas\n"
        "from qnas.ir import Circuit, Op\n"
        "from qnas.noisy import DeviceCircuit\n"
        "c = Circuit(2, [Op('sx', (0,)), Op('cx', (0, 1))])\n"
        "assert qnas.simulate(c).shape == (1, 4)\n"
        f"t = qnas.Target.from_json({str(path)!r})\n"
        "print(DeviceCircuit.from_physical(c, t).expz().shape)\n"
        "try:\n    c.to_qiskit()\nexcept ImportError:\n    print('no qiskit')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["torch.Size([1, 2])", "no qiskit"]


def _imported_qnas_modules(path: Path) -> set[tuple[str, str]]:
    """``(module, enclosing function)`` of every ``qnas.*`` import in a file."""
    out = set()

    def visit(node, func):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef,
                                                    ast.AsyncFunctionDef)) else func
            if isinstance(child, ast.ImportFrom) and child.module:
                out.add((child.module, func))
            elif isinstance(child, ast.Import):
                out.update((a.name, func) for a in child.names)
            visit(child, name)

    visit(ast.parse(path.read_text()), "")
    return {(m, f) for m, f in out if m == "qnas" or m.startswith("qnas.")}


# package -> qnas packages it must never import (lower layers do not import higher ones)
FORBIDDEN = {
    "ir": ("backends", "sim", "compile", "noise", "noisy", "train", "pipeline"),
    "sim": ("compile", "noisy", "devices", "backends", "train", "tasks", "pipeline"),
    "compile": ("sim", "noisy", "train", "pipeline"),
    "noise": ("sim", "compile", "noisy", "train", "pipeline"),
    "noisy": ("train", "tasks", "pipeline", "cli"),
}
ALLOWED: set = set()


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layering(package):
    bad = []
    for path in sorted((SRC / package).glob("*.py")):
        rel = f"{package}/{path.name}"
        for module, func in _imported_qnas_modules(path):
            top = module.split(".")[1] if "." in module else ""
            if top in FORBIDDEN[package] and (rel, module, func) not in ALLOWED:
                bad.append(f"{rel}: {module} (in {func or 'module'})")
    assert not bad, bad
