"""Readouts: ``<Z>`` on chosen wires -> class scores -> log-softmax (QuantumNAS/TorchQuantum).

Grouping rule: with ``m`` measured wires and ``C <= m`` classes, class ``c`` scores the sum of
``<Z>`` over the ``g = m // C`` consecutive wires ``c*g .. c*g+g-1``; the last ``m - g*C``
wires are unused. This is TorchQuantum's rule: 4 classes on 4 wires is direct, 2 classes on
4 wires is ``x.reshape(bsz, 2, 2).sum(-1)`` (wires 0+1 and 2+3), 10 classes on 10 wires direct.

>>> import torch
>>> readout_logits(torch.tensor([[1.0, 1.0, -1.0, -1.0]]), 2).argmax(-1).item()
0
>>> expz_from_probs(torch.tensor([0.0, 1.0, 0.0, 0.0]), [0, 1]).tolist()   # |q1 q0> = |01>
[-1.0, 1.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ReadoutSpec:
    """Which wires are measured and how they map to ``n_classes`` scores."""

    n_classes: int
    wires: tuple[int, ...]

    def __post_init__(self):
        wires = tuple(int(w) for w in self.wires)
        object.__setattr__(self, "wires", wires)
        if int(self.n_classes) < 2:
            raise ValueError(f"a readout needs at least 2 classes, got {self.n_classes}")
        if any(w < 0 for w in wires) or len(set(wires)) != len(wires):
            raise ValueError(f"readout wires must be distinct non-negative ints, got {wires}")
        if self.n_classes > len(wires):
            raise ValueError(
                f"{self.n_classes} classes need at least {self.n_classes} measured wires, "
                f"got {len(wires)} ({wires})"
            )

    @classmethod
    def default(cls, n_wires: int, n_classes: int, wires: Sequence[int] | None = None):
        """Measure ``wires`` (default all ``n_wires``) for ``n_classes`` classes."""
        ws = tuple(range(n_wires)) if wires is None else tuple(wires)
        if any(not 0 <= w < n_wires for w in ws):
            raise ValueError(f"readout wires {ws} out of range for {n_wires} wires")
        return cls(int(n_classes), ws)

    @property
    def group_size(self) -> int:
        return len(self.wires) // self.n_classes

    @property
    def groups(self) -> tuple[tuple[int, ...], ...]:
        """The wires summed for each class."""
        g = self.group_size
        return tuple(self.wires[c * g : (c + 1) * g] for c in range(self.n_classes))

    def scores(self, expz: torch.Tensor) -> torch.Tensor:
        """``[B, n_wires]`` (or ``[n_wires]``) ``<Z>`` -> ``[B, n_classes]`` summed groups."""
        if expz.ndim not in (1, 2):
            raise ValueError(f"expz must be [B, n_wires] or [n_wires], got {tuple(expz.shape)}")
        if max(self.wires) >= expz.shape[-1]:
            raise ValueError(
                f"readout wire {max(self.wires)} out of range for expz with "
                f"{expz.shape[-1]} wires"
            )
        g = self.group_size
        sel = expz[..., list(self.wires[: g * self.n_classes])]
        return sel.reshape(*expz.shape[:-1], self.n_classes, g).sum(-1)

    def __call__(self, expz: torch.Tensor) -> torch.Tensor:
        """Log-softmax class scores."""
        return torch.log_softmax(self.scores(expz), dim=-1)


def readout_logits(
    expz: torch.Tensor, n_classes: int, wires: Sequence[int] | None = None
) -> torch.Tensor:
    """``[B, n_wires]`` ``<Z>`` -> ``[B, n_classes]`` log-probabilities (see module doc)."""
    return ReadoutSpec.default(expz.shape[-1], n_classes, wires)(expz)


def _n_qubits(dim: int) -> int:
    n = int(round(math.log2(dim))) if dim > 0 else -1
    if n < 1 or 2**n != dim:
        raise ValueError(f"probability vectors need length 2**n (n >= 1), got {dim}")
    return n


def expz_from_probs(probs: torch.Tensor, wires: Sequence[int] | None = None) -> torch.Tensor:
    """``<Z_k>`` for each ``k`` in ``wires`` from basis probabilities ``[..., 2**n]``.

    Qiskit order: qubit ``k`` is bit ``k`` of the basis index. ``wires`` defaults to all.
    """
    probs = torch.as_tensor(probs)
    n = _n_qubits(probs.shape[-1])
    ws = list(range(n)) if wires is None else [int(w) for w in wires]
    if any(not 0 <= w < n for w in ws):
        raise ValueError(f"wires {ws} out of range for {n} qubits")
    idx = torch.arange(2**n, device=probs.device)
    signs = torch.stack([1 - 2 * ((idx >> w) & 1) for w in ws], dim=-1)  # [2**n, len(ws)]
    return probs @ signs.to(probs.dtype)


def expz_from_counts(
    counts: Mapping[str, int], n_qubits: int, wires: Sequence[int] | None = None
) -> torch.Tensor:
    """``<Z_k>`` from Qiskit-style counts (bitstring: rightmost char = qubit 0)."""
    probs = torch.zeros(2**n_qubits, dtype=torch.float64)
    total = sum(counts.values())
    if total <= 0:
        raise ValueError("counts are empty")
    for bits, c in counts.items():
        key = bits.replace(" ", "")
        if len(key) != n_qubits or set(key) - {"0", "1"}:
            raise ValueError(f"bitstring {bits!r} is not {n_qubits} bits of 0/1")
        probs[int(key, 2)] += c
    return expz_from_probs(probs / total, wires)
