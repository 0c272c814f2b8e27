"""The training loop: Adam + linear warm-up + cosine decay, atomic checkpoints, resume.

A run directory holds ``config.json``, ``checkpoint.pt`` (rewritten atomically after every
epoch: weights, optimizer, scheduler, shuffle/noise/global RNG states, best-by-valid weights,
history), ``metrics.jsonl`` (one JSON object per epoch, then one ``"split": "test"`` line),
``best.pt`` and ``result.json``. ``train(cfg, resume=True)`` continues an interrupted run and
ends with exactly the parameters an uninterrupted run would have.

>>> from qnas.train.config import TrainConfig
>>> cfg = TrainConfig(task="digits4", blocks=1, epochs=1, train_limit=32, eval_limit=32,
...                   out_dir=__import__("tempfile").mkdtemp())
>>> train(cfg, progress=False, log=None).history[0]["epoch"]
1
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from qnas.train.checkpoint import load_checkpoint, save_checkpoint
from qnas.train.config import TrainConfig
from qnas.train.model import QuantumClassifier

# config keys that may differ when resuming (they do not change the computation)
RESUME_FREE = {"out_dir", "data_dir", "threads", "preset"}
EVAL_CHUNK = 1024


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


def load_data(cfg: TrainConfig):
    from qnas.tasks.datasets import load_task_data

    return load_task_data(cfg.task, data_dir=cfg.data_dir, seed=cfg.seed, limit=cfg.train_limit)


def build_model(cfg: TrainConfig, noise: str | None = "config", target=None) -> QuantumClassifier:
    """The classifier of ``cfg``: the human baseline of ``cfg.space`` with ``cfg.blocks``.

    ``noise`` overrides ``cfg.noise``; ``target`` reuses a loaded device (default: load
    ``cfg.device``)."""
    from qnas.tasks.datasets import TASKS
    from qnas.train.baselines import human_baseline

    spec = TASKS[cfg.task]
    noise = cfg.noise if noise == "config" else noise
    if target is None and cfg.device:
        from qnas.devices import Target

        target = Target.from_backend(cfg.device)
    ansatz = human_baseline(cfg.space, spec.n_qubits, cfg.blocks)
    return QuantumClassifier(ansatz, cfg.encoder or spec.encoder, spec.n_classes, noise=noise,
                             target=target, layout=cfg.layout, noise_scale=cfg.noise_scale,
                             seed=cfg.seed)


def lr_lambda(warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    """Linear warm-up to 1 over ``warmup_steps``, then cosine decay to 0 at ``total_steps``."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        t = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, t)))

    return factor


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


class RunDir:
    """The files of one run (see the module docstring)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.config = self.root / "config.json"
        self.checkpoint = self.root / "checkpoint.pt"
        self.metrics = self.root / "metrics.jsonl"
        self.best = self.root / "best.pt"
        self.result = self.root / "result.json"

    def prepare(self, cfg: TrainConfig, resume: bool) -> dict | None:
        """Create (or, with ``resume``, check) the directory; returns the checkpoint if any."""
        from qnas.search.storage import atomic_write_text

        if self.config.exists():
            if not resume:
                raise ValueError(f"run directory {self.root} already holds a run; pass "
                                 "--resume to continue it or choose another --out")
            try:
                old = json.loads(self.config.read_text())
            except json.JSONDecodeError as e:
                raise ValueError(f"corrupt run config {self.config}: {e}") from None
            new = cfg.to_dict()
            diff = sorted(k for k in new if k not in RESUME_FREE and old.get(k) != new[k])
            if diff:
                raise ValueError(f"--resume with a different config ({', '.join(diff)}) than "
                                 f"{self.config}")
            return load_checkpoint(self.checkpoint) if self.checkpoint.exists() else None
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(f"output path {self.root} exists and is not a directory")
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.config, json.dumps(cfg.to_dict(), indent=2) + "\n")
        return None

    def write_metrics(self, records: list[dict]) -> None:
        from qnas.search.storage import atomic_write_text

        atomic_write_text(self.metrics, "".join(json.dumps(r) + "\n" for r in records))

    def append_metrics(self, record: dict) -> None:
        with open(self.metrics, "a") as f:
            f.write(json.dumps(record) + "\n")


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True,
          callback: Callable[[int, dict], None] | None = None, log=print) -> TrainResult:
    """Train ``build_model(cfg)`` on ``cfg.task``; see the module docstring.

    ``callback(epoch, record)`` runs after each epoch's checkpoint (an exception there
    interrupts the run exactly like a crash).
    """
    from tqdm.auto import tqdm

    start_time = time.perf_counter()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    # Everything that can fail on bad input happens before the run directory is touched.
    data = load_data(cfg)
    model = build_model(cfg)
    if model.encoder.n_features != data.n_features:
        raise ValueError(f"encoder {model.encoder.name!r} takes {model.encoder.n_features} "
                         f"features; task {cfg.task} has {data.n_features}")
    if cfg.noise in ("density", "gate_insertion"):
        model.physical  # noqa: B018 - compile now so that errors surface early
    lim = slice(None) if cfg.eval_limit is None else slice(0, cfg.eval_limit)
    x_valid, y_valid = data.x_valid[lim], data.y_valid[lim]
    x_test, y_test = data.x_test[lim], data.y_test[lim]
    run = RunDir(cfg.out_dir)
    state = run.prepare(cfg, resume)

    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    n = len(data.x_train)
    steps = math.ceil(n / cfg.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lr_lambda(cfg.warmup_epochs * steps, cfg.epochs * steps))
    shuffle = torch.Generator().manual_seed(cfg.seed)
    history: list[dict] = []
    best = {"epoch": 0, "valid_acc": -1.0, "weights": model.weights.detach().clone()}
    start = 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        shuffle.set_state(state["shuffle_rng"])
        model.noise_generator.set_state(state["noise_rng"])
        torch.set_rng_state(state["torch_rng"])
        start, history, best = state["epoch"], state["history"], state["best"]
        run.write_metrics(history)  # drop lines of an epoch that had not been checkpointed
        if log:
            log(f"resuming {run.root} at epoch {start + 1}/{cfg.epochs}")
    elif run.metrics.exists():
        run.metrics.unlink()

    bar = tqdm(range(start, cfg.epochs), desc=cfg.task, disable=not progress,
               initial=start, total=cfg.epochs)
    for epoch in bar:
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=shuffle)
        tot_loss, correct = 0.0, 0
        for i in range(0, n, cfg.batch_size):
            idx = perm[i : i + cfg.batch_size]
            logp = model(data.x_train[idx])
            loss = torch.nn.functional.nll_loss(logp, data.y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += float(loss.detach()) * len(idx)
            correct += int((logp.argmax(-1) == data.y_train[idx]).sum())
        v_loss, v_acc = evaluate(model, x_valid, y_valid)
        if v_acc > best["valid_acc"]:
            best = {"epoch": epoch + 1, "valid_acc": v_acc,
                    "weights": model.weights.detach().clone()}
        rec = {"epoch": epoch + 1, "split": "train", "train_loss": tot_loss / n,
               "train_acc": correct / n, "valid_loss": v_loss, "valid_acc": v_acc,
               "lr": opt.param_groups[0]["lr"], "seconds": time.perf_counter() - t0}
        history.append(rec)
        save_checkpoint({"epoch": epoch + 1, "model": model.state_dict(),
                         "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                         "shuffle_rng": shuffle.get_state(),
                         "noise_rng": model.noise_generator.get_state(),
                         "torch_rng": torch.get_rng_state(), "history": history, "best": best,
                         "config": cfg.to_dict()}, run.checkpoint)
        run.append_metrics(rec)
        bar.set_postfix(loss=f"{rec['train_loss']:.3f}", acc=f"{rec['train_acc']:.3f}",
                        val=f"{v_acc:.3f}")
        if callback is not None:
            callback(epoch + 1, rec)
    bar.close()

    final = model.weights.detach().clone()
    with torch.no_grad():
        model.weights.copy_(best["weights"])
    t_loss, t_acc = evaluate(model, x_test, y_test)
    noisy_acc = None
    if cfg.device and cfg.noise != "density":
        noisy = build_model(cfg, noise="density", target=model.target)
        with torch.no_grad():
            noisy.weights.copy_(best["weights"])
        noisy_acc = evaluate(noisy, x_test, y_test)[1]
    save_checkpoint({"weights": best["weights"], "epoch": best["epoch"],
                     "circuit": model.circuit.to_text(), "config": cfg.to_dict()}, run.best)
    test_rec = {"split": "test", "best_epoch": best["epoch"], "test_loss": t_loss,
                "test_acc": t_acc, "test_acc_noisy": noisy_acc}
    run.append_metrics(test_rec)
    seconds = time.perf_counter() - start_time
    from qnas.search.storage import atomic_write_text

    summary = {"best_epoch": best["epoch"], "best_valid_acc": best["valid_acc"],
               "test_acc": t_acc, "test_loss": t_loss, "test_acc_noisy": noisy_acc,
               "epochs": cfg.epochs, "seconds": seconds, "n_params": model.weights.numel()}
    atomic_write_text(run.result, json.dumps(summary, indent=2) + "\n")
    if log:
        extra = "" if noisy_acc is None else f", noisy (density, {cfg.device}) {noisy_acc:.4f}"
        log(f"{cfg.task}: best valid acc {best['valid_acc']:.4f} (epoch {best['epoch']}), "
            f"test acc {t_acc:.4f}{extra}  [{seconds:.1f} s] -> {run.root}")
    return TrainResult(run.root, history, best["epoch"], best["valid_acc"], t_acc, t_loss,
                       noisy_acc, final, best["weights"], seconds)
