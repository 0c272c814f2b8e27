"""Close-match hints for "unknown name" errors.

>>> did_you_mean("mnist5", ["mnist2", "mnist4", "vowel4"])
'; did you mean mnist4, mnist2?'
>>> did_you_mean("zzz", ["mnist2"])
''
>>> lookup({"mnist4": 4}, "MNIST4", "task")
4
>>> lookup({"mnist4": 4}, "mnist5", "task")
Traceback (most recent call last):
ValueError: unknown task 'mnist5'; did you mean mnist4? Known: mnist4
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping


def did_you_mean(key: str, choices: Iterable[str], n: int = 3) -> str:
    """``"; did you mean a, b?"`` naming the choices closest to ``key``, or ``""``."""
    close = difflib.get_close_matches(str(key), list(choices), n=n)
    return f"; did you mean {', '.join(close)}?" if close else ""


def lookup(registry: Mapping, name: str, kind: str):
    """``registry[name.lower()]``; an unknown name raises naming the ``kind`` of thing, the
    closest known names and every known one."""
    key = str(name).lower()
    if key in registry:
        return registry[key]
    raise ValueError(f"unknown {kind} {name!r}{did_you_mean(key, registry)} "
                     f"Known: {', '.join(registry)}")
