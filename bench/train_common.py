"""Time one training step (forward + loss + backward + Adam) of any framework's model.

A "model" is any ``torch.nn.Module`` whose ``forward(x)`` returns ``<Z>`` as ``[B, n]``
and whose trainable parameters are the circuit weights.

Example::

    res = run_train_step(model, make_data(4, 256), warmup=2, repeats=5)
    res["median_ms"], res["loss0"], len(res["z"])

With ``device="cuda"`` the model and the data (made on the CPU, so every process draws the
same numbers) are moved to the GPU first, and every timed step ends with
``torch.cuda.synchronize``.
"""

from __future__ import annotations

import torch
from spec import loss_from_z
from timing import device_sync, time_fn


def run_train_step(
    model: torch.nn.Module,
    data: dict[str, torch.Tensor],
    warmup: int = 2,
    repeats: int = 5,
    budget_s: float | None = None,
    lr: float = 1e-2,
    device: str = "cpu",
) -> dict:
    """Return timing stats plus the initial ``<Z>`` (``z``, all rows) and loss (``loss0``).

    ``z``/``loss0`` are taken before any optimiser step, so they only depend on the
    seeded weights and inputs and can be compared across frameworks.
    """
    x, labels = data["x"], data["labels"]
    if device != "cpu":
        model = model.to(device)
        x, labels = x.to(device), labels.to(device)
    with torch.no_grad():
        z0 = model(x)
        loss0 = float(loss_from_z(z0.float(), labels))
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    def step() -> None:
        opt.zero_grad()
        loss = loss_from_z(model(x).float(), labels)
        loss.backward()
        opt.step()

    stats = time_fn(step, warmup=warmup, repeats=repeats, budget_s=budget_s,
                    sync=device_sync(device))
    stats["z"] = z0.float().tolist()
    stats["loss0"] = loss0
    stats["threads"] = torch.get_num_threads()
    return stats
