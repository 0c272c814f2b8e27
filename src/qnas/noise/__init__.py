"""Noise: channel ops for the IR, device noise models (Aer semantics) and readout error.

>>> from qnas.ir import Circuit, Op
>>> model = NoiseModel.from_target("santiago")
>>> [op.gate for op in model.apply(Circuit(1, [Op("sx", (0,))])).ops]
['sx', 'depolarizing', 'thermal_relaxation']
"""

from qnas.noise.channels import (
    CHANNELS,
    PAULI_CHANNELS,
    is_pauli_channel,
    kraus_operators,
    op_kraus,
    pauli_labels,
    pauli_probabilities,
)
from qnas.noise.model import NoiseModel, excited_population
from qnas.noise.readout import apply_readout_error, expz_with_readout, readout_matrix

__all__ = [
    "NoiseModel",
    "apply_readout_error",
    "expz_with_readout",
    "readout_matrix",
    "excited_population",
    "CHANNELS",
    "PAULI_CHANNELS",
    "is_pauli_channel",
    "kraus_operators",
    "op_kraus",
    "pauli_labels",
    "pauli_probabilities",
]
