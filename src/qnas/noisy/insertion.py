"""Gate insertion: per-sample Pauli errors (QuantumNAS / TorchQuantum "noise injection").

After every gate of a circuit in a device's basis, a random Pauli error is drawn **per
sample** from the gate's Pauli error rates (:meth:`qnas.noise.NoiseModel.pauli_error_rates`:
depolarizing exactly, relaxation Pauli-twirled) multiplied by ``scale``, and inserted into
the statevector simulation. Each insertion point is a ``u3`` op whose three angles are extra
per-sample input features, so the simulator's batched path does the work:

=====  ==========================  =====================
Pauli  ``u3(theta, phi, lambda)``  (equal up to a phase)
=====  ==========================  =====================
I      ``(0, 0, 0)``
X      ``(pi, 0, pi)``
Y      ``(pi, pi/2, pi/2)``
Z      ``(0, 0, pi)``
=====  ==========================  =====================

Gates without error (IBM's virtual ``rz``) get no insertion point.

>>> import torch
>>> from qnas.ir import Circuit, Op
>>> rates = {("sx", (0,)): torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=torch.float64)}
>>> gi = GateInsertion(Circuit(1, [Op("sx", (0,))]), lambda op: rates[(op.gate, op.wires)])
>>> gi.circuit.count_ops(), gi.n_slots
({'sx': 1, 'u3': 1}, 1)
>>> gi.sample(4, torch.Generator().manual_seed(0)).shape
torch.Size([4, 3])
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from qnas.gates import get_gate
from qnas.ir import Circuit, Op, inp

PAULI_U3 = torch.tensor(
    [[0.0, 0.0, 0.0], [math.pi, 0.0, math.pi], [math.pi, math.pi / 2, math.pi / 2],
     [0.0, 0.0, math.pi]],
    dtype=torch.float64,
)
PREFIX = "_pauli"


def scaled_rates(probs: torch.Tensor, scale: float, where: str = "gate") -> torch.Tensor:
    """Pauli probabilities (identity first) with every error probability times ``scale``."""
    if not (math.isfinite(scale) and scale >= 0):
        raise ValueError(f"noise scale must be finite and >= 0, got {scale}")
    p = probs.to(torch.float64).clone()
    p[1:] = p[1:] * scale
    err = float(p[1:].sum())
    if err > 1 + 1e-12:
        raise ValueError(f"{where}: error probability {err:.3g} exceeds 1 at noise scale {scale}")
    p[0] = max(0.0, 1.0 - err)
    return p


class GateInsertion:
    """A circuit with a per-sample Pauli insertion point after every noisy gate.

    ``rates(op)`` returns the Pauli probabilities of one op (identity first, label character
    i on ``op.wires[i]``, as :meth:`NoiseModel.pauli_error_rates`). ``circuit`` has the
    original inputs followed by ``3 * n_slots`` angle inputs; :meth:`sample` draws them.
    """

    def __init__(self, circuit: Circuit, rates: Callable[[Op], torch.Tensor],
                 scale: float = 1.0):
        ops: list[Op] = []
        names: list[str] = []
        groups: dict[int, list[tuple[torch.Tensor, list[int]]]] = {}
        for i, op in enumerate(circuit.ops):
            ops.append(op)
            if get_gate(op.gate).kraus:
                raise ValueError(f"op {i} ({op.to_text()}) is a noise channel; gate insertion "
                                 "needs a noise-free circuit in the device basis")
            p = scaled_rates(torch.as_tensor(rates(op)), scale, f"op {i} ({op.to_text()})")
            if p.numel() != 4 ** len(op.wires):
                raise ValueError(f"op {i}: expected {4 ** len(op.wires)} Pauli rates, "
                                 f"got {p.numel()}")
            if float(p[0]) >= 1.0:
                continue
            slots = []
            for w in op.wires:
                k = len(names) // 3
                syms = tuple(inp(f"{PREFIX}{k}.{a}") for a in "tpl")
                names.extend(s.name for s in syms)
                ops.append(Op("u3", (w,), syms))
                slots.append(k)
            groups.setdefault(len(op.wires), []).append((p, slots))
        self.source = circuit
        self.n_slots = len(names) // 3
        self.circuit = Circuit(circuit.n_qubits, tuple(ops), circuit.parameters,
                               tuple(circuit.inputs) + tuple(names))
        # per arity: cumulative probabilities [G, 4**n] and slot indices [G, n]
        self._groups = [
            (n, torch.cumsum(torch.stack([p for p, _ in g]), -1),
             torch.tensor([s for _, s in g], dtype=torch.long))
            for n, g in sorted(groups.items())
        ]
        self.rates = {n: torch.diff(c, prepend=torch.zeros(len(c), 1, dtype=c.dtype), dim=-1)
                      for n, c, _ in self._groups}

    def sample_paulis(self, batch: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Per-sample Pauli indices ``[batch, n_slots]`` (0=I, 1=X, 2=Y, 3=Z)."""
        out = torch.zeros(batch, self.n_slots, dtype=torch.long)
        for n, cdf, slots in self._groups:
            u = torch.rand(batch, len(cdf), 1, generator=generator, dtype=torch.float64)
            lab = torch.searchsorted(cdf.expand(batch, -1, -1).contiguous(), u).squeeze(-1)
            lab = lab.clamp_max(4**n - 1)  # guard against rounding of the last cdf entry
            for j in range(n):  # label character j (wire j of the op) = base-4 digit n-1-j
                out[:, slots[:, j]] = (lab // 4 ** (n - 1 - j)) % 4
        return out

    def angles(self, paulis: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
        """``u3`` angles ``[batch, 3 * n_slots]`` realising Pauli indices ``[batch, n_slots]``."""
        return PAULI_U3.to(dtype)[paulis].reshape(paulis.shape[0], -1)

    def sample(self, batch: int, generator: torch.Generator | None = None,
               dtype=torch.float32) -> torch.Tensor:
        """Random insertion angles ``[batch, 3 * n_slots]`` (seeded by ``generator``)."""
        return self.angles(self.sample_paulis(batch, generator), dtype)

    def inputs(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """``x`` ``[B, F]`` with freshly sampled insertion angles appended (drawn on the CPU
        from ``generator``, then moved to ``x``'s device)."""
        return torch.cat([x, self.sample(x.shape[0], generator, x.dtype).to(x.device)], -1)


def insertion_for_target(circuit: Circuit, target, scale: float = 1.0) -> GateInsertion:
    """:class:`GateInsertion` with the Pauli rates of ``target``'s noise model (scale 1);
    ``circuit`` is in the device basis on its physical qubits."""
    from qnas.noise import NoiseModel

    model = NoiseModel.from_target(target)
    return GateInsertion(circuit, lambda op: model.pauli_error_rates(op)[1], scale)


__all__ = ["GateInsertion", "PAULI_U3", "insertion_for_target", "scaled_rates"]
