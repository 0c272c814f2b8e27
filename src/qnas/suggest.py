"""Close-match hints for "unknown name" errors.

>>> did_you_mean("mnist5", ["mnist2", "mnist4", "vowel4"])
'; did you mean mnist4, mnist2?'
>>> did_you_mean("zzz", ["mnist2"])
''
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(key: str, choices: Iterable[str], n: int = 3) -> str:
    """``"; did you mean a, b?"`` naming the choices closest to ``key``, or ``""``."""
    close = difflib.get_close_matches(str(key), list(choices), n=n)
    return f"; did you mean {', '.join(close)}?" if close else ""
