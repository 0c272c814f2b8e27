"""Exact batched density-matrix simulation with autograd: ``[B, 2**n, 2**n]``.

The density matrix is stored vectorised as a ``2n``-qubit state ``vec[b, r * N + c]``:
wire ``w`` of the circuit is the column wire ``w`` and the row wire ``w + n``. Every op
becomes one *superoperator* on its row and column wires — ``U (x) conj(U)`` for a gate,
``sum_k K_k (x) conj(K_k)`` for a Kraus channel — applied by the statevector kernels
(:class:`~qnas.sim.kernels.LazyState`). Runs of ops (gates *and* channels, shared or
per-sample) on at most ``fuse`` wires are multiplied into one superoperator first, so a gate
followed by its depolarizing and relaxation channels costs a single pass over the state.

>>> import torch
>>> from qnas.ir import Circuit, Op
>>> c = Circuit(1, [Op("x", (0,)), Op("amplitude_damping", (0,), (0.25,))])
>>> simulate_density(c, dtype=torch.complex128)[0].real.diagonal().round(decimals=6).tolist()
[0.25, 0.75]
"""

from __future__ import annotations

import torch

from qnas.gates import get_gate
from qnas.ir import Circuit
from qnas.noise.channels import kraus_operators
from qnas.sim.binding import bind
from qnas.sim.cache import LRUCache
from qnas.sim.fusion import plan_blocks
from qnas.sim.kernels import apply_matrix, lazy_state

FUSE_QUBITS = 2  # a fused block acts on <= 2 circuit wires: a 16 x 16 superoperator

_CHANNEL_CACHE = LRUCache(maxsize=4096)  # superoperators of channel ops, by parameter values


def simulate_density(
    circuit: Circuit,
    params=None,
    inputs=None,
    dtype: torch.dtype = torch.complex64,
    device=None,
    initial_state: torch.Tensor | None = None,
    fuse: int | bool | None = None,
) -> torch.Tensor:
    """Density matrices ``[B, 2**n, 2**n]`` of ``circuit`` (noise channel ops included).

    ``initial_state`` may be a statevector ``[N]``/``[B, N]`` or a density matrix
    ``[N, N]``/``[B, N, N]``; the default is ``|0...0><0...0|``. ``fuse`` is the widest block
    (in circuit wires) multiplied into one superoperator (``False``: no fusion).
    """
    if dtype not in (torch.complex64, torch.complex128):
        raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
    n = circuit.n_qubits
    if n > 14:
        raise ValueError(f"density-matrix simulation of {n} qubits needs 2^{2 * n} amplitudes "
                         "per sample; use method='trajectories'")
    b = bind(circuit, params, inputs, dtype, device, diagonal_fast_path=False)
    dev = next((m.device for m in b.mats if m is not None), torch.device(device or "cpu"))
    sops = [_superop(op, b.mats[i], dtype, dev) for i, op in enumerate(circuit.ops)]
    width = 1 if fuse is False else int(fuse or FUSE_QUBITS)
    vec = _initial(initial_state, n, dtype, dev)
    lazy = lazy_state(vec, 2 * n)
    for blk in plan_blocks(circuit, [False] * len(circuit.ops), max(width, 1)):
        mat, wires = _block_superop(circuit, sops, blk.ops, n)
        lazy.apply(mat, wires)
    out = lazy.canonical()
    if out.shape[0] != b.batch:
        out = out.expand(b.batch, -1)
    return out.reshape(b.batch, 2**n, 2**n)


def _superop(op, mat, dtype, device) -> torch.Tensor:
    """``[D, D]`` or ``[b, D, D]`` superoperator of one op on (row wires, column wires)."""
    g = get_gate(op.gate)
    if g.kraus:
        key = (g.name, tuple(float(v) for v in op.params), len(op.wires), dtype, str(device))
        return _CHANNEL_CACHE.get(key, lambda: _channel_superop(op, g, dtype, device))
    d = mat.shape[-1]
    if mat.dim() == 2:
        return (mat[:, None, :, None] * mat.conj()[None, :, None, :]).reshape(d * d, d * d)
    bsz = mat.shape[0]
    return (mat[:, :, None, :, None] * mat.conj()[:, None, :, None, :]).reshape(bsz, d * d, d * d)


def _channel_superop(op, g, dtype, device) -> torch.Tensor:
    k = kraus_operators(g.name, [float(v) for v in op.params], len(op.wires), dtype).to(device)
    d = k.shape[-1]
    return (k[:, :, None, :, None] * k.conj()[:, None, :, None, :]).sum(0).reshape(d * d, d * d)


def _vec_wires(wires, n) -> tuple[int, ...]:
    return tuple(w + n for w in wires) + tuple(wires)


def _block_superop(circuit, sops, idxs, n):
    """Product of the block's superoperators on its ``2k`` vectorised wires."""
    if len(idxs) == 1:
        i = idxs[0]
        return sops[i], _vec_wires(circuit.ops[i].wires, n)
    bw = sorted({w for i in idxs for w in circuit.ops[i].wires}, reverse=True)
    k = len(bw)
    vw = _vec_wires(bw, n)  # local textbook order: rows (high) then columns
    local = {w: 2 * k - 1 - j for j, w in enumerate(vw)}
    dim = 4**k
    # Rows of ``m`` are the images of basis vectors: m = (S_block)^T, built left to right.
    m = torch.eye(dim, dtype=sops[idxs[0]].dtype, device=sops[idxs[0]].device)
    for i in idxs:
        s = sops[i]
        wl = [local[w] for w in _vec_wires(circuit.ops[i].wires, n)]
        if s.dim() == 3:
            bsz = s.shape[0]
            if m.dim() == 2:
                m = m.expand(bsz, dim, dim)
            elif m.shape[0] != bsz:
                raise ValueError("per-sample matrices with different batch sizes")
            flat = m.reshape(bsz * dim, dim)
            s_rep = s.repeat_interleave(dim, 0)
            m = apply_matrix(flat, s_rep, wl, 2 * k).reshape(bsz, dim, dim)
        elif m.dim() == 3:
            bsz = m.shape[0]
            m = apply_matrix(m.reshape(bsz * dim, dim), s, wl, 2 * k).reshape(bsz, dim, dim)
        else:
            m = apply_matrix(m, s, wl, 2 * k)
    return m.transpose(-1, -2), vw


def _initial(state, n, dtype, device) -> torch.Tensor:
    N = 2**n
    if state is None:
        v = torch.zeros(1, N * N, dtype=dtype, device=device)
        v[0, 0] = 1
        return v
    s = torch.as_tensor(state).to(dtype=dtype, device=device)
    if s.dim() >= 2 and s.shape[-1] == N and s.shape[-2] == N:  # density matrix
        rho = s if s.dim() == 3 else s[None]
    elif s.shape[-1] == N and s.dim() <= 2:  # statevector(s)
        s = s if s.dim() == 2 else s[None]
        rho = s[:, :, None] * s.conj()[:, None, :]
    else:
        raise ValueError(f"initial_state has shape {list(s.shape)}, expected [B, {N}] "
                         f"(statevectors) or [B, {N}, {N}] (density matrices)")
    return rho.reshape(rho.shape[0], N * N)
