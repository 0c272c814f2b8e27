"""The training-step circuit in qnas (main venv), through the public API users call.

Encoder gates read inputs ``x0..x15``; the U3/CU3 weights are parameters named
``u3_{block}_{wire}_{k}`` and ``cu3_{block}_{pair}_{k}`` in the order of
``torch.cat([u3.flatten(), cu3.flatten()])``. Readout is ``<Z>`` on every wire, by one of:

* ``"expval"`` (the reference): ``qnas.expval(circuit, [PauliSum.z(w, n) for w in wires],
  params, inputs)`` - the documented API;
* ``"classifier"``: ``qnas.train.QuantumClassifier`` (the training module of ``qnas train``
  and ``qnas run``, ``noise=None``) built from the same ansatz and encoder; ``<Z>`` is its
  :meth:`expz`;
* ``"expz"``: ``qnas.expz(qnas.probabilities(qnas.simulate(...)), n)``.

Example::

    model = build_model(4, make_data(4, 8), readout="classifier")
    z = model(make_data(4, 8)["x"])        # [8, 4] <Z> values
"""

from __future__ import annotations

import torch
from spec import N_BLOCKS, N_FEATURES, encoder_ops, ring_pairs

import qnas
from qnas.ir import Circuit, Op, inp, param

READOUTS = ("expval", "classifier", "expz")


def build_ansatz(n_wires: int) -> Circuit:
    """The trainable part: ``N_BLOCKS`` x (U3 on every wire + CU3 ring)."""
    ops, u3_names, cu3_names = [], [], []
    for b in range(N_BLOCKS):
        for w in range(n_wires):
            names = [f"u3_{b}_{w}_{k}" for k in range(3)]
            u3_names += names
            ops.append(Op("u3", (w,), tuple(param(s) for s in names)))
        for i, (c, t) in enumerate(ring_pairs(n_wires)):
            names = [f"cu3_{b}_{i}_{k}" for k in range(3)]
            cu3_names += names
            ops.append(Op("cu3", (c, t), tuple(param(s) for s in names)))
    return Circuit(n_wires, ops, parameters=tuple(u3_names + cu3_names))


def build_circuit(n_wires: int) -> Circuit:
    """The benchmark circuit (encoder + ansatz) as a qnas IR circuit (see ``spec``)."""
    ansatz = build_ansatz(n_wires)
    enc = [Op(g, (w,), (inp(f"x{f}"),)) for g, w, f in encoder_ops(n_wires)]
    return Circuit(n_wires, tuple(enc) + ansatz.ops, parameters=ansatz.parameters,
                   inputs=tuple(f"x{i}" for i in range(N_FEATURES)))


def build_encoder(n_wires: int):
    """``spec.encoder_ops`` as a qnas encoder (for 4 wires the built-in ``4x4_ryzxy``)."""
    from qnas.tasks.encoders import Encoder, get_encoder

    if n_wires == 4:
        enc = get_encoder("4x4_ryzxy")
        if list(enc.ops) != encoder_ops(4):
            raise AssertionError("spec.encoder_ops(4) differs from qnas's 4x4_ryzxy")
        return enc
    return Encoder(f"bench_{n_wires}", n_wires, tuple(encoder_ops(n_wires)), N_FEATURES)


class QnasModel(torch.nn.Module):
    """Trainable ``u3``/``cu3`` weights around ``qnas.expval`` (or ``simulate`` + ``expz``)."""

    def __init__(self, n_wires: int, data: dict[str, torch.Tensor], readout: str = "expval"):
        super().__init__()
        if readout not in ("expval", "expz"):
            raise ValueError(f"readout must be 'expval' or 'expz', got {readout!r}")
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


class ClassifierModel(torch.nn.Module):
    """``qnas.train.QuantumClassifier`` (noise-free) with the seeded weights; ``<Z>`` out."""

    def __init__(self, n_wires: int, data: dict[str, torch.Tensor]):
        super().__init__()
        from qnas.train import QuantumClassifier

        init = torch.cat([data["u3"].reshape(-1), data["cu3"].reshape(-1)])
        self.clf = QuantumClassifier(build_ansatz(n_wires), build_encoder(n_wires),
                                     n_classes=4, init=init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.clf.expz(x)


def build_model(n_wires: int, data: dict[str, torch.Tensor], readout: str = "expval"):
    """A ready model; ``model(x)`` -> ``[B, n_wires]`` float32 ``<Z>``."""
    if readout == "classifier":
        return ClassifierModel(n_wires, data)
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
    return QnasModel(n_wires, data, readout)


def version() -> str:
    return qnas.__version__
