"""SuperCircuit training: each step samples a SubCircuit and trains the shared weights.

>>> # history = train_supercircuit(cfg, sc, encoder, readout, data, ckpt_path)
"""

from __future__ import annotations

import pickle
from pathlib import Path

import torch

from qnas.pipeline.fit import fit
from qnas.pipeline.model import classifier_circuit
from qnas.spaces import ProgressiveSampler, RestrictedSampler, SpecGenes, UniformSampler


def make_sampler(cfg, sc, total_steps: int):
    genes = SpecGenes.from_space(sc.space, sc.n_qubits, sc.max_blocks)
    if cfg.sampler == "uniform":
        return UniformSampler(genes, cfg.seed)
    if cfg.sampler == "progressive":
        return ProgressiveSampler(genes, total_steps, cfg.seed)
    return RestrictedSampler(genes, cfg.restricted_genes, cfg.seed)


class SubCircuitCache:
    """Circuit (encoder + ansatz, or the ansatz alone without an encoder) and weight index
    per spec, built once each."""

    def __init__(self, sc, encoder):
        self.sc, self.encoder, self._c = sc, encoder, {}

    def __call__(self, spec):
        if spec not in self._c:
            ansatz, index = self.sc.subcircuit(spec)
            circuit = ansatz if self.encoder is None else classifier_circuit(self.encoder, ansatz)
            self._c[spec] = (circuit, index)
        return self._c[spec]


def train_supercircuit(cfg, sc, objective, checkpoint: Path, progress=True):
    """Train ``sc.weights`` by sampling one SubCircuit per step; resumable.

    Only the weights of the step's SubCircuit change in that step. With ``cfg.sandwich`` the
    largest SubCircuit's loss is added to every step's loss.
    """
    x, y = objective.train_xy()
    steps_per_epoch = -(-len(x) // cfg.batch_size)
    sampler = make_sampler(cfg, sc, cfg.super_epochs * steps_per_epoch)
    circuits = SubCircuitCache(sc, objective.encoder)
    full = sc.full_spec() if cfg.sandwich else None
    step = [0]
    frozen = {}

    def loss_fn(weights, xb, yb):
        spec = sampler.sample(step[0])
        step[0] += 1
        circuit, index = circuits(spec)
        loss = objective.loss(circuit, weights[index], xb, yb)
        used = index
        if full is not None and spec != full:
            circuit, used = circuits(full)
            loss = loss + objective.loss(circuit, weights[used], xb, yb)
        unused = torch.ones(len(weights), dtype=torch.bool)
        unused[used] = False
        frozen["mask"], frozen["values"] = unused, weights.detach()[unused].clone()
        return loss

    def keep_unused(weights):
        # Adam's weight decay is part of the gradient and Adam normalises it, so a weight
        # outside the sampled SubCircuit would move by ~lr per step towards 0 (an identity
        # gate): weights that took no part in the step keep their values.
        with torch.no_grad():
            weights[frozen["mask"]] = frozen["values"]

    def get_state():
        return {"sampler": pickle.dumps(sampler), "step": step[0]}

    def set_state(st):
        nonlocal sampler
        sampler = pickle.loads(st["sampler"])
        step[0] = st["step"]

    return fit(sc.weights, loss_fn, x, y, epochs=cfg.super_epochs,
               lr=cfg.lr, weight_decay=cfg.weight_decay, batch_size=cfg.batch_size,
               warmup_epochs=cfg.warmup_epochs, seed=cfg.seed, checkpoint=checkpoint,
               progress=progress, desc="supercircuit", extra_state=(get_state, set_state),
               after_step=keep_unused)
