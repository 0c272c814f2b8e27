"""Shared fixtures: the data directory (``QNAS_DATA`` or ``../shared/data``) and seeds."""

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


def _data_dir_candidates() -> list[tuple[str, Path]]:
    """``(label, path)`` of every place looked at for the data directory, in order."""
    env = os.environ.get("QNAS_DATA")
    out = [(f"QNAS_DATA={env}", Path(env).expanduser())] if env else []
    shared = REPO.parent / "shared" / "data"
    return out + [(str(shared), shared)]


def data_dir() -> Path | None:
    for _, cand in _data_dir_candidates():
        if cand.is_dir():
            return cand
    return None


def missing_data_dir_reason() -> str:
    """Why :func:`data_dir` found nothing, naming every path tried."""
    env = os.environ.get("QNAS_DATA")
    tried = [
        f"{label} {'is not a directory' if path.exists() else 'does not exist'}"
        for label, path in _data_dir_candidates()
    ]
    if not env:
        tried.insert(0, "QNAS_DATA is not set")
    return "no data directory: " + "; ".join(tried) + " (set QNAS_DATA to the data folder)"


@pytest.fixture
def shared_data() -> Path:
    d = data_dir()
    if d is None:
        pytest.skip(missing_data_dir_reason())
    return d


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture
def one_thread():
    """Tiny states: intra-op threading only adds overhead (and stalls on a busy machine)."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
