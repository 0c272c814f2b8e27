"""Exact batched density-matrix simulation with autograd: ``[B, 2**n, 2**n]``.

The engine is :mod:`qnas.sim.superop`: the state is kept as its ``4**n`` real Pauli
coefficients and every op - gate or Kraus channel - as its real Pauli transfer matrix. The ops
before each wire's first multi-wire op (encoders and their noise) give a product state computed
per wire; the other ops are multiplied, gates and channels alike, into one ``16 x 16`` transfer
matrix per run on at most ``fuse`` wires (constant runs once per circuit, parametrised gates per
call, all block products in a few batched matmuls), so a gate followed by its depolarizing and
relaxation channels and its neighbours costs a single pass over the state.

>>> import torch
>>> from qnas.ir import Circuit, Op
>>> c = Circuit(1, [Op("x", (0,)), Op("amplitude_damping", (0,), (0.25,))])
>>> simulate_density(c, dtype=torch.complex128)[0].real.diagonal().round(decimals=6).tolist()
[0.25, 0.75]
"""

from __future__ import annotations

import torch

from qnas.ir import Circuit
from qnas.sim.superop import FUSE_QUBITS, density_matrix

__all__ = ["simulate_density", "FUSE_QUBITS"]


def simulate_density(circuit: Circuit, params=None, inputs=None,
                     dtype: torch.dtype = torch.complex64, device=None,
                     initial_state: torch.Tensor | None = None,
                     fuse: int | bool | None = None) -> torch.Tensor:
    """Density matrices ``[B, 2**n, 2**n]`` of ``circuit`` (noise channel ops included).

    ``initial_state`` may be a statevector ``[N]``/``[B, N]`` or a density matrix
    ``[N, N]``/``[B, N, N]``; the default is ``|0...0><0...0|``. ``fuse`` is the widest block
    (in circuit wires) multiplied into one transfer matrix (default :data:`FUSE_QUBITS`;
    ``False``: every op applied on its own, no product prefix).
    """
    if dtype not in (torch.complex64, torch.complex128):
        raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
    return density_matrix(circuit, params, inputs, dtype, device, initial_state, fuse)
