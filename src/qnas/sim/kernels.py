"""Statevector kernels on ``[B, 2**n]`` tensors in Qiskit bit order (qubit k = bit k).

Gate matrices use textbook order (the op's first wire is the most significant local bit).
Every kernel is a few differentiable torch ops, so autograd flows through states and matrices.

>>> import torch
>>> s = torch.tensor([[1, 0, 0, 0]], dtype=torch.complex64)
>>> x = torch.tensor([[0, 1], [1, 0]], dtype=torch.complex64)
>>> apply_matrix(s, x, (0,), 2).abs().tolist()  # X on qubit 0 -> index 1
[[0.0, 1.0, 0.0, 0.0]]
"""

from __future__ import annotations

import torch


def _state_axis(n: int, wire: int) -> int:
    """Axis of ``wire`` in a state viewed as ``[B, 2, ..., 2]`` (qubit n-1 first)."""
    return n - wire


def permute_gate_matrix(mat: torch.Tensor, perm: list[int]) -> torch.Tensor:
    """Reorder a gate matrix's wires: new wire i is old wire ``perm[i]``."""
    k = len(perm)
    lead = mat.shape[:-2]
    m = mat.reshape(*lead, *([2] * (2 * k)))
    nl = len(lead)
    rows = [nl + p for p in perm]
    cols = [nl + k + p for p in perm]
    m = m.permute(*range(nl), *rows, *cols)
    return m.reshape(*lead, 2**k, 2**k)


def _descending_run(wires) -> bool:
    return all(wires[i] == wires[0] - i for i in range(len(wires)))


def apply_matrix(state: torch.Tensor, mat: torch.Tensor, wires, n: int) -> torch.Tensor:
    """Apply a ``[d, d]`` (shared) or ``[b, d, d]`` (per-sample) matrix to ``wires``."""
    wires = tuple(wires)
    k = len(wires)
    d = 2**k
    if k > 1 and not _descending_run(wires) and max(wires) - min(wires) == k - 1:
        # Contiguous block in another order: reorder the small matrix instead of the state.
        order = sorted(range(k), key=lambda i: -wires[i])
        mat = permute_gate_matrix(mat, order)
        wires = tuple(wires[i] for i in order)
    B = max(state.shape[0], mat.shape[0] if mat.dim() == 3 else 1)
    if _descending_run(wires):
        q = wires[-1]
        x = state.reshape(state.shape[0], 2 ** (n - q - k), d, 2**q)
        if q == 0:  # gate on the lowest bits: one GEMM over all rows
            xt = x.reshape(state.shape[0], -1, d)
            m = mat.transpose(-1, -2)
            out = xt @ m if mat.dim() == 2 else torch.matmul(xt, m)
        else:
            out = torch.matmul(mat if mat.dim() == 2 else mat[:, None], x)
        return out.reshape(B, -1)
    # General case: move the gate's axes last, one GEMM, move back.
    x = state.reshape([state.shape[0]] + [2] * n)
    src = [_state_axis(n, w) for w in wires]
    dst = list(range(n + 1 - k, n + 1))
    x = x.movedim(src, dst)
    moved = x.shape
    x = x.reshape(state.shape[0], -1, d)
    out = torch.matmul(x, mat.transpose(-1, -2))
    out = out.reshape((B,) + tuple(moved[1:])).movedim(dst, src)
    return out.reshape(B, -1)


def apply_diagonal(state: torch.Tensor, diag: torch.Tensor, wires, n: int) -> torch.Tensor:
    """Multiply by a diagonal gate given as ``[d]`` or ``[b, d]`` (no permutation of the state)."""
    k = len(wires)
    dg = diag if diag.dim() == 2 else diag[None]
    b = dg.shape[0]
    dg = dg.reshape([b] + [2] * k)
    axes = [_state_axis(n, w) for w in wires]
    order = sorted(range(k), key=lambda i: axes[i])
    dg = dg.permute([0] + [1 + i for i in order])
    shape = [b] + [1] * n
    for i in order:
        shape[axes[i]] = 2
    out = state.reshape([state.shape[0]] + [2] * n) * dg.reshape(shape)
    return out.reshape(out.shape[0], -1)


def product_state(vectors: list[torch.Tensor]) -> torch.Tensor:
    """Kronecker product of per-qubit states ``vectors[q]: [b, 2]`` into ``[B, 2**n]``."""
    n = len(vectors)
    s = vectors[n - 1]
    for q in range(n - 2, -1, -1):
        v = vectors[q]
        s = (s[:, :, None] * v[:, None, :]).reshape(max(s.shape[0], v.shape[0]), -1)
    return s


def zero_state(n: int, batch: int, dtype, device) -> torch.Tensor:
    s = torch.zeros(batch, 2**n, dtype=dtype, device=device)
    s[:, 0] = 1
    return s


class LazyState:
    """A batch of states whose qubit axes may be permuted; permutes only when a gate needs it.

    ``order[a]`` is the qubit on axis ``a + 1`` of the ``[B, 2, ..., 2]`` view (most
    significant first). Gates move their wires to the last axes and stay there, saving one
    full copy of the state per gate compared with permuting back every time.
    """

    def __init__(self, state: torch.Tensor, n: int):
        self.x = state
        self.n = n
        self.order = list(range(n - 1, -1, -1))

    def apply(self, mat: torch.Tensor, wires, diagonal: bool = False) -> None:
        if diagonal:
            self._apply_diag(mat, wires)
            return
        n, k = self.n, len(wires)
        d = 2**k
        B = self.x.shape[0]
        tail = self.order[n - k:]
        if set(tail) == set(wires):
            if list(tail) != list(wires):
                mat = permute_gate_matrix(mat, [list(wires).index(q) for q in tail])
            x = self.x.reshape(B, -1, d)
        else:
            new = [q for q in self.order if q not in wires] + list(wires)
            perm = [0] + [1 + self.order.index(q) for q in new]
            x = self.x.reshape([B] + [2] * n).permute(perm).reshape(B, -1, d)
            self.order = new
        out = x @ mat.T if mat.dim() == 2 else torch.matmul(x, mat.transpose(-1, -2))
        self.x = out.reshape(out.shape[0], -1)

    def _apply_diag(self, diag: torch.Tensor, wires) -> None:
        k, n = len(wires), self.n
        dg = diag if diag.dim() == 2 else diag[None]
        b = dg.shape[0]
        dg = dg.reshape([b] + [2] * k)
        axes = [1 + self.order.index(w) for w in wires]
        srt = sorted(range(k), key=lambda i: axes[i])
        dg = dg.permute([0] + [1 + i for i in srt])
        shape = [b] + [1] * n
        for i in srt:
            shape[axes[i]] = 2
        out = self.x.reshape([self.x.shape[0]] + [2] * n) * dg.reshape(shape)
        self.x = out.reshape(out.shape[0], -1)

    def canonical(self) -> torch.Tensor:
        """The state in Qiskit order ``[B, 2**n]``."""
        n = self.n
        want = list(range(n - 1, -1, -1))
        if self.order == want:
            return self.x
        perm = [0] + [1 + self.order.index(q) for q in want]
        B = self.x.shape[0]
        return self.x.reshape([B] + [2] * n).permute(perm).reshape(B, -1)
