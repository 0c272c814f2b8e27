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
from qnas.sim.fusion import block_matrix, plan_blocks
from qnas.sim.kernels import LazyState, product_state, zero_state

FUSE_MAX_QUBITS = 7
FUSE_BLOCK_QUBITS = int(__import__("os").environ.get("QNAS_FUSE", "5"))


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
    lazy = LazyState(state, n)
    rest = Circuit(n, ops[start:], circuit.parameters, circuit.inputs) if start else circuit
    sub = Bound(b.batch, b.mats[start:], b.diagonal[start:], b.batched[start:])
    for blk in plan_blocks(rest, sub.batched, fusion_width(n, b.batch, fuse)):
        mat, diag, wires = block_matrix(rest, sub, blk, dtype, device)
        lazy.apply(mat, wires, diag)
    state = lazy.canonical()
    if state.shape[0] == 1 and b.batch > 1:
        state = state.expand(b.batch, -1)
    return state


def fusion_width(n: int, batch: int, fuse: bool | None) -> int:
    """Widest block to fuse: the whole register when it is small next to the batch."""
    if fuse is False:
        return 1
    if n <= FUSE_MAX_QUBITS and 2**n * 2 <= batch:
        return n
    return min(n, FUSE_BLOCK_QUBITS)


def _single_qubit_prefix(ops) -> int:
    k = 0
    while k < len(ops) and len(ops[k].wires) == 1:
        k += 1
    return k


def _product_prefix(circuit, b, stop, dtype, device):
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


def _check_initial(s, n, dtype, device):
    s = torch.as_tensor(s).to(dtype=dtype, device=device)
    if s.dim() == 1:
        s = s[None]
    if s.dim() != 2 or s.shape[1] != 2**n:
        raise ValueError(f"initial_state has shape {list(s.shape)}, expected [B, {2**n}]")
    return s
