"""Measurement: probabilities, Z expectations and seeded shot sampling (Qiskit bit order).

>>> import torch
>>> p = torch.tensor([[0.5, 0.0, 0.0, 0.5]])
>>> expz(p, 2).tolist()
[[0.0, 0.0]]
>>> sample_counts(p[0], shots=100, seed=1)
{'00': 50, '11': 50}
"""

from __future__ import annotations

from functools import lru_cache

import torch


def probabilities(state: torch.Tensor, kind: str | None = None) -> torch.Tensor:
    """Outcome probabilities ``[B, N]`` of statevectors ``[B, N]``, density matrices
    ``[B, N, N]`` or trajectory statevectors ``[B, T, N]`` (averaged over trajectories).

    ``kind`` ("statevector", "density" or "trajectories") says which; without it a 3-D
    tensor is read as density matrices (pass ``kind="trajectories"`` for trajectories).
    """
    if kind is None:
        kind = "density" if state.dim() == 3 else "statevector"
    if kind == "density":
        return torch.diagonal(state, dim1=-2, dim2=-1).real
    if kind == "trajectories":
        return _abs2(state).mean(1)
    if kind == "statevector":
        return _abs2(state)
    raise ValueError(f"unknown state kind {kind!r}; expected statevector, density, trajectories")


def _abs2(state: torch.Tensor) -> torch.Tensor:
    """``|state|**2`` elementwise (real), in few and cheap ops (also under autograd)."""
    sq = torch.view_as_real(state.resolve_conj()).square()
    return sq[..., 0] + sq[..., 1]


def z_signs(n: int, wires=None, dtype=torch.float32, device=None) -> torch.Tensor:
    """Matrix ``[2**n, len(wires)]`` of +-1: the eigenvalue of ``Z_w`` on each basis state."""
    wires = tuple(range(n) if wires is None else wires)
    return _z_signs(n, wires, dtype, torch.device(device or "cpu"))


@lru_cache(maxsize=64)
def _z_signs(n: int, wires: tuple, dtype, device) -> torch.Tensor:
    idx = torch.arange(2**n, device=device)
    cols = [1.0 - 2.0 * ((idx >> w) & 1).to(dtype) for w in wires]
    return torch.stack(cols, -1)


def expz(probs: torch.Tensor, n: int, wires=None) -> torch.Tensor:
    """``<Z_w>`` for each wire from probabilities ``[B, 2**n]`` -> ``[B, len(wires)]``."""
    return probs @ z_signs(n, wires, probs.dtype, probs.device)


def bitstring(index: int, n: int) -> str:
    """Qiskit-style label: qubit 0 is the rightmost character."""
    return format(index, f"0{n}b")


def sample_counts(probs: torch.Tensor, shots: int, seed: int | None = None) -> dict[str, int]:
    """Sample ``shots`` outcomes from one distribution ``[2**n]``; keys are Qiskit bitstrings."""
    if shots < 1:
        raise ValueError(f"shots must be positive, got {shots}")
    p = probs.detach().to(torch.float64).cpu().clamp_min(0)
    p = p / p.sum()
    n = (p.numel() - 1).bit_length()
    gen = torch.Generator().manual_seed(int(seed)) if seed is not None else None
    draws = torch.multinomial(p, shots, replacement=True, generator=gen)
    counts = torch.bincount(draws, minlength=p.numel())
    return {bitstring(i, n): int(c) for i, c in enumerate(counts.tolist()) if c}
