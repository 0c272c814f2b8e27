"""Gradients through params and inputs agree with finite differences and parameter-shift."""

import torch

import qnas
from qnas.ir import Circuit, Op, inp, param


def _circuit():
    return Circuit(3, (
        Op("ry", (0,), (inp("a"),)), Op("rx", (1,), (inp("b"),)), Op("h", (2,)),
        Op("u3", (0,), (param("t0"), param("t1"), param("t2"))),
        Op("crx", (0, 1), (2.0 * param("t3") + 0.1,)),
        Op("rzz", (1, 2), (param("t4"),)),
        Op("cu3", (2, 0), (param("t5"), param("t0"), param("t6"))),
        Op("ry", (2,), (inp("a"),)),
    ))


def _loss(c, w, x):
    obs = qnas.PauliSum([("ZZI", 0.7), ("IXY", -0.3), ("ZII", 0.5)])
    return qnas.expval(c, obs, w, x, dtype=torch.complex128).sum()


def test_gradients_match_finite_differences():
    c = _circuit()
    g = torch.Generator().manual_seed(1)
    w = torch.rand(len(c.parameters), generator=g, dtype=torch.float64, requires_grad=True)
    x = torch.rand(4, len(c.inputs), generator=g, dtype=torch.float64, requires_grad=True)
    _loss(c, w, x).backward()
    eps = 1e-6
    for t, grad in ((w, w.grad), (x, x.grad)):
        flat = t.detach().clone().reshape(-1)
        for i in range(flat.numel()):
            up, dn = flat.clone(), flat.clone()
            up[i] += eps
            dn[i] -= eps
            def pair(v, t=t):
                v = v.reshape(t.shape)
                return (v, x.detach()) if t is w else (w.detach(), v)

            args, argd = pair(up), pair(dn)
            fd = (_loss(c, *args) - _loss(c, *argd)).item() / (2 * eps)
            assert abs(fd - grad.reshape(-1)[i].item()) < 1e-6


def test_gradients_match_parameter_shift():
    # Each parameter enters exactly one Pauli rotation here, so the two-term shift rule is exact.
    c = Circuit(2, (Op("h", (0,)), Op("ry", (0,), (param("a"),)), Op("cx", (0, 1)),
                    Op("rx", (1,), (param("b"),)), Op("rzz", (0, 1), (param("c"),)),
                    Op("ry", (1,), (param("d"),))))
    obs = qnas.PauliSum([("XZ", 1.0), ("ZI", 0.5)])
    w = torch.tensor([0.3, -1.1, 0.7, 2.0], dtype=torch.float64, requires_grad=True)
    qnas.expval(c, obs, w, dtype=torch.complex128).sum().backward()
    s = torch.pi / 2
    for i in range(4):
        e = torch.zeros(4, dtype=torch.float64)
        e[i] = s
        shift = 0.5 * (qnas.expval(c, obs, w.detach() + e, dtype=torch.complex128)
                       - qnas.expval(c, obs, w.detach() - e, dtype=torch.complex128))
        assert abs(shift.item() - w.grad[i].item()) < 1e-10


def test_fused_and_unfused_gradients_agree():
    from qnas.sim.statevector import simulate_statevector

    c = _circuit()
    w = torch.rand(len(c.parameters), dtype=torch.float64)
    x = torch.rand(64, len(c.inputs), dtype=torch.float64)
    grads = []
    for fuse in (True, False):
        wr = w.clone().requires_grad_()
        s = simulate_statevector(c, wr, x, torch.complex128, fuse=fuse)
        (s.abs() ** 2 * torch.arange(8)).sum().backward()
        grads.append(wr.grad)
    torch.testing.assert_close(grads[0], grads[1])
