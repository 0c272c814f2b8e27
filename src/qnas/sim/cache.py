"""Bounded caches with one eviction rule: least recently used entries go first.

Every memo of the simulator is an :class:`LRUCache` object with a fixed ``maxsize`` (nothing is
stored on circuits or keyed on ``id``). :data:`PLAN_CACHE` holds per-circuit simulation plans
keyed on ``(circuit, key)``: circuits are frozen, hashable values (their hash is computed once)
so equal circuits share plans.

>>> cache = LRUCache(maxsize=2)
>>> cache.get("a", lambda: 1), cache.get("b", lambda: 2), cache.get("a", lambda: 0)
(1, 2, 1)
>>> cache.get("c", lambda: 3), "b" in cache, len(cache)  # "b" was the least recently used
(3, False, 2)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LRUCache:
    """A mapping of at most ``maxsize`` entries; a new entry evicts the least recently used."""

    def __init__(self, maxsize: int):
        if int(maxsize) < 1:
            raise ValueError(f"maxsize must be >= 1, got {maxsize}")
        self.maxsize = int(maxsize)
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value under ``key``, made by ``build()`` (and stored) when missing."""
        with self._lock:
            try:
                value = self._data[key]
            except KeyError:
                self.misses += 1
            else:
                self._data.move_to_end(key)
                self.hits += 1
                return value
        value = build()  # outside the lock: building may itself use this cache
        self.put(key, value)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value`` under ``key`` (evicting the least recently used entry if full)."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def peek(self, key: Hashable, default=None):
        """The value under ``key`` without building it or refreshing its recency."""
        with self._lock:
            return self._data.get(key, default)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __getstate__(self):  # pickles and copies start empty (and get their own lock)
        return {"maxsize": self.maxsize}

    def __setstate__(self, state):
        self.__init__(state["maxsize"])

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(maxsize={self.maxsize}, size={len(self)}, "
                f"hits={self.hits}, misses={self.misses})")


PLAN_CACHE = LRUCache(maxsize=512)
"""Per-circuit simulation plans (bind groups, fused blocks, product-state prefixes)."""


__all__ = ["LRUCache", "PLAN_CACHE"]
