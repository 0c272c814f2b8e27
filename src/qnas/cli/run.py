"""``qnas run``: the whole QuantumNAS pipeline on one task and device.

Example::

    qnas run --task digits4 --device santiago --preset quick
    qnas run --task mnist4 --device quito --preset paper --data-dir ~/data
    qnas run --config configs/quick-robust.toml --task mnist4   # flags override the file
    qnas run ... --resume          # continue an interrupted run in the same --out folder
    qnas run --task moons --device santiago --strategy elivagar   # training-free search

Settings come from, lowest first: the defaults, the preset (``quick`` unless ``--preset`` or
the file's ``preset`` says otherwise), the ``--config`` file, then the flags actually typed.
"""

from __future__ import annotations

from pathlib import Path

from qnas.cli.options import add_config_options, config_from_args


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="train SuperCircuit, co-search, train, prune, evaluate")
    add_config_options(p)
    p.add_argument("--out", default=None, help="run directory (default: runs/TASK-DEVICE-SPACE)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run")
    p.add_argument("--executor", default=None, choices=("local", "dask", "ray"))
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--address", default=None,
                   help="an existing cluster for --executor dask (tcp://scheduler:8786) or ray "
                        "(auto, ray://head:10001)")
    p.add_argument("--sandwich", action="store_true",
                   help="train the full SubCircuit at every SuperCircuit step too, and put the "
                        "full design on 5 layouts in the search's first generation")
    p.add_argument("--strategy", default=None,
                   help="quantumnas (default: SuperCircuit + co-search), elivagar (training-free "
                        "device-aware candidates, no SuperCircuit) or hybrid (predictors prune, "
                        "the SuperCircuit ranks)")
    p.add_argument("--noise-aware", default=None, choices=("gate_insertion",))
    p.add_argument("--baselines", default=None,
                   help="comma list of human,random,noise_unaware,mapping_only (or 'none')")
    p.add_argument("--no-progress", action="store_true")


def make_config(args):
    """The run's :class:`~qnas.config.Config` from the parsed flags (only the typed ones)."""
    extra: dict = {}
    if args.executor is not None:
        extra.setdefault("runtime", {})["executor"] = args.executor
    if args.workers is not None:
        extra.setdefault("runtime", {})["workers"] = args.workers
    if args.address is not None:
        extra.setdefault("runtime", {})["address"] = args.address
    if args.strategy is not None:
        extra.setdefault("search", {})["strategy"] = args.strategy
    if args.noise_aware:
        extra["noise"] = {"mode": args.noise_aware}
    if args.sandwich:
        extra["supercircuit"] = {"sandwich": True}
        extra.setdefault("search", {})["full_layouts"] = 5
    if args.baselines is not None:
        extra["evaluation"] = {"baselines": [] if args.baselines == "none" else [
            b.strip() for b in args.baselines.split(",") if b.strip()]}
    return config_from_args(args, extra)


def run(args) -> int:
    from qnas.pipeline.run import run_pipeline

    cfg = make_config(args)  # run_pipeline sets runtime.threads
    out = Path(args.out or f"runs/{cfg.task}-{cfg.device}-{cfg.space}-s{cfg.seed}")
    run_pipeline(cfg, out, resume=args.resume, progress=not args.no_progress)
    print(f"run directory: {out}")
    return 0
