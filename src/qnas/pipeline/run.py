"""``qnas run``: the QuantumNAS pipeline, one stage after the other.

supercircuit -> search -> train -> prune -> baselines -> evaluate -> report (modules of
:mod:`qnas.pipeline.stages`); ``search.strategy`` elivagar or hybrid runs the stages of
:mod:`qnas.pipeline.stages.elivagar` instead. Every stage writes its record atomically to
``<run>/stages/<name>.json`` and long stages checkpoint inside, so ``--resume`` after any
interruption continues where it stopped and ends with the same results.

Usage::

    results = run_pipeline(load_config(), Path("runs/demo"))
"""

from __future__ import annotations

from pathlib import Path

from qnas.config import RESUME_FREE, Config
from qnas.pipeline.context import Context
from qnas.pipeline.stages import baselines, evaluate, prune, report, search, supercircuit, train
from qnas.rundir import RunDir
from qnas.search.executors import run_executor


def run_pipeline(cfg: Config, out: Path, resume: bool = False, progress: bool = True,
                 log=print) -> dict:
    """Run (or resume) every stage; returns the results written to ``results.json``.

    Sets torch's thread count to ``runtime.threads`` (default 1, like ``qnas run``: small
    circuits run fastest on one thread, and much slower on several that share busy cores).
    With ``runtime.workers`` / ``runtime.executor`` the searches share one executor, whose
    workers start with the run (:func:`~qnas.search.executors.run_executor`).
    """
    cfg.runtime.apply_threads()
    rt = cfg.runtime
    executor = run_executor(rt.executor, rt.workers, rt.address)  # its workers start now
    try:
        ctx = Context(cfg)  # loads data, device, SuperCircuit: bad input fails before any file
        run_dir = RunDir.open(out, cfg.to_dict(), resume, free=RESUME_FREE,
                              defaults=Config().to_dict())
        ctx.executor = executor
        return _stages(ctx, run_dir, progress, log)
    finally:
        executor.close()


def _stages(ctx, run_dir, progress, log) -> dict:
    cfg = ctx.cfg
    if cfg.search.strategy != "quantumnas":  # training-free predictors: stages/elivagar.py
        from qnas.pipeline.stages import elivagar

        return elivagar.run(ctx, run_dir, progress, log)
    sc = supercircuit.run(ctx, run_dir, progress, log)
    found = search.run(ctx, run_dir, progress, log)
    trained = train.run(ctx, run_dir, found, progress, log)
    pruned = prune.run(ctx, run_dir, trained, progress, log)
    models = {"quantumnas_unpruned": trained,
              "quantumnas": prune.deployed_model(trained, pruned)}
    if pruned is not None:
        models["quantumnas_pruned"] = pruned
    models.update(baselines.run(ctx, run_dir, found, progress, log))
    evals = evaluate.run(ctx, run_dir, models, progress, log)
    return report.run(ctx, run_dir, sc, found, models, evals, log)
