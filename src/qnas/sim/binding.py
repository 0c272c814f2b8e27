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
from qnas.ir import INPUT, Circuit, Sym
from qnas.sim.cache import PLAN_CACHE


def _real(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.complex128 else torch.float32


def _as_tensor(x, names, what, device, rdtype) -> torch.Tensor | None:
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

    def __init__(self, groups, entries, batched):
        self._groups, self._entries, self._batched = groups, entries, batched

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return OpMatrices(self._groups, self._entries[i], self._batched[i])
        e = self._entries[i]
        if isinstance(e, tuple):
            m = self._groups[e[0]][:, e[1]]
            return m if self._batched[i] else m[0]
        return e


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

    def tail(self, start: int) -> Bound:
        """The binding of ``circuit.ops[start:]``."""
        return Bound(self.batch, self.mats[start:], self.diagonal[start:],
                     self.batched[start:], self.groups, self.where[start:], self.key)


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


@dataclass
class _BindPlan:
    groups: list[_Group]
    batched: list[bool]
    diagonal: list[bool]
    where: list


def bind(circuit: Circuit, params, inputs, dtype=torch.complex64, device=None,
         diagonal_fast_path: bool = True) -> Bound:
    """Evaluate all gate matrices of ``circuit`` for the given values."""
    rdtype = _real(dtype)
    if device is None:
        for x in (params, inputs):
            if isinstance(x, torch.Tensor):
                device = x.device
                break
    device = torch.device(device or "cpu")
    p = check_values(_as_tensor(params, circuit.parameters, "params", device, rdtype),
                     circuit.parameters, "params")
    x = check_values(_as_tensor(inputs, circuit.inputs, "inputs", device, rdtype),
                     circuit.inputs, "inputs")
    sizes = {t.shape[0] for t in (p, x) if t is not None and t.shape[0] != 1}
    if len(sizes) > 1:
        raise ValueError(f"params and inputs disagree on the batch size: {sorted(sizes)}")
    batch = sizes.pop() if sizes else 1
    p_batched = p is not None and p.shape[0] > 1
    key = ("bind", p_batched, diagonal_fast_path, str(device), rdtype)
    plan = PLAN_CACHE.get((circuit, key), lambda: _plan(circuit, p_batched, diagonal_fast_path,
                                                        device, rdtype))

    # Value tables: shared = [1, 1 + P], batched = [B, 1 + P + F]; column 0 is the constant 1.
    one = torch.ones(1, 1, dtype=rdtype, device=device)
    shared = torch.cat([one, p], 1) if p is not None and not p_batched else one
    btab = None
    if p_batched or x is not None:
        bcols = [one.expand(batch, 1)]
        if p is not None:
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
            vals = table[:, grp.cols] * grp.scale + grp.offset  # [b, G, P]
        else:
            vals = torch.zeros(1, len(grp.ops), 0, dtype=rdtype, device=device)
        m = (g.diagonal if grp.diagonal else g.matrix)(vals, dtype)
        if grp.cols is None:  # constant gates return one cached matrix
            m = m.expand((1, len(grp.ops)) + m.shape[-(1 if grp.diagonal else 2):])
        group_mats.append(m)
    mats = OpMatrices(group_mats, entries, plan.batched)
    return Bound(batch, mats, plan.diagonal, plan.batched, group_mats, plan.where, key)


def _plan(circuit: Circuit, p_batched: bool, diagonal_fast_path: bool, device, rdtype):
    """Group ops by (gate, batched) and precompute their value-table columns."""
    n_p = len(circuit.parameters)
    pidx = {n: i for i, n in enumerate(circuit.parameters)}
    xidx = {n: i for i, n in enumerate(circuit.inputs)}
    by_gate: dict[tuple[str, bool], list[int]] = {}
    cols, scales, offsets, batched = [], [], [], []
    for i, op in enumerate(circuit.ops):
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
        cols.append(c)
        scales.append(sc)
        offsets.append(of)
        batched.append(is_b)
        by_gate.setdefault((op.gate, is_b), []).append(i)

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
        groups.append(_Group(gname, is_b, idxs, ci, sc, of, use_diag, one_by_one))
    return _BindPlan(groups, batched, diagonal, where)


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
