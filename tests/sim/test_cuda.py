"""The CUDA path computes what the CPU path computes (skipped without a GPU).

Statevectors of random circuits over every gate, ``expval`` and its gradients, the noisy
density matrix (Schroedinger and Heisenberg picture, with gradients) and a
``QuantumClassifier`` training step, each run on the GPU and compared with the same call on
the CPU. No device calibration is read (the GPU machine need not have Qiskit): the noise is
written as channel ops. On a GPU machine::

    PYTHONPATH=src python3 -m pytest tests/sim/test_cuda.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import qnas
from qnas.ir import Circuit, Op, inp, param
from qnas.sim import superop
from qnas.sim.density import simulate_density

sys.path.insert(0, str(Path(__file__).parent))
from helpers import random_circuit  # noqa: E402

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
C128 = torch.complex128
CUDA = "cuda"


def _close(gpu: torch.Tensor, cpu: torch.Tensor, atol: float = 1e-10) -> bool:
    return gpu.device.type == "cuda" and torch.allclose(gpu.cpu(), cpu, atol=atol)


@pytest.mark.parametrize("n, seed", [(3, 0), (5, 1), (7, 2)])
def test_statevector_of_random_circuits_over_every_gate(n, seed):
    c = random_circuit(n, 40, np.random.default_rng(seed))
    cpu = qnas.simulate(c, dtype=C128)
    gpu = qnas.simulate(c, dtype=C128, device=CUDA)
    assert _close(gpu, cpu)


def _parametrised() -> Circuit:
    return Circuit(3, (
        Op("ry", (0,), (inp("a"),)), Op("rx", (1,), (inp("b"),)), Op("h", (2,)),
        Op("u3", (0,), (param("t0"), param("t1"), param("t2"))),
        Op("crx", (0, 1), (2.0 * param("t3") + 0.1,)), Op("rzz", (1, 2), (param("t4"),)),
        Op("cu3", (2, 0), (param("t5"), param("t0"), param("t6"))), Op("ry", (2,), (inp("a"),)),
    ))


def _noisy() -> Circuit:
    """``_parametrised`` with channels after its gates."""
    ops = []
    for i, op in enumerate(_parametrised().ops):
        ops.append(op)
        w = op.wires[-1]
        ops.append([Op("depolarizing", op.wires, (0.02,)), Op("amplitude_damping", (w,), (0.05,)),
                    Op("thermal_relaxation", (w,), (80e-6, 60e-6, 4e-7, 0.0))][i % 3])
    return Circuit(3, tuple(ops))


def _values(device, c: Circuit):
    g = torch.Generator().manual_seed(3)
    w = torch.rand(len(c.parameters), generator=g, dtype=torch.float64)
    x = torch.rand(5, len(c.inputs), generator=g, dtype=torch.float64)
    return w.to(device).requires_grad_(), x.to(device).requires_grad_()


def test_expval_and_its_gradients():
    c = _parametrised()
    obs = qnas.PauliSum([("ZZI", 0.7), ("IXY", -0.3), ("ZII", 0.5)])
    out = {}
    for dev in ("cpu", CUDA):
        w, x = _values(dev, c)
        e = qnas.expval(c, obs, w, x, dtype=C128)
        out[dev] = (e, *torch.autograd.grad(e.sum(), (w, x)))
    for gpu, cpu in zip(out[CUDA], out["cpu"], strict=True):
        assert _close(gpu, cpu.detach())


@pytest.mark.parametrize("heisenberg", [False, True])
def test_noisy_density_matrix_and_its_gradients(heisenberg):
    c = _noisy()
    out = {}
    for dev in ("cpu", CUDA):
        w, x = _values(dev, c)
        z = superop.expz(c, w, x, None, C128, heisenberg=heisenberg)
        out[dev] = (z, *torch.autograd.grad(z.sum(), (w, x)))
    for gpu, cpu in zip(out[CUDA], out["cpu"], strict=True):
        assert _close(gpu, cpu.detach())
    w, x = _values(CUDA, c)
    rho = simulate_density(c, w, x, C128)
    assert rho.device.type == "cuda"
    trace = torch.diagonal(rho, dim1=-2, dim2=-1).sum(-1)
    assert torch.allclose(trace.cpu(), torch.ones(5, dtype=C128), atol=1e-12)
    z = torch.stack([qnas.PauliSum.z(q, 3).expectation_density(rho) for q in range(3)], -1)
    assert _close(z.real, out["cpu"][0].detach().real)  # Schroedinger = Heisenberg


def test_classifier_training_step():
    from qnas.train.baselines import human_baseline
    from qnas.train.model import QuantumClassifier

    x = torch.rand(8, 16, generator=torch.Generator().manual_seed(0))
    y = torch.arange(8) % 4
    grads = {}
    for dev in ("cpu", CUDA):
        m = QuantumClassifier(human_baseline("u3cu3", 4, 2), "4x4_ryzxy", n_classes=4,
                              seed=0).to(dev)
        loss = torch.nn.functional.nll_loss(m(x.to(dev)), y.to(dev))
        loss.backward()
        grads[dev] = (loss.detach(), m.weights.grad)
    assert _close(grads[CUDA][0], grads["cpu"][0], atol=1e-5)
    assert _close(grads[CUDA][1], grads["cpu"][1], atol=1e-5)  # complex64 by default
