"""Compilation onto devices: layout, routing, basis translation with symbolic parameters.

>>> import qnas                                        # doctest: +SKIP
>>> cc = qnas.compile(circuit, "santiago", layout=[0, 1, 2])   # doctest: +SKIP
>>> cc.circuit, cc.qubits, cc.final_layout             # doctest: +SKIP
"""

from qnas.compile.compiler import CompiledCircuit, as_target, check_layout, compile, marginal
from qnas.compile.lower import lower_symbolic
from qnas.compile.target_subset import restrict_target

__all__ = ["compile", "CompiledCircuit", "restrict_target", "lower_symbolic", "as_target",
           "check_layout", "marginal"]
