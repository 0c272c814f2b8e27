"""Shared behaviour of the frozen config dataclasses (training, pipeline): dict and file I/O.

>>> import dataclasses
>>> @dataclasses.dataclass(frozen=True)
... class C(ConfigMixin):
...     a: int = 1
>>> C.from_dict({"a": 2}).replace(a=3).to_dict()
{'a': 3}
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path


def read_config_file(path: str | Path) -> dict:
    """Parse a ``.toml`` or ``.json`` config file into a dict (clear errors when malformed)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such config file: {path}")
    text = path.read_text()
    try:
        if path.suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except Exception as e:  # noqa: BLE001 - tomllib/json raise different types
        raise ValueError(f"malformed config {path}: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"config {path} must hold a table/object of settings")
    return data


class ConfigMixin:
    """``replace``, ``to_dict``, ``from_dict`` (unknown keys rejected) for frozen dataclasses."""

    def replace(self, **kw):
        return dataclasses.replace(self, **kw)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict):
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown config keys {unknown}; known: {sorted(names)}")
        return cls(**d)
