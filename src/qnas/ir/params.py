"""Gate parameters: a constant float or an affine symbol ``scale * name + offset``.

A symbol is either a trainable parameter (``kind="param"``) or an input feature
(``kind="input"``, used by data encoders).

>>> from qnas.ir import param, inp
>>> str(2.0 * param("w0") + 0.5)
'2.0*$w0+0.5'
>>> inp("x3").kind
'input'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Union

PARAM = "param"
INPUT = "input"
_SIGIL = {PARAM: "$", INPUT: "%"}
_KIND_OF_SIGIL = {v: k for k, v in _SIGIL.items()}
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\[\]]*$")


@dataclass(frozen=True)
class Sym:
    """An affine function ``scale * <name> + offset`` of one free symbol."""

    name: str
    kind: str = PARAM
    scale: float = 1.0
    offset: float = 0.0

    def __post_init__(self):
        if self.kind not in _SIGIL:
            raise ValueError(f"unknown parameter kind {self.kind!r}; expected 'param' or 'input'")
        if not _NAME_RE.match(self.name):
            raise ValueError(f"invalid parameter name {self.name!r}")
        if not (math.isfinite(self.scale) and math.isfinite(self.offset)):
            raise ValueError(f"parameter {self.name!r} has a non-finite scale or offset")

    def __mul__(self, k: float) -> Sym:
        return Sym(self.name, self.kind, self.scale * float(k), self.offset * float(k))

    __rmul__ = __mul__

    def __add__(self, c: float) -> Sym:
        return Sym(self.name, self.kind, self.scale, self.offset + float(c))

    __radd__ = __add__

    def __sub__(self, c: float) -> Sym:
        return self + (-float(c))

    def __neg__(self) -> Sym:
        return self * -1.0

    def __str__(self) -> str:
        s = _SIGIL[self.kind] + self.name
        if self.scale != 1.0:
            s = f"{self.scale!r}*{s}"
        if self.offset != 0.0:
            s = f"{s}{'+' if self.offset >= 0 else '-'}{abs(self.offset)!r}"
        return s


ParamValue = Union[float, Sym]  # noqa: UP007 (runtime alias, py3.10)


def param(name: str) -> Sym:
    """A named trainable parameter."""
    return Sym(name, PARAM)


def inp(name: str) -> Sym:
    """A named input feature (for data encoders)."""
    return Sym(name, INPUT)


_SYM_RE = re.compile(
    r"^(?:(?P<scale>[-+0-9.eEinfa]+)\*)?(?P<sigil>[$%])(?P<name>[A-Za-z_][A-Za-z0-9_.\[\]]*)"
    r"(?:(?P<sign>[+-])(?P<offset>[0-9.eE+-]+))?$"
)


def format_value(v: ParamValue) -> str:
    """Canonical text of a parameter value; floats use ``repr`` so they round-trip exactly."""
    return str(v) if isinstance(v, Sym) else repr(float(v))


def parse_value(text: str) -> ParamValue:
    """Inverse of :func:`format_value`."""
    text = text.strip()
    m = _SYM_RE.match(text)
    if m:
        scale = float(m["scale"]) if m["scale"] else 1.0
        off = float(m["offset"]) if m["offset"] else 0.0
        if m["sign"] == "-":
            off = -off
        return Sym(m["name"], _KIND_OF_SIGIL[m["sigil"]], scale, off)
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"cannot parse parameter value {text!r}") from None
