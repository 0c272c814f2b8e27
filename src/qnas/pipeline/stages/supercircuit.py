"""Stage ``supercircuit``: each step samples a SubCircuit and trains the shared weights.

Usage::

    record = run(ctx, run_dir, progress=False)
"""

from __future__ import annotations

import pickle

import torch

from qnas.rundir import load_checkpoint
from qnas.spaces import ProgressiveSampler, RestrictedSampler, SpecGenes, UniformSampler
from qnas.train.loop import fit


def make_sampler(cfg, sc, total_steps: int):
    genes = SpecGenes.from_space(sc.space, sc.n_qubits, sc.max_blocks)
    if cfg.supercircuit.sampler == "uniform":
        return UniformSampler(genes, cfg.seed)
    if cfg.supercircuit.sampler == "progressive":
        return ProgressiveSampler(genes, total_steps, cfg.seed)
    return RestrictedSampler(genes, cfg.supercircuit.restricted_genes, cfg.seed)


def train_supercircuit(ctx, checkpoint, progress=True) -> list[dict]:
    """Train ``ctx.sc.weights`` by sampling one SubCircuit per step; resumable.

    Only the weights of the step's SubCircuit change in that step. With
    ``supercircuit.sandwich`` the largest SubCircuit's loss is added to every step's loss.
    """
    cfg, sc, task = ctx.cfg, ctx.sc, ctx.task
    step = [0]
    frozen = {}
    full = sc.full_spec() if cfg.supercircuit.sandwich else None
    whole, whole_index = ctx.circuits(sc.full_spec())

    def step_loss(spec, weights, batch):
        """``(loss, used weights)`` of ``spec``'s SubCircuit. In a maskable space it is the
        whole SuperCircuit with the dropped weights at 0 (identity gates, the same loss):
        one circuit, so one cached simulation plan, where every new SubCircuit would need
        its own (about a third of a 4-qubit step)."""
        if not sc.maskable:
            circuit, index = ctx.circuits(spec)
            return task.loss(circuit, weights[index], batch), index
        mask = sc.weight_mask(spec)
        params = weights[whole_index]
        return task.loss(whole, params * mask[whole_index].to(params.dtype), batch), mask

    def batch_loss(weights, batch):
        spec = sampler.sample(step[0])
        step[0] += 1
        loss, used = step_loss(spec, weights, batch)
        if full is not None and spec != full:
            used = whole_index
            loss = loss + task.loss(whole, weights[used], batch)
        unused = torch.ones(len(weights), dtype=torch.bool)
        unused[used] = False
        frozen["mask"], frozen["values"] = unused, weights.detach()[unused].clone()
        return loss

    objective = task.objective(batch_loss, cfg.train.batch_size)
    sampler = make_sampler(cfg, sc, cfg.supercircuit.epochs * objective.n_batches())

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

    t = cfg.train
    return fit(sc.weights, objective, epochs=cfg.supercircuit.epochs, lr=t.lr,
               weight_decay=t.weight_decay, warmup_epochs=t.warmup_epochs, seed=cfg.seed,
               checkpoint=checkpoint, progress=progress, desc="supercircuit",
               extra_state=(get_state, set_state), after_step=keep_unused)


def run(ctx, run_dir, progress=True, log=print) -> dict:
    """The stage: ``{"history": [...]}``; leaves the trained weights in ``ctx.sc``."""
    ckpt = run_dir.checkpoint("supercircuit")
    done = run_dir.path("stages", "supercircuit.json")
    if done.exists() and not ckpt.exists():  # the weights were deleted: train them again
        done.unlink()
    rec = run_dir.stage("supercircuit",
                        lambda: {"history": train_supercircuit(ctx, ckpt, progress)}, log)
    with torch.no_grad():
        ctx.sc.weights.copy_(load_checkpoint(ckpt)["params"])
    return rec
