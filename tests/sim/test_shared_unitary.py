"""The batch-shared path of the statevector simulator (parameters ``[P]`` shared by the batch).

The circuit splits into a product-state prefix (per-sample single-qubit ops) and fused blocks
whose matrices are all built by one ``BlockBuilder`` call; on a register small next to the
batch the whole ansatz is one ``2**n x 2**n`` unitary applied with a single matmul, and
Z-diagonal observables are read with one matmul. Everything is checked against the general
path (the same parameters given per sample, ``[B, P]``, which takes the gate-by-gate path),
the dense reference and Qiskit: values and gradients, complex64 and complex128, batch 1 and
B, 2-10 qubits, with per-sample inputs in the middle of the ansatz.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import qnas
from qnas.ir import Circuit, Op, inp, param
from qnas.sim.binding import bind
from qnas.sim.cache import PLAN_CACHE
from qnas.sim.fusion import BlockBuilder, block_matrix, plan_blocks
from qnas.sim.kernels import contiguous_run, product_state, product_state_batch_last
from qnas.sim.statevector import (
    BATCH_LAST_MIN,
    _plan_orders,
    _SharedPlan,
    shared_width,
    simulate_statevector,
)

sys.path.insert(0, str(Path(__file__).parent))
from helpers import dense_reference  # noqa: E402


def classifier(n, blocks=2, mid_inputs=0, extras=False, seed=0):
    """4x4_ryzxy-style encoder, then ``blocks`` x (U3 on every wire + CU3 ring).

    ``mid_inputs`` per-sample ops go into the middle of the ansatz; ``extras`` adds
    constant, diagonal, controlled and variable-arity gates (shared)."""
    rng = np.random.default_rng(seed)
    ops = []
    for layer, g in enumerate(("ry", "rz", "rx", "ry")):
        ops += [Op(g, (w,), (inp(f"x{(4 * layer + w) % 16}"),)) for w in range(n)]
    for b in range(blocks):
        ops += [Op("u3", (w,), tuple(param(f"u{b}_{w}_{k}") for k in range(3)))
                for w in range(n)]
        ops += [Op("cu3", (i, (i + 1) % n), tuple(param(f"c{b}_{i}_{k}") for k in range(3)))
                for i in range(n)] if n > 1 else []
    if extras and n > 1:
        extra = [Op("h", (0,)), Op("cx", (n - 1, 0)), Op("rzz", (0, n - 1), (param("e0"),)),
                 Op("cp", (1, 0), (param("e1"),)), Op("crx", (0, 1), (param("e2"),)),
                 Op("cry", (1, 0), (0.3 * param("e3") - 0.2,)), Op("rz", (n - 1,), (0.7,)),
                 Op("crx", (1, 0), (0.4,))]
        if n > 2:
            extra += [Op("mcx", (0, 2, 1)), Op("ccx", (2, 0, 1))]
        for op in extra:
            ops.insert(int(rng.integers(4 * n, len(ops) + 1)), op)
    for k in range(mid_inputs):
        gate = ("rx", "ry", "rz", "crx", "rzz")[k % 5]
        wires = (k % n,) if gate in ("rx", "ry", "rz") else (k % n, (k + 1) % n)
        if len(set(wires)) == len(wires):
            ops.insert(int(rng.integers(4 * n + 1, len(ops) + 1)),
                       Op(gate, wires, (inp(f"m{k}"),)))
    return Circuit(n, tuple(ops))


def values(c, batch, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    rd = torch.float64 if dtype == torch.complex128 else torch.float32
    w = (torch.rand(len(c.parameters), generator=g, dtype=torch.float64) * 6 - 3).to(rd)
    x = (torch.rand(batch, len(c.inputs), generator=g, dtype=torch.float64) * 3).to(rd)
    return w, x


def shared_plan(c, w, x, dtype=torch.complex64):
    b = bind(c, w, x, dtype, merge_controlled=True)
    plan = _SharedPlan(c, b, False, shared_width(c.n_qubits, b.batch, None))
    batch = b.batch if any(b.batched[i] for i in plan.prefix) else 1
    return b, plan, plan.layout(c, b, batch >= BATCH_LAST_MIN, torch.device("cpu"))


def per_sample(c, w, x, dtype, **kw):
    """The general path: the same parameters given per sample, [B, P]. Batches of one are
    doubled (a [1, P] tensor counts as shared)."""
    if x.shape[0] == 1:
        return per_sample(c, w, x.expand(2, -1), dtype, **kw)[:1]
    return qnas.simulate(c, w.expand(x.shape[0], -1), x, dtype, **kw)


def zobs(n):
    return [qnas.PauliSum.z(w, n) for w in range(n)]


# -- the path is taken where it should be --------------------------------------------------
def test_small_register_is_one_unitary_and_encoder_a_product_state():
    c = classifier(4)
    w, x = values(c, 256, torch.complex64)
    b, plan, (steps, builder, full) = shared_plan(c, w, x)
    assert full and len(steps) == 1 and builder.widths[0][2] == 1  # one 16 x 16 block
    assert all(b.batched[i] for i in plan.prefix) and len(plan.prefix) == 16  # the encoder
    assert sorted(plan.suffix) == list(range(16, len(c.ops)))  # U3 layer 0 joins the ansatz
    assert not plan.needs_sub


def test_large_register_builds_every_block_at_once_with_few_permutations():
    c = classifier(10, blocks=8)
    w, x = values(c, 256, torch.complex64)
    b, plan, (steps, builder, full) = shared_plan(c, w, x)
    assert not full and len(plan.prefix) == 40
    assert all(order is not None for _ref, order, _perm in steps)  # all built together
    assert sum(len(m) for m, *_ in builder.widths) == len(steps)
    assert sum(p is not None for *_x, p in steps) < len(steps) / 2


def test_per_sample_params_and_density_keep_their_paths():
    c = classifier(3)
    w, x = values(c, 4, torch.complex128)
    b = bind(c, w.expand(4, -1), x, torch.complex128, merge_controlled=True)
    assert b.key[1]  # per-sample parameters: gate-by-gate path
    rho = qnas.simulate(c, w, x, torch.complex128, method="density")
    psi = qnas.simulate(c, w, x, torch.complex128)
    torch.testing.assert_close(rho, psi[:, :, None] * psi[:, None, :].conj())


def test_plans_hold_no_values():
    c = classifier(4)
    w, x = values(c, 16, torch.complex64)
    first = qnas.simulate(c, w, x)
    misses = PLAN_CACHE.misses
    second = qnas.simulate(c, w + 0.5, x)
    assert PLAN_CACHE.misses == misses  # same plans
    assert not torch.allclose(first, second)
    torch.testing.assert_close(second, per_sample(c, w + 0.5, x, torch.complex64),
                               atol=2e-6, rtol=0)


# -- values and gradients equal the general path --------------------------------------------
CASES = [(2, 1), (2, 64), (3, 5), (4, 1), (4, 256), (5, 64), (6, 8), (7, 300), (8, 16),
         (10, 1), (10, 64)]


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize(("n", "batch"), CASES)
def test_values_and_gradients_match_general_path(n, batch, dtype):
    c = classifier(n, blocks=2, mid_inputs=2 if n % 2 else 0, extras=n in (3, 4, 8))
    w, x = values(c, batch, dtype, seed=n)
    x = x.requires_grad_()
    w1 = w.clone().requires_grad_()
    w2 = w.clone().requires_grad_()
    x2 = x.detach().clone().requires_grad_()
    tol = 1e-10 if dtype == torch.complex128 else 3e-5
    fast = qnas.simulate(c, w1, x, dtype)
    ref = per_sample(c, w2, x2, dtype)
    torch.testing.assert_close(fast, ref, atol=tol, rtol=0)
    weights = torch.linspace(-1, 1, 2**n, dtype=w.dtype)
    (qnas.probabilities(fast) @ weights).square().sum().backward()
    (qnas.probabilities(ref) @ weights).square().sum().backward()
    torch.testing.assert_close(w1.grad, w2.grad, atol=tol * 50, rtol=tol * 50)
    torch.testing.assert_close(x.grad, x2.grad, atol=tol * 50, rtol=tol * 50)


@pytest.mark.parametrize("n", [3, 6, 9])
def test_inputs_in_the_middle_split_the_ansatz(n):
    c = classifier(n, blocks=2, mid_inputs=5, extras=True, seed=n)
    w, x = values(c, 12, torch.complex128, seed=1)
    _b, plan, (steps, _builder, full) = shared_plan(c, w, x, torch.complex128)
    assert not full and plan.needs_sub  # per-sample ops between the fused blocks
    state = qnas.simulate(c, w, x, torch.complex128)
    torch.testing.assert_close(state, per_sample(c, w, x, torch.complex128), atol=1e-10,
                               rtol=0)
    bound = {**dict(zip(c.parameters, w.tolist())), **dict(zip(c.inputs, x[7].tolist()))}
    np.testing.assert_allclose(state[7].numpy(), dense_reference(c.bind(bound)), atol=1e-10)


def test_gradients_match_finite_differences_through_the_unitary():
    c = classifier(3, blocks=2, extras=True)
    w, x = values(c, 6, torch.complex128, seed=3)
    obs = [qnas.PauliSum([("ZIZ", 0.7), ("IZI", -0.4)]), qnas.PauliSum("ZZZ")]

    def loss(wv, xv):
        return (qnas.expval(c, obs, wv, xv, dtype=torch.complex128) ** 2).sum()

    w = w.requires_grad_()
    x = x.requires_grad_()
    gw, gx = torch.autograd.grad(loss(w, x), (w, x))
    eps = 1e-6
    for t, grad, other in ((w, gw, x), (x, gx, w)):
        flat = t.detach().reshape(-1)
        for i in range(0, flat.numel(), 3):
            up, dn = flat.clone(), flat.clone()
            up[i] += eps
            dn[i] -= eps
            args = [(up.view_as(t), dn.view_as(t)), (other.detach(),) * 2]
            if t is x:
                args.reverse()
            fd = (loss(args[0][0], args[1][0]) - loss(args[0][1], args[1][1])) / (2 * eps)
            assert abs(float(fd) - float(grad.reshape(-1)[i])) < 1e-6


@pytest.mark.parametrize("batch", [1, 9])
def test_shared_gates_before_input_gates_stay_in_the_prefix(batch):
    c = Circuit(3, [Op("h", (0,)), Op("ry", (0,), (param("a"),)), Op("rx", (1,), (param("b"),)),
                    Op("ry", (0,), (inp("x0"),)), Op("u3", (2,), (param("c"), 0.1, 0.2)),
                    Op("rz", (1,), (inp("x1"),)), Op("rx", (0,), (param("d"),)),
                    Op("cx", (0, 1)), Op("cu3", (1, 2), (param("e"), 0.3, param("a")))])
    w, x = values(c, batch, torch.complex128, seed=2)
    _b, plan, _layout = shared_plan(c, w, x, torch.complex128)
    assert plan.prefix == [0, 1, 2, 3, 5] and plan.suffix[:2] == [4, 6]
    state = qnas.simulate(c, w, x, torch.complex128)
    bound = {**dict(zip(c.parameters, w.tolist())), **dict(zip(c.inputs, x[-1].tolist()))}
    np.testing.assert_allclose(state[-1].numpy(), dense_reference(c.bind(bound)), atol=1e-12)


def test_initial_state_and_no_prefix():
    c = Circuit(3, [Op("u3", (w,), (param(f"a{w}"), 0.2, param("b"))) for w in range(3)]
                + [Op("cu3", (0, 2), (param("c"), 0.1, 0.3)), Op("crx", (2, 1), (param("d"),))])
    w = torch.rand(len(c.parameters), dtype=torch.float64)
    init = torch.randn(9, 8, dtype=torch.complex128)
    init = init / init.norm(dim=1, keepdim=True)
    got = qnas.simulate(c, w, dtype=torch.complex128, initial_state=init)
    u = qnas.simulate(c, w, dtype=torch.complex128, initial_state=torch.eye(8))  # columns
    torch.testing.assert_close(got, init @ u, atol=1e-12, rtol=0)
    bound = dict(zip(c.parameters, w.tolist()))
    np.testing.assert_allclose(qnas.simulate(c, w, dtype=torch.complex128)[0].numpy(),
                               dense_reference(c.bind(bound)), atol=1e-12)


# -- building blocks ---------------------------------------------------------------------------
def test_controlled_gates_are_built_as_their_target_and_restored():
    c = classifier(3, extras=True)
    w, x = values(c, 4, torch.complex128)
    b = bind(c, w, x, torch.complex128, merge_controlled=True)
    plain = bind(c, w, x, torch.complex128)
    merged = [i for i, k in enumerate(b.controls) if k]
    assert {c.ops[i].gate for i in merged} == {"cu3", "crx", "cry"}
    for i in range(len(c.ops)):
        torch.testing.assert_close(b.mats[i], plain.mats[i])
    assert len(b.groups) < len(plain.groups)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_block_builder_matches_block_matrix_in_any_wire_order(k):
    rng = np.random.default_rng(k)
    c = classifier(5, extras=True, seed=k)
    w, x = values(c, 3, torch.complex128)
    b = bind(c, w, x, torch.complex128, merge_controlled=True)
    plain = bind(c, w, x, torch.complex128)
    shared = [i for i in range(len(c.ops)) if not b.batched[i]]
    blocks = [blk for blk in plan_blocks(Circuit(5, [c.ops[i] for i in shared]),
                                         [False] * len(shared), k) if len(blk.wire_set) == k]
    assert blocks
    rest = Circuit(5, [c.ops[i] for i in shared])
    specs = []
    for blk in blocks:
        order = tuple(int(q) for q in rng.permutation(sorted(blk.wire_set)))
        specs.append((tuple(shared[i] for i in blk.ops), order))
    got = BlockBuilder(c, b, specs)(b)
    sub = plain.subset(shared)
    for blk, (_ops, order), m in zip(blocks, specs, got):
        ref, diag, wires = block_matrix(rest, sub, blk, torch.complex128, "cpu")
        if diag:
            ref = torch.diag_embed(ref)
        perm = [list(wires).index(q) for q in order]
        from qnas.sim.kernels import permute_gate_matrix
        torch.testing.assert_close(m, permute_gate_matrix(ref, perm), atol=1e-12, rtol=0)


def test_planned_orders_put_every_step_on_adjacent_axes():
    rng = np.random.default_rng(0)
    n = 9
    needs = [None if rng.random() < 0.1 else
             tuple(int(q) for q in rng.choice(n, size=int(rng.integers(1, 5)), replace=False))
             for _ in range(40)]
    perms, runs = _plan_orders(n, needs)
    order = list(range(n - 1, -1, -1))
    for ws, perm, run in zip(needs, perms, runs):
        if perm is not None:
            assert sorted(perm) == list(range(n))
            order = perm
        if ws is None:
            assert run is None
            continue
        a = contiguous_run(order, ws)
        assert a is not None and tuple(order[a : a + len(ws)]) == run and set(run) == set(ws)


def test_product_state_layouts_agree():
    g = torch.Generator().manual_seed(0)
    vecs = [torch.randn(b, 2, dtype=torch.complex128, generator=g) for b in (5, 1, 5, 5, 1)]
    full = product_state(vecs)
    torch.testing.assert_close(product_state_batch_last(vecs), full.T)
    ref = vecs[4][0]
    for q in (3, 2, 1, 0):
        ref = torch.kron(ref, vecs[q][0])
    torch.testing.assert_close(full[0], ref)


# -- readout and the public API -----------------------------------------------------------------
@pytest.mark.parametrize(("n", "batch"), [(4, 256), (4, 1), (7, 20), (10, 64), (10, 1)])
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_z_diagonal_expval_matches_general_expectation(n, batch, dtype):
    c = classifier(n, mid_inputs=1)
    w, x = values(c, batch, dtype)
    w = w.requires_grad_()
    sop = qnas.PauliSum([("Z" * n, 0.5), ("I" * (n - 1) + "Z", -1.5), ("I" * n, 0.25)])
    obs = zobs(n) + [sop]
    got = qnas.expval(c, obs, w, x, dtype=dtype)
    state = per_sample(c, w, x, dtype)
    ref = torch.stack([o.expectation(state) for o in obs], -1)
    tol = 1e-10 if dtype == torch.complex128 else 2e-5
    torch.testing.assert_close(got, ref, atol=tol, rtol=0)
    single = qnas.expval(c, sop, w, x, dtype=dtype)
    assert single.shape == (batch,)
    torch.testing.assert_close(single, ref[:, -1], atol=tol, rtol=0)
    (ga,) = torch.autograd.grad(got.square().sum(), w)
    (gb,) = torch.autograd.grad(ref.square().sum(), w)
    torch.testing.assert_close(ga, gb, atol=tol * 100, rtol=tol * 100)
    z = qnas.expz(qnas.probabilities(qnas.simulate(c, w, x, dtype)), n)
    torch.testing.assert_close(z, got[:, :n], atol=tol, rtol=0)


def test_non_diagonal_observables_and_noise_keep_the_general_readout():
    c = classifier(3)
    w, x = values(c, 5, torch.complex128)
    obs = [qnas.PauliSum("ZIZ"), qnas.PauliSum([("XYZ", 0.3), ("ZZI", 1.0)])]
    got = qnas.expval(c, obs, w, x, dtype=torch.complex128)
    state = qnas.simulate(c, w, x, dtype=torch.complex128)
    ref = torch.stack([o.expectation(state) for o in obs], -1)
    torch.testing.assert_close(got, ref, atol=1e-12, rtol=0)
    rho = qnas.expval(c, obs[0], w, x, dtype=torch.complex128, method="density")
    torch.testing.assert_close(rho, ref[:, 0], atol=1e-12, rtol=0)
    traj = qnas.expval(c, zobs(3), w, x, dtype=torch.complex128, method="trajectories",
                       trajectories=3, seed=0)  # no noise: every trajectory is exact
    torch.testing.assert_close(traj, qnas.expval(c, zobs(3), w, x, dtype=torch.complex128))


def test_sparse_pauli_op_and_raw_state():
    pytest.importorskip("qiskit")
    from qiskit.quantum_info import SparsePauliOp

    c = classifier(10, blocks=1)
    w, x = values(c, 32, torch.complex64)
    op = SparsePauliOp(["ZIIIIIIIIZ", "IIIIIZIIII"], [0.5, 2.0])
    got = qnas.expval(c, op, w, x)
    raw = simulate_statevector(c, w, x, raw=True)
    assert hasattr(raw.held, "order")  # batch-last, axes possibly permuted
    ref = qnas.PauliSum.from_sparse_pauli_op(op).expectation(raw.canonical())
    torch.testing.assert_close(got, ref, atol=2e-5, rtol=0)


@pytest.mark.parametrize("n", [4, 6])
def test_classifier_circuit_matches_qiskit(n):
    qi = pytest.importorskip("qiskit.quantum_info")
    c = classifier(n, blocks=2, extras=True)
    w, x = values(c, 3, torch.complex128, seed=5)
    state = qnas.simulate(c, w, x, dtype=torch.complex128)
    for s in range(3):
        bound = {**dict(zip(c.parameters, w.tolist())), **dict(zip(c.inputs, x[s].tolist()))}
        ref = qi.Statevector(c.bind(bound).to_qiskit()).data
        np.testing.assert_allclose(state[s].numpy(), ref, atol=1e-10)


def test_quantum_classifier_noise_free_equals_expval():
    from qnas.train.baselines import human_baseline
    from qnas.train.model import QuantumClassifier

    m = QuantumClassifier(human_baseline("u3cu3", 4, 3), "4x4_ryzxy", n_classes=4, seed=0)
    x = torch.rand(40, 16)
    z = m.expz(x)
    ref = qnas.expval(m.circuit, zobs(4), m.weights, x)
    torch.testing.assert_close(z, ref, atol=1e-5, rtol=0)
    z.sum().backward()
    assert m.weights.grad is not None and torch.isfinite(m.weights.grad).all()


def test_second_derivatives_through_batch_last_blocks():
    c = classifier(6, blocks=2)
    w, x = values(c, 16, torch.complex128, seed=4)
    obs = zobs(6)

    def grad0(wv, create_graph=False):
        wv = wv if wv.requires_grad else wv.detach().requires_grad_()
        total = qnas.expval(c, obs, wv, x, dtype=torch.complex128).sum()
        return torch.autograd.grad(total, wv, create_graph=create_graph)[0][0]

    w = w.requires_grad_()
    (hess_row,) = torch.autograd.grad(grad0(w, create_graph=True), w)
    eye = torch.eye(len(w), dtype=torch.float64)
    for i in range(0, len(w), 7):
        fd = (grad0(w.detach() + 1e-5 * eye[i]) - grad0(w.detach() - 1e-5 * eye[i])) / 2e-5
        assert abs(float(fd) - float(hess_row[i])) < 1e-7
