"""The training-step circuit in PennyLane (``default.qubit``, torch interface, backprop).

Inputs are broadcast: each encoder gate gets the whole ``x[:, f]`` column, so one QNode
call simulates the batch (PennyLane parameter broadcasting). CU3 is
``qml.ctrl(qml.U3(...), control=c)``, which has the same matrix as the textbook CU3.

Example::

    model = build_model(4, make_data(4, 8))
    z = model(make_data(4, 8)["x"])        # [8, 4] <Z> values
"""

from __future__ import annotations

import pennylane as qml
import torch
from spec import N_BLOCKS, encoder_ops, ring_pairs

_ENC = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ}


class PLModel(torch.nn.Module):
    """Trainable ``u3``/``cu3`` weights around a broadcasting ``default.qubit`` QNode."""

    def __init__(self, n_wires: int, data: dict[str, torch.Tensor]):
        super().__init__()
        self.n_wires = n_wires
        self.u3 = torch.nn.Parameter(data["u3"].clone())
        self.cu3 = torch.nn.Parameter(data["cu3"].clone())
        enc = encoder_ops(n_wires)
        pairs = ring_pairs(n_wires)
        dev = qml.device("default.qubit", wires=n_wires)

        @qml.qnode(dev, interface="torch", diff_method="backprop")
        def circuit(x, u3, cu3):
            for gate, w, f in enc:
                _ENC[gate](x[:, f], wires=w)
            for b in range(N_BLOCKS):
                for w in range(n_wires):
                    qml.U3(u3[b, w, 0], u3[b, w, 1], u3[b, w, 2], wires=w)
                for k, (c, t) in enumerate(pairs):
                    qml.ctrl(qml.U3(cu3[b, k, 0], cu3[b, k, 1], cu3[b, k, 2], wires=t), control=c)
            return [qml.expval(qml.PauliZ(w)) for w in range(n_wires)]

        self.circuit = circuit

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack(self.circuit(x, self.u3, self.cu3), dim=-1)


def build_model(n_wires: int, data: dict[str, torch.Tensor]) -> PLModel:
    """A ready model; ``model(x)`` -> ``[B, n_wires]`` ``<Z>``."""
    return PLModel(n_wires, data)


def version() -> str:
    return qml.__version__
