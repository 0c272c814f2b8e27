"""CNR's noisy outputs of Clifford circuits under Pauli-twirled device noise, without a
density matrix: exact for the twirled channels, at any register size the statevector allows.

A Clifford replica (:mod:`qnas.elivagar.cnr`) with Pauli noise ends in the noiseless state
hit by a random Pauli error: every error location's Pauli, conjugated through the rest of
the circuit, is a Pauli at the end, and only its X part matters to a computational-basis
readout (it flips those bits). So the noisy distribution is the noiseless one XOR-convolved
with the distribution ``q`` of the accumulated flip mask::

    p_noisy(b) = sum_x q(x) p_clean(b ^ x),   hat(p_noisy) = hat(p_clean) * hat(q)

(``hat`` = Walsh-Hadamard transform), and ``hat(q)(s)`` is the product over error
locations of ``sum_P prob(P) (-1)^(s . mask(P))``. This module

* conjugates each location's Pauli generators to the end with one backward sweep over the
  circuit, keeping only the flip masks (an X or Z generator's X part at the end, as bits):
  each Clifford gate's action on the Pauli generators is read off its matrix
  (:func:`clifford_tables`; ``rz`` at multiples of pi/2, ``sx``, ``x``, ``cx``, ``cz``,
  ``ecr``, ... alike);
* takes ``log hat(q)`` as a sum of Walsh characters, one coefficient per (location, subset
  of its generators' masks), so the whole product is one scatter-add and one transform;
* gets ``p_clean`` from a noiseless statevector.

Device noise enters as :class:`qnas.noise.NoiseModel` with ``twirl_relaxation=True``
(depolarizing stays as it is; each thermal relaxation becomes its Pauli twirl, as a
stabilizer simulator would need it too). Readout error is applied afterwards as everywhere.
:func:`twirled_tvds` equals the exact density matrix run with that twirled model (tested);
the untwirled relaxation's non-unital part (decay towards ``|0>``) is what it leaves out.

>>> import numpy as np, torch
>>> from qnas.ir import Circuit, Op
>>> from qnas.elivagar.cnr import physical_device_circuit
>>> c = Circuit(2, [Op("sx", (0,)), Op("cx", (0, 1)), Op("x", (1,))])
>>> dc = physical_device_circuit(c, "santiago", (1, 2))
>>> t = twirled_tvds(dc, None, None)
>>> len(t), 0.0 < t[0] < 0.1, twirled_tvds(dc, None, None, scale=0.0)[0] < 1e-12
(1, True, True)
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from qnas.ir import Circuit


class NotClifford(ValueError):
    """The circuit (with these angles) is not Clifford, or its noise is not a Pauli channel
    (the caller falls back to the density matrix)."""


@functools.lru_cache(maxsize=8)
def _pauli_basis(k: int) -> tuple[torch.Tensor, np.ndarray]:
    """``(paulis [4**k, d, d], bits [4**k, 2k])``: every ``k``-qubit Pauli (label char i on
    the op's wire i, the most significant) and its ``(x_0, z_0, x_1, z_1, ...)`` bits."""
    from qnas.noise.channels import _pauli_stack, pauli_labels

    bits = [[b for ch in label for b in (ch in "XY", ch in "ZY")] for label in pauli_labels(k)]
    return _pauli_stack(k, torch.complex128, "cpu"), np.array(bits, dtype=bool)


def clifford_tables(mats: torch.Tensor) -> np.ndarray:
    """How Clifford matrices ``[..., d, d]`` (``k`` wires) conjugate the Pauli generators:
    ``T[..., g, c]`` is True when generator ``c`` is a factor of ``U g U^dag`` (up to phase),
    generators ordered ``X_0, Z_0, X_1, Z_1, ...`` (wire 0 = the op's first wire).

    >>> h = torch.tensor([[1, 1], [1, -1]], dtype=torch.complex128) / 2**0.5
    >>> clifford_tables(h).astype(int).tolist()  # H swaps X and Z
    [[0, 1], [1, 0]]
    """
    d = mats.shape[-1]
    k = d.bit_length() - 1
    paulis, bits = _pauli_basis(k)
    gens = torch.stack([paulis[4 ** (k - 1 - j) * p] for j in range(k) for p in (1, 3)])
    u = mats.to(torch.complex128)[..., None, :, :]
    conj = u @ gens @ u.conj().transpose(-1, -2)  # [..., 2k, d, d]
    coef = torch.einsum("qij,...gij->...gq", paulis.conj(), conj).abs() / d
    best = coef.max(-1)
    if not bool(torch.all((best.values - 1).abs() < 1e-6)):
        raise NotClifford("a gate is not Clifford (angles not multiples of pi/2)")
    return bits[best.indices.numpy()]


def walsh(x: np.ndarray) -> np.ndarray:
    """Walsh-Hadamard transform over the last axis (``2**n`` entries), unnormalised:
    ``out[s] = sum_b x[b] (-1)^popcount(s & b)``.

    >>> walsh(np.array([1.0, 0.0, 0.0, 0.0])).tolist(), walsh(np.array([0.0, 1.0])).tolist()
    ([1.0, 1.0, 1.0, 1.0], [1.0, -1.0])
    """
    shape = x.shape
    n = shape[-1].bit_length() - 1
    y = np.array(x, dtype=np.float64).reshape(-1, 2**n)
    for q in range(n):
        y = y.reshape(y.shape[0], -1, 2, 2**q)
        y = np.stack([y[:, :, 0] + y[:, :, 1], y[:, :, 0] - y[:, :, 1]], axis=2)
    return y.reshape(shape)


@functools.lru_cache(maxsize=4096)
def _channel_terms(channel) -> tuple[np.ndarray, np.ndarray]:
    """``(subsets [4**k, 2k] bool, coef [4**k])`` of a Pauli channel op on ``k`` wires:
    ``log sum_P prob(P) (-1)^(s . mask(P)) = sum_T coef[T] (-1)^(s . xor of the masks in T)``
    where the masks are the location's generator masks (``X_0, Z_0, ...``)."""
    from qnas.noise.channels import pauli_labels, pauli_probabilities

    labels, probs = pauli_probabilities(channel)
    k = len(channel.wires)
    _, bits = _pauli_basis(k)  # rows in pauli_labels(k) order
    index = {lab: i for i, lab in enumerate(pauli_labels(k))}
    p = np.zeros(4**k)
    for lab, v in zip(labels, probs.tolist(), strict=True):
        p[index[lab]] += v
    # bit patterns t of the 2k characters (-1)^(s . mask_c): w_t = sum_P p_P (-1)^(bits_P . t)
    sign = np.where((bits.astype(int) @ bits.T.astype(int)) % 2, -1.0, 1.0)  # [P, t]
    w = p @ sign
    if np.any(w <= 0):
        raise NotClifford(f"channel {channel.gate} on {channel.wires} is too strong for the "
                          "log-domain product (a Walsh factor <= 0)")
    coef = (sign @ np.log(w)) / 4**k  # inverse transform over the 2k bits
    return bits, coef


def _flip_log_characters(circuit: Circuit, tables: list, noise, rows: int):
    """``(c0, A)``: ``log hat(q)(s) = c0 + sum_m A[r, m] (-1)^(s . m)`` for each row ``r``."""
    from qnas.noise.channels import is_pauli_channel

    n = circuit.n_qubits
    fx = np.broadcast_to(1 << np.arange(n, dtype=np.int64), (rows, n)).copy()  # X_q -> bit q
    fz = np.zeros((rows, n), dtype=np.int64)  # Z_q flips nothing
    c0 = 0.0
    idx, vals = [], []
    for op, table in zip(reversed(circuit.ops), reversed(tables), strict=True):
        for ch in noise(op.gate, op.wires):  # errors right after op: the suffix as it is now
            if not is_pauli_channel(ch):
                raise NotClifford(f"channel {ch.gate} is not a Pauli channel")
            subsets, coef = _channel_terms(ch)
            base = np.stack([f[:, w] for w in ch.wires for f in (fx, fz)], 1)  # [R, 2k]
            masks = np.bitwise_xor.reduce(np.where(subsets[None], base[:, None, :], 0), -1)
            c0 += coef[0]
            idx.append(masks[:, 1:])
            vals.append(np.broadcast_to(coef[1:], masks[:, 1:].shape))
        if table is None:
            continue
        w = list(op.wires)
        local = np.stack([f[:, q] for q in w for f in (fx, fz)], 1)  # [R, 2k]
        new = np.bitwise_xor.reduce(np.where(table, local[:, None, :], 0), -1)
        fx[:, w], fz[:, w] = new[:, 0::2], new[:, 1::2]
    a = np.zeros((rows, 2**n))
    if idx:
        flat = (np.concatenate(idx, 1) + (np.arange(rows) * 2**n)[:, None]).ravel()
        a = np.bincount(flat, np.concatenate(vals, 1).ravel(), rows * 2**n).reshape(rows, -1)
    return c0, a


def _op_tables(circuit: Circuit, mats: list, rows: int) -> list:
    """Per op: its conjugation table, ``[2k, 2k]`` for a gate shared by the rows, ``[R, 2k,
    2k]`` for one that reads them (or None where it maps every generator to itself, e.g.
    ``x``, ``rz(pi)``: nothing to update)."""
    out: list = [None] * len(mats)
    by_size: dict[int, list] = {}
    for i, m in enumerate(mats):
        if m is None:
            raise NotClifford(f"op {circuit.ops[i].gate} is a channel inside the circuit")
        by_size.setdefault(m.shape[-1], []).append(i)
    for d, ops in by_size.items():
        eye = np.eye(2 * (d.bit_length() - 1), dtype=bool)
        shared = [i for i in ops if mats[i].dim() == 2]  # one table for every row
        per_row = [i for i in ops if mats[i].dim() == 3]
        groups = [(shared, torch.stack([mats[i] for i in shared]) if shared else None),
                  (per_row, torch.stack([mats[i] for i in per_row], -3) if per_row else None)]
        for idx, batch in groups:  # batch: [G, d, d] or [R, G, d, d]
            if batch is None:
                continue
            tables = clifford_tables(batch)
            for j, i in enumerate(idx):
                t = tables[..., j, :, :]
                out[i] = None if np.array_equal(t, np.broadcast_to(eye, t.shape)) else t
    return out


def twirled_noisy_probabilities(dc, params=None, inputs=None, scale: float = 1.0):
    """``(clean, noisy)`` logical output distributions ``[R, 2**n_logical]`` of ``dc``'s
    Clifford circuit (a :class:`~qnas.noisy.DeviceCircuit`) for each row of ``params`` /
    ``inputs``: noiseless, and under the device noise with Pauli-twirled relaxation and
    readout error. Raises :class:`NotClifford` when the method does not apply."""
    from qnas.noise import apply_readout_error
    from qnas.sim import oneshot

    c = dc.circuit
    dtype = torch.complex128
    table, rows = oneshot.value_table(c, params, inputs, dtype)
    tables = _op_tables(c, oneshot.gate_matrices(c, table, dtype), rows)
    model = dc.compiled.noise_model(scale, twirl_relaxation=True)
    c0, a = _flip_log_characters(c, tables, model.gate_noise, rows)
    if c.n_qubits <= oneshot.MAX_QUBITS:
        psi = oneshot.statevector(c, params, inputs, dtype)
    else:
        from qnas.sim import simulate

        psi = simulate(c, params, inputs, dtype)
    clean = (psi.abs() ** 2).reshape(-1, 2**c.n_qubits).expand(rows, -1).numpy()
    noisy = walsh(walsh(clean) * np.exp(c0 + walsh(a))) / 2**c.n_qubits
    clean_t, noisy_t = (dc.compiled.logical_probabilities(torch.from_numpy(np.ascontiguousarray(
        t))) for t in (clean, noisy.clip(0, None)))
    return clean_t, apply_readout_error(noisy_t, dc.readout_matrices(scale, noisy_t.dtype))


def twirled_tvds(dc, params=None, inputs=None, scale: float = 1.0) -> list[float]:
    """TVD between the noiseless and the noisy (twirled noise, readout error) output
    distributions of ``dc``'s Clifford circuit for each row of ``params``/``inputs``
    (:func:`twirled_noisy_probabilities`)."""
    from qnas.elivagar.cnr import tvd

    clean, noisy = twirled_noisy_probabilities(dc, params, inputs, scale)
    return [float(v) for v in tvd(clean, noisy)]


__all__ = ["NotClifford", "clifford_tables", "twirled_noisy_probabilities", "twirled_tvds",
           "walsh"]
