"""QuantumNAS classification tasks: the ``TASKS`` registry and :func:`load_task_data`.

=========  ===========  ===============  ======  ==========  ======
task       data set     classes          feats   encoder     qubits
=========  ===========  ===============  ======  ==========  ======
mnist2     MNIST        3, 6             16      4x4_ryzxy   4
mnist4     MNIST        0-3              16      4x4_ryzxy   4
mnist10    MNIST        0-9              36      6x6_ryzxy   10
fashion2   Fashion      3, 6             16      4x4_ryzxy   4
fashion4   Fashion      0-3              16      4x4_ryzxy   4
fashion10  Fashion      0-9              36      6x6_ryzxy   10
vowel4     UCI vowel    0, 5, 1, 6       10      10_ryzx     4
digits4    sklearn 8x8  0-3              16      4x4_ryzxy   4
moons      make_moons   0, 1             2       2x1_ryry    2
bank       UCI banknote 0, 1             4       4_ry        4
vowel2     UCI vowel    0, 5             10      10_ryzx     4
fmnist2/4  = fashion2/4
=========  ===========  ===============  ======  ==========  ======

Labels are relabelled ``classes[i] -> i``. The training part of each data set is split 95/5
into train/valid with ``seed`` (``seed=1`` reproduces TorchQuantum's split); the test split
is the data set's own (digits4: see :mod:`qnas.tasks.digits`; moons, bank:
:mod:`qnas.tasks.tabular`).

>>> d = load_task_data("digits4", limit=50)
>>> d.x_train.shape, d.n_classes, int(d.y_train.max()) < 4
(torch.Size([50, 16]), 4, True)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import numpy as np
import torch

from qnas.suggest import lookup
from qnas.tasks.preprocess import (
    check_finite,
    preprocess_images,
    select_classes,
    side_for_features,
    train_valid_split,
)


@dataclass(frozen=True)
class TaskSpec:
    """How a task is built: source data set, classes (in label order), features, circuit."""

    name: str
    dataset: str  # 'mnist' | 'fashion' | 'vowel' | 'digits' | 'moons' | 'bank'
    classes: tuple[int, ...]
    n_features: int
    encoder: str
    n_qubits: int

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def _specs() -> dict[str, TaskSpec]:
    out = {}
    for ds in ("mnist", "fashion"):
        out[f"{ds}2"] = TaskSpec(f"{ds}2", ds, (3, 6), 16, "4x4_ryzxy", 4)
        out[f"{ds}4"] = TaskSpec(f"{ds}4", ds, (0, 1, 2, 3), 16, "4x4_ryzxy", 4)
        out[f"{ds}10"] = TaskSpec(f"{ds}10", ds, tuple(range(10)), 36, "6x6_ryzxy", 10)
    out["vowel4"] = TaskSpec("vowel4", "vowel", (0, 5, 1, 6), 10, "10_ryzx", 4)
    out["digits4"] = TaskSpec("digits4", "digits", (0, 1, 2, 3), 16, "4x4_ryzxy", 4)
    # Élivágar's benchmarks (qnas.tasks.tabular for moons and bank).
    out["moons"] = TaskSpec("moons", "moons", (0, 1), 2, "2x1_ryry", 2)
    out["bank"] = TaskSpec("bank", "bank", (0, 1), 4, "4_ry", 4)
    out["vowel2"] = TaskSpec("vowel2", "vowel", (0, 5), 10, "10_ryzx", 4)
    for k in (2, 4):  # Élivágar's names of the Fashion tasks
        out[f"fmnist{k}"] = dataclasses.replace(out[f"fashion{k}"], name=f"fmnist{k}")
    return out


TASKS: dict[str, TaskSpec] = _specs()


TEST_SUBSETS = ("first", "random")  # how TaskData.test_subset picks n test inputs


@dataclass(frozen=True)
class TaskData:
    """Train/valid/test tensors of one task: ``x_*`` float32 ``[N, F]``, ``y_*`` int64 ``[N]``."""

    name: str
    n_classes: int
    n_features: int
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_valid: torch.Tensor
    y_valid: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    def test_subset(self, n: int, how: str = "first") -> tuple[torch.Tensor, torch.Tensor]:
        """``(x, y)``: ``n`` inputs of the test split (all when ``n`` >= its size), in split
        order. ``how``: ``"first"``, the first ``n``; ``"random"``, ``n`` drawn without
        replacement by a fixed generator (seed 0, whatever the run's seed: every model and
        seed of a task sees the same inputs). Test splits come in file order, which on MNIST
        is not random: a model scores ~1.5 points less on its first 1000 inputs of 3 and 6 than
        on all 1968 (3 points less than on the other 968).

        >>> d = load_task_data("digits4", limit=40)
        >>> d.test_subset(5)[1].tolist() == d.y_test[:5].tolist()
        True
        >>> x, y = d.test_subset(5, "random")
        >>> len(y), bool((d.test_subset(5, "random")[0] == x).all())
        (5, True)
        """
        if how not in TEST_SUBSETS:
            raise ValueError(f"unknown test subset {how!r}; expected one of {TEST_SUBSETS}")
        total, n = len(self.y_test), int(n)
        if how == "first" or n >= total:
            return self.x_test[:n], self.y_test[:n]
        idx = np.sort(np.random.default_rng(0).permutation(total)[:n])
        idx = torch.from_numpy(idx)
        return self.x_test[idx], self.y_test[idx]

    def __repr__(self) -> str:
        return (
            f"TaskData({self.name!r}, classes={self.n_classes}, features={self.n_features}, "
            f"train={len(self.y_train)}, valid={len(self.y_valid)}, test={len(self.y_test)})"
        )


def get_task(name: str) -> TaskSpec:
    """The :class:`TaskSpec` of ``name``; unknown names raise with close suggestions."""
    return lookup(TASKS, name, "task")


def _raw_arrays(spec: TaskSpec, data_dir, n_features: int, download: bool):
    if spec.dataset in ("mnist", "fashion"):
        from qnas.tasks.mnist import download_idx, find_idx_files, load_idx_raw, resolve_data_dir

        if download:
            try:
                find_idx_files(spec.dataset, data_dir)
            except FileNotFoundError:
                root = resolve_data_dir(data_dir) or _default_cache()
                data_dir = root
                sub = "mnist" if spec.dataset == "mnist" else "fashion_mnist"
                download_idx(spec.dataset, root / sub)
        side = side_for_features(n_features, 24)
        xtr, ytr, xte, yte = load_idx_raw(spec.dataset, data_dir)
        xtr, ytr = select_classes(xtr, ytr, spec.classes)
        xte, yte = select_classes(xte, yte, spec.classes)
        return preprocess_images(xtr, side), ytr, preprocess_images(xte, side), yte
    if spec.dataset == "vowel":
        from qnas.tasks.vowel import load_vowel

        xtr, ytr, xte, yte = load_vowel(data_dir, n_features)
    elif spec.dataset == "digits":
        from qnas.tasks.digits import load_digits_split

        xtr, ytr, xte, yte = load_digits_split(side_for_features(n_features, 8))
    elif spec.dataset in ("moons", "bank"):
        from qnas.tasks.tabular import load_bank, load_moons

        if n_features != spec.n_features:
            raise ValueError(f"{spec.name} has {spec.n_features} features, got "
                             f"n_features={n_features}")
        xtr, ytr, xte, yte = load_moons() if spec.dataset == "moons" else load_bank(data_dir)
    else:  # pragma: no cover - guarded by TASKS
        raise ValueError(f"unknown data set {spec.dataset!r}")
    xtr, ytr = select_classes(xtr, ytr, spec.classes)
    xte, yte = select_classes(xte, yte, spec.classes)
    return xtr, ytr, xte, yte


def _default_cache():
    from pathlib import Path

    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "qnas"


def load_task_data(
    name: str,
    data_dir: str | os.PathLike | None = None,
    seed: int = 0,
    n_features: int | None = None,
    limit: int | None = None,
    download: bool = False,
    min_valid: int = 0,
) -> TaskData:
    """Load, preprocess and split task ``name`` (see the module table).

    ``data_dir`` defaults to ``$QNAS_DATA`` (unused by ``digits4``). ``n_features`` overrides
    the task's feature count (images: a square whose side divides the 24x24 crop, or 8 for
    digits; vowel: 1..10 PCA components). ``limit`` keeps at most that many samples in each
    split (the first ones after the seeded shuffle; test: file order). ``download`` fetches
    missing MNIST/Fashion files into ``data_dir`` (or ``~/.cache/qnas``) with MD5 checks.
    ``min_valid`` makes the validation split at least that large (at most half the training
    part), always disjoint from the training split.
    """
    spec = get_task(name)
    nf = spec.n_features if n_features is None else int(n_features)
    if limit is not None and int(limit) < 1:
        raise ValueError(f"limit must be a positive integer, got {limit}")
    xtr, ytr, xte, yte = _raw_arrays(spec, data_dir, nf, download)
    for x, split in ((xtr, "train"), (xte, "test")):
        check_finite(x, f"{spec.name} {split} features")
        if len(x) == 0:
            raise ValueError(f"{spec.name}: no {split} samples of classes {spec.classes}")
    itr, iva = train_valid_split(len(xtr), seed, min_valid=min_valid)
    lim = slice(None) if limit is None else slice(0, int(limit))

    def t(a, idx=None, dtype=torch.float32):
        a = a[lim] if idx is None else a[idx[lim].numpy()]
        return torch.tensor(np.ascontiguousarray(a), dtype=dtype)

    return TaskData(
        name=spec.name,
        n_classes=spec.n_classes,
        n_features=nf,
        x_train=t(xtr, itr),
        y_train=t(ytr, itr, torch.int64),
        x_valid=t(xtr, iva),
        y_valid=t(ytr, iva, torch.int64),
        x_test=t(xte),
        y_test=t(yte, dtype=torch.int64),
    )
