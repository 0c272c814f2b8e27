"""Simulators: batched statevector, density matrix and trajectories; measurements."""

from qnas.sim.api import expectation, expval, simulate
from qnas.sim.measure import expz, probabilities, sample_counts
from qnas.sim.pauli import PauliSum

__all__ = ["simulate", "expval", "expectation", "PauliSum", "probabilities", "expz",
           "sample_counts"]
