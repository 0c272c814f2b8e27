"""Magnitude pruning of rotation angles with a polynomial schedule (QuantumNAS, Sec. 4.4).

Angles are wrapped to ``[-pi, pi]`` first (an angle near ``2 pi`` is a small rotation), the
smallest ``ratio`` fraction of them is set to zero and held there during fine-tuning, and the
ratio grows from ``initial`` to ``target`` as ``target + (initial - target) (1 - t)^power``.
A gate whose angles are all pruned is the identity and is removed at export.

>>> import torch
>>> p = MagnitudePruner(4, target=0.5, steps=2)
>>> w = torch.tensor([0.1, -3.0, 6.2, 1.0])
>>> p.step(w, 2).tolist()   # 6.2 wraps to -0.08: it and 0.1 are the smallest
[True, False, True, False]
"""

from __future__ import annotations

import math

import torch

from qnas.gates import get_gate
from qnas.ir import Circuit


def wrap_angles(w: torch.Tensor) -> torch.Tensor:
    """Map angles to ``[-pi, pi)``."""
    return torch.remainder(w + math.pi, 2 * math.pi) - math.pi


def polynomial_ratio(step: int, steps: int, target: float, initial: float = 0.0,
                     power: float = 3.0) -> float:
    """Pruning ratio after ``step`` of ``steps`` (``step >= steps`` gives ``target``)."""
    if not 0.0 <= target < 1.0:
        raise ValueError(f"target pruning ratio must be in [0, 1), got {target}")
    t = min(max(step / max(steps, 1), 0.0), 1.0)
    return target + (initial - target) * (1.0 - t) ** power


class MagnitudePruner:
    """Keeps a boolean mask of pruned parameters; ``apply`` zeroes them in place."""

    def __init__(self, n_params: int, target: float, steps: int, initial: float = 0.0,
                 power: float = 3.0):
        polynomial_ratio(0, steps, target, initial, power)  # validates
        self.target, self.steps, self.initial, self.power = target, steps, initial, power
        self.mask = torch.zeros(n_params, dtype=torch.bool)

    def ratio(self, step: int) -> float:
        return polynomial_ratio(step, self.steps, self.target, self.initial, self.power)

    def step(self, weights: torch.Tensor, step: int) -> torch.Tensor:
        """Prune the smallest wrapped angles up to the schedule's ratio at ``step``."""
        w = wrap_angles(weights.detach()).abs()
        k = int(round(self.ratio(step) * w.numel()))
        mask = self.mask.clone()
        if k > 0:
            order = torch.argsort(w.masked_fill(mask, -1.0), stable=True)
            mask[order[:k]] = True
        self.mask = mask
        return mask

    @torch.no_grad()
    def apply(self, weights: torch.Tensor) -> None:
        """Wrap every angle and zero the pruned ones (call after each optimizer step)."""
        weights.copy_(wrap_angles(weights))
        weights[self.mask.to(weights.device)] = 0.0

    @property
    def sparsity(self) -> float:
        return float(self.mask.float().mean()) if self.mask.numel() else 0.0


def remove_pruned_gates(circuit: Circuit, values: dict[str, float]) -> Circuit:
    """Bind trainable ``values`` and drop gates whose angles are all exactly zero.

    Only parametric gates whose zero-angle form is the identity are dropped (rotations,
    ``u3``, ``p``, controlled rotations, two-qubit Pauli rotations).
    """
    ops = []
    for op in circuit.bind(values).ops:
        g = get_gate(op.gate)
        zero_is_identity = g.num_params and not g.kraus and g.name not in ("u2", "unitary", "r")
        if zero_is_identity and all(isinstance(v, float) and v == 0.0 for v in op.params):
            continue
        ops.append(op)
    return Circuit(circuit.n_qubits, tuple(ops), inputs=circuit.inputs)
