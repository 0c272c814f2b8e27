"""Batched statevector simulation: ``simulate(circuit, params, inputs) -> [B, 2**n]``.

Fast paths, chosen automatically:
- a prefix of single-qubit gates (typical data encoders) is simulated as a product state;
- diagonal gates multiply the state elementwise;
- runs of ops with batch-shared parameters are fused into one ``2**n x 2**n`` unitary when
  the register is small relative to the batch (the common QML case: 4-6 qubits, batch 256).

>>> import torch, qnas
>>> from qnas.ir import Circuit, Op
>>> bell = Circuit(2, [Op("h", (0,)), Op("cx", (0, 1))])
>>> qnas.simulate(bell).abs().pow(2).round(decimals=3).tolist()
[[0.5, 0.0, 0.0, 0.5]]
"""

from __future__ import annotations

import torch

from qnas.gates import get_gate
from qnas.ir import Circuit
from qnas.sim.binding import Bound, bind
from qnas.sim.cache import PLAN_CACHE
from qnas.sim.fusion import block_matrix, plan_blocks
from qnas.sim.kernels import BATCH_LAST_MIN, lazy_state, product_state, zero_state

FUSE_MAX_QUBITS = 7
# Widest fused block on larger registers: 5 qubits for one state (fewer passes over a big
# state), 4 for batches (stored batch-last, where GEMM cost grows with the block's 2**k).
# QNAS_FUSE overrides both.
_FUSE_ENV = __import__("os").environ.get("QNAS_FUSE")
FUSE_BLOCK_QUBITS = int(_FUSE_ENV or 5)
FUSE_BATCH_BLOCK_QUBITS = int(_FUSE_ENV or 4)


def simulate_statevector(
    circuit: Circuit,
    params=None,
    inputs=None,
    dtype: torch.dtype = torch.complex64,
    device=None,
    initial_state: torch.Tensor | None = None,
    fuse: bool | None = None,
) -> torch.Tensor:
    """Noise-free statevector ``[B, 2**n]`` of ``circuit`` (Qiskit bit order)."""
    _check_dtype(dtype)
    for op in circuit.ops:
        if get_gate(op.gate).kraus:
            raise ValueError(
                f"circuit contains the noise channel {op.gate!r}; use method='density' or "
                "'trajectories'"
            )
    b = bind(circuit, params, inputs, dtype, device)
    dev = _device_of(b, device)
    return run_bound(circuit, b, dtype, dev, initial_state, fuse)


def _check_dtype(dtype):
    if dtype not in (torch.complex64, torch.complex128):
        raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")


def _device_of(b: Bound, device):
    if device is not None:
        return torch.device(device)
    for m in b.mats:
        if m is not None:
            return m.device
    return torch.device("cpu")


def run_bound(circuit, b: Bound, dtype, device, initial_state=None, fuse=None) -> torch.Tensor:
    n = circuit.n_qubits
    ops = circuit.ops
    start = 0
    if initial_state is not None:
        state = _check_initial(initial_state, n, dtype, device)
    else:
        start = _single_qubit_prefix(ops)
        if start:
            state = _product_prefix(circuit, b, start, dtype, device)
        else:
            state = zero_state(n, 1, dtype, device)
    lazy = lazy_state(state, n)
    sub = b.tail(start)
    width = fusion_width(n, b.batch, fuse)
    rest, blocks = PLAN_CACHE.get((circuit, ("blocks", b.key, start, width)),
                                  lambda: _plan_rest(circuit, start, sub.batched, width))
    for blk in blocks:
        mat, diag, wires = block_matrix(rest, sub, blk, dtype, device)
        lazy.apply(mat, wires, diag)
    state = lazy.canonical()
    if state.shape[0] == 1 and b.batch > 1:
        state = state.expand(b.batch, -1)
    return state


def _plan_rest(circuit, start, batched, width):
    rest = Circuit(circuit.n_qubits, circuit.ops[start:], circuit.parameters, circuit.inputs)
    return rest, plan_blocks(rest, batched, width)


def fusion_width(n: int, batch: int, fuse: bool | None) -> int:
    """Widest block to fuse: the whole register when it is small next to the batch."""
    if fuse is False:
        return 1
    if n <= FUSE_MAX_QUBITS and 2**n * 2 <= batch:
        return n
    return min(n, FUSE_BATCH_BLOCK_QUBITS if batch >= BATCH_LAST_MIN else FUSE_BLOCK_QUBITS)


def _single_qubit_prefix(ops) -> int:
    k = 0
    while k < len(ops) and len(ops[k].wires) == 1:
        k += 1
    return k


def _product_prefix(circuit, b, stop, dtype, device):
    """The product state after ``circuit.ops[:stop]`` (all single-qubit)."""
    if b.where and all(b.where[k] for k in range(stop)):
        plan = PLAN_CACHE.get((circuit, ("prefix", b.key, stop, str(device))),
                              lambda: _prefix_plan(circuit, b, stop, device))
        return _grouped_prefix(b, plan, dtype, device)
    n = circuit.n_qubits
    vecs = [None] * n
    for k in range(stop):
        w = circuit.ops[k].wires[0]
        m = b.mats[k]
        if b.diagonal[k]:
            m = torch.diag_embed(m)
        if vecs[w] is None:  # first gate on the wire: column 0 of its matrix
            vecs[w] = m[..., :, 0] if m.dim() == 3 else m[:, 0][None]
        else:
            v = vecs[w]
            vecs[w] = (m @ v.T).T if m.dim() == 2 else (m @ v[:, :, None])[..., 0]
    zero = torch.tensor([[1, 0]], dtype=dtype, device=device)
    return product_state([v if v is not None else zero for v in vecs])


def _prefix_plan(circuit, b, stop, device):
    """Gather plan: per gate group the op slots, and a ``[n, L]`` table into their concat."""
    by_group: dict[int, list[int]] = {}
    for k in range(stop):
        by_group.setdefault(b.where[k][0], []).append(k)
    row_of, parts, row = {}, [], 1  # row 0 is the identity
    for g, ks in by_group.items():
        parts.append((g, torch.tensor([b.where[k][1] for k in ks], device=device),
                      b.diagonal[ks[0]]))
        for k in ks:
            row_of[k] = row
            row += 1
    per_wire: list[list[int]] = [[] for _ in range(circuit.n_qubits)]
    for k in range(stop):
        per_wire[circuit.ops[k].wires[0]].append(row_of[k])
    depth = max(len(r) for r in per_wire)
    table = torch.tensor([r + [0] * (depth - len(r)) for r in per_wire], device=device)
    return parts, table


def _grouped_prefix(b, plan, dtype, device):
    parts, table = plan
    mats = []
    for g, js, diag in parts:
        m = b.groups[g].index_select(1, js)
        mats.append(torch.diag_embed(m) if diag else m)
    batch = max(m.shape[0] for m in mats)
    eye = torch.eye(2, dtype=dtype, device=device).expand(batch, 1, 2, 2)
    allm = torch.cat([eye] + [m.expand(batch, -1, 2, 2) for m in mats], 1)
    m = allm[:, table]  # [B, n, L, 2, 2]
    v = m[:, :, 0, :, 0]
    for layer in range(1, table.shape[1]):
        v = (m[:, :, layer] @ v[..., None])[..., 0]
    return product_state(list(v.unbind(1)))


def _check_initial(s, n, dtype, device):
    s = torch.as_tensor(s).to(dtype=dtype, device=device)
    if s.dim() == 1:
        s = s[None]
    if s.dim() != 2 or s.shape[1] != 2**n:
        raise ValueError(f"initial_state has shape {list(s.shape)}, expected [B, {2**n}]")
    return s
