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
    """Kronecker product of per-qubit states ``vectors[q]: [b, 2]`` into ``[B, 2**n]``.

    Halves are multiplied out first, so the last (largest) product is a square outer
    product rather than a ``[B, N/2] x [B, 2]`` one (several times faster on big registers).
    """
    if len(vectors) == 1:
        return vectors[0]
    mid = len(vectors) // 2
    hi = product_state(vectors[mid:])  # qubits mid.. : the most significant bits
    lo = product_state(vectors[:mid])
    return (hi[:, :, None] * lo[:, None, :]).reshape(max(hi.shape[0], lo.shape[0]), -1)


def product_state_batch_last(vectors: list[torch.Tensor]) -> torch.Tensor:
    """:func:`product_state` laid out batch-last: ``[2**n, B]`` (see :class:`BatchLastState`)."""
    if len(vectors) == 1:
        return vectors[0].T
    mid = len(vectors) // 2
    hi = product_state_batch_last(vectors[mid:])
    lo = product_state_batch_last(vectors[:mid])
    return (hi[:, None, :] * lo[None, :, :]).reshape(-1, max(hi.shape[1], lo.shape[1]))


def zero_state(n: int, batch: int, dtype, device) -> torch.Tensor:
    s = torch.zeros(batch, 2**n, dtype=dtype, device=device)
    s[:, 0] = 1
    return s


def matrix_in_order(mat: torch.Tensor, wires, run) -> torch.Tensor:
    """``mat`` (textbook order over ``wires``) reordered to the axis order ``run``."""
    if list(run) == list(wires):
        return mat
    return permute_gate_matrix(mat, [list(wires).index(q) for q in run])


def diagonal_factor(diag: torch.Tensor, axes: list[int], n: int, batch_last: bool):
    """A diagonal ``[d]``/``[b, d]`` shaped to broadcast over a state's ``n`` qubit axes."""
    k = len(axes)
    dg = diag if diag.dim() == 2 else diag[None]
    b = dg.shape[0]
    dg = dg.reshape([b] + [2] * k)
    srt = sorted(range(k), key=lambda i: axes[i])
    shape = [1] * n
    for i in srt:
        shape[axes[i]] = 2
    if batch_last:
        return dg.permute([1 + i for i in srt] + [0]).reshape(shape + [b])
    return dg.permute([0] + [1 + i for i in srt]).reshape([b] + shape)


def contiguous_run(order: list[int], wires) -> int | None:
    """First axis of ``wires`` when they occupy adjacent axes of ``order`` (any order)."""
    pos = sorted(order.index(q) for q in wires)
    return pos[0] if pos[-1] - pos[0] == len(wires) - 1 else None


MIN_INNER = 16  # in-place batched GEMMs pay off from this many trailing amplitudes


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
        shared = mat.dim() == 2
        a = contiguous_run(self.order, wires)
        if a is None or (a + k < n and not (shared and 2 ** (n - a - k) >= MIN_INNER)):
            # Move the gate's axes together, keeping their relative order so that runs of
            # axes move as blocks. Prefer the front when the innermost axis can stay put
            # (a fast copy); the back when the gate needs it (or the matrix is per-sample).
            ws = set(wires)
            mine = [q for q in self.order if q in ws]
            rest = [q for q in self.order if q not in ws]
            front = shared and self.order[-1] not in ws and 2 ** (n - k) >= MIN_INNER
            self._permute(mine + rest if front else rest + mine)
            a = 0 if front else n - k
        mat = matrix_in_order(mat, wires, self.order[a : a + k])
        d, B = 2**k, self.x.shape[0]
        if a + k == n:  # gate axes last: one GEMM over all rows
            x = self.x.reshape(B, -1, d)
            out = x @ mat.T if shared else torch.matmul(x, mat.transpose(-1, -2))
            self.x = out.reshape(out.shape[0], -1)
        else:  # adjacent axes with a long inner run: batched GEMM in place
            x = self.x.reshape(-1, d, 2 ** (n - a - k))
            self.x = torch.bmm(mat.expand(x.shape[0], d, d), x).reshape(B, -1)

    def _permute(self, new: list[int]) -> None:
        perm = [0] + [1 + self.order.index(q) for q in new]
        B = self.x.shape[0]
        self.x = self.x.reshape([B] + [2] * self.n).permute(perm).reshape(B, -1)
        self.order = new

    def _apply_diag(self, diag: torch.Tensor, wires) -> None:
        dg = diagonal_factor(diag, [self.order.index(w) for w in wires], self.n, batch_last=False)
        out = self.x.reshape([self.x.shape[0]] + [2] * self.n) * dg
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


class BatchLastState:
    """Like :class:`LazyState`, but stored as ``[2, ..., 2, B]`` (amplitude-major).

    With the batch innermost, every permutation of qubit axes moves contiguous runs of ``B``
    amplitudes (a fast copy), and a gate on any adjacent axes is one GEMM or batched GEMM
    with a long inner dimension: the layout of choice for batches of 8 or more states.
    """

    def __init__(self, state: torch.Tensor, n: int):
        self.B = state.shape[0]
        self.n = n
        self.x = state.reshape(self.B, -1).T.contiguous()  # [2**n, B]
        self.order = list(range(n - 1, -1, -1))

    @classmethod
    def from_batch_last(cls, x: torch.Tensor, n: int) -> BatchLastState:
        """Wrap a state already stored as ``[2**n, B]`` (Qiskit order), without copying."""
        self = cls.__new__(cls)
        self.B, self.n, self.x = x.shape[1], n, x.contiguous()
        self.order = list(range(n - 1, -1, -1))
        return self

    def apply(self, mat: torch.Tensor, wires, diagonal: bool = False) -> None:
        if diagonal:
            self._apply_diag(mat, wires)
            return
        n, k = self.n, len(wires)
        a = contiguous_run(self.order, wires)
        if a is None:  # gather the gate's axes at the front, in their current order
            ws = set(wires)
            self._permute([q for q in self.order if q in ws] +
                          [q for q in self.order if q not in ws])
            a = 0
        mat = matrix_in_order(mat, wires, self.order[a : a + k])
        d, outer, inner = 2**k, 2**a, 2 ** (n - a - k)
        if mat.dim() == 2:
            if outer == 1:
                self.x = (mat @ self.x.reshape(d, -1)).reshape(-1, self.B)
            else:
                x = self.x.reshape(outer, d, inner * self.B)
                self.x = torch.bmm(mat.expand(outer, d, d), x).reshape(-1, self.B)
            return
        b = max(self.B, mat.shape[0])
        x = self.x.reshape(outer, 1, d, inner, self.B)
        m = mat.permute(1, 2, 0)[None, :, :, None, :]  # [1, i, j, 1, b]
        self.x = (m * x).sum(2).reshape(-1, b)
        self.B = b

    def _apply_diag(self, diag: torch.Tensor, wires) -> None:
        dg = diagonal_factor(diag, [self.order.index(w) for w in wires], self.n, batch_last=True)
        out = self.x.reshape([2] * self.n + [self.B]) * dg
        self.B = out.shape[-1]
        self.x = out.reshape(-1, self.B)

    def _permute(self, new: list[int]) -> None:
        perm = [self.order.index(q) for q in new] + [self.n]
        self.x = self.x.reshape([2] * self.n + [self.B]).permute(perm).reshape(-1, self.B)
        self.order = new

    def canonical(self) -> torch.Tensor:
        """The state in Qiskit order ``[B, 2**n]``."""
        n = self.n
        want = list(range(n - 1, -1, -1))
        perm = [n] + [self.order.index(q) for q in want]
        return self.x.reshape([2] * n + [self.B]).permute(perm).reshape(self.B, -1)


BATCH_LAST_MIN = 8


def lazy_state(state: torch.Tensor, n: int):
    """The state holder for gate-by-gate simulation: batch-last for batches of 8 or more."""
    cls = BatchLastState if state.shape[0] >= BATCH_LAST_MIN else LazyState
    return cls(state, n)
