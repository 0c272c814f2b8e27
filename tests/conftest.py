"""Shared fixtures: the data directory (``QNAS_DATA`` or ``../shared/data``) and seeds."""

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


def data_dir() -> Path | None:
    env = os.environ.get("QNAS_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if cand.is_dir():
            return cand
    return None


@pytest.fixture
def shared_data() -> Path:
    d = data_dir()
    if d is None:
        pytest.skip("no data directory (set QNAS_DATA)")
    return d


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
