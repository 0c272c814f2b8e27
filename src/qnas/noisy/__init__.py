"""Noisy evaluation on a device, one chain: compile -> noise model -> simulate(method) -> readout.

1. :mod:`qnas.compile` places the logical circuit on the device (layout, routing, basis;
   parameters stay symbolic);
2. :class:`qnas.noise.NoiseModel` of the qubits it uses (times ``scale``) inserts noise
   channel ops after every gate (or, for gate insertion, sampled Pauli errors);
3. :mod:`qnas.sim` simulates that circuit (density matrix, trajectories or statevectors);
4. probabilities / ``<Z>`` come back in logical order with the readout error of the measured
   physical qubits.

This package sits above ``sim``, ``compile`` and ``noise`` and is the only place that
composes them. Compiled circuits are cached in one :class:`DeviceCircuitCache` (LRU).

>>> import torch
>>> from qnas.ir import Circuit, Op, inp, param
>>> c = Circuit(2, [Op("ry", (0,), (inp("x"),)), Op("cx", (0, 1)), Op("rz", (1,), (param("a"),))])
>>> dc = DeviceCircuit.compile(c, "santiago", layout=[1, 2])     # 1. compile
>>> dc.noise_model(scale=2.0).scale                                # 2. noise model
2.0
>>> sorted({op.gate for op in dc.noisy_circuit().ops} - set(dc.circuit.count_ops()))
['depolarizing', 'thermal_relaxation']
>>> a, x = torch.tensor([0.5]), torch.tensor([[0.3], [1.2]])
>>> z = dc.expz(a, x, method="trajectories", trajectories=200, seed=0)  # 3. simulate, 4. readout
>>> z.shape
torch.Size([2, 2])
>>> device_probabilities(c, a, x, "santiago", [1, 2], method="gate_insertion",
...                      generator=torch.Generator().manual_seed(0)).shape
torch.Size([2, 4])
"""

from qnas.noisy.device import (
    DEFAULT_CACHE,
    DEFAULTS,
    METHODS,
    DeviceCircuit,
    DeviceCircuitCache,
    MethodDefaults,
    device_circuit,
    device_expz,
    device_probabilities,
)
from qnas.noisy.insertion import GateInsertion, insertion_for_target, scaled_rates

__all__ = ["DeviceCircuit", "DeviceCircuitCache", "DEFAULT_CACHE", "DEFAULTS", "METHODS",
           "MethodDefaults", "device_circuit",
           "device_probabilities", "device_expz", "GateInsertion", "insertion_for_target",
           "scaled_rates"]
