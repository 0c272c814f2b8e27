"""QuantumNAS design spaces, SuperCircuits, SubCircuit specs and samplers.

>>> from qnas.spaces import SuperCircuit, UniformSampler
>>> sc = SuperCircuit("zzry", n_qubits=3, max_blocks=2, seed=0)
>>> spec = UniformSampler(sc.genes(), seed=0).sample()
>>> circuit, index = sc.subcircuit(spec)
>>> len(circuit.parameters) == len(index)
True
"""

from qnas.spaces.builtin import get_space, list_spaces, register_space
from qnas.spaces.genes import SpecGenes
from qnas.spaces.sampling import ProgressiveSampler, RestrictedSampler, UniformSampler
from qnas.spaces.space import (
    PATTERNS,
    DesignSpace,
    Layer,
    pattern_wires,
    space_from_config,
    spaces_from_toml,
)
from qnas.spaces.spec import SubCircuitSpec
from qnas.spaces.supercircuit import SuperCircuit, weight_name

__all__ = [
    "PATTERNS",
    "DesignSpace",
    "Layer",
    "ProgressiveSampler",
    "RestrictedSampler",
    "SpecGenes",
    "SubCircuitSpec",
    "SuperCircuit",
    "UniformSampler",
    "get_space",
    "list_spaces",
    "pattern_wires",
    "register_space",
    "space_from_config",
    "spaces_from_toml",
    "weight_name",
]
