"""Small tabular tasks of Élivágar's benchmarks: two moons (generated) and bank (a data file).

Both come back as ``(x_train, y_train, x_test, y_test)`` with features min-max scaled to
``[0, pi]`` (rotation angles; scaler fitted on the training rows only) and a test split that
never depends on the user's seed; :func:`qnas.tasks.load_task_data` splits train/valid later.

* ``moons``: scikit-learn's ``make_moons`` (``noise=0.1``), 1000 training rows drawn with
  ``random_state=0`` and 300 test rows with ``random_state=1``; 2 features on 2 qubits.
* ``bank``: the UCI banknote-authentication table (1372 rows ``variance, skewness, curtosis,
  entropy, class``, comma-separated), read from ``<data_dir>/bank/`` or ``<data_dir>``
  (file ``data_banknote_authentication.txt``); a stratified 80/20 split with
  ``random_state=0``; 4 features on 4 qubits.

>>> x_tr, y_tr, x_te, y_te = load_moons()
>>> x_tr.shape, x_te.shape, float(x_tr.min()), round(float(x_tr.max()), 4)
((1000, 2), (300, 2), 0.0, 3.1416)
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

BANK_FILE = "data_banknote_authentication.txt"
SPLIT_SEED = 0


def _scale(xtr: np.ndarray, xte: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = xtr.min(0), xtr.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)

    def tf(a):
        return ((a - lo) / span * math.pi).astype(np.float32)

    return tf(xtr), tf(xte)


def load_moons(n_train: int = 1000, n_test: int = 300, noise: float = 0.1):
    """The two-moons task (module docstring)."""
    from sklearn.datasets import make_moons

    xtr, ytr = make_moons(n_train, noise=noise, random_state=SPLIT_SEED)
    xte, yte = make_moons(n_test, noise=noise, random_state=SPLIT_SEED + 1)
    xtr, xte = _scale(xtr, xte)
    return xtr, ytr.astype(np.int64), xte, yte.astype(np.int64)


def find_bank_file(data_dir: str | os.PathLike | None = None) -> Path:
    """``<data_dir>/bank/data_banknote_authentication.txt`` (or directly in ``data_dir``);
    a missing file raises FileNotFoundError naming where it was looked for."""
    from qnas.tasks.mnist import ENV, resolve_data_dir

    root = resolve_data_dir(data_dir)
    if root is None:
        raise FileNotFoundError(f"no data directory for bank: pass --data-dir or set {ENV} to "
                                f"a folder holding bank/{BANK_FILE}")
    for cand in (root / "bank" / BANK_FILE, root / BANK_FILE):
        if cand.is_file():
            return cand
    raise FileNotFoundError(f"bank data not found: expected {root / 'bank' / BANK_FILE} (the "
                            "UCI banknote-authentication table) or the file directly in "
                            f"{root}")


def load_bank(data_dir: str | os.PathLike | None = None):
    """The bank task (module docstring)."""
    from sklearn.model_selection import train_test_split

    path = find_bank_file(data_dir)
    try:
        table = np.loadtxt(path, delimiter=",", ndmin=2)
    except ValueError as e:
        raise ValueError(f"cannot parse bank file {path}: {e}") from None
    if table.shape[1] != 5 or len(table) < 10:
        raise ValueError(f"bank file {path}: expected rows of 5 comma-separated columns, got "
                         f"{table.shape}")
    x, y = table[:, :4], table[:, 4]
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"bank file {path}: the class column must be 0 or 1")
    xtr, xte, ytr, yte = train_test_split(x, y.astype(np.int64), test_size=0.2,
                                          random_state=SPLIT_SEED, stratify=y)
    xtr, xte = _scale(xtr, xte)
    return xtr, ytr, xte, yte
