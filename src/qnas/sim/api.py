"""The public simulation entry points: :func:`simulate` and :func:`expval`.

>>> import torch, qnas
>>> from qnas.ir import Circuit, Op, param
>>> c = Circuit(1, [Op("ry", (0,), (param("t"),))])
>>> qnas.expval(c, qnas.PauliSum("Z"), params=torch.tensor([0.0])).tolist()
[1.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from qnas.ir import Circuit
from qnas.sim.density import simulate_density
from qnas.sim.measure import probabilities
from qnas.sim.pauli import PauliSum, diagonal_readout
from qnas.sim.statevector import simulate_statevector
from qnas.sim.trajectories import simulate_trajectories

METHODS = ("statevector", "density", "trajectories")


def simulate(
    circuit: Circuit,
    params=None,
    inputs=None,
    dtype: torch.dtype = torch.complex64,
    *,
    device=None,
    target=None,
    method: str | None = None,
    noise_model=None,
    trajectories: int = 100,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    initial_state: torch.Tensor | None = None,
) -> torch.Tensor:
    """Simulate ``circuit``.

    ``method="statevector"`` (the default) returns statevectors ``[B, 2**n]`` (Qiskit bit
    order); ``"density"`` density matrices ``[B, N, N]``; ``"trajectories"`` sampled
    statevectors ``[B, trajectories, N]`` (seeded by ``seed`` or drawn from ``generator``).
    Noise channel ops in the circuit need ``"density"`` or ``"trajectories"``.

    ``noise_model`` (or ``target``, a Target or device name, for
    ``NoiseModel.from_target(target)``) first inserts its channel ops after every gate; the
    circuit must then already be in the device's basis on its physical qubits (wire ``w`` =
    qubit ``w``), and the default method is ``"density"``. A logical circuit goes through
    :mod:`qnas.noisy` (compile -> noise model -> simulate -> readout) instead.
    """
    if not isinstance(circuit, Circuit):
        raise TypeError(f"simulate expects a qnas Circuit, got {type(circuit).__name__}")
    if method is not None and method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    if target is not None or noise_model is not None:
        if method == "statevector":
            raise ValueError("method='statevector' cannot apply noise; use 'density'")
        circuit = _noise_model(target, noise_model).apply(circuit)
        method = method or "density"
    if method is None or method == "statevector":
        return simulate_statevector(circuit, params, inputs, dtype, device, initial_state)
    if method == "density":
        return simulate_density(circuit, params, inputs, dtype, device, initial_state)
    if initial_state is not None:
        raise ValueError("method='trajectories' starts from |0...0>; initial_state is not "
                         "supported")
    return simulate_trajectories(circuit, params, inputs, dtype, device, trajectories, seed,
                                 generator)


def _noise_model(target, noise_model):
    if noise_model is None:
        from qnas.noise import NoiseModel

        return NoiseModel.from_target(target)
    if target is not None and noise_model.target is not target:
        raise ValueError("give either target or noise_model, not both")
    return noise_model


def _as_observables(observable):
    if isinstance(observable, PauliSum):
        return [observable], False
    if isinstance(observable, str):
        return [PauliSum(observable)], False
    if hasattr(observable, "paulis") and hasattr(observable, "coeffs"):
        return [PauliSum.from_sparse_pauli_op(observable)], False
    if isinstance(observable, Sequence):
        obs = [_as_observables(o)[0][0] for o in observable]
        if not obs:
            raise ValueError("empty list of observables")
        return obs, True
    raise TypeError(f"cannot use {type(observable).__name__} as an observable")


def expval(
    circuit: Circuit,
    observable,
    params=None,
    inputs=None,
    dtype: torch.dtype = torch.complex64,
    **kwargs,
) -> torch.Tensor:
    """Expectation values ``[B]`` (or ``[B, k]`` for a list of observables).

    ``observable`` is a :class:`PauliSum`, a Pauli string, a Qiskit ``SparsePauliOp``, or a
    list of those. Noise keywords are those of :func:`simulate`.
    """
    if not isinstance(circuit, Circuit):
        raise TypeError(f"expval expects a qnas Circuit, got {type(circuit).__name__}")
    obs, many = _as_observables(observable)
    for o in obs:
        if o.n_qubits != circuit.n_qubits:
            raise ValueError(
                f"observable acts on {o.n_qubits} qubits, circuit has {circuit.n_qubits}"
            )
    kind = state_kind(**kwargs)
    if all(o.z_diagonal for o in obs):  # one square and one matmul for all of them
        if kind == "statevector" and set(kwargs) <= {"device", "initial_state", "method"}:
            raw = simulate_statevector(circuit, params, inputs, dtype, kwargs.get("device"),
                                       kwargs.get("initial_state"), raw=True)
            rdtype = torch.float64 if dtype == torch.complex128 else torch.float32
            vals = raw.diagonal_expectations(
                lambda inter, order: diagonal_readout(obs, rdtype, _device_hint(raw), inter,
                                                      order))
        else:
            vals = diagonal_expectations(simulate(circuit, params, inputs, dtype, **kwargs),
                                         obs, kind)
        return vals if many else vals[:, 0]
    state = simulate(circuit, params, inputs, dtype, **kwargs)
    vals = [expectation(state, o, kind) for o in obs]
    return torch.stack(vals, -1) if many else vals[0]


def _device_hint(raw) -> torch.device:
    h = raw.held
    return (h if isinstance(h, torch.Tensor) else h.x).device


def diagonal_expectations(state: torch.Tensor, obs, kind: str = "statevector") -> torch.Tensor:
    """``[B, k]`` expectations of ``k`` Z-diagonal :class:`PauliSum`s (``I``/``Z`` strings) in
    statevectors ``[B, N]`` (one square and one matmul), density matrices or trajectories."""
    rdtype = torch.float64 if state.dtype == torch.complex128 else torch.float32
    if kind == "statevector":
        m = diagonal_readout(obs, rdtype, state.device, interleaved=True)
        sq = torch.view_as_real(state.resolve_conj()).reshape(state.shape[0], -1).square()
        return sq @ m
    return probabilities(state, kind) @ diagonal_readout(obs, rdtype, state.device)


def state_kind(target=None, noise_model=None, method=None, **_ignored) -> str:
    """What :func:`simulate` returns for these keywords: statevector, density or trajectories."""
    if method in ("density", "trajectories"):
        return method
    if method is None and (target is not None or noise_model is not None):
        return "density"
    return "statevector"


def expectation(state: torch.Tensor, obs: PauliSum, kind: str | None = None) -> torch.Tensor:
    """Expectation of ``obs`` in a statevector ``[B, N]``, density matrix ``[B, N, N]`` or
    trajectory batch ``[B, T, N]`` (averaged over trajectories).

    ``kind`` ("statevector", "density" or "trajectories") says which; without it a 2-D
    tensor is a statevector batch and a 3-D one a density matrix if square, else
    trajectories (pass ``kind="trajectories"`` when ``T == N``).
    """
    if kind is None:
        if state.dim() == 2:
            kind = "statevector"
        else:
            kind = "density" if state.shape[-1] == state.shape[-2] else "trajectories"
    if kind == "statevector":
        return obs.expectation(state)
    if kind == "trajectories":
        b, t, n = state.shape
        return obs.expectation(state.reshape(b * t, n)).reshape(b, t).mean(1)
    if kind == "density":
        return obs.expectation_density(state)
    raise ValueError(f"unknown state kind {kind!r}; expected statevector, density, trajectories")
