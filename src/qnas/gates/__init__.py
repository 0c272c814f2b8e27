"""Gate registry: standard gates and noise channels, one entry each."""

from qnas.gates import standard as _standard  # noqa: F401  (registers the gates)
from qnas.gates.registry import GateDef, all_gates, canonical_name, get_gate, register
from qnas.gates.standard import mcx_matrix

__all__ = ["GateDef", "all_gates", "canonical_name", "get_gate", "register", "mcx_matrix"]
