"""Representational capacity (RepCap, Élivágar): do a circuit's output states keep classes apart?

For each of ``P`` random parameter vectors (angles uniform in ``[0, 2 pi)``): the fidelity
matrix ``F[i, j] = |<psi_i|psi_j>|^2`` of the noiseless output states over a small labelled
sample, thresholded at its mean off-diagonal value (``F > mean`` -> 1, else 0); the thresholded
matrices are averaged over the ``P`` vectors into ``A``. With the ideal matrix ``I`` (1 where
two inputs share a class, else 0) and weights ``W`` (1 for same-class pairs, ``1/(C-1)`` for
different-class pairs, so both kinds of pair weigh alike for balanced classes)::

    RepCap = 1 - sum(W * (A - I)**2) / (2 * sum(I))

in ``[0, 1]`` for balanced classes: 1 when every class lands on its own orthogonal states,
0.5 when every pair looks alike, ``1 - (m-1)/(2m)`` when every pair looks apart (the
thresholded matrix of an input-blind circuit: all fidelities equal, none above the mean;
``m`` inputs per class).

``measured=`` (wires) compares what a readout of those wires sees instead: the fidelity of the
measured states, ``(sum_k sqrt(p_i[k] p_j[k]))**2`` over the computational-basis
distributions of those wires. The pipeline uses it because its candidates encode all inputs
first (the task's encoder) and the state fidelity is blind to anything after that: a
unitary ``U`` applied to every state leaves ``|<psi_i|U^dag U|psi_j>|^2`` unchanged, so every
ansatz after the same encoder would get the same RepCap. Statevectors come from
:func:`qnas.simulate`.

>>> import torch
>>> from qnas.ir import Circuit, Op, inp, param
>>> x, y = torch.tensor([[0.0], [0.1], [3.1], [3.0]]), torch.tensor([0, 0, 1, 1])
>>> reads = Circuit(1, [Op("ry", (0,), (inp("x0"),)), Op("rz", (0,), (param("w"),))])
>>> ignores = Circuit(1, [Op("rz", (0,), (inp("x0"),)), Op("rz", (0,), (param("w"),))])
>>> repcap(reads, x, y, n_params=8), repcap(ignores, x, y, n_params=8)
(1.0, 0.75)
>>> repcap(reads, x, y, n_params=8, measured=(0,))
1.0
"""

from __future__ import annotations

import numpy as np
import torch


def balanced_sample(y, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of up to ``per_class`` inputs of each class (drawn without replacement),
    grouped by class.

    >>> balanced_sample(np.array([0, 1, 0, 1, 1]), 1, np.random.default_rng(0)).size
    2
    """
    y = np.asarray(y)
    out = [rng.permutation(np.flatnonzero(y == c))[: int(per_class)] for c in np.unique(y)]
    return np.concatenate(out)


def fidelity_matrices(states: torch.Tensor, measured=None) -> torch.Tensor:
    """``[P, M, M]`` fidelities of states ``[P, M, D]``: ``|<psi_i|psi_j>|^2``, or with
    ``measured`` wires those of their computational-basis distributions (module docstring)."""
    if measured is None:
        overlap = torch.einsum("pid,pjd->pij", states.conj(), states)
        return overlap.abs() ** 2
    from qnas.compile.compiler import marginal

    n = int(states.shape[-1]).bit_length() - 1
    amp = marginal(states.abs() ** 2, n, tuple(measured)).clamp_min(0).sqrt()
    return torch.einsum("pik,pjk->pij", amp, amp) ** 2


def thresholded(fid: torch.Tensor) -> torch.Tensor:
    """Each ``[M, M]`` matrix of ``fid`` as 1 above its mean off-diagonal value, else 0
    (above by more than ``1e-6``, so that rounding cannot split equal fidelities)."""
    m = fid.shape[-1]
    off = ~torch.eye(m, dtype=torch.bool)
    mean = fid[..., off].mean(-1)
    return (fid > mean[..., None, None] + 1e-6).to(torch.float64)


def repcap_from_matrix(a: torch.Tensor, y) -> float:
    """RepCap of an averaged thresholded matrix ``a`` ``[M, M]`` for labels ``y`` ``[M]``
    (``a``'s diagonal counts as 1: a state is its own closest)."""
    y = torch.as_tensor(np.asarray(y))
    same = (y[:, None] == y[None, :]).to(torch.float64)
    n_classes = int(torch.unique(y).numel())
    w_diff = 1.0 / (n_classes - 1) if n_classes > 1 else 1.0
    weight = same + (1 - same) * w_diff
    a = a.to(torch.float64).clone()
    a.fill_diagonal_(1.0)
    return float(1 - (weight * (a - same) ** 2).sum() / (2 * same.sum()))


def repcap(circuit, x, y, n_params: int = 32, rng: np.random.Generator | None = None,
           measured=None, dtype=torch.complex64) -> float:
    """RepCap of ``circuit`` (inputs ``x`` ``[M, F]``, labels ``y`` ``[M]``) over
    ``n_params`` random parameter vectors; ``measured`` wires: see the module docstring."""
    rng = np.random.default_rng(0) if rng is None else rng
    x = torch.as_tensor(x, dtype=torch.float32)
    m, p_count = len(x), int(n_params)
    if m < 2 or len(y) != m:
        raise ValueError(f"RepCap needs >= 2 labelled inputs, got {m} inputs, {len(y)} labels")
    if p_count < 1:
        raise ValueError(f"RepCap needs at least 1 parameter vector, got {n_params}")
    n_w = len(circuit.parameters)
    theta = torch.tensor(rng.uniform(0, 2 * np.pi, size=(p_count, n_w)), dtype=torch.float32)
    fid = fidelity_matrices(output_states(circuit, theta, x, dtype), measured)
    return repcap_from_matrix(thresholded(fid).mean(0), y)


def output_states(circuit, theta: torch.Tensor, x: torch.Tensor, dtype=torch.complex64):
    """Noiseless output states ``[P, M, 2**n]`` of ``circuit`` for every parameter vector
    (rows of ``theta``, in ``circuit.parameters`` order) and every input (rows of ``x``).

    An encoder-then-ansatz circuit (no parameter before its last input) on a register no
    larger than the sample runs the ansatz once per parameter vector on the basis states
    (its unitary's columns) and applies it to the encoded inputs; otherwise each parameter
    vector is one simulation with the parameters shared by the batch of inputs.

    >>> from qnas.ir import Circuit, Op, inp, param
    >>> c = Circuit(1, [Op("ry", (0,), (inp("x0"),)), Op("rz", (0,), (param("w"),))])
    >>> output_states(c, torch.zeros(3, 1), torch.zeros(5, 1)).shape
    torch.Size([3, 5, 2])
    """
    from qnas.sim import oneshot

    p_count, m = len(theta), len(x)
    if not circuit.parameters and not circuit.inputs:
        return noiseless_states(circuit, dtype=dtype).expand(p_count, m, -1)
    if not circuit.parameters:
        return noiseless_states(circuit, None, x, dtype).expand(p_count, -1, -1)
    if not circuit.inputs:
        return noiseless_states(circuit, theta, None, dtype)[:, None].expand(-1, m, -1)
    split = encoder_split(circuit)
    dim = 2 ** circuit.n_qubits
    if split is not None and dim <= m:
        encoder, ansatz = split
        columns = [circuit.parameters.index(name) for name in ansatz.parameters]
        encoded = noiseless_states(encoder, None, x, dtype)  # [M, D]
        if circuit.n_qubits <= oneshot.MAX_QUBITS:
            u = oneshot.unitary(ansatz, theta[:, columns], None, dtype)  # [P, d, j]
            return torch.einsum("mj,pdj->pmd", encoded, u)
        basis = torch.eye(dim, dtype=dtype).repeat(p_count, 1)
        images = noiseless_states(ansatz, theta[:, columns].repeat_interleave(dim, 0), None,
                                  dtype, initial_state=basis).reshape(p_count, dim, dim)
        return torch.einsum("mj,pjd->pmd", encoded, images)  # images: [P, j, U e_j]
    return torch.stack([noiseless_states(circuit, t[None], x, dtype) for t in theta])


def noiseless_states(circuit, params=None, inputs=None, dtype=torch.complex64, initial_state=None):
    """Noiseless statevectors: :func:`qnas.sim.oneshot.statevector` on small registers (each
    candidate runs once: no plan), else :func:`qnas.simulate`."""
    from qnas.sim import oneshot

    if circuit.n_qubits <= oneshot.MAX_QUBITS:
        return oneshot.statevector(circuit, params, inputs, dtype, initial_state)
    from qnas.sim import simulate as planned

    return planned(circuit, params, inputs, dtype, initial_state=initial_state)


def encoder_split(circuit):
    """``(encoder, ansatz)``: the ops up to the last one that reads an input, and the rest,
    when the circuit reads inputs and no op of the first part reads a trainable parameter;
    else None."""
    from qnas.ir import INPUT, PARAM, Circuit

    reads = [{getattr(p, "kind", None) for p in op.params} for op in circuit.ops]
    last = max((i for i, kinds in enumerate(reads) if INPUT in kinds), default=None)
    if last is None or any(PARAM in kinds for kinds in reads[: last + 1]):
        return None
    return (Circuit(circuit.n_qubits, circuit.ops[: last + 1]),
            Circuit(circuit.n_qubits, circuit.ops[last + 1 :]))


__all__ = ["balanced_sample", "encoder_split", "fidelity_matrices", "output_states", "repcap",
           "repcap_from_matrix", "thresholded"]
