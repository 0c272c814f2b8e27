"""Circuit IR: op records, parameters, canonical text, OpenQASM 2 in/out."""

from qnas.ir.circuit import Circuit, Op
from qnas.ir.params import INPUT, PARAM, ParamValue, Sym, inp, param

__all__ = ["Circuit", "Op", "Sym", "ParamValue", "param", "inp", "PARAM", "INPUT"]
