"""``qnas train``'s engine: one classifier trained by the one loop into a run directory.

The model is the human baseline of ``cfg.space`` with ``cfg.model.blocks`` blocks (encoder
``cfg.model.encoder`` or the task's; noise ``cfg.noise``), trained by
:func:`qnas.train.loop.fit` with ``cfg.train``'s Adam, linear warm-up and cosine decay. The
run directory (a :class:`~qnas.rundir.RunDir`) holds:

- ``config.json``: the :class:`~qnas.config.Config` snapshot (``--resume`` checks it);
- ``checkpoint.pt``: the loop's checkpoint after every epoch (weights, optimizer, scheduler,
  shuffle RNG, history) plus the model's noise RNG, torch's global RNG and the best-by-valid
  weights;
- ``metrics.jsonl``: one JSON object per epoch (``split: "train"``), then one
  ``split: "test"`` line; rewritten from the checkpoint's history on resume;
- ``best.pt`` (the best-by-valid weights and circuit) and ``result.json``.

``train(cfg, out, resume=True)`` continues an interrupted run and ends with exactly the
parameters an uninterrupted run would have. Everything that can fail on bad input (config,
data, encoder, layout, compilation) fails before the run directory is touched.

>>> import tempfile
>>> from qnas.config import load_config
>>> cfg = load_config(overrides={"device": None, "model": {"blocks": 1},
...     "train": {"epochs": 1}, "data": {"train_limit": 32, "eval_limit": 32}})
>>> train(cfg, tempfile.mkdtemp(), progress=False, log=None).history[0]["epoch"]
1
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from qnas.config import RESUME_FREE, Config
from qnas.rundir import RunDir, atomic_write_text, load_checkpoint, save_checkpoint
from qnas.train.loop import DataObjective, fit
from qnas.train.model import QuantumClassifier

EVAL_CHUNK = 1024
CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.jsonl"


@dataclass
class TrainResult:
    """What a run produced (also written to ``result.json``)."""

    out_dir: Path
    history: list[dict]
    best_epoch: int
    best_valid_acc: float
    test_acc: float
    test_loss: float
    test_acc_noisy: float | None
    weights: torch.Tensor  # final
    best_weights: torch.Tensor
    seconds: float
    n_test_noisy: int | None = None  # test inputs of ``test_acc_noisy``


def load_data(cfg: Config):
    """The task's splits, at most ``cfg.data.train_limit`` samples in each."""
    from qnas.tasks.datasets import load_task_data

    return load_task_data(cfg.task, data_dir=cfg.data.dir, seed=cfg.seed,
                          limit=cfg.data.train_limit)


def build_model(cfg: Config, noise: str | None = "config", target=None) -> QuantumClassifier:
    """The classifier of ``cfg``: the human baseline of ``cfg.space`` with
    ``cfg.model.blocks`` blocks.

    ``noise`` overrides ``cfg.noise.mode``; ``target`` reuses a loaded device (default: load
    ``cfg.device``, if any)."""
    from qnas.tasks.datasets import TASKS
    from qnas.train.baselines import human_baseline

    spec = TASKS[cfg.task]
    noise = cfg.noise.mode if noise == "config" else noise
    if target is None and cfg.device:
        from qnas.devices import Target

        target = Target.from_backend(cfg.device)
    ansatz = human_baseline(cfg.space, spec.n_qubits, cfg.model.blocks)
    return QuantumClassifier(ansatz, cfg.model.encoder or spec.encoder, spec.n_classes,
                             noise=noise, target=target, layout=cfg.noise.layout,
                             noise_scale=cfg.noise.scale, seed=cfg.seed)


def check_trainable(cfg: Config, target=None) -> None:
    """What :class:`~qnas.config.Config` cannot check alone: a classification task and a
    layout of distinct qubits, one per wire (and on ``target``, the loaded device, if any)."""
    if cfg.is_vqe:
        raise ValueError(f"qnas train trains classifiers; {cfg.task} is a VQE task (use "
                         "`qnas vqe` or `qnas run`)")
    from qnas.tasks.datasets import TASKS

    lay, n = cfg.noise.layout, TASKS[cfg.task].n_qubits
    if lay is None:
        return
    if len(lay) != n or len(set(lay)) != n or min(lay) < 0:
        raise ValueError(f"noise.layout {list(lay)} must list {n} distinct qubits >= 0 for "
                         f"task {cfg.task}")
    if target is not None and max(lay) >= target.n_qubits:
        raise ValueError(f"noise.layout {list(lay)}: device {target.name} has qubits "
                         f"0..{target.n_qubits - 1}")


@torch.no_grad()
def evaluate(model: QuantumClassifier, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """``(mean NLL, accuracy)`` in eval mode, in chunks."""
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(x), EVAL_CHUNK):
        logp = model(x[i : i + EVAL_CHUNK])
        yb = y[i : i + EVAL_CHUNK]
        loss += float(torch.nn.functional.nll_loss(logp, yb, reduction="sum"))
        correct += int((logp.argmax(-1) == yb).sum())
    n = max(1, len(x))
    return loss / n, correct / n


def _record(rec: dict) -> dict:
    """A ``metrics.jsonl`` line from one record of the loop's history."""
    return {"epoch": rec["epoch"], "split": "train", "train_loss": rec["loss"],
            "train_acc": rec["acc"], "valid_loss": rec["valid_loss"],
            "valid_acc": rec["valid_acc"], "lr": rec["lr"], "seconds": rec["seconds"]}


def _write_metrics(path: Path, records: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in records))


def _append_metrics(path: Path, record: dict) -> None:
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def train(cfg: Config, out: str | Path, resume: bool = False, progress: bool = True,
          callback: Callable[[int, dict], None] | None = None, log=print) -> TrainResult:
    """Train ``build_model(cfg)`` on ``cfg.task`` into the run directory ``out``; see the
    module docstring.

    ``callback(epoch, record)`` runs after each epoch's checkpoint (an exception there
    interrupts the run exactly like a crash). The noisy test accuracy (density matrix with
    ``cfg.device``'s noise model, on at most ``cfg.evaluation.test_samples`` test inputs) is
    computed when a device is set and the training mode is not already ``density``.
    """
    start_time = time.perf_counter()
    if not isinstance(cfg, Config):
        raise ValueError(f"train needs a qnas.config.Config, got {type(cfg).__name__}")
    cfg.runtime.apply_threads()
    torch.manual_seed(cfg.seed)
    # Everything that can fail on bad input happens before the run directory is touched.
    check_trainable(cfg)
    data = load_data(cfg)
    model = build_model(cfg)
    check_trainable(cfg, model.target)
    if model.encoder.n_features != data.n_features:
        raise ValueError(f"encoder {model.encoder.name!r} takes {model.encoder.n_features} "
                         f"features; task {cfg.task} has {data.n_features}")
    if cfg.noise.mode in ("density", "gate_insertion"):
        model.physical  # noqa: B018 - compile now so that errors surface early
    noisy = None
    if cfg.device and cfg.noise.mode != "density":
        noisy = build_model(cfg, noise="density", target=model.target)
        noisy.physical  # noqa: B018
    lim = slice(None) if cfg.data.eval_limit is None else slice(0, cfg.data.eval_limit)
    x_valid, y_valid = data.x_valid[lim], data.y_valid[lim]
    x_test, y_test = data.x_test[lim], data.y_test[lim]

    fresh = not (Path(out) / RunDir.CONFIG).exists()
    run = RunDir.open(out, cfg.to_dict(), resume=resume, free=RESUME_FREE,
                      defaults=Config().to_dict())
    ckpt, metrics = run.path(CHECKPOINT), run.path(METRICS)
    if fresh:  # a new run never continues a stray checkpoint
        ckpt.unlink(missing_ok=True)
    history = []
    if ckpt.exists():
        state = load_checkpoint(ckpt)
        history = [_record(r) for r in state["history"]]
        if log and state["epoch"] >= cfg.train.epochs:
            log(f"{run.root}: all {cfg.train.epochs} epochs done earlier; evaluating again")
        elif log:
            log(f"resuming {run.root} at epoch {state['epoch'] + 1}/{cfg.train.epochs}")
    # drop lines of an epoch that had not been checkpointed (and those of an older run)
    _write_metrics(metrics, history)

    best = {"epoch": 0, "valid_acc": -1.0, "weights": model.weights.detach().clone()}
    clock = [time.perf_counter()]

    def loss_fn(p, xb, yb):
        model.train()
        logp = model(xb)
        return (torch.nn.functional.nll_loss(logp, yb),
                {"acc": int((logp.argmax(-1) == yb).sum())})

    def on_epoch(p):
        nonlocal best
        v_loss, v_acc = evaluate(model, x_valid, y_valid)
        if v_acc > best["valid_acc"]:
            best = {"epoch": len(history) + 1, "valid_acc": v_acc,
                    "weights": p.detach().clone()}
        return {"valid_loss": v_loss, "valid_acc": v_acc,
                "seconds": time.perf_counter() - clock[0]}

    def after_epoch(epoch, rec):
        r = _record(rec)
        history.append(r)
        _append_metrics(metrics, r)
        if callback is not None:
            callback(epoch, r)
        clock[0] = time.perf_counter()

    def get_state():
        return {"noise_rng": model.noise_generator.get_state(),
                "torch_rng": torch.get_rng_state(), "best": best}

    def set_state(st):
        nonlocal best
        model.noise_generator.set_state(st["noise_rng"])
        torch.set_rng_state(st["torch_rng"])
        best = st["best"]

    t = cfg.train
    fit(model.weights, DataObjective(data.x_train, data.y_train, t.batch_size, loss_fn),
        epochs=t.epochs, lr=t.lr, weight_decay=t.weight_decay, warmup_epochs=t.warmup_epochs,
        seed=cfg.seed, checkpoint=ckpt, on_epoch=on_epoch, after_epoch=after_epoch,
        extra_state=(get_state, set_state), progress=progress, desc=cfg.task)

    final = model.weights.detach().clone()
    with torch.no_grad():
        model.weights.copy_(best["weights"])
    t_loss, t_acc = evaluate(model, x_test, y_test)
    noisy_acc = n_noisy = None
    if noisy is not None:
        with torch.no_grad():
            noisy.weights.copy_(best["weights"])
        sub = dataclasses.replace(data, x_test=x_test, y_test=y_test)  # after --eval-limit
        xn, yn = sub.test_subset(cfg.evaluation.test_samples, cfg.evaluation.test_subset)
        n_noisy = len(yn)
        noisy_acc = evaluate(noisy, xn, yn)[1]
    save_checkpoint({"weights": best["weights"], "epoch": best["epoch"],
                     "circuit": model.circuit.to_text(), "config": cfg.to_dict()},
                    run.path("best.pt"))
    _append_metrics(metrics, {"split": "test", "best_epoch": best["epoch"], "test_loss": t_loss,
                              "test_acc": t_acc, "test_acc_noisy": noisy_acc,
                              "n_test_noisy": n_noisy})
    seconds = time.perf_counter() - start_time
    run.write_json("result.json", {
        "best_epoch": best["epoch"], "best_valid_acc": best["valid_acc"], "test_acc": t_acc,
        "test_loss": t_loss, "n_test": len(x_test), "test_acc_noisy": noisy_acc,
        "n_test_noisy": n_noisy, "epochs": t.epochs, "seconds": seconds,
        "n_params": model.weights.numel()})
    if log:
        extra = "" if noisy_acc is None else (f", noisy (density, {cfg.device}, {n_noisy} "
                                              f"inputs) {noisy_acc:.4f}")
        log(f"{cfg.task}: best valid acc {best['valid_acc']:.4f} (epoch {best['epoch']}), "
            f"test acc {t_acc:.4f}{extra}  [{seconds:.1f} s] -> {run.root}")
    return TrainResult(run.root, [dict(r) for r in history], best["epoch"], best["valid_acc"],
                       t_acc, t_loss, noisy_acc, final, best["weights"], seconds, n_noisy)
