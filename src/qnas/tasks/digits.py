"""scikit-learn's bundled 8x8 digits: the offline demo data set (no data directory needed).

Split and preprocessing (documented, deterministic):

* test split: a stratified 80/20 split of the 1797 bundled images with a *fixed* seed
  (``random_state=0``), so the test set never depends on the user's seed;
* pixels scaled to [0, 1] (divide by 16), normalised with the mean/std of all training
  pixels (the 80 % part, all classes), average-pooled 8x8 -> ``side x side``, flattened
  row-major (``side=4`` gives 16 features, the shape of the 4-qubit MNIST tasks);
* the 95/5 train/valid split is applied later by :func:`qnas.tasks.load_task_data`.

>>> x_tr, y_tr, x_te, y_te = load_digits_split(side=4)
>>> x_tr.shape[1], len(x_tr) + len(x_te)
(16, 1797)
"""

from __future__ import annotations

import numpy as np

from qnas.tasks.preprocess import avg_pool

TEST_FRACTION = 0.2
SPLIT_SEED = 0


def load_digits_split(side: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train [N, side*side] float32, y_train int64, x_test, y_test)``, all 10 classes."""
    if side < 1 or 8 % side:
        raise ValueError(f"digits images are 8x8; side must divide 8, got {side}")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = bunch.images.astype(np.float64) / 16.0
    labels = bunch.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(
        images, labels, test_size=TEST_FRACTION, random_state=SPLIT_SEED, stratify=labels
    )
    mean, std = float(xtr.mean()), float(xtr.std())

    def tf(a):
        return avg_pool((a - mean) / std, side).reshape(len(a), side * side).astype(np.float32)

    return tf(xtr), ytr, tf(xte), yte
