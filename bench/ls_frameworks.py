"""Large-state (batch 1, no grad) runners for qnas, qiskit-aer, qulacs and PennyLane
lightning.qubit.

Each ``prepare_<framework>(n, ops, threads)`` builds the circuit from
``spec.large_state_ops`` once (build/transpile time is NOT timed) and returns
``(run, final_z)``: ``run()`` simulates from ``|0...0>`` (the timed part), ``final_z()``
gives ``<Z_w>`` per wire of the last simulated state (for the correctness check).

Example::

    run, final_z = prepare_qnas(16, large_state_ops(16), threads=2)
    run(); final_z()[:2]
"""

from __future__ import annotations

from collections.abc import Callable

from spec import z_from_state

Runner = tuple[Callable[[], object], Callable[[], list[float]]]


def prepare_qnas(n: int, ops: list[tuple], threads: int) -> Runner:
    """``qnas.simulate`` (complex64) of a constant-angle qnas Circuit under ``no_grad``."""
    import torch

    import qnas
    from qnas.ir import Circuit, Op

    torch.set_num_threads(threads)
    circuit = Circuit(n, [Op(g, w, () if a is None else (a,)) for g, w, a in ops])
    box: dict = {}

    def run():
        with torch.no_grad():
            box["state"] = qnas.simulate(circuit, dtype=torch.complex64)

    def final_z():
        return z_from_state(box["state"][0].numpy(), n)

    return run, final_z


def prepare_aer(n: int, ops: list[tuple], threads: int) -> Runner:
    """qiskit-aer ``AerSimulator(method='statevector', precision='single')``, pre-transpiled.

    Aer keeps its default optimisations (gate fusion etc.); only ``backend.run(...).result()``
    is timed, which includes returning the saved statevector.
    """
    from qiskit import QuantumCircuit, transpile
    from qiskit_aer import AerSimulator

    qc = QuantumCircuit(n)
    for g, w, a in ops:
        if g == "ry":
            qc.ry(a, w[0])
        else:
            qc.cx(*w)
    qc.save_statevector()
    sim = AerSimulator(method="statevector", precision="single", max_parallel_threads=threads)
    tqc = transpile(qc, sim, optimization_level=0)
    box: dict = {}

    def run():
        box["result"] = sim.run(tqc, shots=1).result()

    def final_z():
        return z_from_state(box["result"].get_statevector(), n)

    return run, final_z


def prepare_qulacs(n: int, ops: list[tuple], threads: int) -> Runner:
    """qulacs ``QuantumCircuit.update_quantum_state`` on a ``QuantumState`` (complex128).

    ``add_RotY_gate`` is exp(-i a Y/2) like Qiskit's RY (qulacs' ``add_RY_gate`` has the
    opposite sign). Threads follow ``OMP_NUM_THREADS`` (set by the caller before import).
    The timed run includes ``set_zero_state()`` (one write of the state, negligible).
    """
    import qulacs

    circuit = qulacs.QuantumCircuit(n)
    for g, w, a in ops:
        if g == "ry":
            circuit.add_RotY_gate(w[0], a)
        else:
            circuit.add_CNOT_gate(*w)
    state = qulacs.QuantumState(n)

    def run():
        state.set_zero_state()
        circuit.update_quantum_state(state)

    def final_z():
        return z_from_state(state.get_vector(), n)

    return run, final_z


def prepare_lightning(n: int, ops: list[tuple], threads: int) -> Runner:
    """PennyLane ``lightning.qubit`` (``c_dtype=complex64``), a QNode returning the state.

    Its documented fast path for a fixed circuit: the device's C++ kernels, no gradient
    (``diff_method=None``). PennyLane orders wire 0 as the most significant bit, so the circuit
    is built on wire ``n - 1 - w`` for qubit ``w``: the state then has Qiskit's order.
    Threads follow ``OMP_NUM_THREADS`` (set by the caller before import).
    """
    import numpy as np
    import pennylane as qml

    dev = qml.device("lightning.qubit", wires=n, c_dtype=np.complex64)

    @qml.qnode(dev, diff_method=None)
    def circuit():
        for g, w, a in ops:
            if g == "ry":
                qml.RY(a, wires=n - 1 - w[0])
            else:
                qml.CNOT(wires=[n - 1 - w[0], n - 1 - w[1]])
        return qml.state()

    box: dict = {}

    def run():
        box["state"] = circuit()

    def final_z():
        return z_from_state(np.asarray(box["state"]), n)

    return run, final_z


PREPARE = {"qnas": prepare_qnas, "qiskit-aer": prepare_aer, "qulacs": prepare_qulacs,
           "lightning": prepare_lightning}


def versions(framework: str) -> str:
    import importlib.metadata as md

    dist = {"qnas": "qnas", "qiskit-aer": "qiskit-aer", "qulacs": "qulacs",
            "lightning": "pennylane-lightning"}[framework]
    return md.version(dist)
