"""Noisy probabilities for ``qnas sim --device``: compile, simulate with noise, read out.

>>> # noisy_probabilities(circuit, "santiago", "density", "0,1", None, None, torch.complex128)
"""

from __future__ import annotations

import torch


def parse_layout(layout) -> list[int] | None:
    """``"0,1,2"`` (or a list) -> ``[0, 1, 2]``; None stays None."""
    if layout is None or isinstance(layout, (list, tuple)):
        return None if layout is None else [int(q) for q in layout]
    try:
        return [int(q) for q in str(layout).replace(" ", "").split(",") if q != ""]
    except ValueError:
        msg = f"--layout must be comma-separated qubit indices, got {layout!r}"
        raise ValueError(msg) from None


def noisy_probabilities(circuit, device, method="density", layout=None, shots=None, seed=None,
                        dtype=torch.complex64, trajectories: int = 1000) -> torch.Tensor:
    """Logical-qubit probabilities ``[2**n]`` of ``circuit`` on ``device`` incl. readout error.

    The circuit is compiled onto the device (``layout[j]`` = physical qubit of logical j),
    simulated with the device noise (``method`` density or trajectories, seeded by ``seed``),
    and marginalised onto the logical qubits in logical order. ``shots`` is unused here (the
    caller samples counts from the returned probabilities).
    """
    from qnas.compile import compile as compile_circuit
    from qnas.sim.noisy import compiled_probabilities

    if circuit.parameters or circuit.inputs:
        raise ValueError("the QASM circuit has free parameters; bind them before simulating")
    cc = compile_circuit(circuit, device, layout=parse_layout(layout),
                         seed=0 if seed is None else int(seed))
    probs = compiled_probabilities(cc, None, None, method, dtype=dtype, trajectories=trajectories,
                                   seed=0 if seed is None else int(seed))
    return probs[0]
