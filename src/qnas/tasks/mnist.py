"""Locate, read and (optionally) download MNIST / Fashion-MNIST IDX files.

Files are looked for in ``<data_dir>/mnist/`` (Fashion: ``<data_dir>/fashion_mnist/``), in the
torchvision layout ``<data_dir>/MNIST/raw/`` (``FashionMNIST/raw``), or directly in
``data_dir``; each as ``name`` or ``name.gz``. ``data_dir`` defaults to ``$QNAS_DATA``.

With the real data, ``load_idx_raw("mnist")`` returns the 60000 + 10000 images of
``$QNAS_DATA/mnist``. A tiny stand-in data set shows the layout:

>>> import os, tempfile
>>> from qnas.tasks.idx import write_idx
>>> root = tempfile.mkdtemp()
>>> os.mkdir(os.path.join(root, "mnist"))
>>> arrays = (np.zeros((3, 28, 28), np.uint8), np.array([5, 0, 4], np.uint8),
...           np.zeros((2, 28, 28), np.uint8), np.array([7, 2], np.uint8))
>>> for name, a in zip(FILES, arrays):
...     write_idx(os.path.join(root, "mnist", name + ".gz"), a)
>>> x_train, y_train, x_test, y_test = load_idx_raw("mnist", root)
>>> x_train.shape, x_train.dtype, y_test.tolist()
((3, 28, 28), dtype('uint8'), [7, 2])
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

import numpy as np

from qnas.tasks.idx import parse_idx, read_idx

FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
SUBDIRS = {
    "mnist": ("mnist", "MNIST/raw", "."),
    "fashion": ("fashion_mnist", "fashion-mnist", "FashionMNIST/raw", "."),
}
# MD5 of the *uncompressed* MNIST files, and of the published *.gz* Fashion-MNIST files.
MD5_RAW = {
    "mnist": dict(
        zip(
            FILES,
            (
                "6bbc9ace898e44ae57da46a324031adb",
                "a25bea736e30d166cdddb491f175f624",
                "2646ac647ad5339dbf082846283269ea",
                "27ae3e4e09519cfbb04c329615203637",
            ),
            strict=True,
        )
    ),
}
MD5_GZ = {
    "fashion": dict(
        zip(
            FILES,
            (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79",
                "bb300cfdad3c16e7a12a480ee83cd310",
            ),
            strict=True,
        )
    ),
}
MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "fashion": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}
ENV = "QNAS_DATA"


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path | None:
    """``data_dir`` if given, else ``$QNAS_DATA``, else ``None``."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV)
    return Path(env).expanduser() if env else None


def describe_data_dir(data_dir: str | os.PathLike | None, root: Path) -> str:
    """Where ``root`` came from, for error messages: ``QNAS_DATA=/x (does not exist)``."""
    origin = "data_dir" if data_dir is not None else ENV
    missing = "" if root.is_dir() else " (does not exist)"
    return f"{origin}={root}{missing}"


def _check_kind(kind: str) -> None:
    if kind not in SUBDIRS:
        raise ValueError(f"unknown IDX data set {kind!r}; expected one of {sorted(SUBDIRS)}")


def find_idx_files(kind: str, data_dir: str | os.PathLike | None = None) -> dict[str, Path]:
    """The four IDX files of ``kind`` ('mnist' or 'fashion'), or a FileNotFoundError."""
    _check_kind(kind)
    root = resolve_data_dir(data_dir)
    expected = ", ".join(f"{f}[.gz]" for f in FILES)
    if root is None:
        raise FileNotFoundError(
            f"no data directory for {kind}: pass data_dir=... or set the {ENV} environment "
            f"variable to a folder holding {SUBDIRS[kind][0]}/ with {expected}"
        )
    for sub in SUBDIRS[kind]:
        folder = root / sub
        found = {}
        for name in FILES:
            for cand in (folder / name, folder / f"{name}.gz"):
                if cand.is_file():
                    found[name] = cand
                    break
        if len(found) == len(FILES):
            return found
    where = " or ".join(str(root / s) for s in SUBDIRS[kind])
    raise FileNotFoundError(
        f"{kind} IDX files not found in {where} [{describe_data_dir(data_dir, root)}]: "
        f"expected {expected} (set data_dir=... or the {ENV} environment variable, "
        "or use download=True)"
    )


def load_idx_raw(
    kind: str, data_dir: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train [N,28,28] uint8, y_train [N] uint8, x_test, y_test)`` of MNIST or Fashion."""
    files = find_idx_files(kind, data_dir)
    xtr, ytr, xte, yte = (read_idx(files[f]) for f in FILES)
    for x, y, split in ((xtr, ytr, "train"), (xte, yte, "test")):
        if x.ndim != 3 or y.ndim != 1 or x.dtype != np.uint8:
            raise ValueError(
                f"{kind} {split}: expected uint8 images [N,H,W] and labels [N], got "
                f"{x.dtype} {x.shape} and {y.shape}"
            )
        if len(x) != len(y):
            raise ValueError(f"{kind} {split}: {len(x)} images but {len(y)} labels")
        if y.size and int(y.max()) > 9:
            raise ValueError(f"{kind} {split}: label {int(y.max())} outside 0..9")
    return xtr, ytr, xte, yte


def download_idx(
    kind: str, dest: str | os.PathLike, timeout: float = 10.0, mirrors: tuple[str, ...] = ()
) -> dict[str, Path]:
    """Download the four ``.gz`` files of ``kind`` into ``dest`` with MD5 checks.

    Fails fast (``timeout`` seconds per request) with a RuntimeError when offline.
    """
    _check_kind(kind)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in FILES:
        target = dest / f"{name}.gz"
        if not target.is_file():
            blob = _fetch(f"{name}.gz", mirrors or MIRRORS[kind], timeout)
            _verify(kind, name, blob)
            tmp = target.with_suffix(".gz.part")
            tmp.write_bytes(blob)
            tmp.replace(target)
        out[name] = target
    return out


def _fetch(fname: str, mirrors: tuple[str, ...], timeout: float) -> bytes:
    errors = []
    for base in mirrors:
        url = base + fname
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
                return resp.read()
        except Exception as e:  # noqa: BLE001 - any network failure means "try next"
            errors.append(f"{url}: {e}")
    raise RuntimeError(
        f"could not download {fname} (network unavailable?): " + "; ".join(errors)
        + ". Download the files manually into the data directory."
    )


def _verify(kind: str, name: str, blob: bytes) -> None:
    want_gz = MD5_GZ.get(kind, {}).get(name)
    if want_gz and hashlib.md5(blob, usedforsecurity=False).hexdigest() != want_gz:
        raise RuntimeError(f"MD5 mismatch for downloaded {kind} {name}.gz")
    want_raw = MD5_RAW.get(kind, {}).get(name)
    if want_raw:
        import gzip

        try:
            raw = gzip.decompress(blob)
        except Exception as e:  # noqa: BLE001
            raise RuntimeError(f"downloaded {kind} {name}.gz is not gzip data: {e}") from None
        if hashlib.md5(raw, usedforsecurity=False).hexdigest() != want_raw:
            raise RuntimeError(f"MD5 mismatch for downloaded {kind} {name}")
        parse_idx(raw, name)
