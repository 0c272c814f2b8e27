"""The training-step circuit in qnas (main venv): a ``qnas.ir.Circuit`` + ``qnas.simulate``.

Encoder gates read inputs ``x0..x15``; the U3/CU3 weights are parameters named
``u3_{block}_{wire}_{k}`` and ``cu3_{block}_{pair}_{k}`` in the order of
``torch.cat([u3.flatten(), cu3.flatten()])``. Readout is ``<Z>`` on every wire, either via
``qnas.expz(qnas.probabilities(state), n)`` (default, one matmul) or via
``qnas.expval(circuit, [PauliSum.z(w, n) for w in wires])`` (``readout="expval"``).

Example::

    model = build_model(4, make_data(4, 8))
    z = model(make_data(4, 8)["x"])        # [8, 4] <Z> values
"""

from __future__ import annotations

import torch
from spec import N_BLOCKS, N_FEATURES, encoder_ops, ring_pairs

import qnas
from qnas.ir import Circuit, Op, inp, param


def build_circuit(n_wires: int) -> Circuit:
    """The benchmark circuit as a qnas IR circuit (see ``spec``)."""
    ops = [Op(g, (w,), (inp(f"x{f}"),)) for g, w, f in encoder_ops(n_wires)]
    u3_names, cu3_names = [], []
    for b in range(N_BLOCKS):
        for w in range(n_wires):
            names = [f"u3_{b}_{w}_{k}" for k in range(3)]
            u3_names += names
            ops.append(Op("u3", (w,), tuple(param(s) for s in names)))
        for i, (c, t) in enumerate(ring_pairs(n_wires)):
            names = [f"cu3_{b}_{i}_{k}" for k in range(3)]
            cu3_names += names
            ops.append(Op("cu3", (c, t), tuple(param(s) for s in names)))
    return Circuit(
        n_wires,
        ops,
        parameters=tuple(u3_names + cu3_names),
        inputs=tuple(f"x{i}" for i in range(N_FEATURES)),
    )


class QnasModel(torch.nn.Module):
    """Trainable ``u3``/``cu3`` weights around ``qnas.simulate`` of :func:`build_circuit`."""

    def __init__(self, n_wires: int, data: dict[str, torch.Tensor], readout: str = "expz"):
        super().__init__()
        if readout not in ("expz", "expval"):
            raise ValueError(f"readout must be 'expz' or 'expval', got {readout!r}")
        self.n_wires = n_wires
        self.readout = readout
        self.circuit = build_circuit(n_wires)
        self.u3 = torch.nn.Parameter(data["u3"].clone())
        self.cu3 = torch.nn.Parameter(data["cu3"].clone())
        self.observables = [qnas.PauliSum.z(w, n_wires) for w in range(n_wires)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        params = torch.cat([self.u3.reshape(-1), self.cu3.reshape(-1)])
        if self.readout == "expval":
            return qnas.expval(self.circuit, self.observables, params=params, inputs=x)
        state = qnas.simulate(self.circuit, params=params, inputs=x)
        return qnas.expz(qnas.probabilities(state), self.n_wires)


def build_model(n_wires: int, data: dict[str, torch.Tensor], readout: str = "expz"):
    """A ready model; ``model(x)`` -> ``[B, n_wires]`` float32 ``<Z>``."""
    return QnasModel(n_wires, data, readout)


def version() -> str:
    return qnas.__version__
