"""Bind a circuit's symbols to tensors and build every op's matrix, grouped by gate.

Ops whose parameters depend only on constants and shared parameters get one matrix
``[d, d]``; ops that read input features (or per-sample parameters) get ``[b, d, d]``.
Matrices of all ops of one gate are built in a single batched call.

>>> import torch
>>> from qnas.ir import Circuit, Op, param
>>> c = Circuit(1, [Op("rx", (0,), (param("a"),))])
>>> b = bind(c, torch.tensor([0.3]), None, torch.complex64)
>>> b.batch, b.mats[0].shape
(1, torch.Size([2, 2]))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch

from qnas.gates import get_gate, mcx_matrix
from qnas.gates.standard import _controlled
from qnas.ir import INPUT, Circuit, Sym
from qnas.sim.cache import PLAN_CACHE, LRUCache

_CANONICAL = LRUCache(maxsize=1024)  # id(circuit) -> (circuit, canonical instance)


def canonical_circuit(circuit: Circuit) -> Circuit:
    """The first-seen instance equal to ``circuit``, so that plan-cache keys match by
    identity: looking up an equal but distinct circuit compares every op (~0.1 ms for a
    200-op circuit), once per lookup. Entries hold their circuit, so ids are never stale.

    >>> from qnas.ir import Circuit, Op
    >>> a, b = Circuit(1, [Op("h", (0,))]), Circuit(1, [Op("h", (0,))])
    >>> canonical_circuit(b) is canonical_circuit(a)
    True
    """
    entry = _CANONICAL.get(id(circuit), lambda: (circuit, _canonical(circuit)))
    if entry[0] is not circuit:  # pragma: no cover - an evicted id reused
        entry = (circuit, _canonical(circuit))
        _CANONICAL.put(id(circuit), entry)
    return entry[1]


def _canonical(circuit: Circuit) -> Circuit:
    return PLAN_CACHE.get((circuit, ("canonical",)), lambda: circuit)


def _real(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.complex128 else torch.float32


def as_value_tensor(x, names, what, device, rdtype) -> torch.Tensor | None:
    """``x`` (None, a ``{name: value}`` mapping or an array) as a real tensor in ``names``'
    order (checked names, no complex values); shape as given."""
    if x is None:
        return None
    if isinstance(x, Mapping):
        missing = [k for k in names if k not in x]
        if missing:
            raise ValueError(f"{what} is missing values for {missing}")
        unknown = sorted(set(x) - set(names))
        if unknown:
            raise ValueError(f"{what} has unknown names {unknown}; expected {list(names)}")
        vals = [torch.as_tensor(x[k], dtype=rdtype, device=device) for k in names]
        return torch.stack(vals, -1) if vals else torch.zeros(0, dtype=rdtype, device=device)
    t = torch.as_tensor(x, device=device)
    if t.is_complex():
        raise ValueError(f"{what} must be real, got {t.dtype}")
    return t.to(rdtype)


def check_values(t: torch.Tensor | None, names, what: str) -> torch.Tensor | None:
    """Validate a ``[K]`` or ``[B, K]`` value tensor; returns it as ``[b, K]``."""
    k = len(names)
    if t is None:
        if k:
            raise ValueError(f"circuit needs {what} {list(names)[:8]}{'...' if k > 8 else ''}")
        return None
    shape = list(t.shape)
    if t.dim() == 1:
        t = t[None]
    if t.dim() != 2 or t.shape[1] != k:
        raise ValueError(
            f"{what} has shape {shape}, expected [{k}] or [B, {k}] "
            f"(names: {list(names)[:8]}{'...' if k > 8 else ''})"
        )
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{what} contain NaN or Inf values")
    return t


class OpMatrices(Sequence):
    """Per-op matrices, sliced out of their gate group only when an op's own matrix is read."""

    def __init__(self, groups, entries, batched, controls=None):
        self._groups, self._entries, self._batched = groups, entries, batched
        self._controls = controls or [0] * len(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return OpMatrices(self._groups, self._entries[i], self._batched[i],
                              self._controls[i])
        e = self._entries[i]
        if isinstance(e, tuple):
            m = self._groups[e[0]][:, e[1]]
            if self._controls[i]:  # stored as its target gate: add the controls back
                m = _controlled(m, self._controls[i])
            return m if self._batched[i] else m[0]
        return e

    def subset(self, idx) -> OpMatrices:
        return OpMatrices(self._groups, [self._entries[i] for i in idx],
                          [self._batched[i] for i in idx], [self._controls[i] for i in idx])


@dataclass
class Bound:
    """Per-op matrices (or diagonals) ready for the kernels."""

    batch: int
    mats: Sequence  # per op: Tensor [d, d] | [b, d, d] | diag [d] | [b, d] | None (channels)
    diagonal: list[bool]
    batched: list[bool]
    # Matrices of one gate built together: ``groups[g]`` is ``[b, G, d, d]`` (or ``[b, G, d]``
    # for diagonals) and ``where[i] = (g, j)`` locates op ``i`` in it (``None``: built alone).
    groups: list = field(default_factory=list)
    where: list = field(default_factory=list)
    key: tuple = ()  # identifies the grouping (same key, same ``where``) for plan caches
    # ``group_const[g]``: group ``g`` holds one constant matrix expanded over its ops
    group_const: list = field(default_factory=list)
    # ``controls[i] = c > 0``: op ``i`` (a controlled gate, ``bind(merge_controlled=True)``)
    # is stored in its group as the target gate's matrix; ``mats[i]`` adds the controls back
    controls: list = field(default_factory=list)

    def tail(self, start: int) -> Bound:
        """The binding of ``circuit.ops[start:]``."""
        return Bound(self.batch, self.mats[start:], self.diagonal[start:],
                     self.batched[start:], self.groups, self.where[start:], self.key,
                     self.group_const, self.controls[start:])

    def subset(self, indices) -> Bound:
        """The binding of the ops ``indices`` (in that order)."""
        idx = list(indices)
        mats = self.mats
        mats = mats.subset(idx) if isinstance(mats, OpMatrices) else [mats[i] for i in idx]
        return Bound(self.batch, mats, [self.diagonal[i] for i in idx],
                     [self.batched[i] for i in idx], self.groups,
                     [self.where[i] for i in idx] if self.where else [], self.key,
                     self.group_const, [self.controls[i] for i in idx] if self.controls else [])

    def device(self) -> torch.device | None:
        """The device of the bound matrices (``None`` when there are none)."""
        for g in self.groups:
            return g.device
        for m in self.mats:
            if m is not None:
                return m.device
        return None


@dataclass
class _Group:
    gate: str
    batched: bool
    ops: list[int]
    cols: torch.Tensor | None  # [G, P] value-table columns, then ``* scale + offset``
    scale: torch.Tensor | None
    offset: torch.Tensor | None
    diagonal: bool
    one_by_one: bool  # variable-arity gates are built op by op
    affine: bool = True  # values need ``* scale + offset`` (False: plain symbols, scale 1)


@dataclass
class _BindPlan:
    groups: list[_Group]
    batched: list[bool]
    diagonal: list[bool]
    where: list
    group_const: list[bool] = field(default_factory=list)  # per built group: constant gate
    batched_reads_params: bool = True  # some per-sample op reads a parameter column
    controls: list[int] = field(default_factory=list)


# Controlled gates whose matrix is ``_controlled(target(params))``: with ``merge_controlled``
# their batch-shared ops are built in the target gate's group (one gate call for both).
CONTROLLED_TARGET = {"cu3": "u3", "crx": "rx", "cry": "ry"}


def value_columns(op, pidx: dict, xidx: dict, p_batched: bool):
    """``(columns, scales, offsets, batched)`` of ``op``'s angles in the value table
    ``[1, params..., inputs...]`` (column 0 is the constant 1): angle ``k`` is
    ``scale[k] * table[col[k]] + offset[k]``; ``batched`` if it reads a per-sample value."""
    n_p = len(pidx)
    c, sc, of = [], [], []
    is_b = False
    for v in op.params:
        if isinstance(v, Sym):
            if v.kind == INPUT:
                c.append(1 + n_p + xidx[v.name])
                is_b = True
            else:
                c.append(1 + pidx[v.name])
                is_b = is_b or p_batched
            sc.append(v.scale)
            of.append(v.offset)
        else:
            c.append(0)
            sc.append(0.0)
            of.append(float(v))
    return c, sc, of, is_b


def circuit_values(circuit: Circuit, params, inputs, device, rdtype):
    """``(p, x, batch)``: ``params`` and ``inputs`` as checked ``[b, K]`` tensors (or None)
    in ``circuit``'s order, and the batch size they agree on."""
    p = check_values(as_value_tensor(params, circuit.parameters, "params", device, rdtype),
                     circuit.parameters, "params")
    x = check_values(as_value_tensor(inputs, circuit.inputs, "inputs", device, rdtype),
                     circuit.inputs, "inputs")
    sizes = {t.shape[0] for t in (p, x) if t is not None and t.shape[0] != 1}
    if len(sizes) > 1:
        raise ValueError(f"params and inputs disagree on the batch size: {sorted(sizes)}")
    return p, x, sizes.pop() if sizes else 1


def value_device(params, inputs, device=None) -> torch.device:
    """``device`` if given, else the device of the first tensor among ``params``/``inputs``
    (CPU when neither is a tensor)."""
    if device is None:
        for x in (params, inputs):
            if isinstance(x, torch.Tensor):
                return x.device
    return torch.device(device or "cpu")


def bind(circuit: Circuit, params, inputs, dtype=torch.complex64, device=None,
         diagonal_fast_path: bool = True, merge_controlled: bool = False) -> Bound:
    """Evaluate all gate matrices of ``circuit`` for the given values.

    ``merge_controlled`` builds batch-shared controlled gates (:data:`CONTROLLED_TARGET`) as
    their target gate, in the target's group (``Bound.controls`` says which); ``mats[i]``
    still returns the full matrix.
    """
    rdtype = _real(dtype)
    circuit = canonical_circuit(circuit)
    device = value_device(params, inputs, device)
    p, x, batch = circuit_values(circuit, params, inputs, device, rdtype)
    p_batched = p is not None and p.shape[0] > 1
    key = ("bind", p_batched, diagonal_fast_path, str(device), rdtype, merge_controlled)
    plan = PLAN_CACHE.get((circuit, key), lambda: _plan(circuit, p_batched, diagonal_fast_path,
                                                        device, rdtype, merge_controlled))

    # Value tables: shared = [1, 1 + P], batched = [B, 1 + P + F]; column 0 is the constant 1.
    one = torch.ones(1, 1, dtype=rdtype, device=device)
    shared = torch.cat([one, p], 1) if p is not None and not p_batched else one
    btab = None
    if p_batched or x is not None:
        bcols = [one.expand(batch, 1)]
        if p is not None and plan.batched_reads_params:  # else the plan skips these columns
            bcols.append(p.expand(batch, -1))
        if x is not None:
            bcols.append(x.expand(batch, -1))
        btab = torch.cat(bcols, 1)

    entries: list = list(plan.where)
    group_mats: list = []
    for grp in plan.groups:
        g = get_gate(grp.gate)
        table = btab if grp.batched else shared
        if grp.one_by_one:
            for i in grp.ops:
                entries[i] = _single(circuit.ops[i], g, table, grp, i, dtype)
            continue
        if grp.cols is not None:
            vals = table[:, grp.cols]  # [b, G, P]
            if grp.affine:
                vals = vals * grp.scale + grp.offset
        else:
            vals = torch.zeros(1, len(grp.ops), 0, dtype=rdtype, device=device)
        m = (g.diagonal if grp.diagonal else g.matrix)(vals, dtype)
        if grp.cols is None:  # constant gates return one cached matrix
            m = m.expand((1, len(grp.ops)) + m.shape[-(1 if grp.diagonal else 2):])
        group_mats.append(m)
    mats = OpMatrices(group_mats, entries, plan.batched, plan.controls)
    return Bound(batch, mats, plan.diagonal, plan.batched, group_mats, plan.where, key,
                 plan.group_const, plan.controls)


def _plan(circuit: Circuit, p_batched: bool, diagonal_fast_path: bool, device, rdtype,
          merge_controlled: bool = False):
    """Group ops by (gate, batched) and precompute their value-table columns."""
    n_p = len(circuit.parameters)
    pidx = {n: i for i, n in enumerate(circuit.parameters)}
    xidx = {n: i for i, n in enumerate(circuit.inputs)}
    by_gate: dict[tuple[str, bool], list[int]] = {}
    cols, scales, offsets, batched = [], [], [], []
    controls = [0] * len(circuit.ops)
    for i, op in enumerate(circuit.ops):
        c, sc, of, is_b = value_columns(op, pidx, xidx, p_batched)
        cols.append(c)
        scales.append(sc)
        offsets.append(of)
        batched.append(is_b)
        gname = get_gate(op.gate).name
        if merge_controlled and not is_b and gname in CONTROLLED_TARGET:
            gname = CONTROLLED_TARGET[gname]
            controls[i] = 1
        by_gate.setdefault((gname, is_b), []).append(i)

    groups: list[_Group] = []
    diagonal = [False] * len(circuit.ops)
    where: list = [None] * len(circuit.ops)
    for (gname, is_b), idxs in by_gate.items():
        g = get_gate(gname)
        if g.kraus:
            continue
        one_by_one = g.num_params is None or g.name == "mcx"
        use_diag = diagonal_fast_path and g.diagonal is not None and not one_by_one
        if one_by_one or not circuit.ops[idxs[0]].params:
            ci = sc = of = None
        else:
            ci = torch.tensor([cols[i] for i in idxs], device=device)
            sc = torch.tensor([scales[i] for i in idxs], dtype=rdtype, device=device)
            of = torch.tensor([offsets[i] for i in idxs], dtype=rdtype, device=device)
        if one_by_one:
            ci = [cols[i] for i in idxs]
            sc = [scales[i] for i in idxs]
            of = [offsets[i] for i in idxs]
        else:
            for j, i in enumerate(idxs):
                where[i] = (sum(not gr.one_by_one for gr in groups), j)
                diagonal[i] = use_diag
        plain = not one_by_one and sc is not None and bool((sc == 1).all() and (of == 0).all())
        groups.append(_Group(gname, is_b, idxs, ci, sc, of, use_diag, one_by_one, not plain))
    const = [g.cols is None for g in groups if not g.one_by_one]
    reads = any(0 < c <= n_p for i, cs in enumerate(cols) if batched[i] for c in cs)
    if not reads and n_p:  # the per-sample table then holds [1, inputs]: shift input columns
        for grp in groups:
            if not grp.batched or grp.cols is None:
                continue
            if grp.one_by_one:
                grp.cols = [[c - n_p if c > n_p else c for c in cs] for cs in grp.cols]
            else:
                grp.cols = torch.where(grp.cols > n_p, grp.cols - n_p, grp.cols)
    return _BindPlan(groups, batched, diagonal, where, const, reads, controls)


def _single(op, g, table, grp: _Group, i: int, dtype):
    if g.name == "mcx":
        return mcx_matrix(len(op.wires), dtype, table.device)
    j = grp.ops.index(i)
    cols = grp.cols[j]
    if cols:
        ci = torch.tensor(cols, device=table.device)
        vals = table[:, ci] * torch.tensor(grp.scale[j], dtype=table.dtype, device=table.device) + \
            torch.tensor(grp.offset[j], dtype=table.dtype, device=table.device)
    else:
        vals = table[:, :0]
    m = g.matrix(vals, dtype)
    return m if grp.batched else m[0]
