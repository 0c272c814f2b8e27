"""Noisy simulation on a device: noise model -> channel ops -> density matrix or trajectories.

The circuit must already be in the device basis on physical qubits (wire ``w`` = device
qubit ``w``; use :func:`qnas.compile` first); the noise model raises a clear ValueError for
gates outside the basis or uncoupled pairs. Readout error applies to probabilities and
``<Z>`` values (:func:`noisy_probabilities`, :func:`noisy_expz`).

>>> import qnas                                          # doctest: +SKIP
>>> cc = qnas.compile(circuit, "santiago", layout=[0, 1])  # doctest: +SKIP
>>> p = compiled_probabilities(cc, params, inputs)  # doctest: +SKIP
"""

from __future__ import annotations

import torch

from qnas.ir import Circuit
from qnas.sim.density import simulate_density
from qnas.sim.measure import expz, probabilities
from qnas.sim.trajectories import simulate_trajectories

NOISY_METHODS = ("density", "trajectories")


def resolve_noise_model(target=None, noise_model=None, scale: float = 1.0):
    """``noise_model`` or ``NoiseModel.from_target(target)``; target may be a device name."""
    from qnas.noise import NoiseModel

    if noise_model is not None:
        if target is not None and noise_model.target is not _as_target(target):
            raise ValueError("give either target or noise_model, not both")
        return noise_model
    if target is None:
        return None
    return NoiseModel.from_target(_as_target(target), scale=scale)


def _as_target(target):
    from qnas.compile.compiler import as_target

    return as_target(target)


def _check_method(method):
    if method not in NOISY_METHODS:
        raise ValueError(f"unknown noisy method {method!r}; expected one of {NOISY_METHODS}")


def simulate_noisy(circuit: Circuit, params=None, inputs=None, dtype=torch.complex64, *,
                   device=None, target=None, method: str = "density", noise_model=None,
                   trajectories: int = 100, seed: int | None = None) -> torch.Tensor:
    """Density matrices ``[B, N, N]`` (``method="density"``) or trajectory statevectors
    ``[B, trajectories, N]`` of ``circuit`` under the device noise."""
    _check_method(method)
    model = resolve_noise_model(target, noise_model)
    noisy = model.apply(circuit) if model is not None else circuit
    if method == "density":
        return simulate_density(noisy, params, inputs, dtype, device)
    return simulate_trajectories(noisy, params, inputs, dtype, device, trajectories, seed)


def state_probabilities(state: torch.Tensor, method: str) -> torch.Tensor:
    """Outcome probabilities ``[B, N]`` of a density ``[B, N, N]`` or trajectories ``[B, T, N]``."""
    if method == "density":
        return probabilities(state)
    return (state.real**2 + state.imag**2).mean(1)


def noisy_probabilities(circuit: Circuit, params=None, inputs=None, target=None,
                        method: str = "density", *, noise_model=None, dtype=torch.complex64,
                        device=None, trajectories: int = 100, seed: int | None = None,
                        readout: bool = True) -> torch.Tensor:
    """Probabilities ``[B, 2**n]`` of the circuit's wires incl. readout error (Qiskit order)."""
    model = resolve_noise_model(target, noise_model)
    if model is None:
        raise ValueError("noisy_probabilities needs a target or a noise_model")
    state = simulate_noisy(circuit, params, inputs, dtype, device=device, method=method,
                           noise_model=model, trajectories=trajectories, seed=seed)
    probs = state_probabilities(state, method)
    if readout:
        from qnas.noise import apply_readout_error

        probs = apply_readout_error(probs, model.readout_matrices(circuit.n_qubits, probs.dtype))
    return probs


def noisy_expz(circuit: Circuit, params=None, inputs=None, target=None,
               method: str = "density", wires=None, **kwargs) -> torch.Tensor:
    """``<Z_w>`` ``[B, len(wires)]`` under the device noise, readout error included."""
    probs = noisy_probabilities(circuit, params, inputs, target, method, **kwargs)
    return expz(probs, circuit.n_qubits, wires)


def compiled_probabilities(compiled, params=None, inputs=None, method: str = "density", *,
                           scale: float = 1.0, dtype=torch.complex64, device=None,
                           trajectories: int = 100, seed: int | None = None,
                           readout: bool = True, noise: bool = True) -> torch.Tensor:
    """Logical-qubit probabilities ``[B, 2**n_logical]`` of a :class:`CompiledCircuit`
    (layout and routing undone; readout error of the measured physical qubits)."""
    if not noise:
        state = simulate_density(compiled.circuit, params, inputs, dtype, device)
        return compiled.logical_probabilities(probabilities(state))
    model = _compiled_model(compiled, scale)
    state = simulate_noisy(compiled.circuit, params, inputs, dtype, device=device,
                           method=method, noise_model=model, trajectories=trajectories,
                           seed=seed)
    probs = compiled.logical_probabilities(state_probabilities(state, method))
    if readout:
        from qnas.noise import apply_readout_error

        probs = apply_readout_error(probs, compiled.readout_matrices(model, probs.dtype))
    return probs


def _compiled_model(compiled, scale: float):
    key = ("noise", float(scale))
    if key not in compiled._sub:
        compiled._sub[key] = compiled.noise_model(scale=scale)
    return compiled._sub[key]


def noisy_classifier_expz(circuit: Circuit, params, x, target, layout=None,
                          method: str = "density", dtype=torch.complex64, seed: int = 0,
                          **kwargs) -> torch.Tensor:
    """``<Z>`` of every logical qubit ``[B, n]`` of ``circuit`` compiled onto ``target`` with
    ``layout`` (compiled once, cached), under device noise including readout error."""
    from qnas.compile import compile as compile_circuit

    cc = compile_circuit(circuit, target, layout=layout, seed=seed)
    probs = compiled_probabilities(cc, params, x, method, dtype=dtype, **kwargs)
    return expz(probs, circuit.n_qubits)


__all__ = ["simulate_noisy", "noisy_probabilities", "noisy_expz", "compiled_probabilities",
           "noisy_classifier_expz", "state_probabilities", "resolve_noise_model"]
