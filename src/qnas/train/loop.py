"""The one training loop of qnas: Adam (or L-BFGS), linear warm-up + cosine decay, checkpoints.

Everything that trains - the SuperCircuit, searched SubCircuits, fine-tuning and pruning,
``qnas train``, VQE - calls :func:`fit` with an :class:`Objective`: the batches of one epoch
and a loss per batch. Shuffling uses a seeded generator whose state is checkpointed with the
optimizer and scheduler after every epoch, so a resumed run continues bit for bit.

>>> import torch
>>> w = torch.nn.Parameter(torch.tensor([3.0]))
>>> obj = DataObjective(torch.zeros(8, 1), torch.zeros(8), 4, lambda p, xb, yb: (p**2).sum())
>>> history = fit(w, obj, epochs=20, lr=0.3, progress=False)
>>> len(history), abs(w.item()) < 1.0
(20, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import torch

from qnas.rundir import load_checkpoint, save_checkpoint

OPTIMIZERS = ("adam", "lbfgs")
SCHEDULES = ("cosine", "constant")


class Objective(Protocol):
    """What :func:`fit` trains against (classification data, an energy, ...).

    ``loss`` returns the loss tensor, or ``(loss, stats)`` where ``stats`` holds per-batch
    sums (e.g. ``{"acc": n_correct}``) that the epoch record reports divided by the number of
    samples seen (``size`` of each batch).
    """

    def n_batches(self) -> int: ...

    def batches(self, generator: torch.Generator) -> Iterable[Any]: ...

    def size(self, batch) -> int: ...

    def loss(self, params: torch.Tensor, batch) -> torch.Tensor | tuple[torch.Tensor, dict]: ...


class DataObjective:
    """Shuffled mini-batches ``(xb, yb)`` of ``(x, y)``; ``loss_fn(params, xb, yb)``."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, loss_fn: Callable):
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(f"need as many labels as inputs (>0), got {len(x)} and {len(y)}")
        self.x, self.y, self.batch_size, self.loss_fn = x, y, int(batch_size), loss_fn

    def n_batches(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def batches(self, generator: torch.Generator) -> Iterator[tuple]:
        perm = torch.randperm(len(self.x), generator=generator)
        for i in range(0, len(self.x), self.batch_size):
            idx = perm[i : i + self.batch_size]
            yield self.x[idx], self.y[idx]

    def size(self, batch) -> int:
        return len(batch[1])

    def loss(self, params, batch):
        return self.loss_fn(params, *batch)


class StepsObjective:
    """No data: ``steps`` optimizer steps per epoch on ``loss_fn(params)`` (e.g. an energy)."""

    def __init__(self, loss_fn: Callable, steps: int = 1):
        if int(steps) < 1:
            raise ValueError(f"steps per epoch must be >= 1, got {steps}")
        self.loss_fn, self.steps = loss_fn, int(steps)

    def n_batches(self) -> int:
        return self.steps

    def batches(self, generator: torch.Generator) -> Iterator[None]:
        return iter([None] * self.steps)

    def size(self, batch) -> int:
        return 1

    def loss(self, params, batch):
        return self.loss_fn(params)


def cosine_with_warmup(optimizer, warmup_steps: int, total_steps: int):
    """Linear warm-up to the base lr over ``warmup_steps``, then cosine decay to 0.

    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> s = cosine_with_warmup(opt, 2, 6)
    >>> [round(s.lr_lambdas[0](k), 3) for k in range(7)]
    [0.5, 1.0, 1.0, 0.854, 0.5, 0.146, 0.0]
    """

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        t = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
        return 0.5 * (1 + math.cos(math.pi * min(t, 1.0)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def constant_lr(optimizer):
    """The base lr at every step (VQE's Adam; a scheduler so that :func:`fit` is uniform).

    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    >>> [constant_lr(opt).lr_lambdas[0](k) for k in (0, 5)]
    [1.0, 1.0]
    """
    return torch.optim.lr_scheduler.LambdaLR(optimizer, _one)


def _one(step: int) -> float:
    return 1.0


def _optimizer(name: str, params, lr: float, weight_decay: float, max_iter: int):
    if name == "adam":
        return torch.optim.Adam([params], lr=lr, weight_decay=weight_decay)
    if name == "lbfgs":
        return torch.optim.LBFGS([params], lr=lr, max_iter=max_iter, max_eval=2 * max_iter,
                                 tolerance_grad=1e-12, tolerance_change=1e-12, history_size=50,
                                 line_search_fn="strong_wolfe")
    raise ValueError(f"unknown optimizer {name!r}; expected one of {OPTIMIZERS}")


def fit(
    params: torch.nn.Parameter,
    objective: Objective,
    epochs: int,
    lr: float = 5e-3,
    weight_decay: float = 0.0,
    warmup_epochs: int = 0,
    seed: int = 0,
    checkpoint: Path | None = None,
    after_step: Callable | None = None,
    on_epoch: Callable | None = None,
    after_epoch: Callable | None = None,
    extra_state: tuple[Callable, Callable] | None = None,
    progress: bool = True,
    desc: str = "train",
    optimizer: str = "adam",
    max_iter: int = 20,
    schedule: str = "cosine",
) -> list[dict]:
    """Train ``params`` in place for ``epochs``; returns the per-epoch history.

    Each record holds ``epoch``, ``loss`` (mean over the epoch's samples), the objective's
    averaged stats, ``lr`` and what ``on_epoch(params)`` returns. ``after_step(params)`` runs
    after every optimizer step (e.g. to re-apply a pruning mask). With ``checkpoint`` the
    state is saved atomically after every epoch (then ``after_epoch(epoch, record)`` runs)
    and a later call resumes from it; ``extra_state = (get, set)`` adds more state (a
    sampler, RNGs) to the same checkpoint. ``optimizer="lbfgs"`` takes up to ``max_iter``
    L-BFGS iterations per step with a strong-Wolfe line search. ``schedule="cosine"`` is
    :func:`cosine_with_warmup` over all steps; ``"constant"`` keeps ``lr`` throughout.
    """
    from tqdm.auto import tqdm

    epochs = int(epochs)
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; expected one of {SCHEDULES}")
    opt = _optimizer(optimizer, params, lr, weight_decay, max_iter)
    steps_per_epoch = max(1, objective.n_batches())
    if schedule == "constant":
        sched = constant_lr(opt)
    else:
        sched = cosine_with_warmup(opt, warmup_epochs * steps_per_epoch,
                                   epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(int(seed))
    start, history = 0, []
    if checkpoint is not None and Path(checkpoint).exists():
        st = load_checkpoint(checkpoint)
        with torch.no_grad():
            params.copy_(st["params"])
        opt.load_state_dict(st["optimizer"])
        sched.load_state_dict(st["scheduler"])
        gen.set_state(st["generator"])
        start, history = st["epoch"], st["history"]
        if extra_state is not None and "extra" in st:
            extra_state[1](st["extra"])
    bar = tqdm(range(start, epochs), desc=desc, disable=not progress, leave=False,
               initial=start, total=epochs)
    for epoch in bar:
        total, count, stats = 0.0, 0, {}
        for batch in objective.batches(gen):
            out = {}

            def closure(batch=batch, out=out):
                opt.zero_grad()
                res = objective.loss(params, batch)
                loss, extra = res if isinstance(res, tuple) else (res, {})
                loss.backward()
                if "loss" not in out:  # the first evaluation of the step is its loss
                    out["loss"], out["extra"] = loss.detach(), extra
                return loss

            opt.step(closure)
            sched.step()
            if after_step is not None:
                after_step(params)
            n = objective.size(batch)
            total += out["loss"].item() * n
            count += n
            for k, v in out["extra"].items():
                stats[k] = stats.get(k, 0.0) + float(v)
        rec = {"epoch": epoch + 1, "loss": total / max(count, 1),
               **{k: v / max(count, 1) for k, v in stats.items()},
               "lr": opt.param_groups[0]["lr"]}
        if on_epoch is not None:
            rec.update(on_epoch(params) or {})
        history.append(rec)
        bar.set_postfix({k: f"{v:.3g}" for k, v in rec.items() if k not in ("epoch", "lr")})
        if checkpoint is not None:
            st = {"params": params.detach().clone(), "optimizer": opt.state_dict(),
                  "scheduler": sched.state_dict(), "generator": gen.get_state(),
                  "epoch": epoch + 1, "history": history}
            if extra_state is not None:
                st["extra"] = extra_state[0]()
            save_checkpoint(st, checkpoint)
        if after_epoch is not None:
            after_epoch(epoch + 1, rec)
    bar.close()
    return history
