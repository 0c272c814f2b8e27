"""Independent evaluation on Qiskit Aer under ``NoiseModel.from_backend`` of a fake device.

The circuit is exported to Qiskit, measured on every logical qubit, transpiled once onto the
device with the given initial layout (parameters stay symbolic), bound per input and run in
one Aer call with the device's full noise model (gate errors, relaxation, readout).

>>> from qnas.ir import Circuit, Op, inp, param
>>> c = Circuit(2, [Op("rx", (0,), (inp("x0"),)), Op("cx", (0, 1)), Op("ry", (1,), (param("w"),))])
>>> x, y = torch.tensor([[0.0], [3.1416]]), torch.tensor([0, 1])
>>> def readout(z):  # class 1 when qubit 0 reads 1, i.e. <Z_0> < 0
...     return torch.stack([z[:, 0], -z[:, 0]], -1)
>>> aer_classification_accuracy(c, {"w": 0.0}, x, y, readout, "santiago", shots=256)
1.0
"""

from __future__ import annotations

import numpy as np
import torch


def fake_backend(name: str):
    """The ``qiskit_ibm_runtime`` fake backend for a device name (``santiago``...)."""
    import warnings

    from qnas.devices.fake import _catalog, resolve_device

    cls = _catalog()[resolve_device(name)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return cls()


def _transpile_measured(circuit, backend, layout, seed):
    from qiskit import transpile

    qc = circuit.to_qiskit()
    qc.measure_all()
    return transpile(qc, backend=backend, initial_layout=list(layout) if layout else None,
                     optimization_level=1, seed_transpiler=seed)


def aer_counts(circuit, bindings: list[dict[str, float]], device: str, layout=None,
               shots: int = 8192, seed: int = 0, noise: bool = True) -> list[dict[str, int]]:
    """Counts (keys: logical-qubit bitstrings, qubit 0 rightmost) for each binding."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    backend = fake_backend(device)
    tqc = _transpile_measured(circuit, backend, layout, seed)
    # The density-matrix method simulates each circuit once and samples all shots from it
    # (measurements are terminal); Aer truncates the device's idle qubits.
    sim = AerSimulator(method="density_matrix",
                       noise_model=NoiseModel.from_backend(backend) if noise else None,
                       seed_simulator=seed)
    params = list(tqc.parameters)
    if not params:
        result = sim.run([tqc] * len(bindings), shots=shots).result()
        return [result.get_counts(i) for i in range(len(bindings))]
    check_bindings(params, bindings)
    # Binding inside Aer is orders of magnitude faster than assign_parameters per input.
    binds = [{p: [b[p.name] for b in bindings] for p in params}]
    result = sim.run([tqc], parameter_binds=binds, shots=shots).result()
    return [result.get_counts(i) for i in range(len(bindings))]


def check_bindings(params, bindings: list[dict[str, float]]) -> None:
    """Every Qiskit ``Parameter`` in ``params`` has a value in the (first) binding."""
    missing = sorted({p.name for p in params} - set(bindings[0] if bindings else {}))
    if missing:
        raise ValueError(f"no values for parameters {missing}")


def counts_expz(counts: dict[str, int], n: int) -> np.ndarray:
    """``<Z_q>`` for each logical qubit from counts of ``measure_all`` (keys may have spaces).

    >>> counts_expz({"01": 3, "11": 1}, 2).tolist()   # qubit 0 is the rightmost bit
    [-1.0, 0.5]
    """
    z = np.zeros(n)
    total = 0
    for key, c in counts.items():
        bits = key.replace(" ", "")[-n:]
        total += c
        for q in range(n):
            z[q] += c * (1 - 2 * int(bits[n - 1 - q]))
    return z / max(total, 1)


def aer_classification_accuracy(circuit, values: dict[str, float], x: torch.Tensor,
                                y: torch.Tensor, readout, device: str, layout=None,
                                shots: int = 8192, seed: int = 0, noise: bool = True) -> float:
    """Accuracy of a classifier circuit on ``x`` under Aer's noisy simulation of ``device``."""
    return counts_accuracy(
        lambda c, b: aer_counts(c, b, device, layout, shots, seed, noise),
        circuit, values, x, y, readout)


def counts_accuracy(counts_fn, circuit, values: dict[str, float], x: torch.Tensor,
                    y: torch.Tensor, readout) -> float:
    """Accuracy from measured counts: ``counts_fn(circuit, bindings)`` runs one binding of the
    input features per row of ``x``; ``<Z>`` per qubit from the counts, then ``readout``."""
    # Trained values become constants before transpiling: Qiskit's basis translation of
    # symbolic u3/cu3 angles is very slow, and only the inputs vary from circuit to circuit.
    circuit = circuit.bind(values)
    bindings = [dict(zip(circuit.inputs, row)) for row in x.tolist()]
    counts = counts_fn(circuit, bindings)
    z = torch.tensor(np.stack([counts_expz(c, circuit.n_qubits) for c in counts]),
                     dtype=torch.float32)
    pred = readout(z).argmax(-1)
    return float((pred == y).float().mean())


def aer_energy(circuit, values: dict[str, float], terms, device: str, layout=None,
               shots: int = 8192, seed: int = 0, noise: bool = True) -> float:
    """VQE energy ``sum_k c_k <P_k>`` measured with Aer under the device's noise model.

    Terms are measured in qubit-wise commuting groups (one circuit per group, with basis
    rotations X: H, Y: Sdg H appended), ``shots`` shots each, all groups in one Aer run.
    """
    from qiskit import transpile
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    from qnas.tasks.energy import measurement_groups, parity_signs, rotated

    groups, const = measurement_groups(terms)
    if not groups:
        return const
    circuit = circuit.bind(values)
    if circuit.parameters or circuit.inputs:
        missing = list(circuit.parameters) + list(circuit.inputs)
        raise ValueError(f"no values for parameters {missing}")
    backend = fake_backend(device)
    qcs = []
    for basis, _ in groups:
        qc = rotated(circuit, basis).to_qiskit()
        qc.measure_all()
        qcs.append(qc)
    tqcs = transpile(qcs, backend=backend, initial_layout=list(layout) if layout else None,
                     optimization_level=1, seed_transpiler=seed)
    sim = AerSimulator(method="density_matrix",
                       noise_model=NoiseModel.from_backend(backend) if noise else None,
                       seed_simulator=seed)
    result = sim.run(tqcs, shots=shots).result()
    n = circuit.n_qubits
    energy = const
    for i, (_, members) in enumerate(groups):
        probs = np.zeros(2**n)
        counts = result.get_counts(i)
        for key, c in counts.items():
            probs[int(key.replace(" ", "")[-n:], 2)] += c
        probs /= probs.sum()
        signs = parity_signs([t for t, _ in members], n).numpy()
        energy += float(probs @ signs @ np.array([c for _, c in members]))
    return energy
