"""Molecule specs, active spaces, qubit Hamiltonians (vs pyscf CASCI/FCI) and their cache."""

import functools
import json

import numpy as np
import pytest

pytest.importorskip("pyscf")
pytest.importorskip("openfermion")

from qnas.tasks.hamiltonian import (  # noqa: E402
    MolecularHamiltonian,
    exact_ground_energy,
    molecular_hamiltonian,
    pauli_sparse,
    qubit_operator_terms,
)
from qnas.tasks.molecules import (  # noqa: E402
    BUILTIN,
    canonical_orbitals,
    get_molecule,
    parse_geometry,
)


@functools.cache
def ham(name, mapping="jordan_wigner", active_space=None, **kw):
    return molecular_hamiltonian(name, mapping=mapping, active_space=active_space,
                                 use_cache=False, **kw)


def _assert_valid(h: MolecularHamiltonian, n_qubits: int, n_electrons: int):
    assert (h.n_qubits, h.n_electrons) == (n_qubits, n_electrons)
    assert abs(h.exact_energy - h.reference_energy) < 1e-6
    assert all(len(p) == n_qubits and set(p) <= set("IXYZ") for p, _ in h.terms)
    # the Hartree-Fock basis state has the RHF energy (checks term order, hf_state, constant)
    diag = pauli_sparse(h.terms, n_qubits).diagonal().real
    assert diag[h.hf_index] == pytest.approx(h.hf_energy, abs=1e-8)
    assert h.exact_energy < h.hf_energy - 1e-5  # correlation lowers the energy


# -- geometry --------------------------------------------------------------------------------
def test_builtin_molecules_and_geometries():
    assert {m.name for m in BUILTIN.values()} == {"H2", "LiH", "H2O", "CH4", "BeH2"}
    assert [get_molecule(n).n_electrons for n in ("H2", "LiH", "H2O", "CH4", "BeH2")] == [
        2, 4, 10, 10, 6]
    water = get_molecule("h2o").atoms
    oh = np.linalg.norm(np.subtract(water[1][1], water[0][1]))
    v1, v2 = np.subtract(water[1][1], water[0][1]), np.subtract(water[2][1], water[0][1])
    angle = np.degrees(np.arccos(v1 @ v2 / (np.linalg.norm(v1) * np.linalg.norm(v2))))
    assert oh == pytest.approx(0.9578) and angle == pytest.approx(104.4776)
    ch = [np.linalg.norm(a[1]) for a in get_molecule("CH4").atoms[1:]]
    assert np.allclose(ch, 1.087)


def test_parse_geometry_pyscf_and_xyz_forms():
    a = parse_geometry("H 0 0 0; H 0 0 0.74")
    b = parse_geometry("2\nhydrogen molecule\nH 0.0 0.0 0.0\nh 0.0, 0.0, 0.74\n")
    assert a == b == (("H", (0.0, 0.0, 0.0)), ("H", (0.0, 0.0, 0.74)))
    m = get_molecule("Li 0 0 0; H 0 0 1.6")
    assert m.name == "LiH" and m.n_electrons == 4


@pytest.mark.parametrize(
    "text, match",
    [
        ("H 0 0 0; H 0 0", "expected 'Symbol x y z'"),
        ("H 0 0 0; Qq 0 0 1", "unknown element"),
        ("H 0 0 0; H 0 0 zero", "must be numbers"),
        ("H 0 0 0; H 0 0 0.01", "closer than"),
        ("H 0 0 0", "closed-shell"),
        ("", "non-empty"),
        ("unobtainium", "unknown molecule"),
    ],
)
def test_bad_geometry_gives_clear_value_error(text, match):
    with pytest.raises(ValueError, match=match):
        molecular_hamiltonian(text, use_cache=False)


def test_bad_basis_mapping_and_active_space_errors():
    with pytest.raises(ValueError, match="basis"):
        molecular_hamiltonian("H2", basis="no-such-basis", use_cache=False)
    with pytest.raises(ValueError, match="mapping"):
        molecular_hamiltonian("H2", mapping="parity", use_cache=False)
    with pytest.raises(ValueError, match="presets"):
        molecular_hamiltonian("H2", active_space="9e9o", use_cache=False)
    with pytest.raises(ValueError, match="hold 2 RHF electrons"):
        molecular_hamiltonian("LiH", active_electrons=4, active_orbitals=[1, 2], use_cache=False)


# -- conventions -----------------------------------------------------------------------------
def test_qubit_operator_terms_use_qiskit_order():
    from openfermion import QubitOperator

    terms = qubit_operator_terms(QubitOperator("X0 Z2", 0.5) + QubitOperator("Y1", -1.0), 3)
    assert terms == (("IYI", -1.0), ("ZIX", 0.5))


def test_pauli_sparse_matches_openfermion_with_reversed_bits():
    from openfermion import QubitOperator, get_sparse_operator

    qop = QubitOperator("X0 Y1 Z2", 0.3) + QubitOperator("Z0", -0.7) + QubitOperator("Y2", 0.2)
    ours = pauli_sparse(qubit_operator_terms(qop, 3), 3).toarray()
    ref = get_sparse_operator(qop, n_qubits=3).toarray()  # qubit 0 = most significant bit
    perm = [int(format(i, "03b")[::-1], 2) for i in range(8)]
    assert np.allclose(ours, ref[np.ix_(perm, perm)])


# -- energies vs pyscf -------------------------------------------------------------------------
def test_h2_full_space_jw_and_bk():
    jw, bk = ham("H2"), ham("H2", "bravyi_kitaev")
    _assert_valid(jw, 4, 2)
    _assert_valid(bk, 4, 2)
    assert jw.exact_energy == pytest.approx(-1.137306036, abs=1e-8)  # FCI/STO-3G at 0.735 A
    assert jw.hf_state == "0011" and bk.hf_state != jw.hf_state
    assert abs(jw.exact_energy - bk.exact_energy) < 1e-10
    # the two encodings are unitarily equivalent: identical full spectra
    ev_jw = np.linalg.eigvalsh(pauli_sparse(jw.terms, 4).toarray())
    ev_bk = np.linalg.eigvalsh(pauli_sparse(bk.terms, 4).toarray())
    assert np.allclose(ev_jw, ev_bk, atol=1e-10)
    # identity term carries nuclear repulsion (no frozen core for full H2)
    assert jw.constant == pytest.approx(jw.nuclear_repulsion)
    assert dict(jw.terms)["IIII"] != 0.0


def test_exact_energy_is_restricted_to_the_electron_number():
    terms = [("IIIZ", 1.0), ("IIZI", 1.0), ("IZII", 1.0), ("ZIII", 1.0)]  # JW: 4 - 2 N
    assert exact_ground_energy(terms, 4, 2, "jordan_wigner") == pytest.approx(0.0)
    assert exact_ground_energy(terms, 4, 0, "jordan_wigner") == pytest.approx(4.0)
    assert exact_ground_energy(terms, 4, 4, "jordan_wigner") == pytest.approx(-4.0)


@pytest.mark.parametrize(
    "name, space, mapping, n_qubits, n_electrons",
    [
        ("LiH", "2e2o", "jordan_wigner", 4, 2),
        ("LiH", "2e3o", "jordan_wigner", 6, 2),
        ("LiH", "2e3o", "bravyi_kitaev", 6, 2),
        ("H2O", "4e4o", "jordan_wigner", 8, 4),
        ("BeH2", "2e3o", "jordan_wigner", 6, 2),
        ("BeH2", "4e4o", "bravyi_kitaev", 8, 4),
        ("CH4", "2e2o", "jordan_wigner", 4, 2),
        ("CH4", "6e4o", "jordan_wigner", 8, 6),
    ],
)
def test_active_space_exact_energy_equals_casci(name, space, mapping, n_qubits, n_electrons):
    h = ham(name, mapping, space)
    _assert_valid(h, n_qubits, n_electrons)
    assert h.active_orbitals == get_molecule(name).active_spaces[space][1]
    assert h.constant != pytest.approx(h.nuclear_repulsion)  # frozen core folded in


def test_jw_bk_agree_on_active_space():
    assert ham("LiH", "bravyi_kitaev", "2e3o").exact_energy == pytest.approx(
        ham("LiH", "jordan_wigner", "2e3o").exact_energy, abs=1e-10)


def test_count_active_space_matches_index_list():
    by_count = molecular_hamiltonian("H2O", active_electrons=4, active_orbitals=4, use_cache=False)
    preset = ham("H2O", "jordan_wigner", "4e4o")
    assert [p for p, _ in by_count.terms] == [p for p, _ in preset.terms]
    assert np.allclose([c for _, c in by_count.terms], [c for _, c in preset.terms], atol=1e-10)
    assert by_count.key == preset.key  # same resolved active space -> same cache entry


@pytest.mark.slow
def test_lih_full_space_12_qubits():
    h = ham("LiH")
    _assert_valid(h, 12, 4)
    assert h.active_orbitals == tuple(range(6))


# -- degenerate shells (CH4 t2, LiH pi) ---------------------------------------------------------
@pytest.mark.parametrize("name, ne, no", [("CH4", 2, 2), ("CH4", 4, 4), ("LiH", 2, 3)])
def test_cutting_a_degenerate_shell_is_refused(name, ne, no):
    with pytest.raises(ValueError, match="cuts the degenerate orbital shell"):
        molecular_hamiltonian(name, active_electrons=ne, active_orbitals=no, use_cache=False)
    # allowed on request: still deterministic thanks to the canonical orbitals
    h = molecular_hamiltonian(name, active_electrons=ne, active_orbitals=no, use_cache=False,
                              allow_degenerate_cut=True)
    assert abs(h.exact_energy - h.reference_energy) < 1e-6


def test_ch4_fresh_builds_are_identical():
    a = molecular_hamiltonian("CH4", active_space="6e4o", use_cache=False)
    b = molecular_hamiltonian("CH4", active_space="6e4o", use_cache=False)
    assert [p for p, _ in a.terms] == [p for p, _ in b.terms]
    assert np.allclose([c for _, c in a.terms], [c for _, c in b.terms], atol=1e-10, rtol=0)
    assert abs(a.exact_energy - b.exact_energy) < 1e-10
    assert abs(a.reference_energy - b.reference_energy) < 1e-10
    assert abs(a.exact_energy - a.reference_energy) < 1e-6


def test_canonical_orbitals_undo_rotations_in_degenerate_shells():
    from pyscf import gto, scf

    mol = gto.M(atom=get_molecule("CH4").geometry_string(), basis="sto-3g", verbose=0)
    mf = scf.RHF(mol)
    mf.conv_tol = 1e-11
    mf.kernel()
    s = mf.get_ovlp()
    ref = canonical_orbitals(mf.mo_coeff, mf.mo_energy, s)
    rng = np.random.default_rng(7)
    scrambled = mf.mo_coeff * rng.choice([-1.0, 1.0], size=mf.mo_coeff.shape[1])
    for block in ((2, 3, 4), (5, 6, 7)):  # occupied and virtual t2 shells
        q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        scrambled[:, block] = scrambled[:, block] @ q
    assert not np.allclose(scrambled, mf.mo_coeff, atol=1e-3)
    assert np.allclose(canonical_orbitals(scrambled, mf.mo_energy, s), ref, atol=1e-8)
    assert np.allclose(ref.T @ s @ ref, np.eye(ref.shape[1]), atol=1e-10)


# -- cache -------------------------------------------------------------------------------------
def test_cache_roundtrip_and_corruption(tmp_path):
    first = molecular_hamiltonian("H2", cache_dir=tmp_path)
    path = tmp_path / f"{first.key}.json"
    assert path.is_file() and list(tmp_path.iterdir()) == [path]  # no temp files left
    again = molecular_hamiltonian("H2", cache_dir=tmp_path)
    assert again == first
    other = molecular_hamiltonian("H2", mapping="bk", cache_dir=tmp_path)
    assert other.key != first.key and len(list(tmp_path.iterdir())) == 2
    path.write_text("{ not json")
    with pytest.warns(UserWarning, match="corrupted"):
        rebuilt = molecular_hamiltonian("H2", cache_dir=tmp_path)
    assert rebuilt == first
    assert json.loads(path.read_text())["key"] == first.key


def test_cache_hit_does_not_rebuild(tmp_path):
    h = molecular_hamiltonian("H2", cache_dir=tmp_path)
    path = tmp_path / f"{h.key}.json"
    data = json.loads(path.read_text())
    data["exact_energy"] = 123.0  # a marker only a cache read can return
    path.write_text(json.dumps(data))
    assert molecular_hamiltonian("H2", cache_dir=tmp_path).exact_energy == 123.0


def test_default_cache_dir_follows_qnas_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QNAS_CACHE", str(tmp_path))
    h = molecular_hamiltonian("H2")
    assert (tmp_path / "hamiltonians" / f"{h.key}.json").is_file()


@pytest.mark.slow
def test_ch4_terms_reproducible_in_a_fresh_process_with_other_threading():
    import os
    import subprocess
    import sys

    code = (
        "import json; from qnas.tasks.hamiltonian import molecular_hamiltonian as m; "
        "h = m('CH4', active_space='6e4o', use_cache=False); "
        "print(json.dumps([h.terms, h.exact_energy, h.reference_energy]))"
    )
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    terms, exact, ref = json.loads(out.stdout.strip().splitlines()[-1])
    here = ham("CH4", "jordan_wigner", "6e4o")
    assert [p for p, _ in terms] == [p for p, _ in here.terms]
    assert np.allclose([c for _, c in terms], [c for _, c in here.terms], atol=1e-10, rtol=0)
    assert abs(exact - here.exact_energy) < 1e-10 and abs(ref - here.reference_energy) < 1e-10
