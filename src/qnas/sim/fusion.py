"""Gate fusion: merge runs of batch-shared gates into blocks of at most ``max_qubits`` wires.

Ops on disjoint wires commute, so each wire keeps one "open" block; an op joins (or merges)
the open blocks on its wires while the union stays small. A block's matrix is built by
simulating its ops on the identity, which is cheap for 2-6 wires and turns dozens of passes
over a large state into a few dense GEMMs.

>>> from qnas.ir import Circuit, Op
>>> c = Circuit(3, [Op("h", (0,)), Op("cx", (0, 1)), Op("x", (2,))])
>>> [b.wires for b in plan_blocks(c, [False] * 3, max_qubits=2)]
[(1, 0), (2,)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import torch

from qnas.sim.kernels import apply_diagonal, apply_matrix


@dataclass
class Block:
    """A fused group of op indices (in circuit order) acting on ``wires``."""

    ops: list[int] = field(default_factory=list)
    wire_set: set[int] = field(default_factory=set)
    single: bool = False  # a standalone op (batched, channel, or too wide to fuse)
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def wires(self) -> tuple[int, ...]:
        return tuple(sorted(self.wire_set, reverse=True))


def plan_blocks(circuit, barrier: list[bool], max_qubits: int) -> list[Block]:
    """Group ops into blocks; ``barrier[i]`` ops (batched or channels) stay on their own."""
    out: list[Block] = []
    open_on: dict[int, Block] = {}

    def close(block: Block):
        for w in block.wire_set:
            if open_on.get(w) is block:
                del open_on[w]
        out.append(block)

    for i, op in enumerate(circuit.ops):
        ws = set(op.wires)
        touching = []
        for w in op.wires:
            b = open_on.get(w)
            if b is not None and all(b is not t for t in touching):
                touching.append(b)
        if barrier[i] or len(ws) > max_qubits:
            for b in touching:
                close(b)
            out.append(Block([i], ws, single=True))
            continue
        union = set(ws).union(*(b.wire_set for b in touching))
        if len(union) <= max_qubits:
            merged = Block(sorted(j for b in touching for j in b.ops) + [i], union)
            for b in touching:
                for w in b.wire_set:
                    del open_on[w]
        else:
            # Too wide together: close the widest blocks, but pull small ones (typically a
            # lone single-qubit gate) into the new block rather than leaving them alone.
            keep = set(ws)
            absorbed = []
            for b in sorted(touching, key=lambda t: len(t.wire_set)):
                if len(keep | b.wire_set) <= max_qubits:
                    keep |= b.wire_set
                    absorbed.append(b)
                else:
                    close(b)
            for b in absorbed:
                for w in b.wire_set:
                    del open_on[w]
            merged = Block(sorted(j for b in absorbed for j in b.ops) + [i], keep)
        for w in merged.wire_set:
            open_on[w] = merged
    seen = set()
    for b in open_on.values():
        if id(b) not in seen:
            seen.add(id(b))
            out.append(b)
    return out


def block_matrix(circuit, bound, block: Block, dtype, device):
    """``(matrix, is_diagonal, wires)``: the block's matrix in textbook order over ``wires``."""
    if len(block.ops) == 1:  # a lone op keeps its own matrix and wire order
        i = block.ops[0]
        return bound.mats[i], bound.diagonal[i], tuple(circuit.ops[i].wires)
    bw = block.wires
    k = len(bw)
    local = {w: k - 1 - j for j, w in enumerate(bw)}
    if 2**k <= GATHER_MAX_DIM and bound.where and all(bound.where[i] for i in block.ops):
        return _gathered_product(circuit, bound, block, local, k, dtype, device), False, bw
    if all(bound.diagonal[i] for i in block.ops):
        d = torch.ones(1, 2**k, dtype=dtype, device=device)
        for i in block.ops:
            d = apply_diagonal(d, bound.mats[i], [local[w] for w in circuit.ops[i].wires], k)
        return d[0], True, bw
    u = torch.eye(2**k, dtype=dtype, device=device)
    ops = block.ops
    j = 0
    while j < len(ops):
        # A run of single-qubit gates on distinct wires becomes one Kronecker-product layer:
        # one small GEMM instead of a reshape-matmul-reshape per gate.
        layer: dict[int, torch.Tensor] = {}
        while j < len(ops) and len(circuit.ops[ops[j]].wires) == 1:
            w = local[circuit.ops[ops[j]].wires[0]]
            if w in layer:
                break
            m = bound.mats[ops[j]]
            layer[w] = torch.diag_embed(m) if bound.diagonal[ops[j]] else m
            j += 1
        if len(layer) > 1:
            eye2 = torch.eye(2, dtype=dtype, device=device)
            full = layer.get(k - 1, eye2)
            for q in range(k - 2, -1, -1):
                full = torch.kron(full, layer.get(q, eye2))
            u = u @ full.T
            continue
        if layer:  # a lone single-qubit gate
            j -= 1
        i = ops[j]
        wl = [local[w] for w in circuit.ops[i].wires]
        m = bound.mats[i]
        u = apply_diagonal(u, m, wl, k) if bound.diagonal[i] else apply_matrix(u, m, wl, k)
        j += 1
    return u.T, False, bw


GATHER_MAX_DIM = 16  # above this, dense D x D products cost more than applying sparse gates


def _gathered_product(circuit, bound, block, local, k, dtype, device) -> torch.Tensor:
    """The block's ``2**k`` matrix as a product of every op's embedding, built in a few ops.

    Each gate group contributes one gather (``[n_g, d*d] -> [n_g, D*D]``) and one mask; the
    embeddings are then multiplied pairwise (a tree of batched GEMMs), so the autograd graph
    has O(groups + log ops) nodes instead of several per gate.
    """
    key = (bound.key, dtype, str(device))
    prep = block.cache.get(key)
    if prep is None:
        prep = block.cache[key] = _gather_plan(circuit, bound, block.ops, local, k, dtype, device)
    parts_plan, inv = prep
    parts = []
    for g, js, idx, mask in parts_plan:
        flat = bound.groups[g][0].index_select(0, js).reshape(js.shape[0], -1)
        parts.append(flat.gather(1, idx).reshape(js.shape[0], 2**k, 2**k) * mask)
    emb = parts[0] if len(parts) == 1 else torch.cat(parts)
    if inv is not None:
        emb = emb.index_select(0, inv)
    while emb.shape[0] > 1:  # later @ earlier, pairwise
        n = emb.shape[0]
        prod = torch.bmm(emb[1 : n - n % 2 : 2], emb[0 : n - n % 2 : 2])
        emb = torch.cat([prod, emb[n - 1 :]]) if n % 2 else prod
    return emb[0]


def _gather_plan(circuit, bound, ops, local, k, dtype, device):
    by_group: dict[int, list[int]] = {}
    for pos, i in enumerate(ops):
        by_group.setdefault(bound.where[i][0], []).append(pos)
    parts, order = [], []
    for g, positions in by_group.items():
        js = torch.tensor([bound.where[ops[p]][1] for p in positions], device=device)
        diag = bound.diagonal[ops[positions[0]]]
        key = tuple(tuple(local[w] for w in circuit.ops[ops[p]].wires) for p in positions)
        idx, mask = _embedding_index(k, key, diag)
        parts.append((g, js, idx.to(device), mask.to(device=device, dtype=dtype)))
        order += positions
    inv = None
    if order != sorted(order):
        rows = [0] * len(order)
        for row, pos in enumerate(order):
            rows[pos] = row
        inv = torch.tensor(rows, device=device)
    return parts, inv


@lru_cache(maxsize=512)
def _embedding_index(k: int, wire_sets: tuple, diagonal: bool):
    """Gather indices ``[G, D*D]`` and 0/1 masks ``[G, D, D]`` embedding gates into ``D = 2**k``."""
    dim = 2**k
    r = torch.arange(dim)
    idxs, masks = [], []
    for wl in wire_sets:
        m = len(wl)
        a = torch.zeros(dim, dtype=torch.long)
        rest = r.clone()
        for t, q in enumerate(wl):
            a |= ((r >> q) & 1) << (m - 1 - t)
            rest &= ~(1 << q)
        if diagonal:  # source is the diagonal [d]: entry (r, r) = diag[a(r)]
            idx = torch.where(r[:, None] == r[None, :], a[:, None], 0)
            mask = r[:, None] == r[None, :]
        else:
            idx = a[:, None] * 2**m + a[None, :]
            mask = rest[:, None] == rest[None, :]
        idxs.append(idx.reshape(-1))
        masks.append(mask)
    return torch.stack(idxs), torch.stack(masks)
