"""Noise: channel ops for the IR, device noise models (Aer semantics) and readout error.

>>> from qnas.noise import NoiseModel                  # doctest: +SKIP
>>> model = NoiseModel.from_target(Target.from_backend("santiago"))  # doctest: +SKIP
>>> noisy = model.apply(circuit)                        # doctest: +SKIP
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
