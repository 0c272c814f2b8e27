"""Compilation onto devices: layout, routing, basis translation with symbolic parameters.

>>> import qnas
>>> from qnas.ir import Circuit, Op
>>> cc = qnas.compile(Circuit(2, [Op("h", (0,)), Op("cx", (0, 1))]), "santiago", layout=[2, 1])
>>> cc.qubits, cc.final_layout, sorted(cc.circuit.count_ops())
((1, 2), (2, 1), ['cx', 'rz', 'sx'])
"""

from qnas.compile.compiler import (
    CompiledCircuit,
    as_target,
    check_layout,
    compile,
    compile_args,
    marginal,
)
from qnas.compile.lower import lower_symbolic
from qnas.compile.target_subset import restrict_target

__all__ = ["compile", "CompiledCircuit", "restrict_target", "lower_symbolic", "as_target",
           "check_layout", "compile_args", "marginal"]
