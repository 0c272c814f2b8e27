"""EvolutionSearch: ask/tell, finding a hidden optimum, constraints, multi-objective."""

import math

import pytest

from qnas.search import Constraints, EvolutionSearch, pareto_front
from qnas.spaces import SpecGenes, SuperCircuit

GENES = SpecGenes.from_space("u3cu3", n_qubits=3, max_blocks=3)
TARGET_GENES = (3, 2, 3, 1, 3, 2, 1)
TARGET_LAYOUT = (4, 0, 2)


def distance_fitness(g):
    d = sum(abs(a - b) for a, b in zip(g.genes, TARGET_GENES, strict=True))
    return -float(d + sum(a != b for a, b in zip(g.layout, TARGET_LAYOUT, strict=True)))


def drive(search, fn):
    told = []
    while not search.done:
        for g in search.ask():
            f = fn(g)
            told.append((g, f))
            search.tell(g, f)
    return told


def test_finds_hidden_optimum():
    s = EvolutionSearch(GENES, n_device_qubits=5, population=30, parents=8, mutations=14,
                        crossovers=8, mutation_prob=0.2, iterations=25, seed=0)
    told = drive(s, distance_fitness)
    best, fit = s.best
    assert fit == 0.0 and best.genes == TARGET_GENES and best.layout == TARGET_LAYOUT
    n_space = 3**7 * 60
    assert len(told) < n_space / 50  # found by search, not enumeration


def test_ask_tell_protocol():
    s = EvolutionSearch(GENES, 5, population=6, parents=2, mutations=3, crossovers=1,
                        iterations=3, seed=1)
    first = s.ask()
    assert len(first) == 6 and s.ask() == first
    assert len({g.key for g in first}) == 6  # no duplicates in a generation
    s.tell(first[0], 1.0)
    assert s.ask() == first[1:]
    with pytest.raises(ValueError, match="not pending"):
        s.tell(first[0], 2.0)
    with pytest.raises(ValueError, match="NaN"):
        s.tell(first[1], math.nan)
    for g in first[1:]:
        s.tell(g, 0.0)
    assert s.generation == 1
    second = s.ask()
    assert len(second) == 4  # only children; the 2 parents keep their fitness
    assert first[0] in [g for g, f in s.current_population() if f is not None]


def test_same_seed_same_search_and_different_seed_differs():
    runs = []
    for seed in (5, 5, 6):
        s = EvolutionSearch(GENES, 5, population=8, parents=3, mutations=4, crossovers=2,
                            iterations=4, seed=seed)
        runs.append([g for g, _ in drive(s, distance_fitness)])
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_bad_arguments():
    with pytest.raises(ValueError, match="cannot exceed"):
        EvolutionSearch(GENES, 5, population=4, parents=5)
    with pytest.raises(ValueError, match="iterations must be >= 1"):
        EvolutionSearch(GENES, 5, iterations=0)
    with pytest.raises(ValueError, match="multi_objective needs"):
        EvolutionSearch(GENES, 5, multi_objective=True)
    with pytest.raises(ValueError, match="do not fit"):
        EvolutionSearch(GENES, 2)


def _costs():
    sc = SuperCircuit("u3cu3", n_qubits=3, max_blocks=3)
    return sc, lambda g: (g.spec.num_params(sc), g.spec.num_two_qubit_gates(sc))


def test_constraints_respected():
    sc, cost = _costs()
    cons = Constraints(cost, max_params=30, max_two_qubit_gates=4)
    s = EvolutionSearch(GENES, 5, population=12, parents=4, mutations=6, crossovers=2,
                        iterations=6, seed=2, constraints=cons)
    told = drive(s, lambda g: float(cost(g)[0]))  # prefers big circuits
    for g, _ in told:
        n_p, n2q = cost(g)
        assert n_p <= 30 and n2q <= 4
    assert s.best[1] == 30.0  # reaches the budget boundary (e.g. 7 U3 + 3 CU3)


def test_unsatisfiable_constraints_raise():
    _, cost = _costs()
    with pytest.raises(ValueError, match="no genome satisfying"):
        EvolutionSearch(GENES, 5, population=4, parents=2, seed=0, max_tries=20,
                        constraints=Constraints(cost, max_params=1))


def test_multi_objective_front_matches_brute_force():
    sc, cost = _costs()
    s = EvolutionSearch(GENES, 5, population=12, parents=5, mutations=5, crossovers=3,
                        iterations=5, seed=3, constraints=Constraints(cost),
                        multi_objective=True)

    def fit(g):  # more params better, but saturating; a trade-off against 2q gates
        return float(min(cost(g)[0], 24)) + 0.01 * g.layout[0]

    told = drive(s, fit)
    pts = [(f, cost(g)[1]) for g, f in told]
    expect = {(pts[i][0], pts[i][1]) for i in pareto_front(pts)}
    got = {(f, n2q) for _, f, n2q in s.pareto_front()}
    assert got == expect and len(got) >= 2
    n2qs = [n for _, _, n in s.pareto_front()]
    assert n2qs == sorted(n2qs)


def test_initial_genomes_lead_generation_zero_and_enter_the_config():
    from qnas.search import GenomeSpace

    space = GenomeSpace(GENES, 5)
    full = space.make([hi for _, hi in GENES.bounds], (0, 1, 2))
    s = EvolutionSearch(GENES, 5, population=6, parents=2, mutations=2, crossovers=1,
                        iterations=2, seed=0, initial=[full])
    first = s.ask()
    assert first[0] == full and len(first) == 6 and len({g.key for g in first}) == 6
    plain = EvolutionSearch(GENES, 5, population=6, parents=2, mutations=2, crossovers=1,
                            iterations=2, seed=0)
    assert full not in plain.ask()
    assert s.config["initial"] == [full.to_dict()] and "initial" not in plain.config
    with pytest.raises(ValueError, match="exceed the population"):
        EvolutionSearch(GENES, 5, population=1, parents=1, mutations=0, crossovers=0,
                        iterations=1, initial=[full, space.make(full.genes, (1, 2, 3))])
    with pytest.raises(ValueError, match="layout"):
        EvolutionSearch(GENES, 5, population=2, parents=1, initial=[
            type(full)(full.spec, (0, 0, 1), full.genes)])
