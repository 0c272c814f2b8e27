"""Evaluation through ``qiskit-ibm-runtime``'s SamplerV2: a real IBM backend, or a fake one.

A real backend needs an IBM Quantum token, read from an environment variable named by the
caller (default ``QISKIT_IBM_TOKEN``) and passed straight to ``QiskitRuntimeService``: it is
never written to a file of the project or of a run. A fake backend name (``fake_santiago``,
``FakeSantiagoV2``) runs the same code path locally (the runtime's local testing mode, Aer with
the device's noise model), which is how the path is tested offline.

>>> from qnas.ir import Circuit, Op, inp
>>> c = Circuit(1, [Op("rx", (0,), (inp("x0"),))])
>>> x, y = torch.tensor([[0.0], [3.1416]]), torch.tensor([0, 1])
>>> def readout(z):  # class 1 when qubit 0 reads 1, i.e. <Z_0> < 0
...     return torch.stack([z[:, 0], -z[:, 0]], -1)
>>> backend = runtime_backend("fake_santiago")   # a real name needs $QISKIT_IBM_TOKEN
>>> runtime_classification_accuracy(c, {}, x, y, readout, backend, shots=256)
1.0
"""

from __future__ import annotations

import os

import numpy as np
import torch

TOKEN_ENV = "QISKIT_IBM_TOKEN"


def is_fake_name(name: str) -> bool:
    return name.lower().startswith("fake")


def runtime_backend(name: str, token_env: str = TOKEN_ENV, channel: str | None = None,
                    instance: str | None = None):
    """The backend ``name``: a fake device locally, or a real one through the runtime service."""
    if is_fake_name(name):
        from qnas.backends.aer_eval import fake_backend

        return fake_backend(name)
    token = os.environ.get(token_env)
    if not token:
        raise ValueError(f"backend {name!r} is a real IBM device: put your IBM Quantum token in "
                         f"the environment variable {token_env} (it is never written to disk), "
                         f"or use a fake backend such as fake_santiago")
    from qiskit_ibm_runtime import QiskitRuntimeService

    kwargs = {"token": token}
    if channel:
        kwargs["channel"] = channel
    if instance:
        kwargs["instance"] = instance
    return QiskitRuntimeService(**kwargs).backend(name)


def sampler_counts(circuit, bindings: list[dict[str, float]], backend, layout=None,
                   shots: int = 8192, seed: int = 0) -> list[dict[str, int]]:
    """Counts per binding from one SamplerV2 job (one PUB with all parameter values)."""
    from qiskit_ibm_runtime import SamplerV2

    from qnas.backends.aer_eval import check_bindings, transpile_measured

    tqc = transpile_measured(circuit, backend, layout, seed)
    params = list(tqc.parameters)
    check_bindings(params, bindings)
    sampler = SamplerV2(mode=backend)
    if is_fake_name(getattr(backend, "name", "")):
        sampler.options.simulator.seed_simulator = seed
    if params:
        values = np.array([[b[p.name] for p in params] for b in bindings], dtype=float)
        pub = (tqc, values)
    else:
        pub = (tqc, None)
    data = sampler.run([pub], shots=shots).result()[0].data
    bits = data.meas
    if not params:
        return [bits.get_counts()] * len(bindings)
    return [bits.get_counts(loc=i) for i in range(len(bindings))]


def runtime_classification_accuracy(circuit, values: dict[str, float], x: torch.Tensor,
                                    y: torch.Tensor, readout, backend, layout=None,
                                    shots: int = 8192, seed: int = 0) -> float:
    """Accuracy of a classifier circuit on ``x``, measured through SamplerV2 on ``backend``."""
    from qnas.backends.aer_eval import counts_accuracy

    return counts_accuracy(lambda c, b: sampler_counts(c, b, backend, layout, shots, seed),
                           circuit, values, x, y, readout)
