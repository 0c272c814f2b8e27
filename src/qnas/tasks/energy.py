"""Energies of a Hamiltonian as measured on a device: qubit-wise commuting groups, one
measurement circuit per group (basis rotations appended), readout error included.

>>> groups, const = measurement_groups([("II", -1.0), ("ZI", 0.5), ("IZ", 0.5), ("XX", 0.2)])
>>> [(basis, [t for t, _ in terms]) for basis, terms in groups], const
([('ZZ', ['ZI', 'IZ']), ('XX', ['XX'])], -1.0)
"""

from __future__ import annotations

import torch

from qnas.ir import Circuit, Op


def measurement_groups(terms) -> tuple[list[tuple[str, list]], float]:
    """Greedy qubit-wise commuting groups ``[(basis, [(label, coeff), ...])]`` + identity part.

    ``basis`` has one letter per qubit (Qiskit order, rightmost = qubit 0); qubits no term of the
    group touches are measured in Z.
    """
    groups: list[tuple[list[str], list]] = []
    const = 0.0
    for label, coeff in terms:
        if set(label) <= {"I"}:
            const += float(coeff)
            continue
        for basis, members in groups:
            if all(c == "I" or b in ("I", c) for b, c in zip(basis, label)):
                for i, c in enumerate(label):
                    if c != "I":
                        basis[i] = c
                members.append((label, float(coeff)))
                break
        else:
            groups.append((list(label), [(label, float(coeff))]))
    return [("".join(b).replace("I", "Z"), m) for b, m in groups], const


def rotated(circuit: Circuit, basis: str) -> Circuit:
    """``circuit`` followed by the rotations that measure ``basis`` in the Z basis."""
    ops = list(circuit.ops)
    for q, ch in enumerate(reversed(basis)):
        if ch == "X":
            ops.append(Op("h", (q,)))
        elif ch == "Y":
            ops += [Op("sdg", (q,)), Op("h", (q,))]
    return Circuit(circuit.n_qubits, tuple(ops), circuit.parameters, circuit.inputs)


def parity_signs(labels: list[str], n: int, dtype=torch.float64) -> torch.Tensor:
    """``[2**n, len(labels)]``: +-1 parity of each outcome over each label's support."""
    idx = torch.arange(2**n)
    cols = []
    for label in labels:
        mask = sum(1 << q for q, ch in enumerate(reversed(label)) if ch != "I")
        bits = idx & mask
        parity = torch.zeros_like(idx)
        for q in range(n):
            parity ^= (bits >> q) & 1
        cols.append(1 - 2 * parity)
    return torch.stack(cols, -1).to(dtype)


def energy_from_probabilities(probs_by_group: list[torch.Tensor], groups, const, n: int):
    """``const + sum_k c_k <P_k>`` from each group's outcome probabilities ``[2**n]``."""
    total = torch.tensor(const, dtype=torch.float64)
    for p, (_, members) in zip(probs_by_group, groups):
        signs = parity_signs([t for t, _ in members], n, p.dtype)
        coeffs = torch.tensor([c for _, c in members], dtype=p.dtype)
        total = total + (p @ signs @ coeffs).to(torch.float64)
    return total


def noisy_energy(circuit: Circuit, params: torch.Tensor, terms, target, layout=None,
                 seed: int = 0, method: str = "density") -> torch.Tensor:
    """Energy of ``circuit`` compiled onto ``target`` with ``layout``, measured group by group
    under the device's noise (gate errors, relaxation, readout): the infinite-shot limit of
    what :func:`qnas.backends.aer_eval.aer_energy` estimates. Differentiable in ``params``.
    Each measurement circuit goes through :func:`qnas.noisy.device_probabilities` (compiled
    once per group and cached; ``seed`` is the transpiler seed)."""
    from qnas.noisy import device_probabilities

    groups, const = measurement_groups(terms)
    probs = [device_probabilities(rotated(circuit, basis), params, None, target, layout,
                                  method=method, seed=seed)[0]
             for basis, _ in groups]
    return energy_from_probabilities(probs, groups, const, circuit.n_qubits)


def noiseless_energy(circuit: Circuit, params: torch.Tensor, terms,
                     dtype=torch.complex64) -> torch.Tensor:
    """``<psi(params)|H|psi(params)>`` of the noise-free statevector."""
    import qnas
    from qnas.sim.pauli import PauliSum

    return qnas.expval(circuit, PauliSum(list(terms)), params=params, dtype=dtype)[0]
