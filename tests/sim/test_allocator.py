"""qnas.sim.allocator: importing qnas keeps large freed buffers in the heap (glibc)."""

import ctypes
import os
import subprocess
import sys

import pytest

from qnas.sim import allocator

# A fresh interpreter imports qnas (or not) and prints how many more bytes glibc holds in
# mmapped blocks while a new 4 MB tensor is alive.
_PROBE = """
import ctypes, sys
class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "qnas":
    import qnas  # noqa: F401
import torch
before = libc.mallinfo2().hblkhd
b = torch.empty(2**20, dtype=torch.float32)
print(libc.mallinfo2().hblkhd - before)
"""


def _has_mallinfo2() -> bool:
    try:
        return sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "mallinfo2")
    except OSError:
        return False


def _mmapped_bytes(mode: str, **env) -> int:
    clean = {k: v for k, v in os.environ.items()
             if k != allocator.ENV_SWITCH and not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True,
                         env={**clean, **env}, check=True)
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not _has_mallinfo2(), reason="needs Linux with glibc >= 2.33")
def test_importing_qnas_serves_large_buffers_from_the_heap():
    assert _mmapped_bytes("plain") >= 2**22  # glibc's default: a 4 MB buffer is mmapped
    assert _mmapped_bytes("qnas") < 2**22  # tuned: it comes from the heap
    assert _mmapped_bytes("qnas", QNAS_TUNE_MALLOC="0") >= 2**22  # the switch turns it off


def test_the_switch_and_glibc_variables_leave_the_allocator_alone(monkeypatch):
    monkeypatch.setenv(allocator.ENV_SWITCH, "0")
    assert allocator.tune_malloc() is False
    monkeypatch.delenv(allocator.ENV_SWITCH)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")
    assert allocator.tune_malloc() is False
