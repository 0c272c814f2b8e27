"""Search storage: a content-keyed result cache and a crash-safe search state.

A store directory holds ``results.jsonl`` (one JSON record per finished evaluation,
appended and fsynced) and ``state.json`` (the search state, rewritten atomically after
every evaluation: temp file + ``os.replace``). A killed search resumes without
re-evaluating anything. A truncated last log line (death mid-write) is dropped with a
warning; any other corruption raises a ``ValueError`` naming the file.

>>> k = candidate_key("blocks=1; 2,2", (0, 3), device="fake_lima", seed=0)
>>> len(k), k == candidate_key("blocks=1; 2,2", [0, 3], device="fake_lima", seed=0)
(64, True)
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qnas.rundir import atomic_write_text


def candidate_key(
    circuit_or_spec: Any, layout: Sequence[int], device: str = "", seed: int | None = None
) -> str:
    """SHA-256 of (canonical circuit text or spec string, layout, device name, seed)."""
    if hasattr(circuit_or_spec, "to_text"):
        what = "circuit:" + circuit_or_spec.to_text()
    else:
        what = "spec:" + str(circuit_or_spec)
    payload = json.dumps(
        [what, [int(q) for q in layout], str(device), seed], separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class SearchStore:
    """Results log + state file in ``directory``; ``device``/``seed`` enter default keys.

    ``fsync=False`` skips the disk syncs (still safe against a killed process, not against
    power loss); useful for fast tests.
    """

    RESULTS = "results.jsonl"
    STATE = "state.json"

    def __init__(
        self,
        directory: str | os.PathLike,
        device: str = "",
        seed: int | None = 0,
        fsync: bool = True,
    ):
        self.fsync = bool(fsync)
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.device = str(device)
        self.seed = seed

    @property
    def results_path(self) -> Path:
        return self.dir / self.RESULTS

    @property
    def state_path(self) -> Path:
        return self.dir / self.STATE

    def key(self, genome) -> str:
        """Default cache key of a genome (its spec string and layout)."""
        return candidate_key(genome.spec, genome.layout, self.device, self.seed)

    # -- results log ----------------------------------------------------------
    def load_results(self) -> dict[str, dict]:
        """``key -> record`` of all finished evaluations (last record of a key wins)."""
        p = self.results_path
        if not p.exists():
            return {}
        data = p.read_bytes()
        out: dict[str, dict] = {}
        pos = 0
        lines = data.split(b"\n")
        for lineno, raw in enumerate(lines, 1):
            start, pos = pos, pos + len(raw) + 1
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
                if not isinstance(rec, dict) or "key" not in rec or "fitness" not in rec:
                    raise ValueError("record needs 'key' and 'fitness'")
            except ValueError as e:
                if lineno == len(lines):  # no trailing newline: the writer died mid-line
                    warnings.warn(
                        f"{p}: ignoring truncated last line {lineno} (interrupted write)",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                    with open(p, "r+b") as f:
                        f.truncate(start)
                    break
                raise ValueError(f"corrupt results log {p}, line {lineno}: {e}") from None
            out[rec["key"]] = rec
        return out

    def append_result(self, key: str, fitness: float, genome=None, **extra) -> dict:
        rec = {"key": key, "fitness": float(fitness)}
        if genome is not None:
            rec["genome"] = genome.to_dict() if hasattr(genome, "to_dict") else genome
        rec.update(extra)
        line = json.dumps(rec, separators=(",", ":")) + "\n"
        with open(self.results_path, "a") as f:
            f.write(line)
            f.flush()
            if self.fsync:
                os.fsync(f.fileno())
        return rec

    # -- state ------------------------------------------------------------------
    def save_state(self, state: dict) -> None:
        atomic_write_text(
            self.state_path, json.dumps(state, separators=(",", ":")), fsync=self.fsync
        )

    def load_state(self) -> dict | None:
        p = self.state_path
        if not p.exists():
            return None
        try:
            state = json.loads(p.read_text())
        except (ValueError, UnicodeDecodeError) as e:
            raise ValueError(
                f"corrupt search state file {p}: {e}. Delete it to restart the search "
                f"(finished results in {self.RESULTS} are kept as a cache)"
            ) from None
        if not isinstance(state, dict):
            raise ValueError(f"corrupt search state file {p}: not a JSON object")
        return state
