"""A device snapshot: qubits, coupling map, gate errors/durations, T1/T2 and readout error.

Loaded offline from Qiskit's fake backends (``Target.from_backend("santiago")``) or from a
JSON snapshot that needs no Qiskit (``Target.from_json(path)``). Times are in seconds.

>>> from qnas.devices import Target
>>> t = Target.from_backend("santiago")
>>> t.n_qubits, t.basis_gates, t.neighbors(1)
(5, ('cx', 'id', 'rz', 'sx', 'x'), (0, 2))
"""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from qnas.gates.registry import canonical_name

Qubits = tuple[int, ...]
GateProps = dict[str, dict[Qubits, tuple[float | None, float | None]]]
_FORMAT = "qnas.target"
_VERSION = 1


@dataclass(frozen=True)
class Target:
    """Immutable device description (treat the dict fields as read-only).

    ``gates[name][qubits] = (error, duration_s)`` with qnas gate names; ``None`` marks an
    unreported value. ``readout_error[q] = (P(1|0), P(0|1))`` (measured | prepared).
    ``t1``/``t2``/``frequency`` (Hz) are per qubit, ``None`` when unknown.
    """

    name: str
    n_qubits: int
    basis_gates: tuple[str, ...]
    coupling_map: tuple[tuple[int, int], ...]
    gates: GateProps
    t1: tuple[float | None, ...]
    t2: tuple[float | None, ...]
    readout_error: tuple[tuple[float, float], ...]
    readout_duration: tuple[float | None, ...] = ()
    frequency: tuple[float | None, ...] = ()
    dt: float | None = None
    _neighbors: dict = field(default=None, init=False, repr=False, compare=False)  # type: ignore

    def __post_init__(self):
        n = int(self.n_qubits)
        if n < 1:
            raise ValueError(f"a target needs at least 1 qubit, got {n}")
        object.__setattr__(self, "n_qubits", n)
        object.__setattr__(self, "basis_gates", tuple(self.basis_gates))
        edges = tuple((int(a), int(b)) for a, b in self.coupling_map)
        object.__setattr__(self, "coupling_map", edges)
        for attr in ("t1", "t2", "readout_duration", "frequency"):
            vals = tuple(None if v is None else float(v) for v in getattr(self, attr))
            if not vals:
                vals = (None,) * n
            if len(vals) != n:
                raise ValueError(f"target {self.name!r}: {attr} has {len(vals)} entries, need {n}")
            object.__setattr__(self, attr, vals)
        ro = tuple((float(a), float(b)) for a, b in self.readout_error)
        if len(ro) != n:
            raise ValueError(f"target {self.name!r}: readout_error has {len(ro)} entries, need {n}")
        object.__setattr__(self, "readout_error", ro)
        gates: GateProps = {}
        for g, inst in self.gates.items():
            gates[canonical_name(g)] = {
                tuple(int(q) for q in qs): (_opt(e), _opt(d)) for qs, (e, d) in inst.items()
            }
        object.__setattr__(self, "gates", gates)
        for a, b in edges:
            if not (0 <= a < n and 0 <= b < n):
                raise ValueError(f"target {self.name!r}: edge {(a, b)} outside {n} qubits")
        nb: dict[int, set[int]] = {q: set() for q in range(n)}
        for a, b in edges:
            nb[a].add(b)
            nb[b].add(a)
        object.__setattr__(self, "_neighbors", {q: tuple(sorted(s)) for q, s in nb.items()})

    # -- loading ----------------------------------------------------------------
    @classmethod
    def from_backend(cls, backend, asymmetric_readout: bool = False) -> Target:
        """From a Qiskit fake backend name (``santiago``, ``FakeSantiagoV2``...) or a BackendV2.

        Readout errors are Aer's symmetric ones unless ``asymmetric_readout`` (then the
        snapshot's measured ``P(1|0)``, ``P(0|1)``).
        """
        from qnas.devices.fake import target_from_backend

        return target_from_backend(backend, asymmetric_readout)

    def to_json(self, path: str | os.PathLike) -> Path:
        """Write a snapshot atomically (temp file in the same folder + ``os.replace``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(self.to_dict(), f, indent=1)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> Target:
        """Read a snapshot written by :meth:`to_json` (no Qiskit needed)."""
        with open(path) as f:
            data = json.load(f)
        return cls.from_dict(data)

    def to_dict(self) -> dict:
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "name": self.name,
            "n_qubits": self.n_qubits,
            "dt": self.dt,
            "basis_gates": list(self.basis_gates),
            "coupling_map": [list(e) for e in self.coupling_map],
            "gates": {
                g: [[list(qs), e, d] for qs, (e, d) in inst.items()]
                for g, inst in self.gates.items()
            },
            "t1": list(self.t1),
            "t2": list(self.t2),
            "frequency": list(self.frequency),
            "readout_error": [list(r) for r in self.readout_error],
            "readout_duration": list(self.readout_duration),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Target:
        if data.get("format") != _FORMAT:
            raise ValueError(f"not a qnas target snapshot (format={data.get('format')!r})")
        if data.get("version") != _VERSION:
            raise ValueError(f"unsupported target snapshot version {data.get('version')!r}")
        gates = {g: {tuple(qs): (e, d) for qs, e, d in rows} for g, rows in data["gates"].items()}
        return cls(
            name=data["name"],
            n_qubits=data["n_qubits"],
            basis_gates=tuple(data["basis_gates"]),
            coupling_map=tuple(tuple(e) for e in data["coupling_map"]),
            gates=gates,
            t1=tuple(data["t1"]),
            t2=tuple(data["t2"]),
            readout_error=tuple(tuple(r) for r in data["readout_error"]),
            readout_duration=tuple(data.get("readout_duration") or ()),
            frequency=tuple(data.get("frequency") or ()),
            dt=data.get("dt"),
        )

    # -- queries ----------------------------------------------------------------
    def neighbors(self, q: int) -> tuple[int, ...]:
        """Qubits coupled to ``q`` in either direction, sorted."""
        self._check_qubit(q)
        return self._neighbors[q]

    def adjacency(self) -> tuple[tuple[int, ...], ...]:
        """The coupling map as neighbour lists: ``adjacency()[q] == neighbors(q)``."""
        return tuple(self._neighbors[q] for q in range(self.n_qubits))

    def gate_props(self, gate: str, qubits) -> tuple[float | None, float | None]:
        """``(error, duration_s)`` of one gate instance; unknown instances raise ValueError."""
        g = canonical_name(gate)
        qs = tuple(int(q) for q in qubits)
        for q in qs:
            self._check_qubit(q)
        if g not in self.gates:
            raise ValueError(
                f"gate {gate!r} is not in the basis of device {self.name!r}: {self.basis_gates}"
            )
        try:
            return self.gates[g][qs]
        except KeyError:
            raise ValueError(
                f"gate {g!r} on qubits {qs} is not available on device {self.name!r}"
                + (f" (coupling map: {list(self.coupling_map)})" if len(qs) == 2 else "")
            ) from None

    def gate_error(self, gate: str, qubits) -> float:
        """Reported error of one gate instance (0.0 when unreported)."""
        return self.gate_props(gate, qubits)[0] or 0.0

    def gate_duration(self, gate: str, qubits) -> float:
        """Duration in seconds of one gate instance (0.0 when unreported)."""
        return self.gate_props(gate, qubits)[1] or 0.0

    def readout_matrix(self, q: int, dtype=torch.float64) -> torch.Tensor:
        """Assignment matrix ``A[measured, true]``; columns sum to 1."""
        self._check_qubit(q)
        p10, p01 = self.readout_error[q]
        return torch.tensor([[1 - p10, p01], [p10, 1 - p01]], dtype=dtype)

    def two_qubit_gates(self) -> tuple[str, ...]:
        return tuple(g for g in self.basis_gates if any(len(q) == 2 for q in self.gates[g]))

    def median_errors(self) -> dict[str, float | None]:
        """Median 1q gate error (sx, else x), 2q gate error, readout error, T1, T2 (seconds)."""
        oneq = next((g for g in ("sx", "x", "u2", "u3") if g in self.gates), None)
        e1 = [e for q, (e, _) in self.gates.get(oneq, {}).items() if e is not None]
        e2 = [
            e
            for g in self.two_qubit_gates()
            for q, (e, _) in self.gates[g].items()
            if e is not None and len(q) == 2 and e < 1.0
        ]
        ro = [(a + b) / 2 for a, b in self.readout_error]
        return {
            "n_qubits": self.n_qubits,
            "error_1q": _median(e1),
            "error_2q": _median(e2),
            "readout_error": _median(ro),
            "t1": _median([t for t in self.t1 if t is not None]),
            "t2": _median([t for t in self.t2 if t is not None]),
        }

    def noise_figure(self, n_2q: int = 10, n_1q: int = 20, n_readout: int = 4) -> float | None:
        """Probability of at least one error in a reference workload at the median rates:
        ``n_2q`` two-qubit gates, ``n_1q`` one-qubit gates and ``n_readout`` readouts
        (default: about one 4-qubit U3+CU3 block), ``1 - prod (1 - e)``. Higher is noisier.

        >>> round(Target.from_backend("santiago").noise_figure(), 3)  # doctest: +ELLIPSIS
        0.1...
        """
        m = self.median_errors()
        if m["error_2q"] is None or m["readout_error"] is None:
            return None
        keep = (1 - m["error_2q"]) ** n_2q * (1 - (m["error_1q"] or 0.0)) ** n_1q
        return 1 - keep * (1 - m["readout_error"]) ** n_readout

    def _check_qubit(self, q: int) -> None:
        if not 0 <= int(q) < self.n_qubits:
            raise ValueError(f"qubit {q} outside device {self.name!r} ({self.n_qubits} qubits)")


def _opt(v) -> float | None:
    return None if v is None else float(v)


def _median(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return statistics.median(xs) if xs else None
