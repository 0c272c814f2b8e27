"""Built-in QuantumNAS design spaces, registered by name.

=============  ==========================================================
``u3cu3``      U3 on every wire, then a CU3 ring ``(i, i+1 mod n)``
``zzry``       RZZ ring, then RY on every wire
``rxyz``       H layer once at the start; per block RX, RY, RZ layers + CZ ring
``zxxx``       RZX ring, then RXX ring
``ibmq_basis`` RZ, X, RZ, SX, RZ layers + CNOT ring (IBM basis gates)
``ecr``        RZ, SX, RZ layers + ECR ring (ECR-native IBM devices)
``cz``         RZ, SX, RZ layers + CZ ring (CZ-native devices)
=============  ==========================================================

>>> get_space("u3cu3").layers[1].gate
'cu3'
>>> get_space("nope")
Traceback (most recent call last):
...
ValueError: unknown design space 'nope'; known: cz, ecr, ibmq_basis, rxyz, u3cu3, zxxx, zzry
"""

from __future__ import annotations

from collections.abc import Mapping

from qnas.spaces.space import DesignSpace, Layer, space_from_config

_SPACES: dict[str, DesignSpace] = {}


def register_space(space: DesignSpace | Mapping, overwrite: bool = False) -> DesignSpace:
    """Register a space (or a config dict) under its name."""
    if not isinstance(space, DesignSpace):
        space = space_from_config(space)
    if space.name in _SPACES and not overwrite:
        raise ValueError(f"design space {space.name!r} is already registered")
    _SPACES[space.name] = space
    return space


def get_space(name: str | DesignSpace) -> DesignSpace:
    """A registered space by name (a :class:`DesignSpace` passes through)."""
    if isinstance(name, DesignSpace):
        return name
    try:
        return _SPACES[name]
    except KeyError:
        raise ValueError(
            f"unknown design space {name!r}; known: {', '.join(sorted(_SPACES))}"
        ) from None


def list_spaces() -> list[str]:
    return sorted(_SPACES)


def _L(*items: str) -> tuple[Layer, ...]:
    return tuple(Layer.from_config(x) for x in items)


for _s in (
    DesignSpace("u3cu3", _L("u3", "cu3:ring"), description="U3 layer + CU3 ring"),
    DesignSpace("zzry", _L("rzz:ring", "ry"), description="RZZ ring + RY layer"),
    DesignSpace(
        "rxyz", _L("h:all:once", "rx", "ry", "rz", "cz:ring"),
        description="H once, then RX, RY, RZ layers + CZ ring",
    ),
    DesignSpace("zxxx", _L("rzx:ring", "rxx:ring"), description="RZX ring + RXX ring"),
    DesignSpace(
        "ibmq_basis", _L("rz", "x", "rz", "sx", "rz", "cx:ring"),
        description="RZ, X, RZ, SX, RZ layers + CNOT ring",
    ),
    DesignSpace("ecr", _L("rz", "sx", "rz", "ecr:ring"), description="RZ, SX, RZ + ECR ring"),
    DesignSpace("cz", _L("rz", "sx", "rz", "cz:ring"), description="RZ, SX, RZ + CZ ring"),
):
    register_space(_s)
