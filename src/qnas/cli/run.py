"""``qnas run``: the whole QuantumNAS pipeline on one task and device.

Example::

    qnas run --task digits4 --device santiago --preset quick
    qnas run --task mnist4 --device quito --space u3cu3 --preset paper --data-dir ~/data
    qnas run ... --resume          # continue an interrupted run in the same --out folder
"""

from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="train SuperCircuit, co-search, train, prune, evaluate")
    p.add_argument("--task", default="digits4",
                   help="digits4, mnist2/4/10, fashion2/4/10, vowel4, or a VQE task: vqe_h2, "
                        "vqe_lih, vqe_h2o, vqe_ch4, vqe_beh2")
    p.add_argument("--device", default="santiago")
    p.add_argument("--space", default="u3cu3")
    p.add_argument("--preset", default="quick", choices=("quick", "paper"))
    p.add_argument("--config", default=None, help="TOML/JSON file of RunConfig fields")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--data-dir", default=None, help="data directory (default: $QNAS_DATA)")
    p.add_argument("--out", default=None, help="run directory (default: runs/TASK-DEVICE-SPACE)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run")
    p.add_argument("--executor", default=None, choices=("local", "dask", "ray"))
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--sandwich", action="store_true",
                   help="train the full SubCircuit at every SuperCircuit step too, and put the "
                        "full design on 5 layouts in the search's first generation")
    p.add_argument("--noise-aware", default=None, choices=("gate_insertion",))
    p.add_argument("--baselines", default=None,
                   help="comma list of human,random,noise_unaware,mapping_only (or 'none')")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (1 is fastest for small circuits; 0 = torch default)")
    p.add_argument("--no-progress", action="store_true")


def run(args) -> int:
    import os

    import torch

    from qnas.pipeline.config import RunConfig
    from qnas.pipeline.run import run_pipeline

    over = {"task": args.task, "device": args.device, "space": args.space}
    for key in ("seed", "executor", "workers"):
        if getattr(args, key) is not None:
            over[key] = getattr(args, key)
    if args.noise_aware:
        over["noise_aware"] = args.noise_aware
    if args.sandwich:
        over["sandwich"] = True
        over["search_full_layouts"] = 5
    if args.baselines is not None:
        over["baselines"] = () if args.baselines == "none" else tuple(
            b.strip() for b in args.baselines.split(",") if b.strip())
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    data_dir = args.data_dir or os.environ.get("QNAS_DATA")
    if data_dir:
        over["data_dir"] = data_dir
    if args.config:
        base = RunConfig.from_file(args.config).to_dict()
        cfg = RunConfig.from_dict({**base, **over})
    else:
        cfg = RunConfig.from_preset(args.preset, **over)
    out = Path(args.out or f"runs/{cfg.task}-{cfg.device}-{cfg.space}-s{cfg.seed}")
    run_pipeline(cfg, out, resume=args.resume, progress=not args.no_progress)
    print(f"run directory: {out}")
    return 0
