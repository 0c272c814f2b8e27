"""Fitness of a (SubCircuit, layout) genome: validation loss under the device's noise.

``metric="accuracy"`` scores by noisy validation accuracy instead (loss breaks ties): noise
shrinks every ``<Z>`` towards 0, which raises the loss of a deep circuit even where its
predictions, and so its accuracy, survive.

The SubCircuit inherits the SuperCircuit's trained weights, is compiled onto the device with
the genome's layout (trainable parameters stay symbolic, so the compiled circuit is cached
per genome) and simulated with the density-matrix method including readout error.

``EnergyFitness`` is the VQE counterpart: minus the noisy energy.
"""

from __future__ import annotations

import torch

from qnas.pipeline.objective import accuracy, nll, noiseless_logits


def noisy_logits(circuit, params: torch.Tensor, x: torch.Tensor, readout, target, layout):
    """Log-probabilities under ``target``'s noise for ``circuit`` placed with ``layout``."""
    from qnas.noisy import device_expz

    return readout(device_expz(circuit, params, x, target, layout))


class NoisyFitness:
    """``genome -> -loss`` (higher is better); picklable for process executors."""

    def __init__(self, weights, circuits, target, x, y, readout, noise: bool = True,
                 metric: str = "loss"):
        if metric not in ("loss", "accuracy"):
            raise ValueError(f"unknown search metric {metric!r}; expected 'loss' or 'accuracy'")
        self.weights = weights.detach().clone()
        self.circuits = circuits
        self.target, self.x, self.y, self.readout, self.noise = target, x, y, readout, noise
        self.metric = metric

    @torch.no_grad()
    def __call__(self, genome) -> float:
        circuit, index = self.circuits(genome.spec)
        params = self.weights[index]
        if self.noise:
            logits = noisy_logits(circuit, params, self.x, self.readout, self.target,
                                  genome.layout)
        else:
            logits = noiseless_logits(circuit, params, self.x, self.readout)
        loss = float(nll(logits, self.y))
        if self.metric == "accuracy":
            # Ties (1/len(y) steps) are broken by the loss, scaled below one step.
            return accuracy(logits, self.y) - loss / (100.0 * len(self.y))
        return -loss


class EnergyFitness:
    """``genome -> -energy`` with inherited weights, under the device noise (picklable)."""

    def __init__(self, weights, circuits, target, terms, noise: bool = True):
        self.weights = weights.detach().clone()
        self.circuits, self.target, self.terms, self.noise = circuits, target, terms, noise

    @torch.no_grad()
    def __call__(self, genome) -> float:
        from qnas.tasks.energy import noiseless_energy, noisy_energy

        circuit, index = self.circuits(genome.spec)
        params = self.weights[index]
        if self.noise:
            return -float(noisy_energy(circuit, params, self.terms, self.target, genome.layout))
        return -float(noiseless_energy(circuit, params, self.terms))
