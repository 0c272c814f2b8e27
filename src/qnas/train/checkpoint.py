"""Atomic checkpoints: ``torch.save`` to a temp file in the same folder, then ``os.replace``.

Readers see the previous checkpoint or the new one, never a half-written file; a failed
save removes its temp file. Loading a damaged file raises ``ValueError`` naming it.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "ckpt.pt"
>>> save_checkpoint({"epoch": 3}, p); load_checkpoint(p)["epoch"]
3
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

FORMAT = "qnas.train.checkpoint/1"


def save_checkpoint(state: dict, path: str | os.PathLike) -> None:
    """Write ``state`` (plus a format tag) to ``path`` atomically."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, **state}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint` (clear errors when damaged)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001 - pickle/zip errors come in many types
        raise ValueError(f"corrupt checkpoint {path}: {type(e).__name__}: {e}") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"corrupt checkpoint {path}: not a qnas training checkpoint")
    return state
