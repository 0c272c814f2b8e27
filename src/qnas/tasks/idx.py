"""A small reader/writer for IDX files (the MNIST format), gzip-compressed or raw.

An IDX file is ``00 00 <dtype> <ndim>``, then ``ndim`` big-endian uint32 sizes, then the
big-endian data. Gzip is detected from the file's first bytes, not its name. Parsed arrays
are cached in memory (keyed by path, size and modification time) and returned read-only.

>>> import numpy as np, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "t.idx.gz")
>>> write_idx(path, np.arange(6, dtype=np.uint8).reshape(2, 3))
>>> read_idx(path).tolist()
[[0, 1, 2], [3, 4, 5]]
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import numpy as np

_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {np.dtype(v).newbyteorder("=").str: k for k, v in _DTYPES.items()}
_CACHE: dict[tuple[str, int, int], np.ndarray] = {}


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"corrupt IDX file {path}: cannot gunzip ({e})") from None


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse the (uncompressed) bytes of an IDX file into a native-endian array."""
    if len(data) < 4:
        raise ValueError(f"corrupt IDX file {source}: only {len(data)} bytes")
    if data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise ValueError(
            f"corrupt IDX file {source}: bad magic number 0x{data[:4].hex()} "
            "(expected 00 00 <type 08/09/0B/0C/0D/0E> <ndim>)"
        )
    dtype, ndim = _DTYPES[data[2]], data[3]
    if ndim == 0 or len(data) < 4 + 4 * ndim:
        raise ValueError(f"corrupt IDX file {source}: header declares {ndim} dimensions")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    want = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    body = len(data) - 4 - 4 * ndim
    if body != want:
        raise ValueError(
            f"corrupt IDX file {source}: dims {dims} need {want} data bytes, found {body}"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | os.PathLike, cache: bool = True) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw); the result is read-only and cached in memory."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if cache and key in _CACHE:
        return _CACHE[key]
    arr = np.array(parse_idx(_read_bytes(path), str(path)))
    arr.setflags(write=False)
    if cache:
        _CACHE[key] = arr
    return arr


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file; gzip-compressed when the name ends in ``.gz``."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("=").str)
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX needs 1..255 dimensions, got {array.ndim}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    data = header + array.astype(_DTYPES[code], copy=False).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


def md5_uncompressed(path: str | os.PathLike) -> str:
    """MD5 hex digest of a file's content after gunzip (if it is gzip-compressed)."""
    return hashlib.md5(_read_bytes(Path(path)), usedforsecurity=False).hexdigest()
