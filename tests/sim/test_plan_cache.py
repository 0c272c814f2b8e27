"""The simulator's plan cache: one bounded LRU object keyed on (circuit, plan key)."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch

import qnas
from qnas.ir import Circuit, Op, inp, param
from qnas.sim.cache import PLAN_CACHE, LRUCache


def _circuit(angle: float = 0.3) -> Circuit:
    return Circuit(2, [Op("ry", (0,), (inp("x"),)), Op("rx", (1,), (angle,)),
                       Op("cx", (0, 1)), Op("rz", (1,), (param("a"),))])


def test_lru_evicts_least_recently_used_and_counts():
    cache = LRUCache(maxsize=2)
    built = []

    def build(v):
        built.append(v)
        return v

    assert cache.get("a", lambda: build(1)) == 1
    assert cache.get("b", lambda: build(2)) == 2
    assert cache.get("a", lambda: build(0)) == 1  # hit refreshes "a"
    cache.get("c", lambda: build(3))  # evicts "b"
    assert "b" not in cache and "a" in cache and len(cache) == 2
    assert built == [1, 2, 3] and (cache.hits, cache.misses) == (1, 3)
    assert cache.peek("zz", 7) == 7
    clone = pickle.loads(pickle.dumps(cache))
    assert clone.maxsize == 2 and len(clone) == 0
    with pytest.raises(ValueError, match="maxsize"):
        LRUCache(0)


def test_equal_circuits_share_plans_and_nothing_is_stored_on_them():
    x, a = torch.rand(3, 1), torch.tensor([0.4])
    c1, c2 = _circuit(), Circuit.from_text(_circuit().to_text())
    assert c1 == c2 and c1 is not c2 and hash(c1) == hash(c2)
    qnas.simulate(c1, a, x)
    hits = PLAN_CACHE.hits
    misses = PLAN_CACHE.misses
    s2 = qnas.simulate(c2, a, x)
    assert PLAN_CACHE.misses == misses and PLAN_CACHE.hits > hits  # plans reused
    assert torch.equal(s2, qnas.simulate(c1, a, x))
    assert not any("cache" in k for k in vars(c1))  # no cache attached to the circuit


def test_plan_cache_stays_bounded():
    x, a = torch.rand(2, 1), torch.tensor([0.1])
    for i in range(PLAN_CACHE.maxsize // 2 + 10):
        qnas.simulate(_circuit(0.001 * i), a, x)
    assert len(PLAN_CACHE) <= PLAN_CACHE.maxsize


def test_circuit_hash_memo_stays_out_of_pickles_and_copies():
    c = _circuit()
    hash(c)
    assert "_hash" in vars(c)
    for d in (pickle.loads(pickle.dumps(c)), copy.copy(c), copy.deepcopy(c)):
        assert "_hash" not in vars(d) and d == c and hash(d) == hash(c)
