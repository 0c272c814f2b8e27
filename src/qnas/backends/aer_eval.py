"""Independent evaluation on Qiskit Aer under ``NoiseModel.from_backend`` of a fake device.

The circuit is exported to Qiskit, measured on every logical qubit, transpiled once onto the
device with the given initial layout (parameters stay symbolic), bound per input and run in
one Aer call with the device's full noise model (gate errors, relaxation, readout).

>>> from qnas.ir import Circuit, Op, inp, param
>>> c = Circuit(2, [Op("rx", (0,), (inp("x0"),)), Op("cx", (0, 1)), Op("ry", (1,), (param("w"),))])
>>> x, y = torch.tensor([[0.0], [3.1416]]), torch.tensor([0, 1])
>>> def readout(z):  # class 1 when qubit 0 reads 1, i.e. <Z_0> < 0
...     return torch.stack([z[:, 0], -z[:, 0]], -1)
>>> r = aer_classification(c, {"w": 0.0}, x, y, readout, "santiago", shots=256)
>>> r["accuracy"], r["exact_accuracy"], r["pred_exact"]
(1.0, 1.0, [0, 1])
"""

from __future__ import annotations

import numpy as np
import torch

from qnas.sim.measure import expz


def fake_backend(name: str, noise_scale: float = 1.0):
    """The ``qiskit_ibm_runtime`` fake backend for a device name (``santiago``...), a fresh
    object each call; ``noise_scale`` scales its noise
    (:func:`~qnas.devices.fake.scale_backend_noise`)."""
    import warnings

    from qnas.devices.fake import _catalog, resolve_device, scale_backend_noise

    cls = _catalog()[resolve_device(name)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return scale_backend_noise(cls(), noise_scale)


# Aer's density matrix of w active qubits holds 4**w complex numbers: 268 MB at 12 qubits
# (seconds per input for a 10-qubit classifier), 4.3 GB at 14, 17 GB at 15.
MAX_AER_QUBITS = 12


def transpile_measured(circuit, backend, layout, seed, max_qubits: int = MAX_AER_QUBITS):
    """``circuit`` measured on every qubit and transpiled for Aer (:func:`route_for_aer`)."""
    qc = circuit.to_qiskit()
    qc.measure_all()
    return route_for_aer(qc, backend, layout, seed, max_qubits)


def active_qubits(qc) -> list[int]:
    """The (physical) qubits that some instruction of ``qc`` acts on; Aer simulates those.

    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(5)
    >>> _ = qc.cx(0, 3)
    >>> active_qubits(qc)
    [0, 3]
    """
    return sorted({qc.find_bit(q).index for inst in qc.data for q in inst.qubits})


def connected_region(coupling_map, qubits) -> list[int]:
    """``qubits`` and the qubits of shortest paths (undirected) that join them into one
    connected set on ``coupling_map``; added greedily, nearest component first.

    >>> from qiskit.transpiler import CouplingMap
    >>> connected_region(CouplingMap.from_line(6), [0, 3, 4])
    [0, 1, 2, 3, 4]
    """
    import rustworkx as rx

    graph = coupling_map.graph.to_undirected(multigraph=False)
    dist = rx.distance_matrix(graph)
    region = {int(q) for q in qubits}
    while True:
        nodes = sorted(region)
        parts = rx.connected_components(graph.subgraph(nodes))
        if len(parts) <= 1:
            return nodes
        first = {nodes[i] for i in parts[0]}
        a, b = min(((a, b) for a in sorted(first) for b in sorted(region - first)),
                   key=lambda ab: (dist[ab[0], ab[1]], ab))
        region |= set(rx.dijkstra_shortest_paths(graph, a, target=b)[b])


def route_for_aer(qc, backend, layout, seed, max_qubits: int = MAX_AER_QUBITS):
    """``qc`` transpiled onto ``backend`` (``initial_layout=layout``, level 1, seeded).

    Qiskit's routing may pass through qubits outside the layout; when that makes the circuit
    act on more than ``max_qubits`` qubits (too many for Aer's density matrix), it is routed
    again on the layout's qubits (the ones Qiskit chose when ``layout`` is None) and the
    fewest others that connect them. Raises ValueError when even that is wider.
    """
    import warnings

    from qiskit import transpile
    from qiskit.transpiler import CouplingMap

    tqc = transpile(qc, backend=backend, initial_layout=list(layout) if layout else None,
                    optimization_level=1, seed_transpiler=seed)
    if len(active_qubits(tqc)) <= max_qubits:
        return tqc
    placed = tqc.layout.initial_index_layout(filter_ancillas=True)[: qc.num_qubits]
    region = set(connected_region(backend.coupling_map, placed))
    edges = [e for e in backend.coupling_map.get_edges() if set(e) <= region]
    with warnings.catch_warnings():  # the restricted map drops the backend's error rates
        warnings.simplefilter("ignore", UserWarning)
        tqc = transpile(qc, backend=backend, coupling_map=CouplingMap(edges),
                        initial_layout=placed, optimization_level=1, seed_transpiler=seed)
    width = len(active_qubits(tqc))
    if width > max_qubits:
        raise ValueError(
            f"the routed circuit acts on {width} qubits of {backend.name} (layout {placed}); "
            f"Aer's density matrix is limited to evaluation.max_aer_qubits = {max_qubits} "
            f"(4**{width} amplitudes): choose a connected layout or raise the limit")
    return tqc


def aer_counts(circuit, bindings: list[dict[str, float]], device: str, layout=None,
               shots: int = 8192, seed: int = 0, noise: bool = True,
               noise_scale: float = 1.0) -> list[dict[str, int]]:
    """Counts (keys: logical-qubit bitstrings, qubit 0 rightmost) for each binding."""
    return aer_outcomes(circuit, bindings, device, layout, shots, seed, noise, noise_scale)[0]


def aer_outcomes(circuit, bindings: list[dict[str, float]], device: str, layout=None,
                 shots: int = 8192, seed: int = 0, noise: bool = True,
                 noise_scale: float = 1.0, max_qubits: int = MAX_AER_QUBITS,
                 ) -> tuple[list[dict[str, int]], np.ndarray]:
    """Counts and exact outcome probabilities ``[bindings, 2**n]`` for each binding.

    One Aer run (density matrix, the device's noise model scaled by ``noise_scale``): the
    counts are ``shots`` samples of the final measurement; the probabilities are Aer's own
    (``save_probabilities`` just before the measurements) with the device's readout errors
    applied, i.e. what infinitely many shots would give. Index ``i`` of a probability row is
    the logical-qubit bitstring of ``i`` (qubit 0 least significant, like the count keys).
    ``max_qubits``: see :func:`route_for_aer`.
    """
    backend = fake_backend(device, noise_scale)
    tqc, physical = _saving_probabilities(
        transpile_measured(circuit, backend, layout, seed, max_qubits))
    # The density-matrix method simulates each circuit once and samples all shots from it
    # (measurements are terminal); Aer truncates the device's idle qubits.
    sim = _density_simulator(backend, noise, seed)
    params = list(tqc.parameters)
    if not params:
        result = sim.run([tqc] * len(bindings), shots=shots).result()
    else:
        check_bindings(params, bindings)
        # Binding inside Aer is orders of magnitude faster than assign_parameters per input.
        binds = [{p: [b[p.name] for b in bindings] for p in params}]
        result = sim.run([tqc], parameter_binds=binds, shots=shots).result()
    counts = [result.get_counts(i) for i in range(len(bindings))]
    probs = np.stack([np.asarray(result.data(i)["probabilities"], dtype=float)
                      for i in range(len(bindings))])
    if noise:
        probs = _with_readout_error(probs, backend, physical)
    return counts, probs


def _density_simulator(backend, noise: bool, seed: int):
    """Aer's density-matrix simulator with ``backend``'s noise model (or none)."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    return AerSimulator(method="density_matrix",
                        noise_model=NoiseModel.from_backend(backend) if noise else None,
                        seed_simulator=seed)


def _saving_probabilities(tqc):
    """``tqc`` with ``save_probabilities`` on its measured qubits (in clbit order) right before
    its final measurements, and those physical qubits."""
    import qiskit_aer  # noqa: F401  (adds QuantumCircuit.save_probabilities)

    measured = {}
    body = tqc.copy_empty_like()
    for inst in tqc.data:
        if inst.operation.name == "measure":
            measured[tqc.find_bit(inst.clbits[0]).index] = tqc.find_bit(inst.qubits[0]).index
        else:  # measure_all's measurements are terminal: nothing else follows them
            body.append(inst)
    physical = [measured[c] for c in range(len(measured))]
    body.save_probabilities(physical, label="probabilities")
    for c, q in enumerate(physical):
        body.measure(q, c)
    return body, physical


def _with_readout_error(probs: np.ndarray, backend, physical: list[int]) -> np.ndarray:
    """``probs`` (bit j = ``physical[j]``) seen through Aer's readout error of each qubit."""
    from qiskit_aer.noise.device.models import basic_device_readout_errors

    from qnas.noise import apply_readout_error

    errors = {qs[0]: torch.tensor(e.probabilities).T  # Aer: [prepared, measured]
              for qs, e in basic_device_readout_errors(target=backend.target)}
    mats = [errors.get(q, torch.eye(2, dtype=torch.float64)) for q in physical]
    return apply_readout_error(torch.tensor(probs), mats).numpy()


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


def aer_classification(circuit, values: dict[str, float], x: torch.Tensor, y: torch.Tensor,
                       readout, device: str, layout=None, shots: int = 8192, seed: int = 0,
                       noise: bool = True, noise_scale: float = 1.0,
                       max_qubits: int = MAX_AER_QUBITS) -> dict:
    """A classifier circuit on ``x`` under Aer's noisy simulation of ``device``.

    Returns ``accuracy`` (from ``shots`` shots per input), ``exact_accuracy`` (from Aer's exact
    outcome probabilities with readout error: no shot noise) and the per-input predicted
    classes of both (``pred``, ``pred_exact``) for paired tests between models.
    """
    circuit = circuit.bind(values)  # see counts_accuracy: only the inputs stay symbolic
    bindings = [dict(zip(circuit.inputs, row)) for row in x.tolist()]
    counts, probs = aer_outcomes(circuit, bindings, device, layout, shots, seed, noise,
                                 noise_scale, max_qubits)
    n = circuit.n_qubits
    z_shots = np.stack([counts_expz(c, n) for c in counts])
    out = {}
    z_exact = expz(torch.tensor(probs), n).numpy()
    for key, z in (("pred", z_shots), ("pred_exact", z_exact)):
        out[key] = readout(torch.tensor(z, dtype=torch.float32)).argmax(-1)
    return {"accuracy": float((out["pred"] == y).float().mean()),
            "exact_accuracy": float((out["pred_exact"] == y).float().mean()),
            "pred": out["pred"].tolist(), "pred_exact": out["pred_exact"].tolist()}


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
               shots: int = 8192, seed: int = 0, noise: bool = True,
               noise_scale: float = 1.0) -> float:
    """VQE energy ``sum_k c_k <P_k>`` measured with Aer under the device's noise model
    (``shots`` shots per measurement group; see :func:`aer_energies`)."""
    return aer_energies(circuit, values, terms, device, layout, shots, seed, noise,
                        noise_scale)[0]


def aer_energies(circuit, values: dict[str, float], terms, device: str, layout=None,
                 shots: int = 8192, seed: int = 0, noise: bool = True,
                 noise_scale: float = 1.0,
                 max_qubits: int = MAX_AER_QUBITS) -> tuple[float, float]:
    """``(measured, exact)`` VQE energy under Aer with the device's noise model: from
    ``shots`` shots per group, and from Aer's exact probabilities with readout error.

    Terms are measured in qubit-wise commuting groups (one circuit per group, with basis
    rotations X: H, Y: Sdg H appended), all groups in one Aer run.
    """
    from qnas.tasks.energy import measurement_groups, parity_signs, rotated

    groups, const = measurement_groups(terms)
    if not groups:
        return const, const
    circuit = circuit.bind(values)
    if circuit.parameters or circuit.inputs:
        missing = list(circuit.parameters) + list(circuit.inputs)
        raise ValueError(f"no values for parameters {missing}")
    backend = fake_backend(device, noise_scale)
    qcs = []
    for basis, _ in groups:
        qc = rotated(circuit, basis).to_qiskit()
        qc.measure_all()
        qcs.append(qc)
    tqcs = [route_for_aer(qc, backend, layout, seed, max_qubits) for qc in qcs]
    saving = [_saving_probabilities(t) for t in tqcs]
    sim = _density_simulator(backend, noise, seed)
    result = sim.run([t for t, _ in saving], shots=shots).result()
    n = circuit.n_qubits
    measured, exact = const, const
    for i, (_, members) in enumerate(groups):
        probs = np.zeros(2**n)
        for key, c in result.get_counts(i).items():
            probs[int(key.replace(" ", "")[-n:], 2)] += c
        probs /= probs.sum()
        p_exact = np.asarray(result.data(i)["probabilities"], dtype=float)[None]
        if noise:
            p_exact = _with_readout_error(p_exact, backend, saving[i][1])
        weights = parity_signs([t for t, _ in members], n).numpy() @ np.array(
            [c for _, c in members])
        measured += float(probs @ weights)
        exact += float(p_exact[0] @ weights)
    return measured, exact
