"""Quantum trajectories: statevectors with sampled errors, ``[B, T, 2**n]``, seeded.

Each of the ``B`` samples is run ``T`` times as one batch of ``B*T`` statevectors. Pauli
channels (depolarizing, pauli/bit/phase flip) apply a Pauli drawn from their probabilities;
any other Kraus channel (thermal relaxation, amplitude damping...) is unravelled exactly:
operator ``k`` is chosen with probability ``||K_k psi||^2`` and the state renormalised, so
``mean_t |psi_t><psi_t|`` is an unbiased estimate of the density matrix. Draws come from one
``torch.Generator`` (``generator``, or one seeded with ``seed``): results are reproducible.

>>> import torch
>>> from qnas.ir import Circuit, Op
>>> c = Circuit(1, [Op("bit_flip", (0,), (0.5,))])
>>> s = simulate_trajectories(c, trajectories=1000, seed=0)
>>> s.shape, round(float((s.abs() ** 2)[0, :, 1].mean()), 1)
(torch.Size([1, 1000, 2]), 0.5)
"""

from __future__ import annotations

import torch

from qnas.gates import get_gate
from qnas.ir import Circuit
from qnas.noise.channels import _pauli_stack, is_pauli_channel, kraus_operators, pauli_probabilities
from qnas.sim.binding import bind
from qnas.sim.cache import LRUCache
from qnas.sim.fusion import plan_blocks, product_prefix
from qnas.sim.kernels import LazyState, permute_gate_matrix, zero_state


def simulate_trajectories(circuit: Circuit, params=None, inputs=None,
                          dtype: torch.dtype = torch.complex64, device=None,
                          trajectories: int = 100, seed: int | None = None,
                          generator: torch.Generator | None = None) -> torch.Tensor:
    """Sampled statevectors ``[B, trajectories, 2**n]`` of a circuit with channel ops.

    Draws come from ``generator`` if given (on the simulation device), else from a fresh
    generator seeded with ``seed`` (None: a random seed).
    """
    if dtype not in (torch.complex64, torch.complex128):
        raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
    t = int(trajectories)
    if t < 1:
        raise ValueError(f"trajectories must be >= 1, got {trajectories}")
    n = circuit.n_qubits
    b = bind(circuit, params, inputs, dtype, device)
    dev = next((m.device for m in b.mats if m is not None), torch.device(device or "cpu"))
    gen = generator
    if gen is None:
        gen = torch.Generator(device=dev)
        gen.manual_seed(int(seed) if seed is not None else int(torch.seed() % 2**63))
    bt = b.batch * t
    lazy = LazyState(zero_state(n, 1, dtype, dev), n)
    for step in _PLANS.get(circuit, lambda: _plan(circuit)):
        if step[0] == "gates":
            m, diagonal, batched = _block_matrix(circuit, b, step[2], step[1], dtype, dev)
            if batched:  # [B, ...] -> [B*T, ...] (sample-major, trajectory-minor)
                m = m.repeat_interleave(t, 0)
            lazy.apply(m, step[1], diagonal)
            continue
        op = circuit.ops[step[1]]
        if lazy.x.shape[0] != bt:
            lazy.x = lazy.x.expand(bt, -1).contiguous()
        if is_pauli_channel(op):
            _pauli_step(lazy, op, dtype, dev, gen)
        else:
            _kraus_step(lazy, op, dtype, dev, gen)
    out = lazy.canonical()
    if out.shape[0] != bt:
        out = out.expand(bt, -1)
    return out.reshape(b.batch, t, 2**n)


FUSE_QUBITS = 2  # runs of gates between channels are multiplied into blocks on <= 2 wires
_PLANS = LRUCache(maxsize=256)


def _plan(circuit: Circuit) -> list[tuple]:
    """Steps ``("gates", wires, [ops])`` (a fused block: wires in textbook order of its
    matrix) and ``("channel", op)``. A channel closes the blocks on its wires only: gates on
    other wires do not change the reduced state it samples from."""
    steps: list[tuple] = []
    open_on: dict[int, list] = {}

    def close(blk):
        for w in blk[0]:
            if open_on.get(w) is blk:
                del open_on[w]
        ops = blk[1]
        wires = tuple(circuit.ops[ops[0]].wires) if len(ops) == 1 else \
            tuple(sorted(blk[0], reverse=True))
        steps.append(("gates", wires, ops))

    for i, op in enumerate(circuit.ops):
        touching = []
        for w in op.wires:
            blk = open_on.get(w)
            if blk is not None and all(blk is not x for x in touching):
                touching.append(blk)
        if get_gate(op.gate).kraus or len(op.wires) > FUSE_QUBITS:
            for blk in touching:
                close(blk)
            if get_gate(op.gate).kraus:
                steps.append(("channel", i))
            else:
                steps.append(("gates", tuple(op.wires), [i]))
            continue
        union = set(op.wires).union(*(blk[0] for blk in touching))
        if len(union) > FUSE_QUBITS:
            for blk in touching:
                close(blk)
            union, touching = set(op.wires), []
        merged = [union, sorted(j for blk in touching for j in blk[1]) + [i]]
        for blk in touching:
            for w in blk[0]:
                del open_on[w]
        for w in union:
            open_on[w] = merged
    seen = set()
    for blk in list(open_on.values()):
        if id(blk) not in seen:
            seen.add(id(blk))
            close(blk)
    return steps


def _embed(m: torch.Tensor, op_wires, wires) -> torch.Tensor:
    """A 1- or 2-wire gate matrix ``[..., d, d]`` on the block's ``wires`` (<= 2)."""
    if tuple(op_wires) == tuple(wires):
        return m
    if len(op_wires) == 2:  # the same two wires, swapped
        return permute_gate_matrix(m, [1, 0])
    eye = torch.eye(2, dtype=m.dtype, device=m.device)
    if op_wires[0] == wires[0]:  # the more significant wire
        out = m[..., :, None, :, None] * eye[None, :, None, :]
    else:
        out = eye[:, None, :, None] * m[..., None, :, None, :]
    return out.reshape(m.shape[:-2] + (4, 4))


def _block_matrix(circuit: Circuit, b, ops: list[int], wires, dtype, dev):
    """``(matrix, is_diagonal, is_batched)`` of a fused run of gates."""
    if len(ops) == 1:
        i = ops[0]
        return b.mats[i], b.diagonal[i], b.batched[i]
    out = None
    for i in ops:
        m = b.mats[i]
        if b.diagonal[i]:
            m = torch.diag_embed(m)
        m = _embed(m, circuit.ops[i].wires, wires)
        out = m if out is None else m @ out
    return out, False, any(b.batched[i] for i in ops)


_KRAUS = LRUCache(maxsize=4096)  # Kraus operators of channel ops, by gate and values


def _kraus(op, dtype, dev):
    """``(Kraus operators [K, d, d], _kraus_info)`` of a channel op (cached)."""
    def build():
        k = kraus_operators(op.gate, [float(v) for v in op.params], len(op.wires), dtype)
        k = k.to(dev)
        return k, _kraus_info(k)

    return _KRAUS.get((op.gate, op.params, len(op.wires), dtype, str(dev)), build)


def _to_last(lazy: LazyState, wires: list[int], mat: torch.Tensor):
    """Move ``wires`` to the last axes of ``lazy`` (as LazyState.apply does); returns
    ``([BT, M, d] view, mat reordered to those axes)``."""
    n = lazy.n
    bt = lazy.x.shape[0]
    d = 2 ** len(wires)
    tail = lazy.order[n - len(wires):]
    if set(tail) == set(wires):
        if list(tail) != wires:
            mat = permute_gate_matrix(mat, [wires.index(q) for q in tail])
        return lazy.x.reshape(bt, -1, d), mat
    new = [q for q in lazy.order if q not in wires] + wires
    perm = [0] + [1 + lazy.order.index(q) for q in new]
    lazy.x = lazy.x.reshape([bt] + [2] * n).permute(perm).reshape(bt, -1)
    lazy.order = new
    return lazy.x.reshape(bt, -1, d), mat


SPARSE_FRACTION = 0.25  # Pauli errors on fewer rows than this are applied to those rows only


def _pauli_step(lazy: LazyState, op, dtype, dev, gen) -> None:
    """Draw a Pauli per row; apply it to the rows that drew a non-identity one."""
    _labels, probs = pauli_probabilities(op)
    bt = lazy.x.shape[0]
    pick = torch.multinomial(probs.to(dev), bt, replacement=True, generator=gen)
    rows = (pick != 0).nonzero()[:, 0]
    if rows.numel() == 0:
        return
    paulis = _pauli_stack(len(op.wires), dtype, str(dev))
    if rows.numel() > SPARSE_FRACTION * bt:
        lazy.apply(paulis[pick], op.wires)
        return
    wires = list(op.wires)
    mats = paulis[pick[rows]]
    x, mats = _to_last(lazy, wires, mats)
    sub = torch.matmul(x.index_select(0, rows), mats.transpose(-1, -2)).reshape(len(rows), -1)
    if lazy.x.requires_grad or sub.requires_grad:
        lazy.x = lazy.x.index_copy(0, rows, sub)
    else:
        lazy.x.index_copy_(0, rows, sub)


def _kraus_step(lazy: LazyState, op, dtype, dev, gen) -> None:
    """Exact unravelling: pick K_k with probability ||K_k psi||^2, renormalise."""
    kraus, info = _kraus(op, dtype, dev)
    if info is not None:
        _population_step(lazy, op.wires[0], kraus, info, gen)
        return
    wires = list(op.wires)
    x, kraus = _to_last(lazy, wires, kraus)
    bt = x.shape[0]
    rho = torch.matmul(x.transpose(-1, -2), x.conj())  # [BT, d, d]: rho[i, j]
    weights = torch.einsum("kia,bac,kic->bk", kraus, rho, kraus.conj()).real  # [BT, K]
    w = weights.detach().to(torch.float64).clamp_min(0)
    pick = torch.multinomial(w / w.sum(-1, keepdim=True), 1, generator=gen)[:, 0]
    rows = torch.arange(bt, device=x.device)
    norm = weights[rows, pick].clamp_min(1e-300).sqrt()
    chosen = kraus[pick] / norm[:, None, None].to(kraus.dtype)  # [BT, d, d]
    lazy.x = torch.matmul(x, chosen.transpose(-1, -2)).reshape(bt, -1)


def _kraus_info(kraus: torch.Tensor):
    """For 1-wire channels whose ``K_k^dag K_k`` are all diagonal (thermal relaxation,
    amplitude and phase damping): ``(column weights [d, K] float64, diagonals [K, d],
    non-diagonal mask [K])``, else None."""
    if kraus.shape[-1] != 2:
        return None
    kk = kraus.conj().transpose(-1, -2) @ kraus
    off = kk - torch.diag_embed(kk.diagonal(dim1=-2, dim2=-1))
    if bool((off.abs() > 1e-12).any()):
        return None
    cols = (kraus.abs() ** 2).sum(-2).T.real.to(torch.float64)  # ||K_k e_j||^2: [d, K]
    eye = torch.eye(2, dtype=torch.bool, device=kraus.device)
    jumps = ((kraus != 0) & ~eye).any(-1).any(-1)  # [K]: K_k is not diagonal
    return cols, kraus.diagonal(dim1=-2, dim2=-1), jumps


def _population_step(lazy: LazyState, wire: int, kraus, info, gen) -> None:
    """Kraus pick from the wire's populations, in place (no permutation): diagonal picks
    scale the rows elementwise, the others (decay jumps, rare) are applied to their rows."""
    cols, kd, jumps = info
    n, bt = lazy.n, lazy.x.shape[0]
    a = lazy.order.index(wire)
    x = lazy.x.reshape(bt, 2**a, 2, 2 ** (n - a - 1))
    pops = (x.conj() * x).real.sum((1, 3))  # [BT, 2]
    w = (pops.detach().to(torch.float64) @ cols).clamp_min(0)  # [BT, K]
    pick = torch.multinomial(w / w.sum(-1, keepdim=True), 1, generator=gen)[:, 0]
    norm = (pops @ cols.to(pops.dtype)).gather(1, pick[:, None])[:, 0].clamp_min(1e-300).sqrt()
    scale = kd[pick] / norm[:, None].to(kd.dtype)  # [BT, 2]; jumps are redone below
    out = x * scale[:, None, :, None]
    rows = jumps[pick].nonzero()[:, 0]
    if rows.numel():
        mats = kraus[pick[rows]] / norm[rows, None, None].to(kraus.dtype)
        sub = torch.matmul(mats[:, None], x.index_select(0, rows))
        if out.requires_grad or sub.requires_grad:
            out = out.index_copy(0, rows, sub)
        else:
            out.index_copy_(0, rows, sub)
    lazy.x = out.reshape(bt, -1)


__all__ = ["simulate_trajectories", "simulate_pauli_insertions"]


# -- sampled Pauli insertions on a noise-free circuit (the engine of gate insertion) ----------
INSERTION_FUSE = 4  # gates are multiplied into blocks on <= 4 wires (16 x 16)
_INSERTION_PLANS = LRUCache(maxsize=128)
_PAULI1 = {}


def _paulis(dtype, dev) -> torch.Tensor:
    key = (dtype, str(dev))
    if key not in _PAULI1:
        _PAULI1[key] = _pauli_stack(1, dtype, str(dev))  # [4, 2, 2]: I, X, Y, Z
    return _PAULI1[key]


def _insertion_plan(circuit: Circuit, slots: tuple, batched: tuple, fuse: int):
    """``(prefix, items, where)``: per-wire lists of the ops before each wire's first
    multi-wire op; items ``("block", wires, ops)`` (shared gates fused on <= ``fuse`` wires,
    wires in descending order) or ``("single", wires, [op])`` (per-sample or wide ops); and
    for each slot ``(op, wire)`` where its Pauli goes: ``("prefix", wire, position)`` or
    ``("item", item, position)`` (after the item's ``position``-th op)."""
    n = circuit.n_qubits
    in_prefix, prefix = product_prefix(circuit)
    items: list[tuple] = []
    for b in plan_blocks(circuit, batched, fuse, skip=in_prefix):
        if b.single:
            items.append(("single", tuple(circuit.ops[b.ops[0]].wires), b.ops))
        else:
            items.append(("block", b.wires, b.ops))
    loc = {}
    for w in range(n):
        for pos, i in enumerate(prefix[w]):
            loc[i] = ("prefix", w, pos)
    for t, (_kind, _wires, iops) in enumerate(items):
        for pos, i in enumerate(iops):
            loc[i] = ("item", t, pos)
    where = [loc[i] for i, _w in slots]
    return prefix, items, where


def _embed_gate(m: torch.Tensor, op_wires, wires) -> torch.Tensor:
    """A gate matrix ``[..., d, d]`` (textbook order over ``op_wires``) on ``wires``."""
    if tuple(op_wires) == tuple(wires):
        return m
    rest = [w for w in wires if w not in op_wires]
    full = m
    if rest:
        eye = torch.eye(2 ** len(rest), dtype=m.dtype, device=m.device)
        dim = m.shape[-1] * eye.shape[0]
        full = (m[..., :, None, :, None] * eye[None, :, None, :]).reshape(m.shape[:-2]
                                                                          + (dim, dim))
    order = list(op_wires) + rest  # the wires of ``full``, most significant first
    if order == list(wires):
        return full
    return permute_gate_matrix(full, [order.index(w) for w in wires])


def _dense(b, i) -> torch.Tensor:
    m = b.mats[i]
    return torch.diag_embed(m) if b.diagonal[i] else m


def _apply_rows(lazy: LazyState, rows: torch.Tensor, mats: torch.Tensor, wires) -> None:
    """``mats [r, D, D]`` (textbook order over ``wires``) on rows ``rows`` of ``lazy`` only."""
    n = lazy.n
    k = len(wires)
    sub = lazy.x.index_select(0, rows).reshape([len(rows)] + [2] * n)
    axes = [1 + lazy.order.index(w) for w in wires]
    dst = list(range(n + 1 - k, n + 1))
    moved = sub.movedim(axes, dst)
    shape = moved.shape
    out = torch.matmul(moved.reshape(len(rows), -1, 2**k), mats.transpose(-1, -2))
    out = out.reshape(shape).movedim(dst, axes).reshape(len(rows), -1)
    if lazy.x.requires_grad or out.requires_grad:
        lazy.x = lazy.x.index_copy(0, rows, out)
    else:
        lazy.x.index_copy_(0, rows, out)


def simulate_pauli_insertions(circuit: Circuit, slots, paulis: torch.Tensor, params=None,
                              inputs=None, dtype: torch.dtype = torch.complex64, device=None,
                              fuse: int = INSERTION_FUSE) -> torch.Tensor:
    """Statevectors ``[R, 2**n]`` of a noise-free ``circuit`` with sampled Pauli errors.

    ``slots[s] = (op, wire)``: the Pauli ``paulis[r, s]`` (0=I, 1=X, 2=Y, 3=Z) acts on
    ``wire`` of row ``r`` right after op ``op``. Equal to inserting the Paulis as gates (gate
    insertion), but the error-free gates run fused (blocks on <= ``fuse`` wires, the ops before
    each wire's first entangler as per-wire vectors) for all rows at once, and each error,
    commuted to the end of its block (``S P S^dag`` with ``S`` the block's later gates), touches
    only its own row: errors are rare, so this costs about one pass per block.
    """
    if dtype not in (torch.complex64, torch.complex128):
        raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
    slots = tuple((int(i), int(w)) for i, w in slots)
    paulis = torch.as_tensor(paulis, dtype=torch.long)
    if paulis.dim() != 2 or paulis.shape[1] != len(slots):
        raise ValueError(f"paulis must be [rows, {len(slots)}], got {list(paulis.shape)}")
    for i, w in slots:
        if not (0 <= i < len(circuit.ops) and w in circuit.ops[i].wires):
            raise ValueError(f"slot ({i}, {w}) is not a wire of an op of the circuit")
    n = circuit.n_qubits
    b = bind(circuit, params, inputs, dtype, device)
    rows = paulis.shape[0]
    if b.batch not in (1, rows):
        raise ValueError(f"{b.batch} parameter/input rows for {rows} Pauli rows")
    dev = next((m.device for m in b.mats if m is not None), torch.device(device or "cpu"))
    paulis = paulis.to(dev)
    prefix, items, where = _INSERTION_PLANS.get(
        (circuit, slots, tuple(b.batched), fuse),
        lambda: _insertion_plan(circuit, slots, tuple(b.batched), fuse))
    pmats = _paulis(dtype, dev)
    # errors per place: (kind, a, position) -> [(slot index, wire)]
    errs: dict[tuple, list] = {}
    hit = (paulis != 0).any(0).nonzero()[:, 0].tolist()
    for s in hit:
        errs.setdefault(where[s], []).append((s, slots[s][1]))

    # 1. per-wire vectors through each wire's prefix, with its errors
    zero = torch.zeros(rows, 2, dtype=dtype, device=dev)
    zero[:, 0] = 1
    vecs = []
    for w in range(n):
        v = zero
        for pos, i in enumerate(prefix[w]):
            m = b.mats[i]
            if b.diagonal[i]:
                v = v * m
            else:
                v = (m @ v[..., None])[..., 0] if m.dim() == 3 else v @ m.T
            for s, _w in errs.get(("prefix", w, pos), ()):
                r = (paulis[:, s] != 0).nonzero()[:, 0]
                v = v.index_copy(0, r, (pmats[paulis[r, s]] @ v[r][..., None])[..., 0])
        vecs.append(v)
    state = vecs[n - 1]
    for w in range(n - 2, -1, -1):
        state = (state[:, :, None] * vecs[w][:, None, :]).reshape(rows, -1)

    # 2. blocks for all rows; each error as S P S^dag on its rows after its block
    lazy = LazyState(state, n)
    for t, (kind, wires, iops) in enumerate(items):
        positions = sorted({pos for (k2, a, pos) in errs if k2 == "item" and a == t})
        suffix = {}
        if kind == "single":
            i = iops[0]
            lazy.apply(b.mats[i], wires, b.diagonal[i])
            suffix = {0: None}
        else:
            u = None
            for pos in range(len(iops) - 1, -1, -1):  # suffix products S(pos) = U_L ... U_pos+1
                if pos in positions:
                    suffix[pos] = u
                i = iops[pos]
                e = _embed_gate(_dense(b, i), circuit.ops[i].wires, wires)
                u = e if u is None else u @ e
            lazy.apply(u, wires)
        for pos in positions:
            s_mat = suffix.get(pos)
            for s, w in errs[("item", t, pos)]:
                r = (paulis[:, s] != 0).nonzero()[:, 0]
                p = _embed_gate(pmats[paulis[r, s]], (w,), wires)  # [r, D, D]
                if s_mat is not None:
                    sm = s_mat[r] if s_mat.dim() == 3 else s_mat
                    p = sm @ p @ sm.conj().transpose(-1, -2)
                _apply_rows(lazy, r, p, wires)
    return lazy.canonical()
