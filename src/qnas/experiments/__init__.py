"""The experiments behind ``docs/results.md``: a registry of rows (``experiments/rows.toml``),
a runner that keeps each row's small artifacts in the repository, paired statistics and the
tables rebuilt from the artifacts (``qnas experiments``)."""

from qnas.experiments.rows import Row, load_rows

__all__ = ["Row", "load_rows"]
