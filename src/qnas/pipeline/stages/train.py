"""Stage ``train``: train the found SubCircuit (from scratch or inherited weights).

:func:`train_circuit` is how every deployed model of a run is trained (the found circuit,
pruning's fine-tuning, the baselines): the one loop, the run's optimiser settings, a
checkpoint per training so a killed run resumes bit for bit.

Equal training for every deployed model: each gets ``train.epochs`` epochs in all. With
pruning on, the found SubCircuit first trains ``train.epochs - E`` epochs (``E`` =
``prune.steps * prune.finetune_epochs``); the pruned model then gets pruning's ``E``
fine-tuning epochs and the unpruned one the same ``E`` epochs in the same chunks without
pruning (:func:`finetune`), so pruned and unpruned differ only by the pruning.

>>> from qnas.config import load_config
>>> extra_epochs(load_config("quick")), load_config("quick").train.epochs
(15, 40)

Usage::

    record = run(ctx, run_dir, found)
"""

from __future__ import annotations

import hashlib

import torch

from qnas.ir import Circuit
from qnas.rundir import load_checkpoint, save_checkpoint
from qnas.train.loop import fit


def model_record(circuit: Circuit, params: torch.Tensor, layout, **extra) -> dict:
    """A model as JSON: circuit (canonical text, symbolic), trained values, layout (physical
    qubits, or ``None`` for Qiskit's own noise-aware layout) and sizes."""
    return {"circuit": circuit.to_text(), "params": [float(v) for v in params.tolist()],
            "layout": list(layout) if layout is not None else None,
            "n_params": len(circuit.parameters), "n_2q": circuit.num_two_qubit_gates, **extra}


def training_key(circuit: Circuit, init: torch.Tensor, epochs: int, layout) -> str:
    """What a training of a run depends on besides the run's config (data, seed, optimiser):
    the circuit, the initial values, the epochs and (noise-aware training only) the layout.

    >>> c = Circuit.from_text("qubits 1\\nparams a\\nry($a) 0")
    >>> training_key(c, torch.zeros(1), 5, None) == training_key(c, torch.zeros(1), 5, None)
    True
    >>> training_key(c, torch.zeros(1), 5, None) == training_key(c, torch.ones(1), 5, None)
    False
    """
    h = hashlib.sha256(circuit.to_text().encode())
    h.update(init.detach().to(torch.float64).cpu().numpy().tobytes())
    h.update(f"|{int(epochs)}|{None if layout is None else list(layout)}".encode())
    return h.hexdigest()[:20]


def train_circuit(ctx, run_dir, name, circuit, init, layout, progress, epochs=None,
                  pruner=None):
    """Train ``circuit``'s parameters from ``init``; returns ``(params, history)``.

    With ``noise.mode = "gate_insertion"`` and a layout, the loss is the noise-aware one.
    A training without pruning is a deterministic function of :func:`training_key` within a
    run, so one that an earlier model of the run already did (e.g. the human design and a
    search that kept the full design, both from the same initial values) is read back from
    ``checkpoints/trained-<key>.pt`` instead of being repeated: the same values, bit for bit.
    """
    cfg, task = ctx.cfg, ctx.task
    params = torch.nn.Parameter(init.detach().clone())
    noise_aware = cfg.noise.mode == "gate_insertion" and layout is not None
    epochs = epochs or cfg.train.epochs
    done = None
    if pruner is None:
        key = training_key(circuit, init, epochs, layout if noise_aware else None)
        done = run_dir.checkpoint(f"trained-{key}")
        if done.exists():
            st = load_checkpoint(done)
            return st["params"].clone(), st["history"]
    gen = torch.Generator().manual_seed(cfg.seed)  # the noise-aware loss's error draws

    def batch_loss(p, batch):
        if noise_aware:
            return task.noise_aware_loss(circuit, p, batch, ctx.target, layout, cfg.noise.scale,
                                         gen)
        return task.loss(circuit, p, batch)

    t = cfg.train
    hist = fit(params, task.objective(batch_loss, t.batch_size), epochs=epochs,
               lr=t.lr, weight_decay=t.weight_decay, warmup_epochs=t.warmup_epochs,
               seed=cfg.seed, checkpoint=run_dir.checkpoint(name), progress=progress, desc=name,
               after_step=pruner.apply if pruner is not None else None,
               on_epoch=lambda p: task.on_epoch(circuit, p),
               extra_state=(gen.get_state, gen.set_state))
    if done is not None:
        save_checkpoint({"name": name, "params": params.detach().clone(), "history": hist},
                        done)
    return params.detach(), hist


def extra_epochs(cfg) -> int:
    """Epochs of pruning's fine-tuning (0 without pruning): part of every model's budget."""
    return cfg.prune.steps * cfg.prune.finetune_epochs if cfg.prune.target > 0 else 0


def finetune(ctx, run_dir, name, circuit, params, layout, progress, pruner=None):
    """``prune.steps`` chunks of ``prune.finetune_epochs`` epochs from ``params``; with a
    ``pruner``, each chunk first prunes to its step's sparsity. Returns ``(params, steps)``."""
    steps = []
    for k in range(1, ctx.cfg.prune.steps + 1):
        if pruner is not None:
            pruner.step(params, k)
        p, hist = train_circuit(ctx, run_dir, f"{name}{k}", circuit, params, layout, progress,
                                epochs=ctx.cfg.prune.finetune_epochs, pruner=pruner)
        params = p.clone()
        steps.append({"step": k, "history": hist,
                      **({"sparsity": pruner.sparsity} if pruner is not None else {})})
    return params, steps


def train_equal(ctx, run_dir, name, circuit, init, layout, progress):
    """A deployed model's training: ``train.epochs - E`` epochs, then pruning's ``E`` epochs
    of fine-tuning without pruning (module doc). Returns ``(params, history, base)`` where
    ``base`` are the values before the fine-tuning (pruning starts from them)."""
    extra = extra_epochs(ctx.cfg)
    base, hist = train_circuit(ctx, run_dir, name, circuit, init, layout, progress,
                               epochs=ctx.cfg.train.epochs - extra)
    params = base
    if extra:
        params, steps = finetune(ctx, run_dir, f"{name}_extra", circuit, base.clone(), layout,
                                 progress)
        hist = hist + [h for st in steps for h in st["history"]]
    return params, hist, base


def train_found(ctx, run_dir, found: dict, progress: bool) -> dict:
    """Train the searched SubCircuit on its layout; the model record with its noisy score."""
    spec = _spec(found["spec"])
    circuit, index = ctx.circuits(spec)
    layout = tuple(found["layout"])
    params, hist, base = train_equal(ctx, run_dir, "finetune", circuit,
                                     ctx.initial_weights(index), layout, progress)
    extra = {}
    if ctx.cfg.search.refine_layouts:  # the co-search's layout re-checked with trained weights
        from qnas.pipeline.stages.baselines import best_layout

        extra["searched_layout"] = list(layout)
        new, _ = best_layout(ctx, run_dir, "search_refine_layout", circuit, params, spec,
                             ctx.cfg.search.refine_layouts + 1, ctx.cfg.seed + 5, progress,
                             initial=[layout])
        layout = tuple(new)
    return {"model": model_record(circuit, params, layout, history=hist, **extra,
                                  base_params=[float(v) for v in base.tolist()],
                                  noisy_score=ctx.noisy_score(circuit, params, layout))}


def _spec(s: str):
    from qnas.spaces import SubCircuitSpec

    return SubCircuitSpec.from_string(s)


def run(ctx, run_dir, found: dict, progress=True, log=print) -> dict:
    """The stage: the trained model record of the found SubCircuit."""
    return run_dir.stage("train", lambda: train_found(ctx, run_dir, found, progress),
                         log)["model"]
