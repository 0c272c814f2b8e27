"""Evolutionary co-search of SubCircuit and qubit layout, with an ask/tell interface.

Generation 0 is ``population`` random genomes (after any ``initial`` genomes, e.g. the full
design, which a random draw would almost never produce). After a generation is fully told, the
``parents`` best are kept and ``mutations`` mutants plus ``crossovers`` cross-overs of
them form the next generation (parents keep their fitness; only children are asked).
Fitness: higher is better. The search ends after ``iterations`` generations.

>>> from qnas.spaces import SpecGenes
>>> genes = SpecGenes.from_space("zzry", n_qubits=2, max_blocks=2)
>>> s = EvolutionSearch(genes, 3, population=4, parents=2, mutations=2, crossovers=0,
...                     iterations=2, seed=0)
>>> while not s.done:
...     for g in s.ask():
...         s.tell(g, -g.spec.n_blocks)
>>> s.best[0].spec.n_blocks
1
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qnas.search.genome import Genome, GenomeSpace
from qnas.search.operators import ParetoSelection, TopKSelection, UniformCrossover, UniformMutation
from qnas.search.pareto import pareto_front

STATE_FORMAT = 1


@dataclass
class Constraints:
    """Hardware budget: ``cost_fn(genome) -> (n_params, n_two_qubit_gates)`` and limits."""

    cost_fn: Callable[[Genome], tuple[int, int]]
    max_params: int | None = None
    max_two_qubit_gates: int | None = None

    def cost(self, genome: Genome) -> tuple[int, int]:
        n_p, n_2q = self.cost_fn(genome)
        return int(n_p), int(n_2q)

    def ok(self, cost: tuple[int, int]) -> bool:
        return (self.max_params is None or cost[0] <= self.max_params) and (
            self.max_two_qubit_gates is None or cost[1] <= self.max_two_qubit_gates
        )


class EvolutionSearch:
    """Ask/tell evolutionary search over genomes (spec genes, layout). See module doc."""

    def __init__(
        self,
        space_genes,
        n_device_qubits: int,
        population: int = 40,
        parents: int = 10,
        mutations: int = 20,
        mutation_prob: float = 0.4,
        crossovers: int = 10,
        iterations: int = 40,
        seed: int = 0,
        constraints: Constraints | None = None,
        multi_objective: bool = False,
        mutation=None,
        crossover=None,
        selection=None,
        max_tries: int = 200,
        initial: Sequence[Genome] = (),
        adjacency=None,
    ):
        self.space = GenomeSpace(space_genes, n_device_qubits, adjacency)
        for nm, v, lo in (("population", population, 1), ("parents", parents, 1),
                          ("mutations", mutations, 0), ("crossovers", crossovers, 0),
                          ("iterations", iterations, 1), ("max_tries", max_tries, 1)):
            if int(v) < lo:
                raise ValueError(f"{nm} must be >= {lo}, got {v}")
        if parents > population:
            raise ValueError(f"parents ({parents}) cannot exceed population ({population})")
        if multi_objective and constraints is None:
            raise ValueError("multi_objective needs constraints=Constraints(cost_fn) for 2q counts")
        self.population, self.parents = int(population), int(parents)
        self.mutations, self.crossovers = int(mutations), int(crossovers)
        self.iterations, self.seed, self.max_tries = int(iterations), int(seed), int(max_tries)
        self.constraints, self.multi_objective = constraints, bool(multi_objective)
        self.mutation = mutation or UniformMutation(mutation_prob)
        self.crossover = crossover or UniformCrossover()
        self.selection = selection or (ParetoSelection() if multi_objective else TopKSelection())
        self.rng = np.random.default_rng(self.seed)
        self.generation = 0
        self.n_told = 0
        self.best: tuple[Genome, float] | None = None
        self._front: list[tuple[Genome, float, int]] = []
        self.members: list[Genome] = []
        self.fitness: list[float | None] = []
        self.costs: list[tuple[int, int] | None] = []
        self.initial = tuple(self.space.make(g.genes, g.layout) for g in initial)
        if len(self.initial) > self.population:
            raise ValueError(f"{len(self.initial)} initial genomes exceed the population "
                             f"({self.population})")
        self._fill(self.population, parents=None)

    # -- configuration identity (checked on resume) ----------------------------
    @property
    def config(self) -> dict:
        c = self.constraints
        return {
            "space": self.space.to_dict(),
            "population": self.population, "parents": self.parents,
            "mutations": self.mutations, "crossovers": self.crossovers,
            "iterations": self.iterations, "seed": self.seed,
            "multi_objective": self.multi_objective,
            "max_params": c.max_params if c else None,
            "max_two_qubit_gates": c.max_two_qubit_gates if c else None,
            "strategies": [repr(self.mutation), repr(self.crossover), repr(self.selection)],
            **({"initial": [g.to_dict() for g in self.initial]} if self.initial else {}),
        }

    # -- ask / tell -------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.generation >= self.iterations

    def ask(self) -> list[Genome]:
        """The untold candidates of the current generation (same list until told)."""
        if self.done:
            return []
        return [g for g, f in zip(self.members, self.fitness, strict=True) if f is None]

    def tell(self, genome: Genome, fitness: float) -> None:
        """Report ``fitness`` (higher is better) of an asked genome."""
        f = float(fitness)
        if math.isnan(f):
            raise ValueError(f"fitness of {genome} is NaN")
        pending = [
            i for i, (g, old) in enumerate(zip(self.members, self.fitness, strict=True))
            if old is None and g == genome
        ]
        if not pending:
            raise ValueError(f"genome {genome} is not pending in generation {self.generation}")
        i = pending[0]
        self.fitness[i] = f
        self.n_told += 1
        if self.best is None or f > self.best[1]:
            self.best = (genome, f)
        if self.multi_objective:
            self._update_front(genome, f, self.costs[i][1])
        if all(x is not None for x in self.fitness):
            self._advance()

    def pareto_front(self) -> list[tuple[Genome, float, int]]:
        """Non-dominated ``(genome, fitness, n_two_qubit)`` seen so far, by 2q count."""
        return list(self._front)

    def current_population(self) -> list[tuple[Genome, float | None]]:
        return list(zip(self.members, self.fitness, strict=True))

    # -- internals --------------------------------------------------------------
    def _update_front(self, genome: Genome, f: float, n2q: int) -> None:
        cand = self._front + [(genome, f, n2q)]
        idx = pareto_front([(x[1], x[2]) for x in cand])
        self._front = [cand[i] for i in idx]

    def _cost(self, g: Genome) -> tuple[int, int] | None:
        return self.constraints.cost(g) if self.constraints else None

    def _valid(self, g: Genome) -> tuple[bool, tuple[int, int] | None]:
        cost = self._cost(g)
        return (self.constraints is None or self.constraints.ok(cost)), cost

    def _make_one(self, maker: Callable[[], Genome], seen: set) -> tuple[Genome, tuple | None]:
        fallback = None
        for _ in range(self.max_tries):
            g = maker()
            ok, cost = self._valid(g)
            if not ok:
                continue
            if g.key not in seen:
                return g, cost
            fallback = fallback or (g, cost)
        if fallback is not None:
            return fallback
        if maker != self._random:
            return self._make_one(self._random, seen)
        raise ValueError(
            f"no genome satisfying the constraints found in {self.max_tries} tries "
            f"(max_params={self.constraints.max_params}, "
            f"max_two_qubit_gates={self.constraints.max_two_qubit_gates})"
        )

    def _random(self) -> Genome:
        return self.space.random(self.rng)

    def _fill(self, n_random: int, parents: list[int] | None) -> None:
        seen = {g.key for g in self.members}
        if parents is None:
            for g in self.initial:
                ok, cost = self._valid(g)
                if ok and g.key not in seen:
                    seen.add(g.key)
                    self._add(g, cost)
            makers = [self._random] * (n_random - len(self.members))
        else:
            pg = [self.members[i] for i in parents]

            def mutate():
                return self.mutation(pg[int(self.rng.integers(len(pg)))], self.space, self.rng)

            def cross():
                if len(pg) < 2:
                    a = b = pg[0]
                else:
                    i, j = self.rng.choice(len(pg), size=2, replace=False)
                    a, b = pg[int(i)], pg[int(j)]
                return self.crossover(a, b, self.space, self.rng)

            makers = [mutate] * self.mutations + [cross] * self.crossovers
        for mk in makers:
            g, cost = self._make_one(mk, seen)
            seen.add(g.key)
            self._add(g, cost)

    def _add(self, g: Genome, cost: tuple[int, int] | None) -> None:
        """Append an unevaluated member."""
        self.members.append(g)
        self.fitness.append(None)
        self.costs.append(cost)

    def _advance(self) -> None:
        records = [(f, c[1] if c else None) for f, c in zip(self.fitness, self.costs, strict=True)]
        chosen = self.selection(records, self.parents)
        self.generation += 1
        keep = [(self.members[i], self.fitness[i], self.costs[i]) for i in chosen]
        self.members = [k[0] for k in keep]
        self.fitness = [k[1] for k in keep]
        self.costs = [k[2] for k in keep]
        if not self.done:
            self._fill(0, parents=list(range(len(keep))))

    # -- persistence ------------------------------------------------------------
    def state_dict(self) -> dict:
        """JSON-serialisable state (RNG, generation, members, pending asks, best, front)."""
        return {
            "format": STATE_FORMAT,
            "config": self.config,
            "generation": self.generation,
            "n_told": self.n_told,
            "rng": self.rng.bit_generator.state,
            "members": [
                {"genome": g.to_dict(), "fitness": f, "cost": list(c) if c else None}
                for g, f, c in zip(self.members, self.fitness, self.costs, strict=True)
            ],
            "best": None if self.best is None else
            {"genome": self.best[0].to_dict(), "fitness": self.best[1]},
            "front": [{"genome": g.to_dict(), "fitness": f, "n2q": c} for g, f, c in self._front],
        }

    def load_state_dict(self, state: dict) -> None:
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ValueError(f"search state has an unknown format (expected {STATE_FORMAT})")
        cfg = self.config
        stored = state.get("config", {})
        diff = sorted(k for k in set(cfg) | set(stored) if cfg.get(k) != stored.get(k))
        if diff:
            raise ValueError(f"stored search state was made with a different config: {diff}")
        try:
            mk = self.space.from_dict
            members = [(mk(m["genome"]), m["fitness"], m["cost"]) for m in state["members"]]
            best = state["best"]
            self.best = None if best is None else (mk(best["genome"]), float(best["fitness"]))
            self._front = [(mk(x["genome"]), float(x["fitness"]), int(x["n2q"]))
                           for x in state["front"]]
            self.rng.bit_generator.state = state["rng"]
            self.generation, self.n_told = int(state["generation"]), int(state["n_told"])
        except (KeyError, TypeError) as e:
            raise ValueError(f"search state is missing or has a bad field: {e}") from None
        self.members = [m[0] for m in members]
        self.fitness = [None if m[1] is None else float(m[1]) for m in members]
        self.costs = [tuple(m[2]) if m[2] is not None else None for m in members]
