"""Small helpers shared by the benchmark drivers: tables, JSON output, machine info.

Example::

    >>> print(format_table(["a", "b"], [[1, 2.5]]))
    a | b
    --+----
    1 | 2.5
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def format_table(header: list[str], rows: list[list[object]]) -> str:
    """A plain left-aligned text table."""
    cells = [[str(h) for h in header]] + [[_fmt(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if v == 0 or 1e-3 <= abs(v) < 1e5:
            return f"{v:.4g}" if abs(v) < 10 else f"{v:.1f}"
        return f"{v:.2e}"
    return str(v)


def machine_info() -> dict:
    """Cores, platform, load average and a timestamp (timings on a shared box are noisy)."""
    info = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "time": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    try:
        info["loadavg_1m"] = round(os.getloadavg()[0], 2)
    except OSError:
        pass
    return info


def device_info(device: str) -> dict:
    """``{"device": ...}`` plus, on CUDA, the card's name, memory and the CUDA version."""
    info: dict = {"device": str(device)}
    if str(device).startswith("cuda"):
        import torch

        dev = torch.device(device)
        props = torch.cuda.get_device_properties(dev)
        info["device_name"] = torch.cuda.get_device_name(dev)
        info["device_memory_gib"] = round(props.total_memory / 2**30, 1)
        info["cuda"] = torch.version.cuda
    return info


def write_json(name: str, payload: dict, path: str | None = None) -> Path:
    """Write ``payload`` to ``path`` or ``bench/results/<name>.json``; returns the path."""
    out = Path(path) if path else RESULTS_DIR / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    return out
