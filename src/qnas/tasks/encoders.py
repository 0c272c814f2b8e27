"""Data encoders as data: a list of ``(gate, wire, feature index)`` rotations.

The built-ins reproduce every named encoder of TorchQuantum 0.1.8
(``torchquantum.encoding.encoder_op_list_name_dict``), e.g. ``4x4_ryzxy`` (16 features on 4
wires: RY x0-x3 on wires 0-3, then RZ x4-x7, RX x8-x11, RY x12-x15), ``6x6_ryzxy`` (36 on 10
wires) and ``10_ryzx`` (vowel: RY x0-x3, RZ x4-x7, RX x8-x9 on wires 0-1). Two conventions:

* fixed gates (``sx``/``h`` in ``4x4_rzsx``/``4x4_u3_h_rx``) use feature index ``-1``;
* TorchQuantum's ``u3`` on features ``(a, b, c)`` is stored as ``rz(c), ry(a), rz(b)``, which
  equals ``U3(a, b, c)`` up to a global phase (``RZ(b) RY(a) RZ(c) = e^{-i(b+c)/2} U3``).

>>> enc = get_encoder("4x4_ryzxy")
>>> enc.ops[4], enc.n_features
(('rz', 0, 4), 16)
>>> enc.to_circuit().inputs[:3]
('x0', 'x1', 'x2')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from qnas.ir import Circuit, Op, inp
from qnas.suggest import did_you_mean

FIXED = -1


@dataclass(frozen=True)
class Encoder:
    """A named encoder: ``ops[i] = (gate, wire, feature)``; angles are the raw features."""

    name: str
    n_wires: int
    ops: tuple[tuple[str, int, int], ...]
    n_features: int = None  # type: ignore[assignment]  # default: max feature index + 1

    def __post_init__(self):
        from qnas.gates import get_gate

        ops = tuple((str(g).lower(), int(w), int(f)) for g, w, f in self.ops)
        if int(self.n_wires) < 1:
            raise ValueError(f"encoder {self.name!r}: n_wires must be >= 1, got {self.n_wires}")
        feats = [f for _, _, f in ops if f != FIXED]
        nf = (max(feats) + 1 if feats else 0) if self.n_features is None else int(self.n_features)
        for i, (g, w, f) in enumerate(ops):
            where = f"encoder {self.name!r} op {i} ({g})"
            gate = get_gate(g)  # unknown gate -> ValueError with suggestions
            if gate.num_wires != 1 or gate.kraus:
                raise ValueError(f"{where}: encoders use single-wire gates only")
            if gate.num_params not in (0, 1):
                raise ValueError(
                    f"{where}: gate {gate.name!r} takes {gate.num_params} parameters; "
                    "encoders need 1-parameter rotations (or fixed gates with feature -1)"
                )
            if gate.num_params == 0 and f != FIXED:
                raise ValueError(f"{where}: fixed gate takes no feature; use index -1")
            if gate.num_params == 1 and not 0 <= f < nf:
                raise ValueError(f"{where}: feature index {f} out of range 0..{nf - 1}")
            if not 0 <= w < int(self.n_wires):
                raise ValueError(f"{where}: wire {w} out of range for {self.n_wires} wires")
            ops = ops[:i] + ((gate.name, w, f),) + ops[i + 1 :]
        object.__setattr__(self, "ops", ops)
        object.__setattr__(self, "n_wires", int(self.n_wires))
        object.__setattr__(self, "n_features", nf)

    def input_names(self, prefix: str = "x") -> tuple[str, ...]:
        """``(prefix0, ..., prefix{F-1})``: the input order of :meth:`to_circuit`."""
        return tuple(f"{prefix}{i}" for i in range(self.n_features))

    def to_ops(self, prefix: str = "x") -> tuple[Op, ...]:
        """IR ops; feature ``i`` becomes the input symbol ``inp(f"{prefix}{i}")``."""
        return tuple(
            Op(g, (w,)) if f == FIXED else Op(g, (w,), (inp(f"{prefix}{f}"),))
            for g, w, f in self.ops
        )

    def to_circuit(self, n_qubits: int | None = None, prefix: str = "x") -> Circuit:
        """The encoder as a circuit on ``n_qubits`` (default ``n_wires``); inputs x0..x{F-1}."""
        n = self.n_wires if n_qubits is None else int(n_qubits)
        if self.n_wires > n:
            raise ValueError(
                f"encoder {self.name!r} uses {self.n_wires} wires; the circuit has only {n}"
            )
        return Circuit(n, self.to_ops(prefix), inputs=self.input_names(prefix))

    def to_config(self) -> dict:
        """A JSON-able dict accepted by :func:`encoder_from_config`."""
        return {
            "name": self.name,
            "n_wires": self.n_wires,
            "n_features": self.n_features,
            "ops": [list(op) for op in self.ops],
        }


def encoder_from_config(config: Mapping) -> Encoder:
    """Build an encoder from ``{"name", "n_wires", "ops": [[gate, wire, feature], ...]}``.

    ``n_wires`` defaults to the largest wire + 1, ``n_features`` to the largest feature + 1;
    a feature of ``None`` or ``-1`` marks a fixed gate.
    """
    missing = {"name", "ops"} - set(config)
    if missing:
        raise ValueError(f"encoder config misses keys {sorted(missing)}")
    ops = []
    for i, entry in enumerate(config["ops"]):
        if len(entry) != 3:
            raise ValueError(f"encoder config op {i}: expected [gate, wire, feature], got {entry}")
        g, w, f = entry
        ops.append((g, int(w), FIXED if f is None else int(f)))
    n_wires = config.get("n_wires", max((w for _, w, _ in ops), default=-1) + 1)
    return Encoder(str(config["name"]), n_wires, tuple(ops), config.get("n_features"))


def _layers(name: str, *layers: tuple[str, Iterable[int]]) -> Encoder:
    """Encoder whose ops are ``gate`` on each wire of each layer, features in order."""
    ops, f = [], 0
    for gate, wires in layers:
        for w in wires:
            if gate == "u3":  # U3(f, f+1, f+2) = RZ(f+1) RY(f) RZ(f+2) up to a global phase
                ops += [("rz", w, f + 2), ("ry", w, f), ("rz", w, f + 1)]
                f += 3
            elif gate in ("sx", "h"):
                ops.append((gate, w, FIXED))
            else:
                ops.append((gate, w, f))
                f += 1
    return Encoder(name, max(w for _, w, _ in ops) + 1, tuple(ops))


def _builtins() -> dict[str, Encoder]:
    r = range
    ryzxy = ("ry", "rz", "rx", "ry")
    encs = [
        _layers("1x1_ry", ("ry", r(1))),
        _layers("2x1_ryry", ("ry", r(2))),
        _layers("2x8_rxryrzrxryrzrxry", *[(g, r(2)) for g in ("rx", "ry", "rz") * 3][:8]),
        _layers("3x1_ryryry", ("ry", r(3))),
        _layers("3x1_rxrxrx", ("rx", r(3))),
        _layers("4_ry", ("ry", r(4))),
        _layers("4x4_u3rx", *[(g, [w]) for w in r(4) for g in ("u3", "rx")]),
        _layers(
            "4x4_u3_h_rx",
            ("u3", [0]), ("rx", [0]), ("h", r(4)),
            *[(g, [w]) for w in r(1, 4) for g in ("u3", "rx")],
        ),
        _layers("4x4_ryzxy", *[(g, r(4)) for g in ryzxy]),
        _layers("8x2_ry", ("ry", r(8)), ("ry", r(8))),
        _layers("16_ry", ("ry", r(16))),
        _layers("4x4_rzsx", *[(g, [w]) for _ in r(4) for w in r(4) for g in ("rz", "sx")]),
        _layers("15_ryrz", ("ry", r(15)), ("rz", [0])),
        _layers("2x8_ryzxyzxyz", *[(g, r(2)) for g in ("ry", "rz", "rx") * 3][:8]),
        _layers("10_ryzx", ("ry", r(4)), ("rz", r(4)), ("rx", r(2))),
        _layers("10_ry", ("ry", r(10))),
        _layers("25_ry", ("ry", r(25))),
        _layers("25_ryrz", ("ry", r(21)), ("rz", r(4))),
        _layers("6x6_ryzxy", *[(g, r(10)) for g in ryzxy[:3]], ("ry", r(6))),
        _layers("6x6_ryrz", ("ry", r(21)), ("rz", r(15))),
        _layers("6x6_ryrzrx", ("ry", r(16)), ("rz", r(16)), ("rx", r(4))),
        _layers("10x10_ryzxyzxyzxy", *[(g, r(10)) for g in ("ry", "rz", "rx") * 3 + ("ry",)]),
        _layers("8x8_ryzxyzxy", *[(g, r(10)) for g in ("ry", "rz", "rx") * 2], ("ry", r(4))),
        _layers("8x2_ryz", ("ry", r(8)), ("rz", r(8))),
        _layers("16x1_ry", ("ry", r(16))),
    ]
    return {e.name: e for e in encs}


ENCODERS: dict[str, Encoder] = _builtins()


def register_encoder(encoder: Encoder, overwrite: bool = False) -> Encoder:
    """Add ``encoder`` to :data:`ENCODERS` under its name."""
    if encoder.name in ENCODERS and not overwrite:
        raise ValueError(f"encoder {encoder.name!r} already exists (pass overwrite=True)")
    ENCODERS[encoder.name] = encoder
    return encoder


def get_encoder(spec: str | Mapping | Encoder) -> Encoder:
    """An encoder by name, from a config dict, or passed through."""
    if isinstance(spec, Encoder):
        return spec
    if isinstance(spec, Mapping):
        return encoder_from_config(spec)
    if spec in ENCODERS:
        return ENCODERS[spec]
    hint = did_you_mean(str(spec), ENCODERS)
    raise ValueError(f"unknown encoder {spec!r}{hint} Known encoders: {', '.join(ENCODERS)}")
