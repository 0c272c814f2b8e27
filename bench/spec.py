"""The benchmark circuits, defined once so every framework builds the same thing.

Training-step circuit (QuantumNAS "u3cu3_0" space with the TorchQuantum ``4x4_ryzxy`` encoder):

* encoder: 4 layers with gates RY, RZ, RX, RY; layer ``l`` puts its gate on every wire ``w``
  with input feature ``4*l + (w % 4)`` (for 4 wires this is exactly ``4x4_ryzxy``);
* 8 blocks, each: U3 on every wire ``w`` (weights ``u3[b, w, :]`` = theta, phi, lambda),
  then a ring of CU3 on (control ``i``, target ``(i+1) % n``) for ``i = 0..n-1``
  (weights ``cu3[b, i, :]``);
* readout ``<Z>`` on every wire -> ``[B, n]``;
* loss: ``nll_loss(log_softmax(z[:, :4]), labels)`` with labels in ``range(4)``.

Only torch is needed here so the peers' venv can import it too.

Example::

    >>> ops = encoder_ops(4)
    >>> ops[4]
    ('rz', 0, 4)
    >>> data = make_data(4, batch=2)
    >>> tuple(data["u3"].shape), tuple(data["x"].shape)
    ((8, 4, 3), (2, 16))
"""

from __future__ import annotations

import math

import torch

N_FEATURES = 16
N_BLOCKS = 8
N_CLASSES = 4
ENCODER_GATES = ("ry", "rz", "rx", "ry")

# (n_qubits, batch) for the default training-step sizes
TRAIN_SIZES = ((4, 256), (10, 256), (16, 32))


def encoder_ops(n_wires: int) -> list[tuple[str, int, int]]:
    """The encoder as ``(gate, wire, feature_index)`` triples, in application order."""
    if n_wires < 1:
        raise ValueError(f"n_wires must be >= 1, got {n_wires}")
    return [
        (gate, w, 4 * layer + (w % 4))
        for layer, gate in enumerate(ENCODER_GATES)
        for w in range(n_wires)
    ]


def ring_pairs(n_wires: int) -> list[tuple[int, int]]:
    """The CU3 ring (control, target) pairs of one block: ``(i, (i+1) % n)``."""
    return [(i, (i + 1) % n_wires) for i in range(n_wires)]


def make_data(n_wires: int, batch: int, seed: int = 1234) -> dict[str, torch.Tensor]:
    """Seeded weights, inputs and labels (identical in every process: CPU torch RNG).

    Returns float32 tensors ``u3`` and ``cu3`` of shape ``[N_BLOCKS, n_wires, 3]`` in
    ``[-pi, pi)``, inputs ``x`` ``[batch, 16]`` in ``[0, pi)`` and int64 ``labels`` ``[batch]``.
    """
    g = torch.Generator().manual_seed(seed * 1000 + n_wires)
    u3 = (torch.rand(N_BLOCKS, n_wires, 3, generator=g) * 2 - 1) * math.pi
    cu3 = (torch.rand(N_BLOCKS, n_wires, 3, generator=g) * 2 - 1) * math.pi
    x = torch.rand(batch, N_FEATURES, generator=g) * math.pi
    labels = torch.randint(0, N_CLASSES, (batch,), generator=g)
    return {"u3": u3, "cu3": cu3, "x": x, "labels": labels}


def loss_from_z(z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Log-softmax over the first 4 ``<Z>`` outputs + NLL loss."""
    logp = torch.log_softmax(z[:, :N_CLASSES], dim=1)
    return torch.nn.functional.nll_loss(logp, labels)


# -- large-state benchmark ------------------------------------------------------------
LARGE_SIZES = (16, 18, 20, 22, 24)
LARGE_LAYERS = 10


def large_state_ops(n_wires: int, layers: int = LARGE_LAYERS, seed: int = 7) -> list[tuple]:
    """``layers`` x (RY on every wire + CNOT chain (i, i+1)) as ``(gate, wires, angle)``.

    Angles are seeded floats (constants, not parameters); CNOTs carry ``angle=None``.
    Gate count is ``layers * (2 * n_wires - 1)``.
    """
    if n_wires < 2 or layers < 1:
        raise ValueError(f"need n_wires >= 2 and layers >= 1, got {n_wires}, {layers}")
    g = torch.Generator().manual_seed(seed)
    angles = (torch.rand(layers, n_wires, generator=g) * 2 * math.pi).tolist()
    ops: list[tuple] = []
    for layer in range(layers):
        ops += [("ry", (w,), angles[layer][w]) for w in range(n_wires)]
        ops += [("cx", (i, i + 1), None) for i in range(n_wires - 1)]
    return ops


def z_from_state(vec, n_wires: int) -> list[float]:
    """``<Z_w>`` for each wire of a little-endian (Qiskit/qulacs order) numpy statevector."""
    import numpy as np

    probs = (np.abs(np.asarray(vec)) ** 2).reshape([2] * n_wires)  # axis 0 = qubit n-1
    out = []
    for w in range(n_wires):
        axis = n_wires - 1 - w
        p = probs.sum(axis=tuple(a for a in range(n_wires) if a != axis))
        out.append(float(p[0] - p[1]))
    return out
