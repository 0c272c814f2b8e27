"""The UCI vowel (Deterding) data: reader and QuantumNAS-style preprocessing.

``<data_dir>/vowel/vowel-context.data`` (or the file directly in ``data_dir``): 990 rows of
``train/test flag, speaker, sex, 10 features, class 0-10``; 528 train and 462 test rows.

Preprocessing (scikit-learn), all fitted on the 528 *training* rows of all 11 classes:
PCA to ``n_features`` dims -> ``RobustScaler(quantile_range=(10, 90))`` -> ``MinMaxScaler``.
(TorchQuantum fits the two scalers on train+test and re-splits 70/30 at random; we keep the
data set's own split and never look at the test rows.)

With the real file, ``load_vowel()`` reads ``$QNAS_DATA/vowel/vowel-context.data``. A small
random stand-in file (15 train and 15 test rows) shows the shapes and the [0, 1] range:

>>> import tempfile
>>> rng = np.random.default_rng(0)
>>> rows = [[i % 2, i, 0, *rng.random(10), i % 11] for i in range(30)]
>>> root = tempfile.mkdtemp()
>>> np.savetxt(os.path.join(root, FILENAME), rows)
>>> x_tr, y_tr, x_te, y_te = load_vowel(root, n_features=4)
>>> x_tr.shape, x_te.shape, float(x_tr.min()), float(x_tr.max())
((15, 4), (15, 4), 0.0, 1.0)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from qnas.tasks.mnist import ENV, describe_data_dir, resolve_data_dir
from qnas.tasks.preprocess import check_finite

FILENAME = "vowel-context.data"


def find_vowel_file(data_dir: str | os.PathLike | None = None) -> Path:
    root = resolve_data_dir(data_dir)
    if root is None:
        raise FileNotFoundError(
            f"no data directory for vowel: pass data_dir=... or set the {ENV} environment "
            f"variable to a folder holding vowel/{FILENAME}"
        )
    for cand in (root / "vowel" / FILENAME, root / FILENAME):
        if cand.is_file():
            return cand
    raise FileNotFoundError(
        f"vowel data not found: expected {root / 'vowel' / FILENAME} or {root / FILENAME} "
        f"[{describe_data_dir(data_dir, root)}] (set data_dir=... or the {ENV} environment "
        "variable)"
    )


def read_vowel(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(is_test [N] bool, features [N, 10] float64, labels [N] int64)`` from the raw file."""
    try:
        table = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as e:
        raise ValueError(f"cannot parse vowel file {path}: {e}") from None
    if table.shape[1] != 14 or len(table) == 0:
        raise ValueError(f"vowel file {path}: expected rows of 14 columns, got {table.shape}")
    check_finite(table, f"vowel file {path} rows")
    flag, feats, labels = table[:, 0], table[:, 3:13], table[:, 13]
    if not np.isin(flag, (0, 1)).all():
        raise ValueError(f"vowel file {path}: train/test flag must be 0 or 1")
    if not (np.isin(labels, np.arange(11))).all():
        raise ValueError(f"vowel file {path}: class labels must be integers 0..10")
    return flag == 1, feats, labels.astype(np.int64)


def load_vowel(
    data_dir: str | os.PathLike | None = None, n_features: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Preprocessed ``(x_train, y_train, x_test, y_test)`` with all 11 classes."""
    if not 1 <= n_features <= 10:
        raise ValueError(f"vowel supports 1..10 features (PCA components), got {n_features}")
    is_test, x, y = read_vowel(find_vowel_file(data_dir))
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import MinMaxScaler, RobustScaler

    xtr, xte = x[~is_test], x[is_test]
    if len(xtr) < n_features or len(xte) == 0:
        raise ValueError(f"vowel file has {len(xtr)} train / {len(xte)} test rows; too few")
    pca = PCA(n_components=n_features).fit(xtr)
    rs = RobustScaler(quantile_range=(10, 90)).fit(pca.transform(xtr))
    mm = MinMaxScaler().fit(rs.transform(pca.transform(xtr)))

    def tf(a):
        return mm.transform(rs.transform(pca.transform(a))).astype(np.float32)

    return tf(xtr), y[~is_test], tf(xte), y[is_test]
