"""Noise channels as ordinary IR ops (registry entries with ``kraus=True``).

``matrix(params[..., P], dtype)`` returns Kraus operators ``[..., K, d, d]`` in textbook wire
order (the op's first wire is the most significant bit), with ``sum_k K^dag K = I``.

===================  =====  ===================================  ================================
gate                 wires  params                               channel
===================  =====  ===================================  ================================
depolarizing         1..3   p  (0 <= p <= 4^n/(4^n-1))           (1-p) rho + p Tr(rho) I/2^n
pauli_channel        1      px, py, pz                           Pauli mixture
bit_flip/phase_flip  1      p                                    X / Z with probability p
amplitude_damping    1      g                                    |1> -> |0> with probability g
phase_damping        1      l                                    Aer's phase_damping_error(l)
thermal_relaxation   1      t1, t2, time, excited_population     Aer's thermal_relaxation_error
===================  =====  ===================================  ================================

``depolarizing`` takes any wire count, so its matrix builder needs ``num_wires``; use
:func:`kraus_operators` (or :func:`op_kraus`) for every channel op to be safe.

>>> from qnas.ir import Op
>>> op_kraus(Op("depolarizing", (0, 1), (0.1,))).shape
torch.Size([16, 4, 4])
>>> pauli_probabilities(Op("bit_flip", (3,), (0.25,)))[0]
('I', 'X')
"""

from __future__ import annotations

import functools
import itertools

import torch

from qnas.gates.registry import GateDef, get_gate, register

MAX_DEPOLARIZING_WIRES = 3
_P1 = {
    "I": [[1, 0], [0, 1]],
    "X": [[0, 1], [1, 0]],
    "Y": [[0, -1j], [1j, 0]],
    "Z": [[1, 0], [0, -1]],
}
_TOL = 1e-9


def _real(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.complex128 else torch.float32


def _check(ok: torch.Tensor, msg: str) -> None:
    if not bool(torch.all(ok)):
        raise ValueError(msg)


def pauli_labels(n: int) -> tuple[str, ...]:
    """All n-qubit Pauli labels, identity first; character i acts on the op's wire i."""
    return tuple("".join(t) for t in itertools.product("IXYZ", repeat=n))


@functools.lru_cache(maxsize=32)
def _pauli_stack(n: int, dtype: torch.dtype, device: str) -> torch.Tensor:
    mats = []
    for lab in pauli_labels(n):
        m = torch.tensor([[1.0]], dtype=torch.complex128)
        for ch in lab:  # first character = most significant = first wire
            m = torch.kron(m, torch.tensor(_P1[ch], dtype=torch.complex128))
        mats.append(m)
    return torch.stack(mats).to(dtype=dtype, device=device)


def _mix(coeffs: torch.Tensor, basis: torch.Tensor, dtype) -> torch.Tensor:
    """Kraus ops ``sqrt(probs)[..., K] * basis[K, d, d]``."""
    amp = torch.sqrt(coeffs.clamp_min(0)).to(dtype)
    return amp[..., None, None] * basis


# --- Kraus builders --------------------------------------------------------------------
def depolarizing_kraus(p: torch.Tensor, dtype, num_wires: int = 1) -> torch.Tensor:
    """Aer's ``depolarizing_error(p, n)``: identity weight 1 - p(4^n-1)/4^n, others p/4^n."""
    n = int(num_wires)
    if not 1 <= n <= MAX_DEPOLARIZING_WIRES:
        raise ValueError(f"depolarizing supports 1..{MAX_DEPOLARIZING_WIRES} wires, got {n}")
    lam = p[..., 0].to(_real(dtype))
    nt = 4**n
    _check((lam >= -_TOL) & (lam <= nt / (nt - 1) + _TOL),
           f"depolarizing parameter must lie in [0, {nt}/{nt - 1}] for {n} wire(s)")
    probs = torch.cat([(1 - lam * (nt - 1) / nt)[..., None],
                       (lam / nt)[..., None].expand(lam.shape + (nt - 1,))], -1)
    return _mix(probs, _pauli_stack(n, dtype, str(p.device)), dtype)


def _probs_check(probs: torch.Tensor, name: str) -> torch.Tensor:
    _check((probs >= -_TOL).all(-1) & (probs.sum(-1) <= 1 + _TOL),
           f"{name}: probabilities must be >= 0 with sum <= 1")
    return torch.cat([(1 - probs.sum(-1))[..., None], probs], -1)


def pauli_channel_kraus(p: torch.Tensor, dtype) -> torch.Tensor:
    probs = _probs_check(p[..., :3].to(_real(dtype)), "pauli_channel")
    return _mix(probs, _pauli_stack(1, dtype, str(p.device)), dtype)


def _flip(index: int, name: str):
    def build(p: torch.Tensor, dtype) -> torch.Tensor:
        probs = _probs_check(p[..., :1].to(_real(dtype)), name)
        basis = _pauli_stack(1, dtype, str(p.device))[[0, index]]
        return _mix(probs, basis, dtype)

    return build


def _kraus2(entries: list[list[tuple[int, int, torch.Tensor]]], shape, dtype, device):
    """Build ``[..., K, 2, 2]`` from per-operator lists of (row, col, value)."""
    out = torch.zeros(shape + (len(entries), 2, 2), dtype=dtype, device=device)
    for k, ops in enumerate(entries):
        for r, c, v in ops:
            out[..., k, r, c] = v.to(dtype)
    return out


def _damping_kraus(p: torch.Tensor, dtype, what: str, decay: tuple[int, int]) -> torch.Tensor:
    """Kraus ``[diag(1, sqrt(1-g)), sqrt(g) |decay>]`` of a damping channel of strength
    ``g = p[..., 0]`` in [0, 1] (``what`` names it in the range error)."""
    g = p[..., 0].to(_real(dtype))
    _check((g >= -_TOL) & (g <= 1 + _TOL), f"{what} must lie in [0, 1]")
    g = g.clamp(0, 1)
    return _kraus2([[(0, 0, torch.ones_like(g)), (1, 1, torch.sqrt(1 - g))],
                    [(*decay, torch.sqrt(g))]], g.shape, dtype, p.device)


def amplitude_damping_kraus(p: torch.Tensor, dtype) -> torch.Tensor:
    return _damping_kraus(p, dtype, "amplitude_damping: g", (0, 1))


def phase_damping_kraus(p: torch.Tensor, dtype) -> torch.Tensor:
    return _damping_kraus(p, dtype, "phase_damping: lambda", (1, 1))


def relaxation_terms(t1, t2, time):
    """``(p_reset, exp_t2) = (1 - exp(-time/T1), exp(-time/T2))``; infinite T gives 0 / 1."""
    return 1 - torch.exp(-time / t1), torch.exp(-time / t2)


def thermal_relaxation_kraus(p: torch.Tensor, dtype) -> torch.Tensor:
    """Aer's ``thermal_relaxation_error(t1, t2, time, excited_population)`` as 4 Kraus ops.

    The channel maps |0><0| -> (1 - pe*pr)|0><0| + pe*pr|1><1|,
    |1><1| -> (1-pe)*pr|0><0| + (1 - (1-pe)*pr)|1><1| and |0><1| -> exp(-time/T2)|0><1|
    (pr = 1 - exp(-time/T1)). Requires T2 <= 2 T1; valid for T2 > T1 as well (Aer's Kraus
    branch) since the diagonal block is split by a Cholesky factorisation.
    """
    rd = torch.float64 if dtype == torch.complex128 else torch.float32
    t1, t2, time, pe = (p[..., i].to(rd) for i in range(4))
    _check((t1 > 0) & (t2 > 0), "thermal_relaxation: T1 and T2 must be > 0")
    _check(t2 <= 2 * t1 * (1 + 1e-12), "thermal_relaxation: T2 must be <= 2*T1")
    _check(time >= 0, "thermal_relaxation: time must be >= 0")
    _check((pe >= 0) & (pe <= 1), "thermal_relaxation: excited_population must lie in [0, 1]")
    pr, c = relaxation_terms(t1, t2, time)
    a = 1 - pe * pr
    b = 1 - (1 - pe) * pr
    safe_a = torch.where(a > 0, a, torch.ones_like(a))
    k0_11 = torch.where(a > 0, c / torch.sqrt(safe_a), torch.zeros_like(a))
    rest = (b - torch.where(a > 0, c * c / safe_a, torch.zeros_like(a))).clamp_min(0)
    return _kraus2(
        [
            [(0, 0, torch.sqrt(a.clamp_min(0))), (1, 1, k0_11)],
            [(1, 1, torch.sqrt(rest))],
            [(1, 0, torch.sqrt((pe * pr).clamp_min(0)))],
            [(0, 1, torch.sqrt(((1 - pe) * pr).clamp_min(0)))],
        ],
        t1.shape, dtype, p.device,
    )


# --- registry ------------------------------------------------------------------------------
CHANNELS = ("depolarizing", "pauli_channel", "bit_flip", "phase_flip", "amplitude_damping",
            "phase_damping", "thermal_relaxation")
PAULI_CHANNELS = ("depolarizing", "pauli_channel", "bit_flip", "phase_flip")


def _register_all() -> None:
    defs = [
        GateDef("depolarizing", None, 1, depolarizing_kraus,
                "Depolarizing channel (1..3 wires): (1-p) rho + p Tr(rho) I/2^n."),
        GateDef("pauli_channel", 1, 3, pauli_channel_kraus,
                "Pauli channel: X, Y, Z with probabilities px, py, pz."),
        GateDef("bit_flip", 1, 1, _flip(1, "bit_flip"), "X with probability p."),
        GateDef("phase_flip", 1, 1, _flip(3, "phase_flip"), "Z with probability p."),
        GateDef("amplitude_damping", 1, 1, amplitude_damping_kraus,
                "Amplitude damping with decay probability g."),
        GateDef("phase_damping", 1, 1, phase_damping_kraus, "Phase damping with parameter l."),
        GateDef("thermal_relaxation", 1, 4, thermal_relaxation_kraus,
                "T1/T2 relaxation over a time (Aer semantics): t1, t2, time, excited pop."),
    ]
    from qnas.gates.registry import all_gates

    have = all_gates()
    for g in defs:
        if g.name not in have:  # idempotent under module reloads
            register(GateDef(g.name, g.num_wires, g.num_params, g.matrix, g.doc,
                             kraus=True, qasm=False))


_register_all()


# --- helpers for simulators ------------------------------------------------------------------
def kraus_operators(gate: str, params, num_wires: int, dtype=torch.complex128) -> torch.Tensor:
    """Kraus operators ``[..., K, 2^n, 2^n]`` of a channel gate on ``num_wires`` wires."""
    g = get_gate(gate)
    if not g.kraus:
        raise ValueError(f"gate {g.name!r} is not a noise channel")
    p = torch.as_tensor(params, dtype=_real(dtype))
    if p.ndim == 0:
        p = p[None]
    if g.name == "depolarizing":
        return depolarizing_kraus(p, dtype, num_wires)
    if g.num_wires is not None and num_wires != g.num_wires:
        raise ValueError(f"channel {g.name!r} acts on {g.num_wires} wire(s), got {num_wires}")
    return g.matrix(p, dtype)


def _numeric(op) -> list[float]:
    vals = []
    for v in op.params:
        if not isinstance(v, (int, float)):
            raise ValueError(f"channel op {op.gate} has a symbolic parameter {v}; bind it first")
        vals.append(float(v))
    return vals


def op_kraus(op, dtype=torch.complex128) -> torch.Tensor:
    """Kraus operators ``[K, d, d]`` of a channel op with numeric parameters."""
    return kraus_operators(op.gate, _numeric(op), len(op.wires), dtype)


def is_pauli_channel(op) -> bool:
    g = get_gate(op.gate)
    return g.kraus and g.name in PAULI_CHANNELS


def pauli_probabilities(op) -> tuple[tuple[str, ...], torch.Tensor]:
    """``(labels, probs)`` of a Pauli channel op, identity first; label char i on wire i."""
    g = get_gate(op.gate)
    if not is_pauli_channel(op):
        raise ValueError(f"{g.name!r} is not a Pauli channel (Pauli channels: {PAULI_CHANNELS})")
    vals = _numeric(op)
    n = len(op.wires)
    kraus_operators(g.name, vals, n)  # validates the parameters
    if g.name == "depolarizing":
        nt = 4**n
        probs = [1 - vals[0] * (nt - 1) / nt] + [vals[0] / nt] * (nt - 1)
        labels = pauli_labels(n)
    elif g.name == "pauli_channel":
        probs, labels = [1 - sum(vals)] + vals, ("I", "X", "Y", "Z")
    else:
        probs, labels = [1 - vals[0], vals[0]], ("I", "X" if g.name == "bit_flip" else "Z")
    return labels, torch.tensor(probs, dtype=torch.float64).clamp_min(0)


def depolarizing_max(n: int) -> float:
    """Largest valid depolarizing parameter on n qubits, 4^n / (4^n - 1)."""
    return 4**n / (4**n - 1)


__all__ = [
    "CHANNELS", "PAULI_CHANNELS", "kraus_operators", "op_kraus", "pauli_probabilities",
    "pauli_labels", "is_pauli_channel", "depolarizing_max", "relaxation_terms",
]
