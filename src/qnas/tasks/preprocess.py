"""QuantumNAS preprocessing: image normalisation / crop / pooling, class subsets, splits.

MNIST-like images follow QuantumNAS/TorchQuantum exactly: scale to [0, 1], normalise with
``(0.1307, 0.3081)``, centre-crop 24x24, average-pool to ``side x side`` (4 -> 16 features,
6 -> 36 features), flatten row-major.

>>> import numpy as np
>>> preprocess_images(np.zeros((2, 28, 28), np.uint8), side=4).shape
(2, 16)
"""

from __future__ import annotations

import numpy as np
import torch

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
TRAIN_FRACTION = 0.95


def center_crop(images: np.ndarray, size: int) -> np.ndarray:
    """Centre crop ``[N, H, W]`` to ``[N, size, size]`` (torchvision's offsets)."""
    h, w = images.shape[-2:]
    if size > h or size > w:
        raise ValueError(f"cannot crop {h}x{w} images to {size}x{size}")
    top, left = int(round((h - size) / 2.0)), int(round((w - size) / 2.0))
    return images[..., top : top + size, left : left + size]


def avg_pool(images: np.ndarray, side: int) -> np.ndarray:
    """Average-pool square ``[N, S, S]`` images to ``[N, side, side]`` (``side`` divides S)."""
    n, s, s2 = images.shape
    if s != s2 or side < 1 or s % side:
        raise ValueError(f"cannot average-pool {s}x{s2} images to {side}x{side}")
    k = s // side
    return images.reshape(n, side, k, side, k).mean(axis=(2, 4))


def preprocess_images(
    images: np.ndarray,
    side: int,
    crop: int = 24,
    scale: float = 255.0,
    mean: float = MNIST_MEAN,
    std: float = MNIST_STD,
    chunk: int = 10000,
) -> np.ndarray:
    """``[N, H, W]`` raw pixels -> ``[N, side*side]`` float32 features (see module doc)."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"expected images [N, H, W], got shape {images.shape}")
    if std <= 0:
        raise ValueError(f"std must be positive, got {std}")
    out = np.empty((len(images), side * side), dtype=np.float32)
    for i in range(0, len(images), chunk):
        x = center_crop(images[i : i + chunk], crop).astype(np.float32) / np.float32(scale)
        x = (x - np.float32(mean)) / np.float32(std)
        out[i : i + chunk] = avg_pool(x, side).reshape(len(x), side * side)
    check_finite(out, "preprocessed images")
    return out


def check_finite(x: np.ndarray, what: str) -> None:
    """Raise a ValueError naming ``what`` if ``x`` has NaN or inf entries."""
    bad = ~np.isfinite(np.asarray(x, dtype=np.float64))
    if bad.any():
        rows = np.unique(np.nonzero(bad)[0])[:5].tolist()
        raise ValueError(f"{what} contain {int(bad.sum())} NaN/inf value(s) (rows {rows}...)")


def select_classes(
    x: np.ndarray, y: np.ndarray, classes: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Keep rows whose label is in ``classes``; relabel ``classes[i] -> i`` (order kept)."""
    y = np.asarray(y).astype(np.int64)
    if len(set(classes)) != len(classes):
        raise ValueError(f"repeated class in {classes}")
    lut = np.full(max(int(y.max(initial=0)), *classes) + 1, -1, dtype=np.int64)
    lut[list(classes)] = np.arange(len(classes))
    keep = (y >= 0) & (lut[np.clip(y, 0, None)] >= 0)
    return x[keep], lut[y[keep]]


def train_valid_split(
    n: int, seed: int, fraction: float = TRAIN_FRACTION, min_valid: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded permutation split into ``int(fraction * n)`` train and the rest valid indices,
    with at least ``min_valid`` valid ones (at most half of ``n``).

    Same as ``torch.utils.data.random_split(ds, [k, n - k], Generator().manual_seed(seed))``,
    so ``seed=1`` reproduces TorchQuantum's MNIST/vowel train/valid split.

    >>> [len(i) for i in train_valid_split(100, 0)]
    [95, 5]
    >>> [len(i) for i in train_valid_split(100, 0, min_valid=30)]
    [70, 30]
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"train fraction must be in (0, 1], got {fraction}")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(int(seed)))
    k = max(min(int(fraction * n), n - int(min_valid)), n - n // 2)
    return perm[:k], perm[k:]


def side_for_features(n_features: int, size: int) -> int:
    """Pooled side for ``n_features = side**2`` on ``size x size`` images (side divides size)."""
    side = int(round(n_features**0.5))
    if side * side != n_features or side < 1 or size % side:
        ok = [d * d for d in range(1, size + 1) if size % d == 0]
        raise ValueError(
            f"n_features={n_features} not supported for {size}x{size} images; use one of {ok}"
        )
    return side
