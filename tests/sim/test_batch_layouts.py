"""Batched simulation (batch-last layout, gathered fusion, absorbed single-qubit blocks)
agrees with batch-of-one simulation and with the dense reference, values and gradients."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import qnas
from qnas.ir import Circuit, Op, inp, param
from qnas.sim.fusion import plan_blocks
from qnas.sim.kernels import BatchLastState, LazyState

sys.path.insert(0, str(Path(__file__).parent))
from helpers import dense_reference, random_circuit, random_op  # noqa: E402


def _reuploading(n, depth, rng):
    """Random gates of every kind, trainable gates, and per-sample gates anywhere."""
    ops = list(random_circuit(n, depth, rng).ops)
    for k in range(depth // 3):
        pos = int(rng.integers(0, len(ops) + 1))
        gate = str(rng.choice(["rx", "ry", "rz", "crx", "rzz", "u3", "cu3"]))
        op = random_op(gate, n, rng)
        if rng.random() < 0.5:
            params = tuple(inp(f"x{k}_{i}") for i in range(len(op.params)))
        else:
            params = tuple(param(f"w{k}_{i}") for i in range(len(op.params)))
        ops.insert(pos, Op(gate, op.wires, params))
    return Circuit(n, tuple(ops))


@pytest.mark.parametrize("n", [3, 5, 8, 10])
def test_batch_matches_one_by_one_and_reference(n):
    rng = np.random.default_rng(40 + n)
    c = _reuploading(n, 36, rng)
    g = torch.Generator().manual_seed(n)
    w = torch.rand(len(c.parameters), generator=g, dtype=torch.float64) * 6
    x = torch.rand(12, len(c.inputs), generator=g, dtype=torch.float64) * 6
    batched = qnas.simulate(c, w, x, dtype=torch.complex128)
    for b in (0, 5, 11):
        one = qnas.simulate(c, w, x[b : b + 1], dtype=torch.complex128)[0]
        torch.testing.assert_close(batched[b], one, atol=1e-10, rtol=0)
    values = {**dict(zip(c.parameters, w.tolist())), **dict(zip(c.inputs, x[3].tolist()))}
    np.testing.assert_allclose(batched[3].numpy(), dense_reference(c.bind(values)), atol=1e-10)


def test_batched_gradients_match_one_by_one():
    rng = np.random.default_rng(9)
    c = _reuploading(6, 30, rng)
    g = torch.Generator().manual_seed(1)
    w = (torch.rand(len(c.parameters), generator=g, dtype=torch.float64) * 6).requires_grad_()
    x = torch.rand(10, len(c.inputs), generator=g, dtype=torch.float64) * 6
    z = qnas.expz(qnas.probabilities(qnas.simulate(c, w, x, dtype=torch.complex128)), 6)
    (gw,) = torch.autograd.grad(z.sum(), w)
    total = torch.zeros_like(w)
    for b in range(10):
        zb = qnas.expz(qnas.probabilities(
            qnas.simulate(c, w, x[b : b + 1], dtype=torch.complex128)), 6)
        total += torch.autograd.grad(zb.sum(), w)[0]
    torch.testing.assert_close(gw, total, atol=1e-9, rtol=1e-9)


def test_state_holders_agree_on_every_placement():
    rng = np.random.default_rng(2)
    n = 6
    s = torch.randn(9, 2**n, dtype=torch.complex128)
    a, b = LazyState(s, n), BatchLastState(s, n)
    for _ in range(25):
        k = int(rng.integers(1, 4))
        wires = [int(q) for q in rng.choice(n, size=k, replace=False)]
        shape = (9, 2**k, 2**k) if rng.random() < 0.3 else (2**k, 2**k)
        m = torch.randn(*shape, dtype=torch.complex128)
        diag = rng.random() < 0.2
        if diag:
            m = torch.randn(*shape[:-1], dtype=torch.complex128)
        a.apply(m, wires, diag)
        b.apply(m, wires, diag)
    torch.testing.assert_close(a.canonical(), b.canonical())


def test_lone_single_qubit_gates_join_the_next_block():
    ring = [Op("u3", (w,), (0.1, 0.2, 0.3)) for w in range(6)]
    ring += [Op("cx", (w, (w + 1) % 6)) for w in range(6)]
    c = Circuit(6, tuple(ring * 3))
    blocks = plan_blocks(c, [False] * len(c.ops), 4)
    assert all(len(b.wire_set) > 1 for b in blocks)
    assert sorted(i for b in blocks for i in b.ops) == list(range(len(c.ops)))
