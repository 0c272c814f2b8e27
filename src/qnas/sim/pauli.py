"""Pauli strings and weighted Pauli sums, evaluated without 2^n x 2^n matrices.

A Pauli string acts as ``P|i> = phase(i) |i XOR x_mask>``; terms sharing ``x_mask`` are
merged into one vector of phases, so ``<psi|H|psi>`` costs one gather and one product per
distinct ``x_mask``.

>>> import torch
>>> h = PauliSum([("ZI", 0.5), ("XX", 1.0)])  # Qiskit order: rightmost char is qubit 0
>>> h.n_qubits, len(h)
(2, 2)
>>> s = torch.tensor([[1, 0, 0, 0]], dtype=torch.complex64)
>>> h.expectation(s).tolist()
[0.5]
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from qnas.sim.cache import LRUCache

_VALID = set("IXYZ")


class PauliSum:
    """``sum_k coeff_k P_k`` with Pauli strings in Qiskit order (rightmost = qubit 0)."""

    def __init__(self, terms: Iterable[tuple[str, float]] | str):
        if isinstance(terms, str):
            terms = [(terms, 1.0)]
        out = []
        n = None
        for t in terms:
            try:
                label, coeff = t
            except (TypeError, ValueError):
                msg = f"PauliSum terms are (pauli_string, coeff) pairs, got {t!r}"
                raise ValueError(msg) from None
            label = str(label).upper()
            bad = set(label) - _VALID
            if bad or not label:
                raise ValueError(f"invalid Pauli string {label!r}: use only I, X, Y, Z")
            if n is None:
                n = len(label)
            elif len(label) != n:
                raise ValueError(f"Pauli strings of different lengths: {n} and {len(label)}")
            c = complex(coeff)
            if abs(c.imag) > 1e-12:
                raise ValueError(f"coefficient of {label} is complex ({coeff}); use Hermitian sums")
            out.append((label, c.real))
        if not out:
            raise ValueError("PauliSum needs at least one term")
        self.terms: tuple[tuple[str, float], ...] = tuple(out)
        self.n_qubits: int = n
        self._cache: dict = {}

    @classmethod
    def from_sparse_pauli_op(cls, op) -> PauliSum:
        """From a Qiskit ``SparsePauliOp`` (same string order)."""
        return cls([(str(p), complex(c)) for p, c in zip(op.paulis, op.coeffs)])

    @classmethod
    def z(cls, wire: int, n_qubits: int) -> PauliSum:
        """``Z`` on one wire."""
        s = ["I"] * n_qubits
        s[n_qubits - 1 - wire] = "Z"
        return cls([("".join(s), 1.0)])

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        body = " + ".join(f"{c:g}*{p}" for p, c in self.terms[:6])
        return f"PauliSum({body}{' + ...' if len(self) > 6 else ''})"

    @property
    def z_diagonal(self) -> bool:
        """Only ``I``/``Z`` factors: the operator is diagonal in the computational basis."""
        return all(set(label) <= {"I", "Z"} for label, _ in self.terms)

    def diagonal(self, dtype=torch.float32, device=None) -> torch.Tensor:
        """The real diagonal ``[2**n]`` of a :attr:`z_diagonal` sum."""
        if not self.z_diagonal:
            raise ValueError(f"{self!r} has X or Y factors; it is not diagonal")
        key = ("diag", dtype, device)
        if key not in self._cache:
            idx = torch.arange(2**self.n_qubits)
            out = torch.zeros(2**self.n_qubits, dtype=torch.float64)
            for label, coeff in self.terms:
                z = sum(1 << pos for pos, ch in enumerate(reversed(label)) if ch == "Z")
                out += coeff * (1.0 - 2.0 * _popcount_parity(idx & z).to(torch.float64))
            self._cache[key] = out.to(dtype=dtype, device=device)
        return self._cache[key]

    # -- compiled form -----------------------------------------------------------
    def groups(self, dtype, device):
        """[(x_mask, flip_index | None, phase_vector)], cached per dtype/device."""
        key = (dtype, device)
        if key in self._cache:
            return self._cache[key]
        n = self.n_qubits
        idx = torch.arange(2**n, device=device)
        by_x: dict[int, torch.Tensor] = {}
        for label, coeff in self.terms:
            x = z = ny = 0
            for pos, ch in enumerate(reversed(label)):
                if ch in "XY":
                    x |= 1 << pos
                if ch in "ZY":
                    z |= 1 << pos
                ny += ch == "Y"
            parity = _popcount_parity(idx & z)
            sign = (1.0 - 2.0 * parity.to(torch.float64)).to(torch.complex128)
            vec = sign * (coeff * (1j**ny))
            by_x[x] = by_x.get(x, 0) + vec
        out = []
        for x, vec in by_x.items():
            flip = None if x == 0 else (idx ^ x)
            out.append((x, flip, vec.to(dtype)))
        self._cache[key] = out
        return out

    def expectation(self, state: torch.Tensor) -> torch.Tensor:
        """``<psi|H|psi>`` for states ``[B, 2**n]`` -> ``[B]`` (real)."""
        if state.shape[-1] != 2**self.n_qubits:
            raise ValueError(
                f"observable acts on {self.n_qubits} qubits but the state has "
                f"{state.shape[-1]} amplitudes"
            )
        total = None
        for _x, flip, vec in self.groups(state.dtype, state.device):
            if flip is None:
                val = (state.real**2 + state.imag**2) @ vec.real
            else:
                val = (state[:, flip].conj() * vec * state).sum(-1).real
            total = val if total is None else total + val
        return total

    def expectation_density(self, rho: torch.Tensor) -> torch.Tensor:
        """``Tr(rho H)`` for density matrices ``[B, N, N]`` -> ``[B]``."""
        total = None
        for _x, flip, vec in self.groups(rho.dtype, rho.device):
            # Tr(rho P) = sum_i phase(i) rho[i, i^x]
            rows = torch.arange(rho.shape[-1], device=rho.device)
            cols = rows if flip is None else flip
            val = (rho[:, rows, cols] * vec).sum(-1).real
            total = val if total is None else total + val
        return total


_DIAG_CACHE = LRUCache(maxsize=64)


def diagonal_readout(observables, dtype, device, interleaved: bool = False,
                     order: tuple | None = None) -> torch.Tensor:
    """``[2**n, k]``: the diagonals of ``k`` :attr:`~PauliSum.z_diagonal` sums as columns, so
    that ``probabilities @ M`` gives all ``k`` expectations in one matmul. ``interleaved``
    repeats every row twice, for ``view_as_real(state).reshape(B, -1).square() @ M``;
    ``order`` (qubits from the most significant axis down) reorders the rows for a state whose
    qubit axes are permuted. Cached on the terms (not on the objects).

    >>> diagonal_readout([PauliSum("IZ"), PauliSum("ZI")], torch.float32, None).tolist()
    [[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]
    >>> diagonal_readout([PauliSum("IZ")], torch.float32, None, order=(0, 1)).tolist()
    [[1.0], [1.0], [-1.0], [-1.0]]
    """
    key = (tuple(o.terms for o in observables), dtype, str(device), interleaved, order)

    def build():
        m = torch.stack([o.diagonal(torch.float64) for o in observables], -1)
        if order is not None:
            n = len(order)
            j = torch.arange(2**n)
            canon = sum(((j >> (n - 1 - a)) & 1) << q for a, q in enumerate(order))
            m = m[canon]
        if interleaved:
            m = m.repeat_interleave(2, 0)
        return m.to(dtype=dtype, device=device)

    return _DIAG_CACHE.get(key, build)


def _popcount_parity(v: torch.Tensor) -> torch.Tensor:
    p = torch.zeros_like(v)
    while bool((v != 0).any()):
        p ^= v & 1
        v = v >> 1
    return p
