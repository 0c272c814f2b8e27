"""Superoperator plans: the density-matrix engine of :mod:`qnas.sim.density` and the noisy chain.

States live in the **Pauli basis**: a density matrix ``rho`` on ``n`` wires is the vector
``r[s] = tr(P_s rho)`` of ``4**n`` coefficients (``s = sum_w s_w 4**w``, ``s_w`` in I, X, Y, Z),
so ``rho = sum_s r[s] P_s / 2**n``. Every physical map - gate or Kraus channel - is a *real*
Pauli transfer matrix (PTM) ``R[s, t] = tr(P_s E(P_t)) / 2**k`` on its wires: real ``4**k x 4**k``
matmuls instead of complex ones, and ``<Z_j>`` is one coefficient of ``r``. Wire ``w`` is the pair
of "sub-wires" ``(2w + 1, 2w)`` of a ``2n``-qubit vector, so the statevector kernels apply PTMs.

A circuit becomes a :class:`SuperopPlan` once (cached per circuit, batching pattern, fusion
width, dtype and device):

1. **product prefix**: the ops on each wire before its first multi-wire op act on that wire
   alone (encoders, their noise); the state after them is a product of per-wire Bloch vectors,
   computed as ``[B, n, 4]`` instead of ``[B, 4**n]``;
2. **blocks**: the other ops in runs on at most ``fuse`` wires (gates and channels alike) are
   multiplied into one ``4**k x 4**k`` PTM. Runs of constant ops (channels, fixed gates) are
   multiplied when the plan is built; per call only the parametrised gates are evaluated (one
   batched call per gate), embedded, and all block products formed together as a tree of
   batched matmuls;
3. **singles**: ops that depend on the sample (inputs or per-sample parameters) outside the
   prefix, and ops wider than ``fuse``, are applied on their own.

Expectations (:func:`expectations`, :func:`expz`, :func:`marginal_probabilities`) of a few
observables on many samples run in the Heisenberg picture: the ``k`` observables go *backwards*
through the sample-independent part of the circuit once (``k`` vectors instead of ``B``) and
meet the samples' states (the product prefix, or the state after the last sample-dependent op)
in one contraction. Everything is differentiable.

>>> import torch
>>> from qnas.ir import Circuit, Op, param
>>> c = Circuit(2, [Op("ry", (0,), (param("a"),)), Op("cx", (0, 1)),
...                 Op("amplitude_damping", (1,), (0.5,))])
>>> z = expz(c, torch.tensor([3.14159265]), None, (0, 1), dtype=torch.complex128)
>>> [round(v, 4) for v in z[0].tolist()]
[-1.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import torch

from qnas.gates import get_gate, mcx_matrix
from qnas.ir import Circuit, Sym
from qnas.noise.channels import kraus_operators
from qnas.sim.binding import as_value_tensor, check_values, value_columns, value_device
from qnas.sim.cache import LRUCache
from qnas.sim.fusion import plan_blocks, product_prefix

FUSE_QUBITS = 2  # a block acts on <= 2 wires: a 16 x 16 PTM
MAX_QUBITS = 14
_PLANS = LRUCache(maxsize=128)
_CHUNK = 1 << 22  # entries of a temporary in the product-state contraction


# -- the Pauli basis ---------------------------------------------------------------------------
_T1 = ((1, 0, 0, 1), (0, 1, 1, 0), (0, 1j, -1j, 0), (1, 0, 0, -1))  # rows: vec(P_s^T)


@lru_cache(maxsize=8)
def pauli_change(k: int) -> torch.Tensor:
    """``T [4**k, 4**k]`` (complex128): row-major ``vec(rho)`` of ``k`` wires (rows, then
    columns, first wire most significant) -> Pauli coefficients ``tr(P_s rho)``.
    ``T^-1 = T^H / 2**k``."""
    t = torch.tensor(_T1, dtype=torch.complex128).reshape(4, 2, 2)
    x = torch.ones(1, 1, 1, dtype=torch.complex128)
    for _ in range(k):
        s, r, c = x.shape
        x = (x[:, None, :, None, :, None] * t[None, :, None, :, None, :]).reshape(4 * s, 2 * r,
                                                                                   2 * c)
    return x.reshape(4**k, 4**k)


def to_pauli(sop: torch.Tensor) -> torch.Tensor:
    """PTM (real) of superoperators ``[..., 4**k, 4**k]`` in the row-major vec basis."""
    d = sop.shape[-1]
    k = (d.bit_length() - 1) // 2
    t = pauli_change(k).to(device=sop.device, dtype=sop.dtype)
    return ((t @ sop @ t.mH) / 2**k).real


def unitary_superop(u: torch.Tensor) -> torch.Tensor:
    """``U (x) conj(U)`` ``[..., d*d, d*d]`` in the row-major vec basis."""
    d = u.shape[-1]
    s = u[..., :, None, :, None] * u.conj()[..., None, :, None, :]
    return s.reshape(u.shape[:-2] + (d * d, d * d))


def kraus_superop(k: torch.Tensor) -> torch.Tensor:
    """``sum_k K_k (x) conj(K_k)`` of Kraus operators ``[K, d, d]``."""
    return unitary_superop(k).sum(-3)


def pauli_vector(rho: torch.Tensor) -> torch.Tensor:
    """Pauli coefficients ``[B, 4**n]`` of density matrices ``[B, N, N]`` (complex unless
    Hermitian, then real)."""
    b, big = rho.shape[0], rho.shape[-1]
    n = big.bit_length() - 1
    x = rho.reshape([b] + [2] * (2 * n))
    perm = [0] + [a for w in range(n) for a in (1 + w, 1 + n + w)]  # (r_w, c_w) adjacent
    x = x.permute(perm).reshape([b] + [4] * n)
    t1 = pauli_change(1).to(device=rho.device, dtype=rho.dtype)
    for a in range(1, n + 1):
        x = torch.tensordot(x, t1, dims=([a], [1])).movedim(-1, a)
    x = x.reshape(b, 4**n)
    tol = 1e-12 if rho.dtype == torch.complex128 else 1e-6
    if bool((x.imag.abs() <= tol * (1 + x.real.abs())).all()):
        return x.real.contiguous()
    return x


def density_from_pauli(r: torch.Tensor, dtype) -> torch.Tensor:
    """Density matrices ``[B, N, N]`` (``dtype``) of Pauli vectors ``[B, 4**n]``."""
    b = r.shape[0]
    n = (r.shape[-1].bit_length() - 1) // 2
    x = r.to(dtype).reshape([b] + [4] * n)
    tinv = pauli_change(1).to(device=r.device, dtype=dtype).mH / 2
    for a in range(1, n + 1):
        x = torch.tensordot(x, tinv, dims=([a], [1])).movedim(-1, a)
    x = x.reshape([b] + [2] * (2 * n))  # (r_{n-1}, c_{n-1}, ..., r_0, c_0)
    perm = [0] + [1 + 2 * i for i in range(n)] + [2 + 2 * i for i in range(n)]
    return x.permute(perm).reshape(b, 2**n, 2**n)


@lru_cache(maxsize=4096)
def _embedding(block_wires: tuple, op_wires: tuple):
    """Gather index ``[D*D]`` and 0/1 mask ``[D, D]`` embedding an op's ``4**m`` PTM into the
    block's ``D = 4**k`` (digits base 4, first wire most significant)."""
    k, m = len(block_wires), len(op_wires)
    dim = 4**k
    u = torch.arange(dim)
    digit = {w: (u >> (2 * (k - 1 - i))) & 3 for i, w in enumerate(block_wires)}
    a = torch.zeros(dim, dtype=torch.long)
    for w in op_wires:
        a = a * 4 + digit[w]
    rest = torch.zeros(dim, dtype=torch.long)
    for w in block_wires:
        if w not in op_wires:
            rest = rest * 4 + digit[w]
    idx = (a[:, None] * 4**m + a[None, :]).reshape(-1)
    mask = rest[:, None] == rest[None, :]
    return idx, mask


def _factors(indices, slot, matrix, consts: list, params: list, param_entry) -> list:
    """The product of the ops ``indices`` (first applied first) as factors: each maximal run
    of constant ops folded into one matrix (``("c", k)``, ``consts[k]``), each op with a
    parameter slot kept apart (``("p", k)``, ``params[k] = param_entry(i)``)."""
    factors, run = [], None
    for i in indices:
        if i in slot:
            if run is not None:
                factors.append(("c", len(consts)))
                consts.append(run)
                run = None
            factors.append(("p", len(params)))
            params.append(param_entry(i))
        else:
            m = matrix(i)
            run = m if run is None else m @ run
    if run is not None:
        factors.append(("c", len(consts)))
        consts.append(run)
    return factors


def _embed(ptm: torch.Tensor, block_wires, op_wires) -> torch.Tensor:
    """An op's PTM ``[..., d, d]`` embedded into its block ``[..., D, D]``."""
    if tuple(block_wires) == tuple(op_wires):
        return ptm
    idx, mask = _embedding(tuple(block_wires), tuple(op_wires))
    lead = ptm.shape[:-2]
    flat = ptm.reshape(lead + (-1,))
    out = flat[..., idx.to(ptm.device)].reshape(lead + mask.shape)
    return out * mask.to(device=ptm.device, dtype=ptm.dtype)


# -- plans ---------------------------------------------------------------------------------
def _is_symbolic(op) -> bool:
    return any(isinstance(v, Sym) for v in op.params)


_CONST_PTMS = LRUCache(maxsize=8192)  # PTMs of ops with numeric parameters


def _const_ptm(op) -> torch.Tensor:
    """PTM (float64) of an op with numeric parameters (cached by gate, values and arity)."""
    key = (op.gate, op.params, len(op.wires))
    return _CONST_PTMS.get(key, lambda: _build_const_ptm(op))


def _build_const_ptm(op) -> torch.Tensor:
    g = get_gate(op.gate)
    m = len(op.wires)
    if g.kraus:
        if _is_symbolic(op):
            raise ValueError(f"channel op {op.to_text()} has a symbolic parameter; bind it first")
        k = kraus_operators(g.name, [float(v) for v in op.params], m, torch.complex128)
        return to_pauli(kraus_superop(k))
    if g.name == "mcx":
        u = mcx_matrix(m, torch.complex128)
    else:
        vals = torch.tensor([[float(v) for v in op.params]], dtype=torch.float64)
        u = g.matrix(vals, torch.complex128)
        u = u if u.dim() == 2 else u[0]  # constant gates return their one cached matrix
    return to_pauli(unitary_superop(u))


@dataclass
class _Group:
    """Parametrised ops of one gate, arity and batching: evaluated in one call."""

    gate: str
    batched: bool
    arity: int
    ops: list[int]
    cols: torch.Tensor  # [G, P] columns of the value table
    scale: torch.Tensor  # [G, P]
    offset: torch.Tensor  # [G, P]


@dataclass
class _Bucket:
    """Blocks of one width whose products have ``length`` factors (padded): built together."""

    dim: int
    length: int
    index: torch.Tensor  # [n_blocks, length] into the factor bank (consts, params, identity)
    items: list[int]  # positions in SuperopPlan.items


@dataclass
class SuperopPlan:
    """How to simulate one circuit (see the module docstring); built by :func:`get_plan`."""

    n: int
    batched: list[bool]  # per op: depends on the sample
    groups: list[_Group]
    slot: dict  # op index -> (group, position in group)
    # product prefix: steps [L, n] into a bank of per-wire 4x4 factors
    prefix_steps: torch.Tensor | None
    prefix_consts: torch.Tensor | None  # [Mc, 4, 4]
    prefix_params: list[tuple[int, int]]  # (group, position) of parametrised prefix ops
    prefix_batched: bool
    # items in order: ("block", bucket, row, wires) | ("single", op, wires)
    items: list[tuple]
    buckets: list[_Bucket]
    consts: dict  # dim -> [Nc, D, D] constant factors of blocks
    params: dict  # dim -> list of (group, position, block_wires, op_wires)
    single_consts: dict = field(default_factory=dict)  # op -> [D, D]
    last_batched_item: int = -1
    schedules: dict = field(default_factory=dict)  # (start, stop, transpose) -> _schedule


def get_plan(circuit: Circuit, p_batched: bool, fuse, dtype, device,
             product_prefix: bool = True) -> SuperopPlan:
    """The cached :class:`SuperopPlan` of ``circuit`` (``fuse``: widest block in wires;
    ``False``: every op on its own, no product prefix)."""
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"plans are real: float32 or float64, got {dtype}")
    width = 0 if fuse is False else int(FUSE_QUBITS if fuse is None or fuse is True else fuse)
    prefix = bool(product_prefix) and width > 0
    key = (circuit, bool(p_batched), width, prefix, dtype, str(torch.device(device)))
    return _PLANS.get(key, lambda: _build_plan(circuit, p_batched, width, prefix, dtype,
                                               torch.device(device)))


def _build_plan(circuit: Circuit, p_batched: bool, width: int, prefix: bool, dtype,
                device) -> SuperopPlan:
    n = circuit.n_qubits
    ops = circuit.ops
    pidx = {name: i for i, name in enumerate(circuit.parameters)}
    xidx = {name: i for i, name in enumerate(circuit.inputs)}

    # Which ops depend on the sample, and the value-table columns of parametrised gates.
    batched, by_key, colinfo = [], {}, {}
    for i, op in enumerate(ops):
        g = get_gate(op.gate)
        sym = _is_symbolic(op)
        if g.kraus and sym:
            raise ValueError(f"channel op {i} ({op.to_text()}) has a symbolic parameter")
        is_b = False
        if sym:
            c, sc, of, is_b = value_columns(op, pidx, xidx, p_batched)
            colinfo[i] = (c, sc, of)
            by_key.setdefault((g.name, is_b, len(op.wires)), []).append(i)
        batched.append(is_b)
    groups, slot = [], {}
    for (gname, is_b, arity), idxs in by_key.items():
        for j, i in enumerate(idxs):
            slot[i] = (len(groups), j)
        groups.append(_Group(
            gname, is_b, arity, idxs,
            torch.tensor([colinfo[i][0] for i in idxs], device=device),
            torch.tensor([colinfo[i][1] for i in idxs], dtype=dtype, device=device),
            torch.tensor([colinfo[i][2] for i in idxs], dtype=dtype, device=device)))

    const_cache: dict = {}

    def const(i):
        if i not in const_cache:
            const_cache[i] = _const_ptm(ops[i])
        return const_cache[i]

    # 1. product prefix
    in_prefix = [False] * len(ops)
    pre_seq: list[list] = [[] for _ in range(n)]
    if prefix:
        in_prefix, pre_seq = product_prefix(circuit)
    prefix_steps = prefix_consts = None
    prefix_params: list = []
    prefix_batched = any(batched[i] for i in range(len(ops)) if in_prefix[i])
    if any(pre_seq):
        consts, per_wire = [], []
        for w in range(n):
            per_wire.append(_factors(pre_seq[w], slot, const, consts, prefix_params,
                                     lambda i: slot[i]))
        n_c, n_par = len(consts), len(prefix_params)
        steps = max(len(f) for f in per_wire)
        idx = torch.full((steps, n), n_c + n_par, dtype=torch.long)  # default: identity
        for w, factors in enumerate(per_wire):
            for t, (kind, j) in enumerate(factors):
                idx[t, w] = j if kind == "c" else n_c + j
        prefix_steps = idx.to(device)
        # bank layout per call: [constants..., parametrised..., identity]
        prefix_consts = torch.stack(consts + [torch.eye(4, dtype=torch.float64)]).to(
            device=device, dtype=dtype)

    # 2./3. blocks and singles over the remaining ops
    items: list[tuple] = []
    block_ops: list[tuple[tuple, list[int]]] = []  # per block: (wires desc, ops)
    for b in plan_blocks(circuit, batched, width, skip=in_prefix):
        if b.single:
            items.append(("single", b.ops[0]))
        else:
            items.append(("block", len(block_ops)))
            block_ops.append((b.wires, b.ops))

    # Factors of each block: runs of constant ops folded, parametrised ops as slots.
    consts_by_dim: dict[int, list] = {}
    params_by_dim: dict[int, list] = {}
    block_factors = []
    for bw, bops in block_ops:
        dim = 4 ** len(bw)
        cl = consts_by_dim.setdefault(dim, [])
        pl = params_by_dim.setdefault(dim, [])
        factors = _factors(bops, slot, lambda i, bw=bw: _embed(const(i), bw, tuple(ops[i].wires)),
                           cl, pl, lambda i, bw=bw: (*slot[i], bw, tuple(ops[i].wires)))
        block_factors.append((dim, factors))
    bucket_rows: dict[tuple[int, int], list[int]] = {}
    for b, (dim, factors) in enumerate(block_factors):
        length = 1 << max(0, (len(factors) - 1).bit_length())
        bucket_rows.setdefault((dim, length), []).append(b)
    buckets, where = [], {}
    for (dim, length), rows in bucket_rows.items():
        n_c, n_par = len(consts_by_dim[dim]), len(params_by_dim[dim])
        idx = torch.full((len(rows), length), n_c + n_par, dtype=torch.long)
        for r, b in enumerate(rows):
            for t, (kind, j) in enumerate(block_factors[b][1]):
                idx[r, t] = j if kind == "c" else n_c + j
            where[b] = (len(buckets), r)
        buckets.append(_Bucket(dim, length, idx.to(device), []))
    final_items = []
    single_consts = {}
    last_batched = -1
    for kind, j in items:
        if kind == "block":
            bk, r = where[j]
            buckets[bk].items.append(len(final_items))
            final_items.append(("block", bk, r, block_ops[j][0]))
        else:
            if j not in slot:
                single_consts[j] = const(j).to(device=device, dtype=dtype)
            if batched[j]:
                last_batched = len(final_items)
            final_items.append(("single", j, tuple(ops[j].wires)))
    consts = {d: torch.stack(cl + [torch.eye(d, dtype=torch.float64)]).to(device=device,
                                                                           dtype=dtype)
              for d, cl in consts_by_dim.items()}
    return SuperopPlan(n, batched, groups, slot, prefix_steps, prefix_consts, prefix_params,
                       prefix_batched, final_items, buckets, consts, params_by_dim,
                       single_consts, last_batched)


# -- evaluation ------------------------------------------------------------------------------
def _real(dtype) -> torch.dtype:
    if dtype not in (torch.complex64, torch.complex128):
        raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
    return torch.float64 if dtype == torch.complex128 else torch.float32


def _as_values(x, names, what, device, rdtype):
    return check_values(as_value_tensor(x, names, what, device, rdtype), names, what)


@dataclass
class _Bound:
    plan: SuperopPlan
    batch: int
    group_ptms: list  # per group: [b, G, d, d] PTMs
    blocks: list  # per bucket: [n_blocks, D, D]


def bind_plan(circuit: Circuit, params, inputs, dtype, device=None, fuse=None,
              product_prefix: bool = True) -> _Bound:
    """Evaluate a plan's parametrised factors and block products for these values."""
    rdtype = _real(dtype)
    device = value_device(params, inputs, device)
    n = circuit.n_qubits
    if n > MAX_QUBITS:
        raise ValueError(f"density-matrix simulation of {n} qubits needs 4^{n} amplitudes "
                         "per sample; use method='trajectories'")
    p = _as_values(params, circuit.parameters, "params", device, rdtype)
    x = _as_values(inputs, circuit.inputs, "inputs", device, rdtype)
    sizes = {t.shape[0] for t in (p, x) if t is not None and t.shape[0] != 1}
    if len(sizes) > 1:
        raise ValueError(f"params and inputs disagree on the batch size: {sorted(sizes)}")
    batch = sizes.pop() if sizes else 1
    p_batched = p is not None and p.shape[0] > 1
    plan = get_plan(circuit, p_batched, fuse, rdtype, device, product_prefix)

    one = torch.ones(1, 1, dtype=rdtype, device=device)
    shared = torch.cat([one, p], 1) if p is not None and not p_batched else one
    btab = None
    if p_batched or x is not None:
        cols = [one.expand(batch, 1)]
        if p is not None:
            cols.append(p.expand(batch, -1))
        if x is not None:
            cols.append(x.expand(batch, -1))
        btab = torch.cat(cols, 1)
    cdtype = dtype
    group_ptms = []
    for grp in plan.groups:
        g = get_gate(grp.gate)
        table = btab if grp.batched else shared
        vals = table[:, grp.cols] * grp.scale + grp.offset  # [b, G, P]
        u = g.matrix(vals, cdtype)
        group_ptms.append(to_pauli(unitary_superop(u)))
    blocks = []
    for bk in plan.buckets:
        bank = [plan.consts[bk.dim][:-1]]
        plist = plan.params.get(bk.dim, [])
        if plist:
            bank.append(_embed_params(plist, group_ptms, bk.dim))
        bank.append(plan.consts[bk.dim][-1:])
        bank = torch.cat(bank) if len(bank) > 1 else bank[0]
        f = bank[bk.index]  # [nb, L, D, D]
        while f.shape[1] > 1:
            f = f[:, 1::2] @ f[:, 0::2]
        blocks.append(f[:, 0])
    return _Bound(plan, batch, group_ptms, blocks)


def _embed_params(plist, group_ptms, dim) -> torch.Tensor:
    """Shared parametrised PTMs of blocks of size ``dim``, embedded: ``[len(plist), D, D]``."""
    out = []
    by_key: dict = {}
    for j, (g, pos, bw, ow) in enumerate(plist):
        by_key.setdefault((g, bw, ow), []).append((j, pos))
    order = []
    for (g, bw, ow), entries in by_key.items():
        pos = torch.tensor([e[1] for e in entries], device=group_ptms[g].device)
        ptm = group_ptms[g][0].index_select(0, pos)
        out.append(_embed(ptm, bw, ow))
        order += [e[0] for e in entries]
    emb = torch.cat(out) if len(out) > 1 else out[0]
    if order != list(range(len(order))):
        inv = torch.empty(len(order), dtype=torch.long)
        inv[torch.tensor(order)] = torch.arange(len(order))
        emb = emb.index_select(0, inv.to(emb.device))
    return emb


def _item_matrix(bound: _Bound, item) -> torch.Tensor:
    plan = bound.plan
    if item[0] == "block":
        return bound.blocks[item[1]][item[2]]
    i = item[1]
    if i in plan.single_consts:
        return plan.single_consts[i]
    g, pos = plan.slot[i]
    m = bound.group_ptms[g][:, pos]
    return m if plan.batched[i] else m[0]


def _prefix_bloch(bound: _Bound) -> torch.Tensor | None:
    """Per-wire Bloch vectors ``[b, n, 4]`` after the product prefix (None: no prefix)."""
    plan = bound.plan
    if plan.prefix_steps is None:
        return None
    dev = plan.prefix_consts.device
    b = bound.batch if plan.prefix_batched else 1
    bank = [plan.prefix_consts[None, :-1].expand(b, -1, 4, 4)]
    if plan.prefix_params:
        bank.append(torch.stack([bound.group_ptms[g][:, pos].expand(b, 4, 4)
                                 for g, pos in plan.prefix_params], 1))
    bank.append(plan.prefix_consts[None, -1:].expand(b, 1, 4, 4))
    bank = torch.cat(bank, 1)  # [b, M, 4, 4]
    r = torch.zeros(b, plan.n, 4, dtype=bank.dtype, device=dev)
    r[:, :, 0] = 1
    r[:, :, 3] = 1  # |0><0| = (I + Z) / 2: tr(I rho) = tr(Z rho) = 1
    for t in range(plan.prefix_steps.shape[0]):
        f = bank[:, plan.prefix_steps[t]]  # [b, n, 4, 4]
        r = (f @ r[..., None])[..., 0]
    return r


def _kron_bloch(r: torch.Tensor) -> torch.Tensor:
    """``[b, n, 4]`` per-wire vectors -> product Pauli vector ``[b, 4**n]`` (wire n-1 first)."""
    b, n, _ = r.shape
    out = r[:, n - 1]
    for w in range(n - 2, -1, -1):
        out = (out[:, :, None] * r[:, w, None, :]).reshape(b, -1)
    return out


# -- applying PTMs: axis orders planned ahead --------------------------------------------------
LOOKAHEAD = 64


def _run_of(order: list[int], wires) -> int | None:
    """First axis of ``wires`` when they sit on adjacent axes of ``order`` (any order)."""
    pos = sorted(order.index(w) for w in wires)
    return pos[0] if pos[-1] - pos[0] == len(wires) - 1 else None


def _schedule(wire_seq: list[tuple], n: int) -> tuple[list[tuple], list[int]]:
    """Per item ``(perm, axis, matperm)``: the axis permutation to do first (None: none), the
    first axis of the item's wires, and the digit order of its matrix (None: as is); plus the
    final axis order. A non-adjacent item moves its wires together; of a few candidate orders
    the one that keeps the most following items adjacent wins (fewest moved axes on ties)."""
    canon = list(range(n - 1, -1, -1))
    order = list(canon)
    out = []

    def score(o, t):
        c = 0
        for ws in wire_seq[t + 1 : t + 1 + LOOKAHEAD]:
            if _run_of(o, ws) is None:
                break
            c += 1
        return c

    for t, ws in enumerate(wire_seq):
        perm = None
        if _run_of(order, ws) is None:
            inside = set(ws)
            blk = [q for q in order if q in inside]
            rest = [q for q in order if q not in inside]
            cands = [blk + rest, rest + blk]
            for base in (order, canon):  # rotations: a ring of blocks needs one break
                for r in range(n):
                    rot = base[r:] + base[:r]
                    if _run_of(rot, ws) is not None:
                        cands.append(rot)
            for anchor in ws:
                before = [q for q in order[: order.index(anchor)] if q not in inside]
                cands.append(before + blk + rest[len(before):])
            best = max(cands, key=lambda o: (score(o, t),
                                             -sum(a != b for a, b in zip(o, order, strict=True))))
            perm = [order.index(q) for q in best]
            order = best
        a = _run_of(order, ws)
        run = order[a : a + len(ws)]
        matperm = None if list(run) == list(ws) else [list(ws).index(q) for q in run]
        out.append((perm, a, matperm))
    return out, order


def _digit_perm(mat: torch.Tensor, perm: list[int]) -> torch.Tensor:
    """Reorder the wires (base-4 digits) of a PTM ``[..., 4**k, 4**k]``."""
    k = len(perm)
    lead = mat.shape[:-2]
    nl = len(lead)
    m = mat.reshape(lead + (4,) * (2 * k))
    m = m.permute(*range(nl), *[nl + p for p in perm], *[nl + k + p for p in perm])
    return m.reshape(mat.shape)


def _permute(x: torch.Tensor, n: int, perm: list[int]) -> torch.Tensor:
    b = x.shape[0]
    return x.reshape([b] + [4] * n).permute([0] + [1 + a for a in perm]).reshape(b, -1)


def _apply(x: torch.Tensor, mat: torch.Tensor, n: int, a: int, k: int) -> torch.Tensor:
    """``mat`` (``[D, D]`` or per-sample ``[b, D, D]``) on axes ``a..a+k-1`` of ``x [b, 4**n]``."""
    d, inner = 4**k, 4 ** (n - a - k)
    b = x.shape[0]
    if mat.dim() == 2:
        if inner == 1:
            return (x.reshape(-1, d) @ mat.T).reshape(b, -1)
        return torch.matmul(mat, x.reshape(-1, d, inner)).reshape(b, -1)
    bb = max(b, mat.shape[0])
    if inner == 1:
        out = torch.matmul(x.reshape(b, -1, d), mat.transpose(-1, -2))
    else:
        out = torch.matmul(mat[:, None], x.reshape(b, -1, d, inner))
    return out.reshape(bb, -1)


def _run(state: torch.Tensor, bound: _Bound, start: int, stop: int, transpose: bool):
    """Apply items ``start:stop`` (backwards and transposed for the Heisenberg picture)."""
    plan = bound.plan
    n = plan.n
    items = plan.items[start:stop]
    if transpose:
        items = items[::-1]
    key = (start, stop, transpose)
    sched = plan.schedules.get(key)
    if sched is None:
        sched = plan.schedules[key] = _schedule([it[-1] for it in items], n)
    steps, final = sched
    x = state
    for item, (perm, a, matperm) in zip(items, steps, strict=True):
        m = _item_matrix(bound, item)
        if transpose:
            m = m.transpose(-1, -2)
        if matperm is not None:
            m = _digit_perm(m, matperm)
        if m.dtype != x.dtype:
            m = m.to(x.dtype)
        if perm is not None:
            x = _permute(x, n, perm)
        x = _apply(x, m, n, a, len(item[-1]))
    canon = list(range(n - 1, -1, -1))
    if final != canon:
        x = _permute(x, n, [final.index(q) for q in canon])
    return x


def pauli_state(circuit: Circuit, params=None, inputs=None, dtype=torch.complex64, device=None,
                initial_state=None, fuse=None) -> torch.Tensor:
    """Pauli vectors ``[B, 4**n]`` of the final states (real unless ``initial_state`` is not
    Hermitian). ``initial_state``: statevector(s) ``[N]``/``[B, N]`` or density matrices
    ``[N, N]``/``[B, N, N]``; default ``|0...0>``."""
    bound = bind_plan(circuit, params, inputs, dtype, device, fuse,
                      product_prefix=initial_state is None)
    plan = bound.plan
    n = plan.n
    rdtype = _real(dtype)
    dev = _device_of(bound, device)
    if initial_state is not None:
        state = pauli_vector(_initial_rho(initial_state, n, dtype, dev))
        if not state.is_complex():
            state = state.to(rdtype)
    else:
        bloch = _prefix_bloch(bound)
        if bloch is None:
            state = _zero_state(n, rdtype, dev)
        else:
            state = _kron_bloch(bloch)
    out = _run(state, bound, 0, len(plan.items), transpose=False)
    if out.shape[0] != bound.batch:
        out = out.expand(bound.batch, -1)
    return out


def _device_of(bound: _Bound, device) -> torch.device:
    for t in bound.group_ptms:
        return t.device
    if bound.plan.prefix_consts is not None:
        return bound.plan.prefix_consts.device
    return torch.device(device or "cpu")


def _zero_state(n: int, rdtype, dev) -> torch.Tensor:
    """Pauli vector of ``|0...0>``: 1 on every product of I and Z."""
    z = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=rdtype, device=dev)
    return _kron_bloch(z.expand(1, n, 4))


def _initial_rho(state, n, dtype, device) -> torch.Tensor:
    big = 2**n
    s = torch.as_tensor(state).to(dtype=dtype, device=device)
    if s.dim() >= 2 and s.shape[-1] == big and s.shape[-2] == big:
        return s if s.dim() == 3 else s[None]
    if s.shape[-1] == big and s.dim() <= 2:
        s = s if s.dim() == 2 else s[None]
        return s[:, :, None] * s.conj()[:, None, :]
    raise ValueError(f"initial_state has shape {list(s.shape)}, expected [B, {big}] "
                     f"(statevectors) or [B, {big}, {big}] (density matrices)")


def density_matrix(circuit: Circuit, params=None, inputs=None, dtype=torch.complex64,
                   device=None, initial_state=None, fuse=None) -> torch.Tensor:
    """Density matrices ``[B, 2**n, 2**n]`` (see :func:`pauli_state`)."""
    return density_from_pauli(pauli_state(circuit, params, inputs, dtype, device,
                                          initial_state, fuse), dtype)


# -- expectations -------------------------------------------------------------------------------
def expectations(circuit: Circuit, index, coeff, params=None, inputs=None,
                 dtype=torch.complex64, device=None, fuse=None,
                 heisenberg: bool | None = None) -> torch.Tensor:
    """``[B, k]`` expectations of observables ``O_j = sum_i coeff[j, i] P_{index[i]}``
    (``index``: ``m`` Pauli indices, ``s = sum_w s_w 4**w`` with I, X, Y, Z = 0..3; ``coeff``:
    real ``[k, m]``). ``heisenberg`` forces the direction (None: backwards when ``k < B``)."""
    bound = bind_plan(circuit, params, inputs, dtype, device, fuse)
    plan = bound.plan
    n = plan.n
    dev = _device_of(bound, device)
    rdtype = _real(dtype)
    index = torch.as_tensor(index, dtype=torch.long, device=dev)
    coeff = torch.as_tensor(coeff, dtype=rdtype, device=dev)
    k = coeff.shape[0]
    split = plan.last_batched_item + 1
    back = (k < bound.batch) if heisenberg is None else bool(heisenberg)
    if not back:
        split = len(plan.items)
    bloch = _prefix_bloch(bound)
    if split == 0 and bloch is not None and plan.items:
        start = None  # contract the backwards observables with the product state directly
    elif bloch is not None:
        start = _kron_bloch(bloch)
    else:
        start = _zero_state(n, rdtype, dev)
    mid = start if split == 0 else _run(start, bound, 0, split, transpose=False)
    if split == len(plan.items):
        out = mid[:, index] @ coeff.T
    else:
        obs = torch.zeros(k, 4**n, dtype=rdtype, device=dev)
        obs[:, index] = coeff
        w = _run(obs, bound, split, len(plan.items), transpose=True)  # [k, 4**n]
        out = _contract_product(w, bloch) if mid is None else mid @ w.T
    if out.shape[0] != bound.batch:
        out = out.expand(bound.batch, -1)
    return out


def _contract_product(w: torch.Tensor, bloch: torch.Tensor) -> torch.Tensor:
    """``out[b, j] = <w_j, (x)_w bloch[b, w]>``: ``w [k, 4**n]``, ``bloch [b, n, 4]``."""
    k = w.shape[0]
    b, n, _ = bloch.shape
    hi = n // 2
    lo = n - hi
    lo_vec = _kron_bloch(bloch[:, :lo])  # wires lo-1..0: [b, 4**lo]
    t = w.reshape(k * 4**hi, 4**lo)
    if hi == 0:
        return (t @ lo_vec.T).T  # [b, k]
    hi_vec = _kron_bloch(bloch[:, lo:])  # wires n-1..lo: [b, 4**hi]
    step = max(1, _CHUNK // max(1, k * 4**hi))
    outs = []
    for s in range(0, b, step):
        m = (t @ lo_vec[s : s + step].T).reshape(k, 4**hi, -1)  # [k, 4**hi, c]
        outs.append((m * hi_vec[s : s + step].T[None]).sum(1).T)  # [c, k]
    return torch.cat(outs) if len(outs) > 1 else outs[0]


def expz(circuit: Circuit, params=None, inputs=None, wires=None, dtype=torch.complex64,
         device=None, fuse=None, heisenberg: bool | None = None) -> torch.Tensor:
    """``<Z_w>`` ``[B, len(wires)]`` under the circuit's channels (default: every wire)."""
    n = circuit.n_qubits
    wires = tuple(range(n) if wires is None else wires)
    index = [3 * 4**w for w in wires]
    coeff = torch.eye(len(wires), dtype=torch.float64)
    return expectations(circuit, index, coeff, params, inputs, dtype, device, fuse, heisenberg)


def marginal_probabilities(circuit: Circuit, params=None, inputs=None, wires=None,
                           dtype=torch.complex64, device=None, fuse=None,
                           heisenberg: bool | None = None) -> torch.Tensor:
    """Probabilities ``[B, 2**len(wires)]`` of the measured ``wires`` (``wires[j]`` is bit
    ``j``; default every wire, Qiskit order)."""
    n = circuit.n_qubits
    wires = tuple(range(n) if wires is None else wires)
    index, coeff = _projector_terms(wires)
    return expectations(circuit, index, coeff, params, inputs, dtype, device, fuse, heisenberg)


@lru_cache(maxsize=64)
def _projector_terms(wires: tuple):
    """Projectors on the bit strings of ``wires`` as Pauli terms: products of (I +- Z) / 2."""
    m = len(wires)
    sub = torch.arange(2**m)  # subsets of Z factors
    index = torch.zeros(2**m, dtype=torch.long)
    for j, w in enumerate(wires):
        index += ((sub >> j) & 1) * 3 * 4**w
    bits = torch.arange(2**m)
    parity = torch.zeros(2**m, 2**m, dtype=torch.long)
    for j in range(m):
        parity += ((bits[:, None] >> j) & 1) * ((sub[None, :] >> j) & 1)
    coeff = (1 - 2 * (parity % 2)).to(torch.float64) / 2**m
    return index, coeff


def clear_plans() -> None:
    """Drop every cached plan."""
    _PLANS.clear()


def plan_stats(circuit: Circuit, fuse=None) -> dict:
    """Counts of a circuit's plan: prefix ops, blocks, singles, factors (for benchmarks)."""
    plan = get_plan(circuit, False, fuse, torch.float64, "cpu")
    return {"ops": len(circuit.ops),
            "prefix_steps": 0 if plan.prefix_steps is None else int(plan.prefix_steps.shape[0]),
            "blocks": sum(1 for it in plan.items if it[0] == "block"),
            "singles": sum(1 for it in plan.items if it[0] == "single"),
            "parametrised_ops": len(plan.slot)}


__all__ = ["FUSE_QUBITS", "SuperopPlan", "get_plan", "bind_plan", "pauli_state",
           "density_matrix", "expectations", "expz", "marginal_probabilities", "pauli_change",
           "to_pauli", "unitary_superop", "kraus_superop", "pauli_vector", "density_from_pauli",
           "clear_plans", "plan_stats"]
