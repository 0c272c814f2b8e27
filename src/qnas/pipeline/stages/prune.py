"""Stage ``prune``: iterative magnitude pruning of the trained model, fine-tuned each step.

The deployed QuantumNAS model is the pruned one unless pruning lost noisy validation score
(:func:`deployed_model`).

>>> deployed_model({"noisy_score": 0.7}, {"noisy_score": 0.8})["noisy_score"]
0.8
>>> deployed_model({"noisy_score": 0.7}, None)["noisy_score"]
0.7
"""

from __future__ import annotations

import torch

from qnas.ir import Circuit
from qnas.pipeline.stages.train import finetune, model_record


def prune_model(ctx, run_dir, trained: dict, progress: bool) -> dict:
    """Prune ``trained`` to ``prune.target`` sparsity in ``prune.steps`` steps."""
    from qnas.prune import MagnitudePruner, remove_pruned_gates

    p_cfg = ctx.cfg.prune
    circuit = Circuit.from_text(trained["circuit"])
    layout = tuple(trained["layout"])
    # Pruning starts where the unpruned model's equal fine-tuning started (stage train).
    params = torch.tensor(trained.get("base_params", trained["params"]))
    pruner = MagnitudePruner(len(params), p_cfg.target, p_cfg.steps)
    params, steps = finetune(ctx, run_dir, "prune", circuit, params, layout, progress, pruner)
    pruner.apply(params)
    values = dict(zip(circuit.parameters, params.tolist()))
    exported = remove_pruned_gates(circuit, values)
    return model_record(circuit, params, layout, steps=steps, sparsity=pruner.sparsity,
                        exported=exported.to_text(), n_2q_exported=exported.num_two_qubit_gates,
                        n_ops_exported=len(exported.ops), n_ops=len(circuit.ops),
                        n_params_exported=int((params != 0).sum()),
                        noisy_score=ctx.noisy_score(circuit, params, layout))


def deployed_model(trained: dict, pruned: dict | None) -> dict:
    """The pruned model unless its noisy validation score is lower than the unpruned one's."""
    if pruned is not None and pruned["noisy_score"] >= trained["noisy_score"]:
        return pruned
    return trained


def run(ctx, run_dir, trained: dict, progress=True, log=print) -> dict | None:
    """The stage (skipped when ``prune.target`` is 0): the pruned model record."""
    if ctx.cfg.prune.target <= 0:
        return None
    return run_dir.stage("prune", lambda: {"model": prune_model(ctx, run_dir, trained,
                                                                 progress)}, log)["model"]
