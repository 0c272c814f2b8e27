"""One-shot simulation of small circuits: no plan, no cache, for a circuit run once.

:func:`qnas.simulate` builds a plan per circuit (gate fusion, binding groups, Pauli transfer
matrices) and keeps it, which pays off when the same circuit runs many times (training) and
costs tens of milliseconds when it runs once. Training-free search scores hundreds of
circuits, each simulated once on a handful of qubits (Élivágar's CNR and RepCap); this module
simulates those directly:

* gate matrices are built per gate name in one batched call (rows of ``params``/``inputs``);
* a density matrix ``[B, N, N]`` is kept as a ``2n``-qubit vector (row qubit ``w`` is qubit
  ``w + n``): a gate is the superoperator ``U (x) conj(U)`` and a Kraus channel
  ``sum_k K_k (x) conj(K_k)`` on wires ``(w + n, w)`` (row bit, column bit of each wire), a
  constant gate and its device channels one cached matrix;
* :func:`run_blocks` passes over the state once per 2-qubit block: each run of 1-qubit ops
  on a wire is multiplied into one matrix and folded into the neighbouring 2-qubit op, and
  ops on the same pair join one block (a statevector, a unitary and a density matrix alike).

``noise`` (a callable ``(gate, wires) -> channel ops``, e.g.
:meth:`qnas.noise.NoiseModel.gate_noise`) inserts the device's channels after every gate
without building the noisy circuit. Results equal :func:`qnas.simulate`'s (tested); autograd
flows through both. Worth it up to :data:`MAX_QUBITS` qubits (the density path holds
``B x 4**n`` amplitudes, with no Heisenberg-picture shortcut).

>>> import torch
>>> from qnas.ir import Circuit, Op, param
>>> c = Circuit(2, [Op("ry", (0,), (param("t"),)), Op("cx", (0, 1))])
>>> statevector(c, torch.tensor([[torch.pi]])).abs().round(decimals=6).tolist()
[[0.0, 0.0, 0.0, 1.0]]
>>> noisy = Circuit(1, [Op("x", (0,)), Op("amplitude_damping", (0,), (0.25,))])
>>> density(noisy, dtype=torch.complex128)[0].real.diagonal().round(decimals=6).tolist()
[0.25, 0.75]
"""

from __future__ import annotations

import torch

from qnas.gates import get_gate
from qnas.ir import Circuit
from qnas.sim.binding import circuit_values, value_columns
from qnas.sim.cache import LRUCache
from qnas.sim.kernels import apply_matrix

MAX_QUBITS = 6  # where callers switch to :func:`qnas.simulate` (plans, Heisenberg picture)
_CHANNEL_SUPEROPS = LRUCache(maxsize=4096)  # (channel op, dtype) -> superoperator


def _real(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.complex128 else torch.float32


def value_table(circuit: Circuit, params, inputs, dtype) -> tuple[torch.Tensor, int]:
    """``([b, 1 + P + F], batch)``: the constant 1, the parameters and the input features of
    every row (checked as :func:`qnas.simulate` checks them)."""
    rdtype = _real(dtype)
    p, x, batch = circuit_values(circuit, params, inputs, None, rdtype)
    cols = [torch.ones(batch, 1, dtype=rdtype)]
    cols += [t.expand(batch, -1) for t in (p, x) if t is not None]
    return torch.cat(cols, 1), batch


def gate_matrices(circuit: Circuit, table: torch.Tensor, dtype, transform=None) -> list:
    """Per op: its matrix ``[d, d]`` (constant) or ``[b, d, d]`` (reads the table), or None
    for a Kraus channel. One matrix call per gate name; ``transform`` (e.g. the
    superoperator) is applied to each gate's matrices at once."""
    transform = transform or (lambda m: m)
    pidx = {n: i for i, n in enumerate(circuit.parameters)}
    xidx = {n: i for i, n in enumerate(circuit.inputs)}
    groups: dict[str, list] = {}
    out: list = [None] * len(circuit.ops)
    for i, op in enumerate(circuit.ops):
        g = get_gate(op.gate)
        if g.kraus:
            continue
        if g.num_params is None or g.name == "mcx":  # variable arity: one by one
            out[i] = transform(_single_matrix(g, op, table, pidx, xidx, dtype))
            continue
        groups.setdefault(g.name, []).append(i)
    for name, idxs in groups.items():
        g = get_gate(name)
        ops = [circuit.ops[i] for i in idxs]
        if not ops[0].params:
            m = g.matrix(torch.zeros(1, 0, dtype=table.dtype), dtype)
            m = transform(m.reshape(-1, *m.shape[-2:])[0])  # constant: may be one [d, d]
            for i in idxs:
                out[i] = m
            continue
        vals = _angles(ops, table, pidx, xidx)  # [b, G, P]
        mats = transform(g.matrix(vals, dtype))
        for j, i in enumerate(idxs):
            out[i] = mats[:, j]
    return out


def _angles(ops, table: torch.Tensor, pidx: dict, xidx: dict) -> torch.Tensor:
    """``[b, G, P]`` angles of ``ops`` (one gate) from the value table (columns as
    :func:`qnas.sim.binding.value_columns` numbers them)."""
    cols, scale, offset = zip(*(value_columns(op, pidx, xidx, True)[:3] for op in ops))
    vals = table[:, torch.tensor(cols)]
    return vals * torch.tensor(scale, dtype=table.dtype) + torch.tensor(offset, dtype=table.dtype)


def _single_matrix(g, op, table, pidx, xidx, dtype):
    if g.name == "mcx":
        from qnas.gates import mcx_matrix

        return mcx_matrix(len(op.wires), dtype, table.device)
    vals = _angles([op], table, pidx, xidx)[:, 0] if op.params else table[:, :0]
    return g.matrix(vals, dtype)


def _superop(u: torch.Tensor) -> torch.Tensor:
    """``U (x) conj(U)`` ``[..., d*d, d*d]`` of matrices ``[..., d, d]`` on ``k`` wires, in
    the local order ``(r1, c1, r2, c2, ...)`` (wire ``i``'s row bit, then its column bit),
    so that the superoperator of two wires is the Kronecker product of theirs."""
    d = u.shape[-1]
    k = d.bit_length() - 1
    s = torch.einsum("...ij,...kl->...ikjl", u, u.conj())  # [..., r', c', r, c]
    if k > 1:
        lead = s.dim() - 4
        s = s.reshape(*s.shape[:lead], *([2] * (4 * k)))
        order = [x for i in range(k) for x in (i, k + i)]
        order += [2 * k + x for x in order]
        s = s.permute(*range(lead), *(lead + x for x in order))
    return s.reshape(*u.shape[:-2], d * d, d * d)


def channel_superop(op, dtype) -> torch.Tensor:
    """``sum_k K_k (x) conj(K_k)`` of a channel op with numeric parameters (memoised)."""
    from qnas.noise.channels import op_kraus

    return _CHANNEL_SUPEROPS.get((op, dtype), lambda: _superop(op_kraus(op, dtype)).sum(-3))


def _initial(initial_state, n: int, batch: int, dtype) -> torch.Tensor:
    dim = 2**n
    if initial_state is None:
        s = torch.zeros(1, dim, dtype=dtype)
        s[0, 0] = 1
        return s
    s = torch.as_tensor(initial_state).to(dtype)
    if s.dim() == 1:
        s = s[None]
    if s.dim() != 2 or s.shape[1] != dim or (batch != 1 and s.shape[0] not in (1, batch)):
        raise ValueError(f"initial_state has shape {list(s.shape)}, expected [{dim}] or "
                         f"[B, {dim}]")
    return s


def _rows(state: torch.Tensor, batch: int) -> torch.Tensor:
    """``state`` with its single row repeated to ``batch`` rows when nothing was batched."""
    return state.expand(batch, -1) if state.shape[0] == 1 and batch > 1 else state


def _gate_items(circuit: Circuit, params, inputs, dtype) -> tuple[list, int]:
    """``([(wires, matrix)], batch)`` of a noise-free circuit (a channel op is an error)."""
    table, batch = value_table(circuit, params, inputs, dtype)
    mats = gate_matrices(circuit, table, dtype)
    for op, m in zip(circuit.ops, mats, strict=True):
        if m is None:
            raise ValueError(f"noise channel {op.gate!r} needs a density matrix: use "
                             "qnas.sim.oneshot.density")
    return [(op.wires, m) for op, m in zip(circuit.ops, mats, strict=True)], batch


def statevector(circuit: Circuit, params=None, inputs=None, dtype=torch.complex128,
                initial_state=None) -> torch.Tensor:
    """Statevectors ``[B, 2**n]`` (Qiskit bit order) of a noise-free ``circuit``, as
    :func:`qnas.simulate` returns them, without a plan.

    >>> from qnas.ir import Circuit, Op
    >>> statevector(Circuit(1, [Op("x", (0,))])).real.tolist()
    [[0.0, 1.0]]
    """
    items, batch = _gate_items(circuit, params, inputs, dtype)
    n = circuit.n_qubits
    state = _initial(initial_state, n, batch, dtype)
    state = run_blocks(state, items, kron_pair,
                       lambda v, wires, m: apply_matrix(v, m, wires, n), _eye(2, dtype))
    return _rows(state, batch)


def unitary(circuit: Circuit, params=None, inputs=None, dtype=torch.complex128) -> torch.Tensor:
    """The matrices ``[B, N, N]`` of a noise-free ``circuit`` (column ``j`` = the output
    state of basis state ``j``), as a batch of :func:`statevector` on every basis state
    returns them, at the cost of one batch of ``B`` rows.

    >>> from qnas.ir import Circuit, Op
    >>> unitary(Circuit(1, [Op("x", (0,))])).real.tolist()
    [[[0.0, 1.0], [1.0, 0.0]]]
    """
    items, batch = _gate_items(circuit, params, inputs, dtype)
    n = circuit.n_qubits
    eye = torch.eye(2**n, dtype=dtype).reshape(1, -1)  # row index = the high n wires
    out = run_blocks(eye, items, kron_pair,
                     lambda v, wires, m: apply_matrix(v, m, tuple(w + n for w in wires), 2 * n),
                     _eye(2, dtype))
    out = _rows(out, batch)
    return out.reshape(out.shape[0], 2**n, 2**n)


def density(circuit: Circuit, params=None, inputs=None, dtype=torch.complex128, noise=None,
            initial_state=None) -> torch.Tensor:
    """Density matrices ``[B, N, N]`` of ``circuit`` (Kraus channel ops included), with the
    channels ``noise(gate, wires)`` after every gate when ``noise`` is given (module
    docstring), as :func:`qnas.simulate` (``method="density"``) returns them.

    ``initial_state``: a statevector ``[N]``/``[B, N]`` (default ``|0...0>``).

    >>> from qnas.ir import Circuit, Op
    >>> density(Circuit(1, [Op("h", (0,))])).real.round(decimals=6).tolist()
    [[[0.5, 0.5], [0.5, 0.5]]]
    """
    table, batch = value_table(circuit, params, inputs, dtype)
    sups = gate_matrices(circuit, table, dtype, _superop)
    n = circuit.n_qubits
    psi = _initial(initial_state, n, batch, dtype)
    vec = (psi[:, :, None] * psi.conj()[:, None, :]).reshape(psi.shape[0], -1)
    items = []  # (wires, superoperator), in time order
    for op, s in zip(circuit.ops, sups, strict=True):
        if s is None:
            items.append((op.wires, channel_superop(op, dtype)))
        elif noise is None:
            items.append((op.wires, s))
        elif s.dim() == 2:  # constant gate: gate and its channels as one cached matrix
            chans = tuple(noise(op.gate, op.wires))
            items.append((op.wires, _NOISY_GATES.get(
                (op.gate, op.wires, chans, dtype), lambda s=s, op=op, chans=chans:
                _noisy_gate(s, op.wires, chans, dtype))))
        else:
            items.append((op.wires, s))
            items.extend((ch.wires, channel_superop(ch, dtype))
                         for ch in noise(op.gate, op.wires))
    vec = _run_superops(vec, items, n)
    vec = _rows(vec, batch)
    return vec.reshape(vec.shape[0], 2**n, 2**n)


_NOISY_GATES = LRUCache(maxsize=4096)  # (gate, wires, channels, dtype) -> superoperator
_EYES: dict = {}


def _eye(d: int, dtype) -> torch.Tensor:
    if (d, dtype) not in _EYES:
        _EYES[d, dtype] = torch.eye(d, dtype=dtype)
    return _EYES[d, dtype]


def _noisy_gate(s: torch.Tensor, wires, chans, dtype) -> torch.Tensor:
    """A constant gate's superoperator followed by its channels, on the gate's wires."""
    for ch in chans:
        c = channel_superop(ch, dtype)
        if ch.wires == tuple(wires):
            s = c @ s
        elif len(wires) == 2 and len(ch.wires) == 1 and ch.wires[0] in wires:
            eye = _eye(4, dtype)
            s = (kron_pair(c, eye) if ch.wires[0] == wires[0] else kron_pair(eye, c)) @ s
        else:
            raise ValueError(f"channel {ch.gate} on {ch.wires} after a gate on {wires}")
    return s


def kron_pair(ma: torch.Tensor, mb: torch.Tensor) -> torch.Tensor:
    """``kron(ma, mb)`` ``[..., d*d, d*d]`` of batched square matrices (``ma``'s wire most
    significant): two 1-qubit gates as one 2-qubit gate, or two 1-qubit superoperators as
    one on the pair (:func:`_superop`'s order)."""
    d = ma.shape[-1]
    k = ma[..., :, None, :, None] * mb[..., None, :, None, :]
    return k.reshape(*k.shape[:-4], d * d, d * d)


def _run_superops(vec: torch.Tensor, items, n: int) -> torch.Tensor:
    """:func:`run_blocks` on a vectorised density matrix (``2n`` wires)."""
    def put(v, wires, s):
        return apply_gathered(v, s, tuple(x for w in wires for x in (w + n, w)), 2 * n)

    return run_blocks(vec, items, kron_pair, put, _eye(4, vec.dtype))


_GATHER_ORDERS = LRUCache(maxsize=4096)  # (n, wires, device) -> (order, inverse) indices


def _gather_order(n: int, wires: tuple, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Amplitude indices that put ``wires``' bits last (the first wire most significant),
    and their inverse."""
    def build():
        axes = [n - 1 - w for w in wires]  # a state viewed as [2] * n: qubit n-1 first
        rest = [a for a in range(n) if a not in axes]
        order = torch.arange(2**n).reshape([2] * n).permute(rest + axes).reshape(-1)
        return order.to(device), torch.argsort(order).to(device)

    return _GATHER_ORDERS.get((n, wires, device), build)


def apply_gathered(state: torch.Tensor, mat: torch.Tensor, wires, n: int) -> torch.Tensor:
    """:func:`qnas.sim.kernels.apply_matrix` by two gathers with cached indices and one
    GEMM: fewer and cheaper ops on the small states of this module (a 4-qubit density
    matrix is a ``[B, 256]`` vector with a gate's wires spread over it).

    >>> s = torch.eye(8, dtype=torch.complex128)[3:4]  # |011>
    >>> x = torch.tensor([[0, 1], [1, 0]], dtype=torch.complex128)
    >>> apply_gathered(s, x, (2,), 3).abs().argmax().item()  # X on qubit 2: |111>
    7
    """
    wires = tuple(wires)
    order, inverse = _gather_order(n, wires, state.device)
    d = 2 ** len(wires)
    x = state.index_select(1, order).reshape(state.shape[0], -1, d)
    out = torch.matmul(x, mat.transpose(-1, -2))
    return out.reshape(out.shape[0], -1).index_select(1, inverse)


def run_blocks(state: torch.Tensor, items, pair, put, eye) -> torch.Tensor:
    """Apply ``(wires, matrix)`` items in time order with ``put(state, wires, matrix)``,
    passing over the state once per 2-qubit block: each run of 1-qubit items on a wire is
    multiplied into one matrix and folded (``pair(ma, mb)``: the 2-wire matrix of two
    1-wire ones, ``eye`` the 1-wire identity) into the 2-qubit item that follows it on that
    wire, or into the block it follows while that block is open; items on the pair of an
    open block join it. Items on 3 or more wires pass on their own."""
    pending: dict[int, torch.Tensor] = {}  # wire -> product of its open 1-qubit run
    blocks: dict[int, list] = {}  # wire -> [wires, product] of the open block on it

    def pair_or_none(wires):
        pa, pb = pending.pop(wires[0], None), pending.pop(wires[1], None)
        if pa is None and pb is None:
            return None
        return pair(eye if pa is None else pa, eye if pb is None else pb)

    def close(v, blk):
        wires, m = blk
        if len(wires) == 2:  # runs opened after the block close it from the left
            left = pair_or_none(wires)
            if left is not None:
                m = left @ m
        for w in wires:
            del blocks[w]
        return put(v, wires, m)

    for wires, m in items:
        if len(wires) == 1:
            w = wires[0]
            pending[w] = m @ pending[w] if w in pending else m
            continue
        blk = blocks.get(wires[0])
        if blk is not None and blk[0] == wires and len(wires) == 2:  # the block grows
            mid = pair_or_none(wires)
            blk[1] = m @ blk[1] if mid is None else m @ mid @ blk[1]
            continue
        for w in wires:  # open blocks sharing a wire with this item go first
            if w in blocks:
                state = close(state, blocks[w])
        if len(wires) == 2:  # open runs become the new block's right factor
            right = pair_or_none(wires)
            blk = [tuple(wires), m if right is None else m @ right]
            for w in wires:
                blocks[w] = blk
            continue
        for w in wires:
            if w in pending:
                state = put(state, (w,), pending.pop(w))
        state = put(state, wires, m)
    for blk in {id(b): b for b in blocks.values()}.values():
        state = close(state, blk)
    for w, m in pending.items():
        state = put(state, (w,), m)
    return state


def probabilities(circuit: Circuit, params=None, inputs=None, dtype=torch.complex128,
                  noise=None) -> torch.Tensor:
    """Computational-basis probabilities ``[B, 2**n]``: from :func:`density` when the circuit
    has channels or ``noise`` is given, else from :func:`statevector`."""
    if noise is None and not any(get_gate(op.gate).kraus for op in circuit.ops):
        return statevector(circuit, params, inputs, dtype).abs() ** 2
    rho = density(circuit, params, inputs, dtype, noise)
    return rho.diagonal(dim1=-2, dim2=-1).real


__all__ = ["MAX_QUBITS", "channel_superop", "density", "gate_matrices", "probabilities",
           "statevector", "unitary", "value_table"]
