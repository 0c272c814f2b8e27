"""Batched statevector simulation: ``simulate(circuit, params, inputs) -> [B, 2**n]``.

Fast paths, chosen automatically:
- a prefix of single-qubit gates (typical data encoders) is simulated as a product state;
  with parameters shared by the batch (``params`` of shape ``[P]``), batch-shared gates that
  no per-sample gate follows on their wire move out of it into the fused blocks;
- runs of ops with batch-shared parameters are fused into blocks whose matrices are all built
  in a few tensor ops (:class:`~qnas.sim.fusion.BlockBuilder`); when the register is small
  relative to the batch (the common QML case: 4-7 qubits, batch 256) the whole ansatz is
  one ``2**n x 2**n`` unitary, applied to every sample with a single matmul;
- batches of 8 or more are stored batch-last with a planned axis order (few permutations);
- diagonal gates multiply the state elementwise.

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
from qnas.sim.binding import Bound, bind, canonical_circuit
from qnas.sim.cache import PLAN_CACHE
from qnas.sim.fusion import (
    BUILD_MAX_QUBITS,
    BlockBuilder,
    block_matrix,
    plan_blocks,
    zero_one,
)
from qnas.sim.kernels import (
    BATCH_LAST_MIN,
    BatchLastState,
    contiguous_run,
    lazy_state,
    product_state,
    product_state_batch_last,
    zero_state,
)

FUSE_MAX_QUBITS = 7
# Widest fused block on larger registers: 5 qubits for one state (fewer passes over a big
# state), 4 for batches (stored batch-last, where GEMM cost grows with the block's 2**k).
# QNAS_FUSE overrides both.
_FUSE_ENV = __import__("os").environ.get("QNAS_FUSE")
FUSE_BLOCK_QUBITS = int(_FUSE_ENV or 5)
FUSE_BATCH_BLOCK_QUBITS = int(_FUSE_ENV or 4)


def simulate_statevector(circuit: Circuit, params=None, inputs=None,
                         dtype: torch.dtype = torch.complex64, device=None,
                         initial_state: torch.Tensor | None = None, fuse: bool | None = None,
                         raw: bool = False) -> torch.Tensor:
    """Noise-free statevector ``[B, 2**n]`` of ``circuit`` (Qiskit bit order).

    ``raw=True`` returns a :class:`RawState` (the state as simulated, for readouts that need
    no canonical ``[B, 2**n]`` copy) instead.
    """
    _check_dtype(dtype)
    circuit = canonical_circuit(circuit)
    channel = PLAN_CACHE.get((circuit, ("channel",)), lambda: _first_channel(circuit))
    if channel is not None:
        raise ValueError(
            f"circuit contains the noise channel {channel!r}; use method='density' or "
            "'trajectories'"
        )
    b = bind(circuit, params, inputs, dtype, device, merge_controlled=True)
    dev = _device_of(b, device)
    if raw:
        if b.where and b.key and not b.key[1]:
            return _run_shared(circuit, b, dtype, dev, initial_state, fuse, raw=True)
        return RawState(run_bound(circuit, b, dtype, dev, initial_state, fuse), b.batch)
    return run_bound(circuit, b, dtype, dev, initial_state, fuse)


def _first_channel(circuit) -> str | None:
    return next((op.gate for op in circuit.ops if get_gate(op.gate).kraus), None)


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
    if b.where and b.key and not b.key[1]:  # parameters shared by the batch: planned path
        return _run_shared(circuit, b, dtype, device, initial_state, fuse)
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


# -- parameters shared by the batch -----------------------------------------------------------
# The circuit splits into a product-state prefix (the single-qubit ops before the first
# multi-qubit op, minus the batch-shared ones that no per-sample op follows on their wire:
# those commute to the back of the prefix and join the blocks) and a suffix of fused blocks.
# Every dense block of batch-shared ops is built by one BlockBuilder call (a few tensor ops
# for all blocks together); on a register small next to the batch the whole suffix is one
# block, i.e. one 2**n x 2**n unitary applied to all samples with a single matmul. For
# batch-last states, the axis order is planned ahead so that blocks find their wires on
# adjacent axes (few state permutations) and block matrices are built in that order.


class _SharedPlan:
    """The cached, value-free plan of :func:`_run_shared` for one circuit and binding key."""

    def __init__(self, circuit, b: Bound, has_initial: bool, width: int):
        ops = circuit.ops
        n = circuit.n_qubits
        prefix: list[int] = []
        moved: list[int] = []
        start = 0
        if not has_initial:
            start = _single_qubit_prefix(ops)
            last_batched: dict[int, int] = {}
            for i in range(start):
                if b.batched[i]:
                    last_batched[ops[i].wires[0]] = i
            if not last_batched:
                prefix = list(range(start))
            for i in range(start if last_batched else 0):
                if i <= last_batched.get(ops[i].wires[0], -1):
                    prefix.append(i)
                else:
                    moved.append(i)
        self.prefix = prefix
        self.prefix_grouped = bool(prefix) and all(b.where[i] for i in prefix)
        self.suffix = moved + list(range(start, len(ops)))
        self.rest = Circuit(n, tuple(ops[i] for i in self.suffix), circuit.parameters,
                            circuit.inputs)
        sub = b.subset(self.suffix)
        self.blocks = plan_blocks(self.rest, sub.batched, width)
        self.build = [self._buildable(blk, sub) for blk in self.blocks]
        self.needs_sub = not all(self.build)
        self.by_layout: dict = {}

    @staticmethod
    def _buildable(blk, sub) -> bool:
        k = len(blk.wire_set)
        if blk.single or k > BUILD_MAX_QUBITS:
            return False
        return not (k > 4 and all(sub.diagonal[i] for i in blk.ops))

    def layout(self, circuit, b: Bound, batch_last: bool, device):
        """``(steps, builder, full)`` for this state layout, planned on first use."""
        got = self.by_layout.get(batch_last)
        if got is None:
            got = self.by_layout[batch_last] = self._plan_layout(circuit, b, batch_last, device)
        return got

    def _plan_layout(self, circuit, b, batch_last, device):
        n = self.rest.n_qubits
        sub = b.subset(self.suffix)
        needs = []
        for blk, built in zip(self.blocks, self.build):  # diagonal steps need no adjacency
            diag = not built and all(sub.diagonal[i] for i in blk.ops)
            needs.append(None if diag else tuple(blk.wires))
        perms, runs = _plan_orders(n, needs) if batch_last else ([None] * len(needs), needs)
        steps, specs = [], []
        for j, (blk, built) in enumerate(zip(self.blocks, self.build)):
            if built:
                order = runs[j] if runs[j] is not None else blk.wires
                specs.append((tuple(self.suffix[i] for i in blk.ops), order))
                steps.append((len(specs) - 1, order, perms[j]))
            else:
                steps.append((blk, None, perms[j]))
        builder = BlockBuilder(circuit, b, specs, device) if specs else None
        full = len(steps) == 1 and self.build[0] and tuple(steps[0][1]) == tuple(
            range(n - 1, -1, -1))
        return steps, builder, full


def _plan_orders(n: int, needs: list):
    """Axis orders for a batch-last state: ``perms[j]`` (a new order, or ``None``) before
    step ``j``, and ``runs[j]``, the wires of step ``j`` in axis order (``None``: diagonal).

    A step whose wires are not on adjacent axes moves them together; of all the places to
    put them, the one that keeps the most following steps adjacent wins (ties: the front).
    """
    order = list(range(n - 1, -1, -1))
    perms, runs = [], []
    for j, ws in enumerate(needs):
        if ws is None:
            perms.append(None)
            runs.append(None)
            continue
        perm = None
        if contiguous_run(order, ws) is None:
            mine = [q for q in order if q in ws]
            rest = [q for q in order if q not in ws]
            cands = [rest[:p] + mine + rest[p:] for p in range(len(rest) + 1)]
            for base in (order, order[::-1]):  # rotations suit windows moving along a ring
                cands += [c for c in (base[r:] + base[:r] for r in range(1, n))
                          if contiguous_run(c, ws) is not None]
            best, best_score = None, -1
            for cand in cands:
                score = 0
                for f in needs[j + 1:]:
                    if f is None:
                        continue
                    if contiguous_run(cand, f) is None:
                        break
                    score += 1
                if score > best_score:
                    best, best_score = cand, score
            order = perm = best
        perms.append(perm)
        a = contiguous_run(order, ws)
        runs.append(tuple(order[a : a + len(ws)]))
    return perms, runs


def _run_shared(circuit, b: Bound, dtype, device, initial_state, fuse, raw=False):
    n = circuit.n_qubits
    width = shared_width(n, b.batch, fuse)
    has_init = initial_state is not None
    plan = PLAN_CACHE.get((circuit, ("shared", b.key, has_init, width)),
                          lambda: _SharedPlan(circuit, b, has_init, width))
    state = vecs = None
    if has_init:
        state = _check_initial(initial_state, n, dtype, device)
    elif plan.prefix:
        vecs = _prefix_vectors(circuit, b, plan.prefix, plan.prefix_grouped, dtype, device)
    else:
        state = zero_state(n, 1, dtype, device)
    batch = state.shape[0] if state is not None else max(v.shape[0] for v in vecs)
    out = None
    if plan.blocks:
        batch_last = batch >= BATCH_LAST_MIN
        steps, builder, full = plan.layout(circuit, b, batch_last, device)
        mats = builder(b) if builder is not None else ()
        if full:
            state = product_state(vecs) if state is None else state
            state = state @ mats[0].transpose(0, 1)
        else:
            if state is None and batch_last:  # the product state straight into batch-last
                lazy = BatchLastState.from_batch_last(product_state_batch_last(vecs), n)
            else:
                lazy = lazy_state(product_state(vecs) if state is None else state, n)
            sub = b.subset(plan.suffix) if plan.needs_sub else None
            permute = isinstance(lazy, BatchLastState)
            for ref, order, perm in steps:
                if perm is not None and permute:
                    lazy._permute(perm)
                if order is not None:
                    lazy.apply(mats[ref], order)
                else:
                    mat, diag, wires = block_matrix(plan.rest, sub, ref, dtype, device)
                    lazy.apply(mat, wires, diag)
            out = RawState(lazy, b.batch)
    elif state is None:
        state = product_state(vecs)
    if out is None:
        out = RawState(state, b.batch)
    return out if raw else out.canonical()


class RawState:
    """A simulated batch as the simulator holds it: canonical ``[B, N]`` or a lazy state
    (possibly batch-last, axes in any order). :meth:`canonical` gives ``[batch, 2**n]``;
    :meth:`diagonal_expectations` reads Z-diagonal observables without reordering it."""

    def __init__(self, held, batch: int):
        self.held, self.batch = held, batch

    def canonical(self) -> torch.Tensor:
        s = self.held if isinstance(self.held, torch.Tensor) else self.held.canonical()
        if s.shape[0] == 1 and self.batch > 1:
            s = s.expand(self.batch, -1)
        return s

    def diagonal_expectations(self, readout) -> torch.Tensor:
        """``[batch, k]`` from ``readout(interleaved, order)``: the ``[N(*2), k]`` diagonals
        (rows interleaved re/im for a canonical state; in axis order for a batch-last one)."""
        h = self.held
        if isinstance(h, BatchLastState):
            m = readout(False, tuple(h.order))  # [N, k], rows in h's axis order
            sq = torch.view_as_real(h.x.resolve_conj()).square()  # [N, B, 2]
            vals = (m.T @ sq.reshape(sq.shape[0], -1)).view(m.shape[1], h.B, 2).sum(-1).T
        else:
            s = h if isinstance(h, torch.Tensor) else h.canonical()
            sq = torch.view_as_real(s.resolve_conj()).reshape(s.shape[0], -1).square()
            vals = sq @ readout(True, None)
        if vals.shape[0] == 1 and self.batch > 1:
            vals = vals.expand(self.batch, -1)
        return vals


def shared_width(n: int, batch: int, fuse: bool | None) -> int:
    """:func:`fusion_width` for batch-shared parameters, capped at ``BUILD_MAX_QUBITS``:
    wider blocks would be built gate by gate, and a few 5-qubit blocks on a batch of 6-7
    qubit states cost less than building one such ``2**n x 2**n`` unitary."""
    return min(fusion_width(n, batch, fuse), BUILD_MAX_QUBITS)


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
    grouped = bool(b.where) and all(b.where[k] for k in range(stop))
    return _prefix_state(circuit, b, list(range(stop)), grouped, dtype, device)


def _prefix_state(circuit, b, idx: list[int], grouped: bool, dtype, device):
    """The product state after the single-qubit ops ``idx`` (in circuit order)."""
    return product_state(_prefix_vectors(circuit, b, idx, grouped, dtype, device))


def _prefix_vectors(circuit, b, idx: list[int], grouped: bool, dtype, device):
    """Per-wire states ``[b, 2]`` after the single-qubit ops ``idx`` (in circuit order)."""
    if grouped:
        plan = PLAN_CACHE.get((circuit, ("prefix", b.key, tuple(idx), str(device))),
                              lambda: _prefix_plan(circuit, b, idx, device))
        return _grouped_prefix(b, plan, dtype, device)
    n = circuit.n_qubits
    vecs = [None] * n
    for k in idx:
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
    return [v if v is not None else zero for v in vecs]


def _prefix_plan(circuit, b, idx, device):
    """Gather plan for the product-state prefix: the gate groups to read (flattened per
    sample and concatenated, then the constants 0 and 1) and ``[n, L, 2, 2]`` offsets into
    that source giving every wire's ``L`` matrices (padded with identities)."""
    chunks, base, pos = [], {}, 0
    offset = {}
    for k in idx:
        g, j = b.where[k]
        size = 2 if b.diagonal[k] else 4
        if g not in base:
            base[g] = pos
            chunks.append(g)
            pos += b.groups[g].shape[1] * size
        offset[k] = base[g] + j * size
    zero, one = pos, pos + 1
    per_wire: list[list[list[int]]] = [[] for _ in range(circuit.n_qubits)]
    for k in idx:
        o = offset[k]
        rows = [o, zero, zero, o + 1] if b.diagonal[k] else [o, o + 1, o + 2, o + 3]
        per_wire[circuit.ops[k].wires[0]].append(rows)
    depth = max(len(r) for r in per_wire)
    eye = [one, zero, zero, one]
    table = torch.tensor([r + [eye] * (depth - len(r)) for r in per_wire], device=device)
    return chunks, table.reshape(-1), depth


def _grouped_prefix(b, plan, dtype, device):
    chunks, table, depth = plan
    parts = [b.groups[g] for g in chunks]
    batch = max(t.shape[0] for t in parts)
    parts = [t.reshape(t.shape[0], -1).expand(batch, -1) for t in parts]
    parts.append(zero_one(dtype, device).expand(batch, 2))
    src = torch.cat(parts, 1)
    layers = src.index_select(1, table).view(batch, -1, depth, 2, 2).unbind(2)  # [B, n, 2, 2]
    v = layers[0][..., :, :1]
    for m in layers[1:]:  # (complex broadcast products are slower than tiny GEMMs)
        v = m @ v
    return list(v[..., 0].unbind(1))


def _check_initial(s, n, dtype, device):
    s = torch.as_tensor(s).to(dtype=dtype, device=device)
    if s.dim() == 1:
        s = s[None]
    if s.dim() != 2 or s.shape[1] != 2**n:
        raise ValueError(f"initial_state has shape {list(s.shape)}, expected [B, {2**n}]")
    return s
