"""Molecule specs for VQE tasks: built-in equilibrium geometries and geometry parsing.

Built-in molecules (STO-3G tasks of QuantumNAS: H2, LiH, H2O, CH4, BeH2) use
experimental equilibrium geometries from NIST CCCBDB (https://cccbdb.nist.gov, "experimental
geometry" tables), except H2 and LiH whose bond lengths (0.735 A, 1.595 A) are the ones used by
Qiskit Nature / TorchQuantum's VQE examples (CCCBDB: 0.7414 A and 1.5949 A):

* H2   H-H 0.735 A
* LiH  Li-H 1.595 A
* H2O  O-H 0.9578 A, H-O-H 104.4776 deg (CCCBDB experimental)
* CH4  C-H 1.087 A, tetrahedral (CCCBDB experimental)
* BeH2 Be-H 1.3264 A, linear (CCCBDB experimental, Shayesteh et al. 2003)

Each built-in molecule lists named active spaces (``"2e2o"`` etc.) as explicit RHF orbital
indices (0-based, sorted by orbital energy). Every preset contains *whole* degenerate shells:
cutting a degenerate shell (e.g. one of CH4's three t2 orbitals) makes the active space, and
hence the CASCI energy, depend on an arbitrary rotation inside the shell. That is why LiH's
6-qubit space is HOMO + the two sigma virtuals (not HOMO, LUMO and half of the pi pair), and
CH4's spaces are built from a1 orbitals plus the complete t2 shell.

>>> m = get_molecule("h2")
>>> m.name, m.n_electrons, m.atoms[1]
('H2', 2, ('H', (0.0, 0.0, 0.735)))
>>> parse_geometry("H 0 0 0; H 0 0 0.74")[1]
('H', (0.0, 0.0, 0.74))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

Atom = tuple[str, tuple[float, float, float]]
DEGENERATE_TOL = 1e-5  # Ha: orbitals closer than this form one degenerate shell

_ELEMENTS = (
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As "
    "Se Br Kr"
).split()
_Z = {s: i + 1 for i, s in enumerate(_ELEMENTS)}


@dataclass(frozen=True)
class Molecule:
    """A closed-shell molecule: atoms (symbol, xyz in Angstrom), charge, active-space presets.

    ``active_spaces`` maps a label to ``(n_active_electrons, orbital_indices)``.
    """

    name: str
    atoms: tuple[Atom, ...]
    charge: int = 0
    source: str = "user geometry"
    active_spaces: dict[str, tuple[int, tuple[int, ...]]] = field(
        default_factory=dict, compare=False, hash=False
    )

    def __post_init__(self):
        if not self.atoms:
            raise ValueError("a molecule needs at least one atom")
        if self.n_electrons <= 0 or self.n_electrons % 2:
            raise ValueError(
                f"molecule {self.name!r} has {self.n_electrons} electrons; only closed-shell "
                "(even, positive electron count) molecules are supported"
            )

    @property
    def n_electrons(self) -> int:
        return sum(_Z[s] for s, _ in self.atoms) - int(self.charge)

    def geometry_string(self) -> str:
        """Canonical pyscf atom string (``repr`` floats, so it round-trips exactly)."""
        return "; ".join(f"{s} {x!r} {y!r} {z!r}" for s, (x, y, z) in self.atoms)


def parse_geometry(text: str) -> tuple[Atom, ...]:
    """Parse pyscf-style (``"H 0 0 0; H 0 0 0.74"``) or XYZ-file text into atoms.

    XYZ files may start with an atom-count line and a comment line. Raises ``ValueError``
    naming the offending entry for anything that is not ``Symbol x y z``.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("geometry must be a non-empty string like 'H 0 0 0; H 0 0 0.74'")
    lines = [ln.strip() for ln in text.replace(";", "\n").splitlines()]
    lines = [ln for ln in lines if ln]
    if lines and lines[0].isdigit():  # XYZ file: count line + comment line
        count = int(lines[0])
        lines = lines[2:] if len(lines) >= count + 2 else lines[1:]
        if len(lines) != count:
            raise ValueError(f"XYZ geometry declares {count} atoms but has {len(lines)}")
    atoms = []
    for entry in lines:
        parts = entry.replace(",", " ").split()
        if len(parts) != 4:
            raise ValueError(f"bad geometry entry {entry!r}: expected 'Symbol x y z'")
        sym = parts[0].capitalize()
        if sym not in _Z:
            raise ValueError(f"bad geometry entry {entry!r}: unknown element {parts[0]!r}")
        try:
            xyz = tuple(float(v) for v in parts[1:])
        except ValueError:
            raise ValueError(f"bad geometry entry {entry!r}: coordinates must be numbers") from None
        if not all(math.isfinite(v) for v in xyz):
            raise ValueError(f"bad geometry entry {entry!r}: non-finite coordinate")
        atoms.append((sym, xyz))
    for i in range(len(atoms)):
        for j in range(i):
            if math.dist(atoms[i][1], atoms[j][1]) < 0.1:
                raise ValueError(f"atoms {j} and {i} are closer than 0.1 A in geometry {text!r}")
    return tuple(atoms)


def _h2o() -> tuple[Atom, ...]:
    r, half = 0.9578, math.radians(104.4776) / 2
    x, z = r * math.sin(half), r * math.cos(half)
    return (("O", (0.0, 0.0, 0.0)), ("H", (x, 0.0, z)), ("H", (-x, 0.0, z)))


def _ch4() -> tuple[Atom, ...]:
    a = 1.087 / math.sqrt(3.0)
    signs = ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1))
    hs = tuple(("H", (sx * a, sy * a, sz * a)) for sx, sy, sz in signs)
    return (("C", (0.0, 0.0, 0.0)),) + hs


_CCCBDB = "NIST CCCBDB experimental geometry"
_QN = "Qiskit Nature / TorchQuantum VQE example bond length"

# RHF/STO-3G orbital energies (Ha) for reference when reading the presets:
# LiH  [-2.349 -0.286 | 0.078  0.164 0.164 (pi)  0.549]
# H2O  [-20.24 -1.268 -0.618 -0.453 -0.391 | 0.606 0.742]
# CH4  [-11.03 -0.910  -0.519 x3 (t2) | 0.716 x3 (t2)  0.755 (a1)]
# BeH2 [-4.519 -0.458 -0.422 | 0.212 0.212 (pi)  0.464  0.950]
BUILTIN: dict[str, Molecule] = {
    m.name.lower(): m
    for m in (
        Molecule("H2", (("H", (0.0, 0.0, 0.0)), ("H", (0.0, 0.0, 0.735))), source=_QN,
                 active_spaces={"full": (2, (0, 1))}),
        Molecule("LiH", (("Li", (0.0, 0.0, 0.0)), ("H", (0.0, 0.0, 1.595))), source=_QN,
                 active_spaces={"2e2o": (2, (1, 2)), "2e3o": (2, (1, 2, 5)),
                                "2e4o": (2, (1, 2, 3, 4)), "full": (4, tuple(range(6)))}),
        Molecule("H2O", _h2o(), source=_CCCBDB,
                 active_spaces={"2e2o": (2, (4, 5)), "4e4o": (4, (3, 4, 5, 6))}),
        Molecule("CH4", _ch4(), source=_CCCBDB,
                 active_spaces={"2e2o": (2, (1, 8)), "6e4o": (6, (2, 3, 4, 8))}),
        Molecule("BeH2", (("Be", (0.0, 0.0, 0.0)), ("H", (0.0, 0.0, 1.3264)),
                          ("H", (0.0, 0.0, -1.3264))), source=_CCCBDB,
                 active_spaces={"2e3o": (2, (2, 3, 4)), "4e4o": (4, (1, 2, 3, 4))}),
    )
}


def get_molecule(spec: str | Molecule, charge: int = 0) -> Molecule:
    """A built-in molecule by name (case-insensitive), or a :class:`Molecule` from a geometry."""
    if isinstance(spec, Molecule):
        return spec
    if not isinstance(spec, str):
        raise ValueError(f"molecule must be a name, geometry string or Molecule, got {spec!r}")
    key = spec.strip().lower()
    if not key:
        raise ValueError("molecule must be a non-empty name or geometry string")
    if key in BUILTIN:
        if charge:
            raise ValueError("built-in molecules are neutral; pass a geometry string instead")
        return BUILTIN[key]
    if len(key.replace(";", " ").split()) < 4:  # looks like a name, not a geometry
        raise ValueError(
            f"unknown molecule {spec!r}; built-ins are {sorted(m.name for m in BUILTIN.values())}"
            " or give a geometry like 'H 0 0 0; H 0 0 0.74'"
        )
    atoms = parse_geometry(spec)
    name = "".join(s for s, _ in atoms)
    return Molecule(name, atoms, charge=int(charge))


# -- orbitals and active spaces --------------------------------------------------------------
def canonical_orbitals(mo_coeff, mo_energy, overlap, tol: float = DEGENERATE_TOL):
    """Fix rotations inside degenerate orbital blocks and every orbital's sign.

    In each block of orbitals whose energies agree within ``tol`` the fixed AO operator
    ``S diag(sqrt(mu + 2)) S`` is diagonalised (generic weights break any point-group
    symmetry); then each orbital is signed so its overlap with a fixed AO vector is positive.
    """
    c = np.array(mo_coeff, dtype=float, copy=True)
    n_ao, n_mo = c.shape
    weights = np.sqrt(np.arange(n_ao) + 2.0)
    a_op = overlap @ np.diag(weights) @ overlap
    start = 0
    while start < n_mo:
        stop = start + 1
        while stop < n_mo and abs(mo_energy[stop] - mo_energy[start]) < tol:
            stop += 1
        if stop - start > 1:
            block = c[:, start:stop]
            vals, vecs = np.linalg.eigh(block.T @ a_op @ block)
            if np.min(np.diff(vals)) < 1e-6:
                raise RuntimeError("could not break an orbital degeneracy deterministically")
            c[:, start:stop] = block @ vecs
        start = stop
    probe = overlap @ (1.0 / (np.arange(n_ao) + 1.5))
    for j in range(n_mo):
        dot = float(c[:, j] @ probe)
        if abs(dot) < 1e-6:  # fall back to the first clearly non-zero coefficient
            dot = float(c[np.argmax(np.abs(c[:, j]) > 1e-4 * np.abs(c[:, j]).max()), j])
        if dot < 0:
            c[:, j] = -c[:, j]
    return c


def degenerate_blocks(mo_energy, tol: float = DEGENERATE_TOL) -> list[set[int]]:
    blocks, cur = [], {0}
    for j in range(1, len(mo_energy)):
        if abs(mo_energy[j] - mo_energy[j - 1]) < tol:
            cur.add(j)
        else:
            blocks.append(cur)
            cur = {j}
    return blocks + [cur]


def resolve_active_space(
    molecule: Molecule, n_mo: int, active_electrons=None, active_orbitals=None, active_space=None
) -> tuple[int, tuple[int, ...]]:
    """``(n_active_electrons, orbital indices)`` from counts, an index list or a preset label."""
    n_el, n_occ = molecule.n_electrons, molecule.n_electrons // 2
    if active_space is not None:
        if active_electrons is not None or active_orbitals is not None:
            raise ValueError("give either active_space or active_electrons/active_orbitals")
        if active_space not in molecule.active_spaces:
            raise ValueError(
                f"unknown active space {active_space!r} for {molecule.name}; "
                f"presets: {sorted(molecule.active_spaces)}"
            )
        active_electrons, active_orbitals = molecule.active_spaces[active_space]
    if active_orbitals is None:
        if active_electrons not in (None, n_el):
            raise ValueError("active_electrons given without active_orbitals")
        return n_el, tuple(range(n_mo))
    if isinstance(active_orbitals, (int, np.integer)):
        if active_electrons is None:
            raise ValueError("active_orbitals given as a count needs active_electrons")
        ne = int(active_electrons)
        if ne < 0 or ne % 2 or ne > n_el:
            raise ValueError(f"active_electrons must be even and in [0, {n_el}], got {ne}")
        ncore = (n_el - ne) // 2
        orbs = tuple(range(ncore, ncore + int(active_orbitals)))
    else:
        orbs = tuple(sorted(int(i) for i in active_orbitals))
    if not orbs or len(set(orbs)) != len(orbs) or orbs[0] < 0 or orbs[-1] >= n_mo:
        raise ValueError(f"active orbitals {orbs} must be distinct indices in [0, {n_mo})")
    ne = 2 * sum(1 for i in orbs if i < n_occ)
    if active_electrons is not None and int(active_electrons) != ne:
        raise ValueError(
            f"active orbitals {orbs} hold {ne} RHF electrons, not active_electrons="
            f"{active_electrons}"
        )
    return ne, orbs


def check_no_degenerate_cut(orbs, mo_energy, name):
    chosen = set(orbs)
    for block in degenerate_blocks(mo_energy):
        if 0 < len(block & chosen) < len(block):
            raise ValueError(
                f"active space {tuple(orbs)} of {name} cuts the degenerate orbital shell "
                f"{sorted(block)} (energy {mo_energy[min(block)]:.5f} Ha): the CASCI energy would "
                "depend on an arbitrary rotation in that shell. Include the whole shell or none, "
                "or pass allow_degenerate_cut=True."
            )
