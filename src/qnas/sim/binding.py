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

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from qnas.gates import get_gate, mcx_matrix
from qnas.ir import INPUT, Circuit, Sym


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
    if torch.isnan(t).any() or torch.isinf(t).any():
        raise ValueError(f"{what} contain NaN or Inf values")
    return t


@dataclass
class Bound:
    """Per-op matrices (or diagonals) ready for the kernels."""

    batch: int
    mats: list  # per op: Tensor [d, d] | [b, d, d] | diag [d] | [b, d] | None (channels)
    diagonal: list[bool]
    batched: list[bool]


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
    pidx = {n: i for i, n in enumerate(circuit.parameters)}
    xidx = {n: i for i, n in enumerate(circuit.inputs)}

    # Value tables: shared = [1, 1 + P], batched = [B, 1 + P + F]; column 0 is the constant 1.
    one = torch.ones(1, 1, dtype=rdtype, device=device)
    shared_cols = [one] + ([p] if p is not None and not p_batched else [])
    shared = torch.cat(shared_cols, 1)
    bcols = [one.expand(batch, 1)]
    if p is not None:
        bcols.append(p.expand(batch, -1))
    if x is not None:
        bcols.append(x.expand(batch, -1))
    btab = torch.cat(bcols, 1) if (p_batched or x is not None) else None
    n_p = p.shape[1] if p is not None else 0

    groups: dict[tuple[str, bool], list[int]] = {}
    col_idx: list[list[int]] = []
    scales: list[list[float]] = []
    offsets: list[list[float]] = []
    batched_flags: list[bool] = []
    for i, op in enumerate(circuit.ops):
        cols, sc, of = [], [], []
        is_b = False
        for v in op.params:
            if isinstance(v, Sym):
                if v.kind == INPUT:
                    cols.append(1 + n_p + xidx[v.name])
                    is_b = True
                else:
                    cols.append(1 + pidx[v.name])
                    is_b = is_b or p_batched
                sc.append(v.scale)
                of.append(v.offset)
            else:
                cols.append(0)
                sc.append(0.0)
                of.append(float(v))
        col_idx.append(cols)
        scales.append(sc)
        offsets.append(of)
        batched_flags.append(is_b)
        groups.setdefault((op.gate, is_b), []).append(i)

    mats: list = [None] * len(circuit.ops)
    diag_flags = [False] * len(circuit.ops)
    for (gname, is_b), idxs in groups.items():
        g = get_gate(gname)
        if g.kraus:
            continue
        nparam = len(circuit.ops[idxs[0]].params)
        if g.num_params is None or g.name == "mcx":
            for i in idxs:  # variable-arity gates: one at a time
                mats[i] = _single(circuit.ops[i], g, col_idx[i], scales[i], offsets[i],
                                  btab if is_b else shared, dtype, is_b)
            continue
        table = btab if is_b else shared
        if nparam:
            ci = torch.tensor([col_idx[i] for i in idxs], device=device)
            sc = torch.tensor([scales[i] for i in idxs], dtype=rdtype, device=device)
            of = torch.tensor([offsets[i] for i in idxs], dtype=rdtype, device=device)
            vals = table[:, ci] * sc + of  # [b, G, P]
        else:
            vals = torch.zeros(1, len(idxs), 0, dtype=rdtype, device=device)
        use_diag = diagonal_fast_path and g.diagonal is not None
        m = (g.diagonal if use_diag else g.matrix)(vals, dtype)
        if nparam == 0:  # constant gates return one cached matrix
            m = m.expand((1, len(idxs)) + m.shape[-(1 if use_diag else 2):])
        for j, i in enumerate(idxs):
            mi = m[:, j]
            mats[i] = mi if is_b else mi[0]
            diag_flags[i] = use_diag
    return Bound(batch, mats, diag_flags, batched_flags)


def _single(op, g, cols, sc, of, table, dtype, is_b):
    if g.name == "mcx":
        return mcx_matrix(len(op.wires), dtype, table.device)
    if cols:
        ci = torch.tensor(cols, device=table.device)
        vals = table[:, ci] * torch.tensor(sc, dtype=table.dtype, device=table.device) + \
            torch.tensor(of, dtype=table.dtype, device=table.device)
    else:
        vals = table[:, :0]
    m = g.matrix(vals, dtype)
    return m if is_b else m[0]
