"""A small resumable optimisation loop: Adam, linear warm-up + cosine decay, atomic checkpoints.

``fit`` trains one parameter tensor against ``loss_fn(params, xb, yb)``; shuffling uses a
seeded generator whose state is checkpointed with the optimizer, so a resumed run continues
bit-for-bit.

>>> import torch
>>> w = torch.nn.Parameter(torch.tensor([3.0]))
>>> x, y = torch.zeros(8, 1), torch.zeros(8, dtype=torch.long)
>>> h = fit(w, lambda p, xb, yb: (p ** 2).sum(), x, y, epochs=20, lr=0.3, progress=False)
>>> abs(w.item()) < 1.0
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import torch

from qnas.train.checkpoint import load_checkpoint, save_checkpoint


def cosine_with_warmup(optimizer, warmup_steps: int, total_steps: int):
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / max(warmup_steps, 1)
        t = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
        return 0.5 * (1 + math.cos(math.pi * min(t, 1.0)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def fit(
    params: torch.nn.Parameter,
    loss_fn: Callable,
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    lr: float = 5e-3,
    weight_decay: float = 1e-4,
    batch_size: int = 32,
    warmup_epochs: int = 0,
    seed: int = 0,
    checkpoint: Path | None = None,
    after_step: Callable | None = None,
    on_epoch: Callable | None = None,
    progress: bool = True,
    desc: str = "train",
    extra_state: Callable | None = None,
) -> list[dict]:
    """Train ``params`` in place; returns per-epoch history ``[{"epoch", "loss"}]``.

    With ``checkpoint`` set, state is saved atomically after every epoch and a later call
    resumes from it. ``extra_state`` is a pair of callables ``(get, set)`` for more state
    (e.g. a SubCircuit sampler) saved in the same checkpoint.
    """
    from tqdm.auto import tqdm

    opt = torch.optim.Adam([params], lr=lr, weight_decay=weight_decay)
    steps_per_epoch = max(1, math.ceil(len(x) / batch_size))
    sched = cosine_with_warmup(opt, warmup_epochs * steps_per_epoch, epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(seed)
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
    bar = tqdm(range(start, epochs), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        perm = torch.randperm(len(x), generator=gen)
        total, count = 0.0, 0
        for i in range(0, len(x), batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad()
            loss = loss_fn(params, x[idx], y[idx])
            loss.backward()
            opt.step()
            sched.step()
            if after_step is not None:
                after_step(params)
            total += loss.item() * len(idx)
            count += len(idx)
        rec = {"epoch": epoch + 1, "loss": total / max(count, 1)}
        if on_epoch is not None:
            rec.update(on_epoch(params) or {})
        history.append(rec)
        bar.set_postfix({k: f"{v:.3f}" for k, v in rec.items() if k != "epoch"})
        if checkpoint is not None:
            st = {"params": params.detach().clone(), "optimizer": opt.state_dict(),
                  "scheduler": sched.state_dict(), "generator": gen.get_state(),
                  "epoch": epoch + 1, "history": history}
            if extra_state is not None:
                st["extra"] = extra_state[0]()
            save_checkpoint(st, checkpoint)
    return history
