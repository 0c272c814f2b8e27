"""Molecular qubit Hamiltonians: pyscf RHF + active space -> openfermion JW/BK Pauli sums.

Orbitals are made deterministic before the active-space integrals are taken: inside every
degenerate block of RHF orbitals (e.g. CH4's t2 shells) a fixed symmetry-breaking AO operator
is diagonalised, and every orbital's sign is fixed by its overlap with a fixed AO vector. So the
Pauli terms (not only the energies) are reproducible across runs and machines.

Results are cached as JSON in ``cache_dir`` (default ``$QNAS_CACHE/hamiltonians`` or
``~/.cache/qnas/hamiltonians``), keyed by a hash of every input and the code version.

>>> h = molecular_hamiltonian("H2", use_cache=False)
>>> h.n_qubits, h.hf_state, round(h.exact_energy, 6)
(4, '0011', -1.137306)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qnas.tasks.molecules import (
    Molecule,
    canonical_orbitals,
    check_no_degenerate_cut,
    get_molecule,
    resolve_active_space,
)

CACHE_VERSION = 1


@dataclass(frozen=True)
class MolecularHamiltonian:
    """A qubit Hamiltonian ``sum_k c_k P_k`` (Qiskit order) with reference energies.

    ``constant`` (nuclear repulsion + frozen-core energy) is already folded into the identity
    term. ``exact_energy`` is the lowest eigenvalue with ``n_electrons`` particles;
    ``reference_energy`` is pyscf's CASCI energy in the same active space (FCI when full).
    ``hf_state`` is the Hartree-Fock basis state as a Qiskit bit string; ``key`` is the cache key.
    """

    name: str
    terms: tuple[tuple[str, float], ...]
    n_qubits: int
    n_electrons: int
    constant: float
    nuclear_repulsion: float
    exact_energy: float
    reference_energy: float
    hf_energy: float
    hf_state: str
    mapping: str
    basis: str
    active_orbitals: tuple[int, ...]
    key: str

    @property
    def hf_index(self) -> int:
        """Basis-state index of the Hartree-Fock state (qubit k = bit k)."""
        return int(self.hf_state, 2)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> MolecularHamiltonian:
        d = json.loads(text)
        d["terms"] = tuple((str(p), float(c)) for p, c in d["terms"])
        d["active_orbitals"] = tuple(int(i) for i in d["active_orbitals"])
        return cls(**d)


# -- fermion-to-qubit mapping -----------------------------------------------------------------
_MAPPINGS = {"jordan_wigner": "jordan_wigner", "jw": "jordan_wigner",
             "bravyi_kitaev": "bravyi_kitaev", "bk": "bravyi_kitaev"}


def normalize_mapping(mapping: str) -> str:
    """``"jordan_wigner"`` or ``"bravyi_kitaev"`` (aliases ``"jw"``, ``"bk"``)."""
    key = str(mapping).strip().lower().replace("-", "_")
    if key not in _MAPPINGS:
        raise ValueError(f"unknown mapping {mapping!r}; use 'jordan_wigner' or 'bravyi_kitaev'")
    return _MAPPINGS[key]


def map_fermion_operator(op, mapping: str, n_modes: int):
    """An openfermion ``FermionOperator`` mapped to a ``QubitOperator`` (mode q -> qubit q)."""
    import openfermion

    if normalize_mapping(mapping) == "jordan_wigner":
        return openfermion.jordan_wigner(op)
    return openfermion.bravyi_kitaev(op, n_qubits=n_modes)


def qubit_operator_terms(qop, n_qubits: int, atol: float = 1e-12) -> tuple[tuple[str, float], ...]:
    """Real ``(pauli_string, coeff)`` pairs in Qiskit order (qubit q = char ``n - 1 - q``)."""
    out = []
    for ops, coeff in qop.terms.items():
        c = complex(coeff)
        if abs(c.imag) > 1e-9:
            raise ValueError(f"qubit operator is not Hermitian: term {ops} has coefficient {c}")
        if abs(c.real) <= atol:
            continue
        chars = ["I"] * n_qubits
        for q, p in ops:
            chars[n_qubits - 1 - q] = p
        out.append(("".join(chars), float(c.real)))
    return tuple(sorted(out))


def pauli_sparse(terms, n_qubits: int):
    """``sum_k c_k P_k`` as a scipy CSR matrix in Qiskit basis order (qubit k = bit k)."""
    import scipy.sparse as sp

    dim = 2**n_qubits
    idx = np.arange(dim)
    parity_of = np.zeros(dim, dtype=np.int8)  # popcount parity of every index
    for b in range(n_qubits):
        parity_of[1 << b : 2 << b] = parity_of[: 1 << b] ^ 1
    rows, cols, vals = [], [], []
    for label, coeff in terms:
        x = z = n_y = 0
        for q in range(n_qubits):
            ch = label[n_qubits - 1 - q]
            x |= (ch in "XY") << q
            z |= (ch in "ZY") << q
            n_y += ch == "Y"
        parity = parity_of[idx & z]
        rows.append(idx ^ x)
        cols.append(idx)
        vals.append(coeff * (1j**n_y) * (1.0 - 2.0 * parity))
    m = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(dim, dim))
    return m.tocsr()


def _mode_occupations(n_qubits: int, mapping: str) -> np.ndarray:
    """``[n_modes, 2**n]`` occupation of each fermionic mode in every qubit basis state."""
    from openfermion import FermionOperator

    idx = np.arange(2**n_qubits)
    occ = np.zeros((n_qubits, idx.size))
    for j in range(n_qubits):
        qop = map_fermion_operator(FermionOperator(((j, 1), (j, 0))), mapping, n_qubits)
        for ops, coeff in qop.terms.items():  # sum of Z strings: diagonal in the qubit basis
            if any(p != "Z" for _, p in ops):
                raise RuntimeError(f"{mapping} number operator is not diagonal")
            sign = np.ones(idx.size)
            for q, _ in ops:
                sign *= 1 - 2 * ((idx >> q) & 1)
            occ[j] += complex(coeff).real * sign
    return np.rint(occ).astype(int)


def occupation_bitstring(n_qubits: int, occupied, mapping: str) -> str:
    """Qiskit bit string of the basis state with exactly the modes ``occupied`` filled."""
    want = np.zeros(n_qubits, int)
    want[list(occupied)] = 1
    hits = np.nonzero((_mode_occupations(n_qubits, mapping) == want[:, None]).all(0))[0]
    if len(hits) != 1:
        raise RuntimeError(f"no unique {mapping} basis state for occupation {list(occupied)}")
    return format(int(hits[0]), f"0{n_qubits}b")


def exact_ground_energy(terms, n_qubits: int, n_electrons: int, mapping: str) -> float:
    """Lowest eigenvalue of the qubit Hamiltonian among states with ``n_electrons`` fermions."""
    import scipy.sparse.linalg as sla

    sector = np.nonzero(_mode_occupations(n_qubits, mapping).sum(0) == n_electrons)[0]
    h = pauli_sparse(terms, n_qubits)[sector][:, sector]
    if len(sector) <= 1500:
        return float(np.linalg.eigvalsh(h.toarray())[0])
    return float(sla.eigsh(h, k=1, which="SA", tol=1e-12)[0][0])


# -- build ------------------------------------------------------------------------------------
def _build(mol_spec: Molecule, basis: str, ne: int, orbs, mapping: str, allow_cut: bool, key):
    from openfermion import InteractionOperator, get_fermion_operator
    from openfermion.chem.molecular_data import spinorb_from_spatial
    from pyscf import ao2mo, gto, mcscf, scf

    try:
        mol = gto.M(atom=mol_spec.geometry_string(), basis=basis, charge=mol_spec.charge,
                    spin=0, unit="Angstrom", verbose=0)
    except Exception as e:  # pyscf raises assorted types for bad bases/geometries
        raise ValueError(f"pyscf could not build {mol_spec.name} in basis {basis!r}: {e}") from None
    mf = scf.RHF(mol)
    mf.conv_tol = 1e-11
    mf.kernel()
    if not mf.converged:
        raise RuntimeError(f"RHF did not converge for {mol_spec.name}")
    mo = canonical_orbitals(mf.mo_coeff, mf.mo_energy, mf.get_ovlp())
    if orbs[-1] >= mo.shape[1]:
        raise ValueError(f"active orbitals {orbs} exceed the {mo.shape[1]} orbitals of {basis}")
    if not allow_cut:
        check_no_degenerate_cut(orbs, mf.mo_energy, mol_spec.name)
    n_occ = mol.nelectron // 2
    core = [i for i in range(n_occ) if i not in orbs]
    rest = [i for i in range(mo.shape[1]) if i not in orbs and i not in core]
    mo = mo[:, core + list(orbs) + rest]
    ncas = len(orbs)
    mc = mcscf.CASCI(mf, ncas, (ne // 2, ne // 2))
    mc.verbose = 0
    mc.fcisolver.conv_tol = 1e-12
    ref_energy = float(mc.kernel(mo)[0])
    h1, ecore = mc.get_h1eff(mo)
    eri = ao2mo.restore(1, mc.get_h2eff(mo), ncas)
    # openfermion wants <pq|rs>-ordered integrals: (ps|qr) from pyscf's chemists' (pq|rs)
    two_spatial = np.asarray(eri.transpose(0, 2, 3, 1), order="C")
    one, two = spinorb_from_spatial(np.asarray(h1), two_spatial)
    op = InteractionOperator(float(ecore), one, 0.5 * two)
    qop = map_fermion_operator(get_fermion_operator(op), mapping, 2 * ncas)
    n_qubits = 2 * ncas
    terms = qubit_operator_terms(qop, n_qubits)
    exact = exact_ground_energy(terms, n_qubits, ne, mapping)
    if abs(exact - ref_energy) > 1e-6:
        warnings.warn(f"{mol_spec.name}: exact qubit energy {exact} != CASCI {ref_energy}",
                      stacklevel=3)
    return MolecularHamiltonian(
        name=mol_spec.name, terms=terms, n_qubits=n_qubits, n_electrons=ne,
        constant=float(ecore), nuclear_repulsion=float(mol.energy_nuc()), exact_energy=exact,
        reference_energy=ref_energy, hf_energy=float(mf.e_tot),
        hf_state=occupation_bitstring(n_qubits, range(ne), mapping), mapping=mapping,
        basis=basis, active_orbitals=tuple(orbs), key=key,
    )


def default_cache_dir() -> Path:
    root = os.environ.get("QNAS_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "qnas") / "hamiltonians"


def _code_version() -> str:
    try:
        from importlib.metadata import version

        return version("qnas")
    except Exception:  # not installed: the cache format version alone keys the code
        return "unknown"


def molecular_hamiltonian(
    molecule: str | Molecule,
    basis: str = "sto-3g",
    active_electrons: int | None = None,
    active_orbitals: int | Sequence[int] | None = None,
    mapping: str = "jordan_wigner",
    cache_dir: str | os.PathLike | None = None,
    *,
    active_space: str | None = None,
    use_cache: bool = True,
    allow_degenerate_cut: bool = False,
) -> MolecularHamiltonian:
    """Build (or load from cache) the qubit Hamiltonian of ``molecule`` in an active space.

    ``molecule`` is a built-in name ("H2", "LiH", "H2O", "CH4", "BeH2"), a geometry string
    (pyscf or XYZ form, Angstrom) or a :class:`Molecule`. The active space is the full space,
    ``active_electrons`` + ``active_orbitals`` (a count around the Fermi level, or explicit RHF
    orbital indices), or a preset label ``active_space="2e2o"`` (see ``Molecule.active_spaces``).

    >>> h = molecular_hamiltonian("LiH", active_space="2e2o", use_cache=False)
    >>> h.n_qubits, h.n_electrons
    (4, 2)
    """
    mol_spec = get_molecule(molecule)
    mapping = normalize_mapping(mapping)
    basis = str(basis).strip().lower()
    from pyscf import gto

    try:
        n_mo = gto.M(atom=mol_spec.geometry_string(), basis=basis, charge=mol_spec.charge,
                     verbose=0).nao_nr()
    except Exception as e:  # pyscf raises assorted types for bad bases/geometries
        raise ValueError(f"pyscf could not build {mol_spec.name} in basis {basis!r}: {e}") from None
    ne, orbs = resolve_active_space(mol_spec, n_mo, active_electrons, active_orbitals,
                                    active_space)
    spec = {"geometry": mol_spec.geometry_string(), "charge": mol_spec.charge, "basis": basis,
            "active_electrons": ne, "active_orbitals": list(orbs), "mapping": mapping,
            "allow_cut": bool(allow_degenerate_cut), "format": CACHE_VERSION,
            "code": _code_version()}
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]
    path = Path(cache_dir if cache_dir is not None else default_cache_dir()) / f"{key}.json"
    if use_cache and path.is_file():
        try:
            ham = MolecularHamiltonian.from_json(path.read_text())
            if ham.key == key:
                return ham
        except (ValueError, TypeError, KeyError) as e:
            warnings.warn(f"rebuilding corrupted Hamiltonian cache file {path}: {e}",
                          stacklevel=2)
    ham = _build(mol_spec, basis, ne, orbs, mapping, allow_degenerate_cut, key)
    if use_cache:
        _atomic_write(path, ham.to_json())
    return ham


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
