"""Entry point of the ``qnas`` console script.

Each subcommand lives in its own module ``qnas.cli.<name>`` exposing
``add_parser(subparsers)`` and ``run(args) -> int``.

>>> main(["--version"])  # doctest: +SKIP
qnas 0.1.0
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("sim", "devices", "train", "run", "vqe", "deploy", "experiments")


def build_parser() -> argparse.ArgumentParser:
    from qnas import __version__

    parser = argparse.ArgumentParser(prog="qnas", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"qnas {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"qnas.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"qnas.cli.{name}":
                raise
            continue
        mod.add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    mod = importlib.import_module(f"qnas.cli.{args.command}")
    try:
        return int(mod.run(args) or 0)
    except (ValueError, FileNotFoundError, KeyError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"qnas {args.command}: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
