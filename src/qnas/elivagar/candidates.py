"""Device-aware candidate circuits (Élivágar): a placement on the coupling map, then native gates.

A candidate is a circuit on logical wires *and* its layout (``layout[j]`` = physical qubit of
logical wire ``j``). The physical qubits come first: a connected set grown at random on the
coupling map (:func:`connected_qubits`), scored by :func:`mapping_score` and drawn by a softmax
over the normalised scores (:func:`sample_mapping`). Gates are then drawn from the device's
native gates (:func:`native_gates`) and placed on the mapped qubits and coupling edges,
favouring those with fewer gates so far (softmax over minus the gate counts). Every 2-qubit
gate sits on a coupling edge of the layout, so the circuit runs as it is: no routing, no SWAPs.

Data inputs: a candidate starts with the task's encoder (``encoder=``, a circuit of input
rotations on the logical wires) rather than with encoding gates drawn like the others. That is
the embedding the QuantumNAS SubCircuits use, so a comparison of the two searches compares
ansätze and placements only, and the task's feature preprocessing (scaled for its encoder)
stays valid. Its rotations land on the candidate's physical qubits through the layout.

>>> import numpy as np
>>> from qnas.devices import Target
>>> t = Target.from_backend("santiago")
>>> c = device_candidate(t, 3, n_params=6, rng=np.random.default_rng(0))
>>> len(c.layout), len(c.circuit.parameters), c.circuit.n_qubits
(3, 6, 3)
>>> sorted(c.circuit.count_ops()) <= ["cx", "rz", "sx", "x"]
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnas.ir import Circuit, Op, param
from qnas.search.genome import grow_connected
from qnas.sim.cache import LRUCache

ROTATIONS = ("rz", "rx", "ry")  # trainable where the device has them natively
ROTATION_SETS = ("native", "rxyz")  # the device's own rotations, or rx/ry/rz everywhere
FIXED_1Q = ("sx", "x")
TWO_QUBIT = ("cx", "ecr", "cz")


@dataclass(frozen=True)
class Candidate:
    """A circuit on logical wires and its layout (physical qubit of each logical wire).

    ``spec`` is the circuit, so a search store keys a candidate by its canonical text and
    layout like a genome (:func:`qnas.search.candidate_key`).
    """

    circuit: Circuit
    layout: tuple[int, ...]

    @property
    def spec(self) -> Circuit:
        return self.circuit

    def to_dict(self) -> dict:
        return {"circuit": self.circuit.to_text(), "layout": list(self.layout)}

    @classmethod
    def from_dict(cls, d: dict) -> Candidate:
        return cls(Circuit.from_text(d["circuit"]), tuple(int(q) for q in d["layout"]))


def native_gates(target, rotations: str = "native"
                 ) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """``(trainable rotations, fixed 1-qubit gates, 2-qubit gate)`` of ``target``'s basis.

    ``rotations="rxyz"`` makes rx, ry and rz trainable whatever the basis (Qiskit compiles
    rx/ry into the device's rz and sx: more gates, no routing): on IBM devices the native
    choice leaves only rz trainable, between fixed sx/x gates.

    >>> from qnas.devices import Target
    >>> native_gates(Target.from_backend("santiago"))
    (('rz',), ('sx', 'x'), 'cx')
    >>> native_gates(Target.from_backend("santiago"), "rxyz")[0]
    ('rz', 'rx', 'ry')
    """
    if rotations not in ROTATION_SETS:
        raise ValueError(f"unknown candidate rotations {rotations!r}; expected one of "
                         f"{', '.join(ROTATION_SETS)}")
    basis = set(target.basis_gates)
    rot = ROTATIONS if rotations == "rxyz" else tuple(g for g in ROTATIONS if g in basis)
    if not rot:
        raise ValueError(f"device {target.name!r} has no native trainable rotation "
                         f"({'/'.join(ROTATIONS)}) in its basis {target.basis_gates}")
    two = [g for g in TWO_QUBIT if g in basis and target.gates.get(g)]
    return rot, tuple(g for g in FIXED_1Q if g in basis), two[0] if two else None


def connected_qubits(target, n: int, rng: np.random.Generator) -> tuple[int, ...]:
    """``n`` physical qubits connected on the coupling map, in order of growth: a start
    qubit drawn with probability proportional to its number of neighbours, then a uniformly
    drawn neighbour of the set at a time.

    >>> from qnas.devices import Target
    >>> qs = connected_qubits(Target.from_backend("toronto"), 4, np.random.default_rng(1))
    >>> len(set(qs))
    4
    """
    n = int(n)
    if not 1 <= n <= target.n_qubits:
        raise ValueError(f"cannot place {n} qubits on device {target.name!r} "
                         f"({target.n_qubits} qubits)")
    adjacency = target.adjacency()
    if n > 1 and not any(adjacency):
        raise ValueError(f"device {target.name!r} has no coupling edges for {n} qubits")
    try:
        return grow_connected(adjacency, n, rng)
    except ValueError:
        raise ValueError(f"device {target.name!r} has no connected set of {n} qubits") from None


def _edges(target, qubits, gate: str | None) -> list[tuple[int, int]]:
    """Instances ``(a, b)`` of the 2-qubit ``gate`` with both qubits in ``qubits``."""
    if gate is None:
        return []
    inside = set(qubits)
    return sorted(k for k in target.gates[gate] if len(k) == 2 and set(k) <= inside)


def mapping_score(target, qubits) -> float:
    """Mean 2-qubit gate success x mean readout success x mean coherence time (mean of T1
    and T2) over the mean 2-qubit gate time; higher is better. Without 2-qubit gates among
    ``qubits`` the last factor is the mean coherence in microseconds.

    >>> from qnas.devices import Target
    >>> t = Target.from_backend("santiago")
    >>> mapping_score(t, (0, 1)) > 0
    True
    """
    qs = [int(q) for q in qubits]
    two = native_gates(target)[2]
    props = [target.gates[two][e] for e in _edges(target, qs, two)]
    success_2q = np.mean([1 - (e or 0.0) for e, _ in props]) if props else 1.0
    readout = np.mean([1 - (a + b) / 2 for a, b in (target.readout_error[q] for q in qs)])
    coh = [t for q in qs for t in (target.t1[q], target.t2[q]) if t]
    coherence = np.mean(coh) if coh else 1.0
    times = [d for _, d in props if d]
    ratio = coherence / np.mean(times) if times else coherence * 1e6
    return float(success_2q * readout * ratio)


def softmax(scores, temperature: float) -> np.ndarray:
    """Probabilities ``exp(s / T)`` normalised (``T > 0``; small T favours the best).

    >>> softmax([0.0, 1.0], 1.0).round(3).tolist()
    [0.269, 0.731]
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    s = np.asarray(scores, float) / temperature
    w = np.exp(s - s.max())
    return w / w.sum()


# (id(target), qubits) -> (target, mapping_score): an entry holds its target, so that the id
# cannot be reused while the entry exists.
_MAPPING_SCORES = LRUCache(maxsize=65536)


def sample_mapping(target, n: int, rng: np.random.Generator, draws: int = 32,
                   temperature: float = 0.1) -> tuple[int, ...]:
    """One layout: ``draws`` connected sets (:func:`connected_qubits`), each scored by
    :func:`mapping_score` divided by the best score, one drawn by :func:`softmax`.

    >>> from qnas.devices import Target
    >>> sample_mapping(Target.from_backend("santiago"), 2, np.random.default_rng(0))
    (3, 4)
    """
    pool = list(dict.fromkeys(connected_qubits(target, n, rng) for _ in range(int(draws))))
    scores = np.array([_MAPPING_SCORES.get((id(target), qs), lambda qs=qs: (
        target, mapping_score(target, qs)))[1] for qs in pool])
    probs = softmax(scores / scores.max(), temperature)
    return pool[int(rng.choice(len(pool), p=probs))]


def _least_used(counts: np.ndarray, rng, temperature: float) -> int:
    """``rng.choice(len(counts), p=softmax(-counts, temperature))``, drawing the same number
    from the same stream, without ``choice``'s argument checks (a candidate makes ~170)."""
    cdf = softmax(-counts, temperature).cumsum()
    cdf /= cdf[-1]
    return int(cdf.searchsorted(rng.random(), side="right"))


def place_gates(target, layout, n_params: int, rng: np.random.Generator, p_2q: float = 0.25,
                temperature: float = 1.0, prefix: str = "w", rotations: str = "native"
                ) -> Circuit:
    """Native gates on the logical wires of ``layout`` until ``n_params`` trainable
    rotations are placed: a 2-qubit gate with probability ``p_2q`` (on a coupling edge of the
    layout, in a direction the device supports), else a 1-qubit gate (a trainable rotation
    half the time, else a fixed native gate). Qubits and edges with fewer gates so far are
    favoured (:func:`softmax` of minus the counts, ``temperature``). ``rotations``: which
    rotations are trainable (:func:`native_gates`).

    >>> from qnas.devices import Target
    >>> c = place_gates(Target.from_backend("santiago"), (1, 2), 2, np.random.default_rng(0))
    >>> c.parameters
    ('w0', 'w1')
    """
    rot, fixed, two = native_gates(target, rotations)
    lay = tuple(int(q) for q in layout)
    logical = {q: j for j, q in enumerate(lay)}
    edges = [(logical[a], logical[b]) for a, b in _edges(target, lay, two)]
    pairs = sorted({tuple(sorted(e)) for e in edges})
    if int(n_params) < 1:
        raise ValueError(f"a candidate needs at least 1 trainable parameter, got {n_params}")
    q_count, e_count = np.zeros(len(lay)), np.zeros(len(pairs))
    ops: list[Op] = []
    k = 0
    while k < n_params:
        if pairs and rng.random() < p_2q:
            i = _least_used(e_count, rng, temperature)
            e_count[i] += 1
            options = [e for e in edges if tuple(sorted(e)) == pairs[i]]
            ops.append(Op(two, options[int(rng.integers(len(options)))]))
            continue
        w = _least_used(q_count, rng, temperature)
        q_count[w] += 1
        if not fixed or rng.random() < 0.5:
            ops.append(Op(rot[int(rng.integers(len(rot)))], (w,), (param(f"{prefix}{k}"),)))
            k += 1
        else:
            ops.append(Op(fixed[int(rng.integers(len(fixed)))], (w,)))
    return Circuit(len(lay), ops)


def device_candidate(target, n_qubits: int, n_params: int, rng: np.random.Generator, *,
                     encoder: Circuit | None = None, p_2q: float = 0.25,
                     temperature: float = 1.0, mapping_draws: int = 32,
                     mapping_temperature: float = 0.1, rotations: str = "native") -> Candidate:
    """One candidate: :func:`sample_mapping` then :func:`place_gates`, after ``encoder`` (a
    circuit of input rotations on the logical wires; module docstring) when given."""
    if encoder is not None and encoder.n_qubits > n_qubits:
        raise ValueError(f"encoder uses {encoder.n_qubits} wires; candidates have {n_qubits}")
    layout = sample_mapping(target, n_qubits, rng, mapping_draws, mapping_temperature)
    ansatz = place_gates(target, layout, n_params, rng, p_2q, temperature,
                         rotations=rotations)
    if encoder is None:
        return Candidate(ansatz, layout)
    circuit = Circuit(n_qubits, tuple(encoder.ops) + ansatz.ops, parameters=ansatz.parameters,
                      inputs=encoder.inputs)
    return Candidate(circuit, layout)


def default_params(n_qubits: int) -> int:
    """Trainable parameters of a candidate when not configured: 8 per qubit (Élivágar's
    circuits: 16 on 2 qubits, 20-40 on 4, 72 on 10).

    >>> default_params(4)
    32
    """
    return 8 * int(n_qubits)


__all__ = ["Candidate", "connected_qubits", "default_params", "device_candidate",
           "mapping_score", "native_gates", "place_gates", "sample_mapping", "softmax"]
