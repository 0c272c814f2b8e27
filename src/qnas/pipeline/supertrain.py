"""SuperCircuit training: each step samples a SubCircuit and trains the shared weights.

>>> # history = train_supercircuit(cfg, sc, encoder, readout, data, ckpt_path)
"""

from __future__ import annotations

import pickle
from pathlib import Path

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
    """Train ``sc.weights`` by sampling one SubCircuit per step; resumable."""
    x, y = objective.train_xy()
    steps_per_epoch = -(-len(x) // cfg.batch_size)
    sampler = make_sampler(cfg, sc, cfg.super_epochs * steps_per_epoch)
    circuits = SubCircuitCache(sc, objective.encoder)
    step = [0]

    def loss_fn(weights, xb, yb):
        spec = sampler.sample(step[0])
        step[0] += 1
        circuit, index = circuits(spec)
        return objective.loss(circuit, weights[index], xb, yb)

    def get_state():
        return {"sampler": pickle.dumps(sampler), "step": step[0]}

    def set_state(st):
        nonlocal sampler
        sampler = pickle.loads(st["sampler"])
        step[0] = st["step"]

    return fit(sc.weights, loss_fn, x, y, epochs=cfg.super_epochs,
               lr=cfg.lr, weight_decay=cfg.weight_decay, batch_size=cfg.batch_size,
               warmup_epochs=cfg.warmup_epochs, seed=cfg.seed, checkpoint=checkpoint,
               progress=progress, desc="supercircuit", extra_state=(get_state, set_state))
