"""Readout (measurement assignment) error on probabilities and on <Z> expectations.

``matrices[k]`` is qubit k's assignment matrix ``A[measured, true]`` and acts on bit k of the
basis-state index (Qiskit order). Each 2x2 matrix is applied along its own axis, so no
``2^n x 2^n`` matrix is ever formed.

>>> import torch
>>> A = torch.tensor([[0.9, 0.2], [0.1, 0.8]], dtype=torch.float64)  # P(1|0)=.1, P(0|1)=.2
>>> apply_readout_error(torch.tensor([[1.0, 0.0]], dtype=torch.float64), [A]).tolist()
[[0.9, 0.1]]
>>> expz_with_readout(torch.tensor([-1.0], dtype=torch.float64), [A]).tolist()  # -.7 + .1
[-0.6]
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def _stack(matrices: Sequence[torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    mats = torch.stack([torch.as_tensor(m) for m in matrices]).to(like.dtype).to(like.device)
    if mats.shape[-2:] != (2, 2):
        raise ValueError(f"readout matrices must be 2x2, got shape {tuple(mats.shape[-2:])}")
    return mats


def apply_readout_error(probs: torch.Tensor, matrices: Sequence[torch.Tensor]) -> torch.Tensor:
    """Noisy outcome probabilities ``[..., 2^n]`` from ideal ones and n assignment matrices."""
    n = len(matrices)
    if n == 0:
        return probs
    if probs.shape[-1] != 2**n:
        raise ValueError(
            f"probabilities have {probs.shape[-1]} entries but {n} readout matrices need {2**n}"
        )
    mats = _stack(matrices, probs)
    batch = probs.shape[:-1]
    x = probs.reshape(batch + (2,) * n)  # axis -1 is bit 0 (qubit 0), axis -n is qubit n-1
    for k in range(n):
        axis = x.ndim - 1 - k
        x = torch.movedim(torch.movedim(x, axis, -1) @ mats[k].T, -1, axis)
    return x.reshape(probs.shape)


def expz_with_readout(expz: torch.Tensor, matrices: Sequence[torch.Tensor]) -> torch.Tensor:
    """Noisy single-qubit ``<Z_k>`` ``[..., n]`` (column k uses ``matrices[k]``).

    With ``p10 = P(1|0)`` and ``p01 = P(0|1)``:
    ``<Z>_noisy = (1 - p10 - p01) <Z> + (p01 - p10)``.
    """
    if expz.shape[-1] != len(matrices):
        raise ValueError(f"<Z> has {expz.shape[-1]} columns but {len(matrices)} readout matrices")
    mats = _stack(matrices, expz)
    p10, p01 = mats[:, 1, 0], mats[:, 0, 1]
    return (1 - p10 - p01) * expz + (p01 - p10)


def readout_matrix(p10: float, p01: float, dtype=torch.float64) -> torch.Tensor:
    """``A[measured, true]`` from ``P(1|0)`` and ``P(0|1)``."""
    for name, v in (("P(1|0)", p10), ("P(0|1)", p01)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"readout probability {name}={v} outside [0, 1]")
    return torch.tensor([[1 - p10, p01], [p10, 1 - p01]], dtype=dtype)
