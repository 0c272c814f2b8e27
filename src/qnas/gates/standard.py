"""The standard gate set (Qiskit's definitions, textbook wire order).

>>> import torch
>>> from qnas.gates import get_gate
>>> get_gate("rx").matrix(torch.tensor([math.pi]), torch.complex64).abs().round().tolist()
[[0.0, 1.0], [1.0, 0.0]]
"""

from __future__ import annotations

import math

import torch

from qnas.gates.registry import GateDef, register

_S2 = 1.0 / math.sqrt(2.0)


def _const(rows) -> callable:
    """A parameter-free gate: the matrix is built once per dtype/device and cached."""
    cache: dict = {}

    def build(p: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        key = (dtype, p.device)
        if key not in cache:
            cache[key] = torch.tensor(rows, dtype=dtype, device=p.device)
        return cache[key]

    return build


def _cplx(re: torch.Tensor, im: torch.Tensor | None, dtype) -> torch.Tensor:
    if im is None:
        return re.to(dtype)
    return torch.complex(re, im).to(dtype)


def _real_dtype(dtype):
    return torch.float64 if dtype == torch.complex128 else torch.float32


def _expi(x: torch.Tensor, dtype) -> torch.Tensor:
    x = x.to(_real_dtype(dtype))
    return torch.polar(torch.ones_like(x), x).to(dtype)


def _mat2(a, b, c, d) -> torch.Tensor:
    """Stack four [...] complex tensors into [..., 2, 2]."""
    return torch.stack([torch.stack([a, b], -1), torch.stack([c, d], -1)], -2)


def _controlled(u: torch.Tensor, n_controls: int = 1) -> torch.Tensor:
    """Block-diagonal (I, ..., I, U) for a [..., d, d] target matrix."""
    d = u.shape[-1]
    D = d * 2**n_controls
    out = torch.zeros(u.shape[:-2] + (D, D), dtype=u.dtype, device=u.device)
    out.diagonal(dim1=-2, dim2=-1)[..., : D - d] = 1
    out[..., D - d :, D - d :] = u
    return out


# --- single-qubit parametric -------------------------------------------------
def rx(p, dtype):
    t = p[..., 0].to(_real_dtype(dtype)) / 2
    c = _cplx(torch.cos(t), None, dtype)
    s = _cplx(torch.zeros_like(t), -torch.sin(t), dtype)
    return _mat2(c, s, s, c)


def ry(p, dtype):
    t = p[..., 0].to(_real_dtype(dtype)) / 2
    c, s = _cplx(torch.cos(t), None, dtype), _cplx(torch.sin(t), None, dtype)
    return _mat2(c, -s, s, c)


def rz_diag(p, dtype):
    t = p[..., 0] / 2
    return torch.stack([_expi(-t, dtype), _expi(t, dtype)], -1)


def p_diag(p, dtype):
    lam = p[..., 0]
    return torch.stack([torch.ones_like(_expi(lam, dtype)), _expi(lam, dtype)], -1)


def u3(p, dtype):
    # Entries are magnitude x phase: (c, -s, s, c) x exp(i (0, lam, phi, phi + lam)), built
    # from two small tensors so the autograd graph stays short for batched gate groups.
    # (Not torch.polar: its gradient assumes a non-negative magnitude.)
    rd = _real_dtype(dtype)
    p = p.to(rd)
    half = p[..., 0] / 2
    c, s = torch.cos(half), torch.sin(half)
    mag = torch.stack([c, -s, s, c], -1)
    phase = p[..., 1:] @ _U3_PHASES.to(dtype=rd, device=p.device)
    out = torch.complex(mag * torch.cos(phase), mag * torch.sin(phase))
    return out.to(dtype).reshape(p.shape[:-1] + (2, 2))


_U3_PHASES = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])  # (phi, lam) -> phases


def u2(p, dtype):
    full = torch.cat([torch.full_like(p[..., :1], math.pi / 2), p], -1)
    return u3(full, dtype)


def rphi(p, dtype):
    """Qiskit's R(theta, phi): rotation by theta about cos(phi) X + sin(phi) Y."""
    rd = _real_dtype(dtype)
    th, ph = p[..., 0].to(rd), p[..., 1].to(rd)
    c = torch.cos(th / 2).to(dtype)
    s = torch.sin(th / 2).to(dtype)
    mi = torch.tensor(-1j, dtype=dtype, device=p.device)
    return _mat2(c, mi * _expi(-ph, dtype) * s, mi * _expi(ph, dtype) * s, c)


def _diag_matrix(diag_fn):
    def build(p, dtype):
        return torch.diag_embed(diag_fn(p, dtype))

    return build


# --- two-qubit parametric ----------------------------------------------------
def _pauli_rot(pa: torch.Tensor):
    """exp(-i t/2 P) for a constant Hermitian, involutory 4x4 P."""

    def build(p, dtype):
        t = p[..., 0].to(_real_dtype(dtype)) / 2
        P = pa.to(dtype=dtype, device=p.device)
        eye = torch.eye(P.shape[-1], dtype=dtype, device=p.device)
        c = torch.cos(t).to(dtype)[..., None, None]
        s = torch.sin(t).to(dtype)[..., None, None]
        return c * eye - 1j * s * P

    return build


_X = torch.tensor([[0, 1], [1, 0]], dtype=torch.complex128)
_Y = torch.tensor([[0, -1j], [1j, 0]], dtype=torch.complex128)
_Z = torch.tensor([[1, 0], [0, -1]], dtype=torch.complex128)
_I = torch.eye(2, dtype=torch.complex128)


def rzz_diag(p, dtype):
    t = p[..., 0] / 2
    a, b = _expi(-t, dtype), _expi(t, dtype)
    return torch.stack([a, b, b, a], -1)


def cp_diag(p, dtype):
    e = _expi(p[..., 0], dtype)
    one = torch.ones_like(e)
    return torch.stack([one, one, one, e], -1)


def crz_diag(p, dtype):
    t = p[..., 0] / 2
    a, b = _expi(-t, dtype), _expi(t, dtype)
    one = torch.ones_like(a)
    return torch.stack([one, one, a, b], -1)


def _ctrl(fn, n_controls=1):
    def build(p, dtype):
        return _controlled(fn(p, dtype), n_controls)

    return build


def cu(p, dtype):
    """Qiskit's CU(theta, phi, lambda, gamma): controlled e^{i gamma} U3."""
    u = u3(p[..., :3], dtype) * _expi(p[..., 3], dtype)[..., None, None]
    return _controlled(u)


def unitary(p, dtype):
    """Arbitrary unitary: params are the row-major real parts then imaginary parts."""
    n2 = p.shape[-1] // 2
    d = math.isqrt(n2)
    re, im = p[..., :n2], p[..., n2:]
    return torch.complex(re, im).to(dtype).reshape(p.shape[:-1] + (d, d))


def _mcx(p, dtype):
    raise RuntimeError("mcx matrices depend on the wire count; use mcx_matrix")


def mcx_matrix(num_wires: int, dtype, device=None) -> torch.Tensor:
    x = torch.tensor([[0, 1], [1, 0]], dtype=dtype, device=device)
    return _controlled(x, num_wires - 1)


_ecr = _S2 * (torch.kron(_X, _I) - torch.kron(_Y, _X))
_iswap = [[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]]
_swap = [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
_h = [[_S2, _S2], [_S2, -_S2]]
_sx = [[0.5 + 0.5j, 0.5 - 0.5j], [0.5 - 0.5j, 0.5 + 0.5j]]
_sxdg = [[0.5 - 0.5j, 0.5 + 0.5j], [0.5 + 0.5j, 0.5 - 0.5j]]
_t = complex(math.cos(math.pi / 4), math.sin(math.pi / 4))


def _const_diag(vals):
    build = _const([vals])

    def diag(p, dtype):
        return build(p, dtype)[0]

    return diag


def _reg_const(name, rows, doc, self_inverse=False, aliases=(), diag=None, qasm=True):
    d = len(rows)
    k = int(math.log2(d))
    dfn = _const_diag(diag) if diag is not None else None
    register(
        GateDef(name, k, 0, _const(rows), doc, diagonal=dfn, self_inverse=self_inverse,
                aliases=aliases, qasm=qasm)
    )


def _cmat(u):
    return _controlled(torch.tensor(u, dtype=torch.complex128)).tolist()


_reg_const("id", [[1, 0], [0, 1]], "Identity.", True, ("i",), diag=[1, 1])
_reg_const("x", [[0, 1], [1, 0]], "Pauli X.", True)
_reg_const("y", [[0, -1j], [1j, 0]], "Pauli Y.", True)
_reg_const("z", [[1, 0], [0, -1]], "Pauli Z.", True, diag=[1, -1])
_reg_const("h", _h, "Hadamard.", True)
_reg_const("s", [[1, 0], [0, 1j]], "Phase S = sqrt(Z).", diag=[1, 1j])
_reg_const("sdg", [[1, 0], [0, -1j]], "S dagger.", diag=[1, -1j])
_reg_const("t", [[1, 0], [0, _t]], "T = sqrt(S).", diag=[1, _t])
_reg_const("tdg", [[1, 0], [0, _t.conjugate()]], "T dagger.", diag=[1, _t.conjugate()])
_reg_const("sx", _sx, "sqrt(X).")
_reg_const("sxdg", _sxdg, "sqrt(X) dagger.")
_reg_const("cx", _cmat([[0, 1], [1, 0]]), "Controlled X (wires: control, target).", True,
           ("cnot",))
_reg_const("cy", _cmat([[0, -1j], [1j, 0]]), "Controlled Y.", True)
_reg_const("cz", _cmat([[1, 0], [0, -1]]), "Controlled Z.", True, diag=[1, 1, 1, -1])
_reg_const("ch", _cmat(_h), "Controlled Hadamard.", True)
_reg_const("csx", _cmat(_sx), "Controlled sqrt(X).")
_reg_const("swap", _swap, "SWAP.", True)
_reg_const("iswap", _iswap, "iSWAP.", qasm=False)
_reg_const("ecr", _ecr.tolist(), "Echoed cross-resonance (IBM native), self-inverse.", True,
           qasm=False)
_reg_const("ccx", _controlled(_X, 2).tolist(), "Toffoli (controls, target).", True, ("toffoli",))
_reg_const("cswap", _controlled(torch.tensor(_swap, dtype=torch.complex128)).tolist(),
           "Fredkin: controlled SWAP (control, a, b).", True, ("fredkin",))

register(GateDef("rx", 1, 1, rx, "X rotation exp(-i theta/2 X)."))
register(GateDef("ry", 1, 1, ry, "Y rotation exp(-i theta/2 Y)."))
register(GateDef("rz", 1, 1, _diag_matrix(rz_diag), "Z rotation exp(-i theta/2 Z).",
                 diagonal=rz_diag))
register(GateDef("p", 1, 1, _diag_matrix(p_diag), "Phase diag(1, e^{i lambda}).",
                 diagonal=p_diag, aliases=("u1", "phase")))
register(GateDef("r", 1, 2, rphi, "Rotation by theta about cos(phi)X + sin(phi)Y.", qasm=False))
register(GateDef("u2", 1, 2, u2, "U2(phi, lambda) = U3(pi/2, phi, lambda)."))
register(GateDef("u3", 1, 3, u3, "Generic single-qubit U3(theta, phi, lambda).", aliases=("u",)))
register(GateDef("crx", 2, 1, _ctrl(rx), "Controlled RX."))
register(GateDef("cry", 2, 1, _ctrl(ry), "Controlled RY."))
register(GateDef("crz", 2, 1, _diag_matrix(crz_diag), "Controlled RZ.", diagonal=crz_diag))
register(GateDef("cp", 2, 1, _diag_matrix(cp_diag), "Controlled phase.", diagonal=cp_diag,
                 aliases=("cu1", "cphase")))
register(GateDef("cu3", 2, 3, _ctrl(u3), "Controlled U3 (no global phase)."))
register(GateDef("cu", 2, 4, cu, "Controlled U with global phase gamma (Qiskit CUGate)."))
register(GateDef("rxx", 2, 1, _pauli_rot(torch.kron(_X, _X)), "exp(-i theta/2 X X)."))
register(GateDef("ryy", 2, 1, _pauli_rot(torch.kron(_Y, _Y)), "exp(-i theta/2 Y Y)."))
register(GateDef("rzz", 2, 1, _diag_matrix(rzz_diag), "exp(-i theta/2 Z Z).", diagonal=rzz_diag))
register(GateDef("rzx", 2, 1, _pauli_rot(torch.kron(_Z, _X)),
                 "exp(-i theta/2 Z X): Z on the first wire, X on the second.", qasm=False))
register(GateDef("mcx", None, 0, _mcx, "Multi-controlled X (controls..., target).",
                 self_inverse=True, aliases=("mct",)))
register(GateDef("unitary", None, None, unitary,
                 "Arbitrary k-wire unitary; params = real parts then imaginary parts, row-major.",
                 qasm=False))
