"""Command-line options shared by ``qnas run`` and ``qnas train``: flags become overrides of
the configuration only when the user typed them (:func:`overrides_from_args`).

>>> import argparse
>>> p = argparse.ArgumentParser(); add_config_options(p)
>>> a = p.parse_args(["--device", "quito", "--set", "search.population=12"])
>>> overrides_from_args(a)
{'device': 'quito', 'search': {'population': 12}}
"""

from __future__ import annotations

import os

from qnas.config import Config, load_config, merge


def add_config_options(p) -> None:
    """``--config``, ``--preset``, the common settings and ``--set KEY=VALUE`` (all default
    to "not typed")."""
    p.add_argument("--config", default=None, help="TOML/JSON file of settings (see configs/)")
    p.add_argument("--preset", default=None, help="base settings: quick (default) or paper")
    p.add_argument("--task", default=None,
                   help="digits4, mnist2/4/10, fashion2/4/10 (fmnist2/4), vowel2/4, moons, "
                        "bank, or a VQE task: vqe_h2, "
                        "vqe_lih, vqe_h2o, vqe_ch4, vqe_beh2 (default digits4)")
    p.add_argument("--device", default=None, help="IBM device snapshot, e.g. santiago")
    p.add_argument("--space", default=None, help="design space: u3cu3 (default), zzry, ...")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--data-dir", default=None, help="data directory (default: $QNAS_DATA)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads (default 1, fastest for small circuits; 0 = torch's)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="any setting, e.g. --set search.population=30 (repeatable; VALUE is "
                        "TOML: 3, 0.5, true, \"text\", [1, 2])")


def parse_set(item: str) -> dict:
    """``"search.population=30"`` -> ``{"search": {"population": 30}}`` (value parsed as TOML,
    a bare word as a string)."""
    import tomllib

    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set expects SECTION.KEY=VALUE, got {item!r}")
    try:
        v = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        v = value
    out: dict = v
    for part in reversed(key.strip().split(".")):
        out = {part: out}
    return out


def overrides_from_args(args, extra: dict | None = None) -> dict:
    """The settings the user typed (flags that are not None, ``--set`` items, ``extra``)."""
    over: dict = {}
    for flag in ("task", "device", "space", "seed", "preset"):
        if getattr(args, flag, None) is not None:
            over[flag] = getattr(args, flag)
    if getattr(args, "data_dir", None) is not None:
        over["data"] = {"dir": args.data_dir}
    if getattr(args, "threads", None) is not None:
        over["runtime"] = {"threads": args.threads}
    over = merge(over, extra or {})
    for item in getattr(args, "set", None) or []:
        over = merge(over, parse_set(item))
    return over


def config_from_args(args, extra: dict | None = None) -> Config:
    """Defaults <- preset <- ``--config`` file <- typed flags; ``$QNAS_DATA`` if no data dir."""
    cfg = load_config(file=args.config, overrides=overrides_from_args(args, extra))
    if cfg.data.dir is None and os.environ.get("QNAS_DATA"):
        cfg = cfg.replace(data={"dir": os.environ["QNAS_DATA"]})
    return cfg
