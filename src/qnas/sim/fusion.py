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


def product_prefix(circuit) -> tuple[list[bool], list[list[int]]]:
    """``(in_prefix, per_wire)``: the single-qubit ops before each wire's first multi-wire op
    (they act on a product state), flagged per op and listed per wire in circuit order.

    >>> from qnas.ir import Circuit, Op
    >>> product_prefix(Circuit(2, [Op("h", (0,)), Op("cx", (0, 1)), Op("x", (0,))]))
    ([True, False, False], [[0], []])
    """
    touched = [False] * circuit.n_qubits
    in_prefix = [False] * len(circuit.ops)
    per_wire: list[list[int]] = [[] for _ in range(circuit.n_qubits)]
    for i, op in enumerate(circuit.ops):
        if len(op.wires) == 1 and not touched[op.wires[0]]:
            in_prefix[i] = True
            per_wire[op.wires[0]].append(i)
        else:
            for w in op.wires:
                touched[w] = True
    return in_prefix, per_wire


def plan_blocks(circuit, barrier: list[bool], max_qubits: int,
                skip: list[bool] | None = None) -> list[Block]:
    """Group ops into blocks; ``barrier[i]`` ops (batched or channels) stay on their own and
    ``skip[i]`` ops are left out (applied elsewhere, e.g. in a product-state prefix)."""
    out: list[Block] = []
    open_on: dict[int, Block] = {}

    def close(block: Block):
        for w in block.wire_set:
            if open_on.get(w) is block:
                del open_on[w]
        out.append(block)

    for i, op in enumerate(circuit.ops):
        if skip is not None and skip[i]:
            continue
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
    if 2**k <= GATHER_MAX_DIM and bound.where and all(
            bound.where[i] and not _controls(bound, i) for i in block.ops):
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


def _local_index(k: int, wl) -> tuple[torch.Tensor, torch.Tensor]:
    """For every basis index ``r`` of a ``2**k`` block: ``a[r]``, the gate's local index (bits
    ``wl``, first = most significant), and ``rest[r]``, ``r`` with those bits cleared."""
    r = torch.arange(2**k)
    a = torch.zeros(2**k, dtype=torch.long)
    rest = r.clone()
    for t, q in enumerate(wl):
        a |= ((r >> q) & 1) << (len(wl) - 1 - t)
        rest &= ~(1 << q)
    return a, rest


@lru_cache(maxsize=512)
def _embedding_index(k: int, wire_sets: tuple, diagonal: bool):
    """Gather indices ``[G, D*D]`` and 0/1 masks ``[G, D, D]`` embedding gates into ``D = 2**k``."""
    dim = 2**k
    r = torch.arange(dim)
    idxs, masks = [], []
    for wl in wire_sets:
        a, rest = _local_index(k, wl)
        if diagonal:  # source is the diagonal [d]: entry (r, r) = diag[a(r)]
            idx = torch.where(r[:, None] == r[None, :], a[:, None], 0)
            mask = r[:, None] == r[None, :]
        else:
            idx = a[:, None] * 2 ** len(wl) + a[None, :]
            mask = rest[:, None] == rest[None, :]
        idxs.append(idx.reshape(-1))
        masks.append(mask)
    return torch.stack(idxs), torch.stack(masks)


BUILD_MAX_QUBITS = 5  # widest block built by :class:`BlockBuilder` (a 32 x 32 product tree)


class BlockBuilder:
    """The matrices of many batch-shared blocks at once, in a handful of tensor ops.

    Every gate matrix the blocks use is flattened into one source vector (the bound gate
    groups concatenated, then the constants 0 and 1); one ``index_select`` embeds every op
    of every block into its block's ``2**k x 2**k`` space (``[nb, L, D, D]``, op lists padded
    to a power of two with identities), and ``log2(L)`` batched matmuls multiply them out.
    The autograd graph has O(widths + log ops) nodes however many gates there are.

    ``specs`` is a list of ``(op_indices, order)``: a block's ops (circuit order) and the wires
    of its matrix, most significant first (any order: the matrix is built in that order).
    The plan depends only on the circuit and the binding's grouping, never on values.

    >>> import torch
    >>> from qnas.ir import Circuit, Op
    >>> from qnas.sim.binding import bind
    >>> c = Circuit(2, [Op("h", (0,)), Op("cx", (0, 1))])
    >>> b = bind(c, None, None)
    >>> (u,) = BlockBuilder(c, b, [((0, 1), (1, 0))])(b)
    >>> (u.abs() ** 2).round(decimals=3)[:, 0].tolist()  # columns: H then CX on |00>
    [0.5, 0.0, 0.0, 0.5]
    """

    def __init__(self, circuit, bound, specs, device=None):
        chunks: list[tuple] = []  # ("group", g, const) | ("op", i): pieces of the source
        base: dict = {}
        pos = 0
        offset: dict[int, int] = {}
        for ops, _order in specs:
            for i in ops:
                if i in offset:
                    continue
                where = bound.where[i] if bound.where else None
                op_d = 2 ** (len(circuit.ops[i].wires) - _controls(bound, i))
                size = op_d if bound.diagonal[i] else op_d * op_d
                if where is not None:
                    g, j = where
                    const = bool(bound.group_const and bound.group_const[g])
                    if g not in base:
                        n_in = 1 if const else bound.groups[g].shape[1]
                        base[g] = pos
                        chunks.append(("group", g, const))
                        pos += n_in * size
                    offset[i] = base[g] + (0 if const else j * size)
                else:
                    chunks.append(("op", i))
                    offset[i] = pos
                    pos += size
        self.chunks = chunks
        zero, one = pos, pos + 1
        by_width: dict[int, list[int]] = {}
        for s, (_ops, order) in enumerate(specs):
            by_width.setdefault(len(order), []).append(s)
        self.widths = []
        for k, members in by_width.items():
            length = 1
            while length < max(len(specs[s][0]) for s in members):
                length *= 2
            dim = 2**k
            eye = torch.full((dim, dim), zero, dtype=torch.long)
            eye.fill_diagonal_(one)
            rows = []
            for s in members:
                ops, order = specs[s]
                local = {w: k - 1 - j for j, w in enumerate(order)}
                r = []
                for i in ops:
                    wl = tuple(local[w] for w in circuit.ops[i].wires)
                    rel = _embed_offsets(k, wl, bound.diagonal[i], _controls(bound, i))
                    r.append(torch.where(rel >= 0, rel + offset[i], torch.where(
                        rel == -2, one, zero)))
                r += [eye.reshape(-1)] * (length - len(ops))
                rows.append(torch.stack(r))
            idx = torch.stack(rows).reshape(-1).to(device)
            self.widths.append((members, idx, len(members), length, dim))
        self.n_specs = len(specs)

    def __call__(self, bound) -> list:
        """The block matrices ``[D, D]`` for this binding's values, in ``specs`` order."""
        parts = []
        dtype = None
        for c in self.chunks:
            if c[0] == "group":
                t = bound.groups[c[1]][0]
                parts.append((t[0] if c[2] else t).reshape(-1))
            else:
                parts.append(bound.mats[c[1]].reshape(-1))
            dtype = parts[-1].dtype
        parts.append(zero_one(dtype, parts[0].device)[0])
        src = torch.cat(parts)
        out: list = [None] * self.n_specs
        for members, idx, nb, length, dim in self.widths:
            e = src.index_select(0, idx).view(nb * length, dim, dim)
            while length > 1:  # later @ earlier, pairwise (unbind: one stack in backward)
                length //= 2
                earlier, later = e.view(nb * length, 2, dim, dim).unbind(1)
                e = torch.bmm(later, earlier)
            for s, m in zip(members, e.unbind(0)):
                out[s] = m
        return out


@lru_cache(maxsize=16)
def zero_one(dtype, device) -> torch.Tensor:
    """The constants ``[[0, 1]]`` that gather sources end with (cached per dtype/device)."""
    return torch.tensor([[0, 1]], dtype=dtype, device=device)


def _controls(bound, i: int) -> int:
    return bound.controls[i] if bound.controls else 0


@lru_cache(maxsize=1024)
def _embed_offsets(k: int, wl: tuple, diagonal: bool, controls: int = 0) -> torch.Tensor:
    """Offsets ``[D*D]`` into a gate's flattened matrix (or diagonal) embedding it on local
    bits ``wl`` (first = most significant gate bit) of a ``2**k`` block; -1 marks zeros and
    -2 ones. With ``controls = c``, the first ``c`` wires control the stored target matrix
    (identity where a control is 0)."""
    dim = 2**k
    r = torch.arange(dim)
    m = len(wl)
    a, rest = _local_index(k, wl)
    same = rest[:, None] == rest[None, :]
    if diagonal:
        return torch.where(r[:, None] == r[None, :], a[:, None], -1).reshape(-1)
    if not controls:
        return torch.where(same, a[:, None] * 2**m + a[None, :], -1).reshape(-1)
    mt = m - controls
    on = (a >> mt) == 2**controls - 1  # every control set
    t = a & (2**mt - 1)
    rel = torch.where(same & on[:, None] & on[None, :], t[:, None] * 2**mt + t[None, :], -1)
    eye = (r[:, None] == r[None, :]) & ~on[:, None]
    return torch.where(eye, -2, rel).reshape(-1)
