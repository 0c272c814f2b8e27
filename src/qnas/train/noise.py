"""Noise-aware training by gate insertion: log-probabilities of a classifier with per-sample
Pauli errors after every gate of its circuit compiled onto a device.

The method itself is ``method="gate_insertion"`` of :mod:`qnas.noisy`, built from
:class:`qnas.noisy.GateInsertion`.

>>> import torch
>>> from qnas.ir import Circuit, Op, inp, param
>>> c = Circuit(2, [Op("ry", (0,), (inp("x"),)), Op("cx", (0, 1)), Op("rz", (1,), (param("a"),))])
>>> logits = gate_insertion_logits(c, torch.tensor([0.5]), torch.rand(3, 1), lambda z: z,
...                                "santiago", [0, 1], scale=2.0,
...                                generator=torch.Generator().manual_seed(0))
>>> logits.shape
torch.Size([3, 2])
"""

from __future__ import annotations

import torch

from qnas.ir import Circuit


def gate_insertion_logits(circuit: Circuit, params, x, readout, target, layout,
                          scale: float = 1.0, generator: torch.Generator | None = None,
                          readout_error: bool = True) -> torch.Tensor:
    """Log-probabilities of a logical classifier ``circuit`` with per-sample Pauli errors.

    The circuit is compiled onto ``target`` with ``layout`` (cached), errors are inserted
    after every noisy gate, and the device's readout error (times ``scale``) is applied to
    ``<Z>`` of the measured physical qubits. ``readout`` maps ``<Z>`` ``[B, n]`` to log-probs.
    """
    from qnas.noisy import device_expz

    return readout(device_expz(circuit, params, torch.as_tensor(x), target, layout,
                               method="gate_insertion", scale=scale, generator=generator,
                               readout_error=readout_error))


__all__ = ["gate_insertion_logits"]
