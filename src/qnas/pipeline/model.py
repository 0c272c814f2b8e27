"""Classifier circuits: encoder ops + ansatz, ``<Z>`` readout, log-softmax.

>>> from qnas.tasks.encoders import get_encoder
>>> from qnas.spaces import SuperCircuit
>>> sc = SuperCircuit("u3cu3", 4, max_blocks=1, seed=0)
>>> ansatz, index = sc.subcircuit(sc.full_spec())
>>> c = classifier_circuit(get_encoder("4x4_ryzxy"), ansatz)
>>> len(c.inputs), len(c.parameters) == len(index)
(16, True)
"""

from __future__ import annotations

import torch

import qnas
from qnas.ir import Circuit
from qnas.sim.measure import expz, probabilities


def classifier_circuit(encoder, ansatz: Circuit) -> Circuit:
    """The encoder followed by the ansatz; inputs ``x0..x{F-1}``, parameters as in the ansatz."""
    n = max(encoder.n_wires, ansatz.n_qubits)
    return Circuit(n, encoder.to_ops() + ansatz.ops, parameters=ansatz.parameters,
                   inputs=encoder.input_names())


def noiseless_logits(circuit: Circuit, params: torch.Tensor, x: torch.Tensor, readout):
    """Log-probabilities ``[B, C]`` from the noise-free statevector."""
    z = expz(probabilities(qnas.simulate(circuit, params, x)), circuit.n_qubits)
    return readout(z)


def nll(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.nll_loss(logits, y)


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return float((logits.argmax(-1) == y).float().mean())
