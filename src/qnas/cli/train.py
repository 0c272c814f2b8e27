"""``qnas train``: train a classifier (the human baseline of a design space) on a task.

Example::

    qnas train --task digits4 --space u3cu3 --blocks 8 --epochs 5 --out runs/d4
    qnas train --task mnist4 --preset paper --device santiago --noise gate_insertion
    qnas train --out runs/d4 --resume          # continue an interrupted run

Flags override the ``--config`` file, which overrides the ``--preset``. With ``--resume`` and
no other settings, the run's own ``config.json`` is used.
"""

from __future__ import annotations

import json
from pathlib import Path

# flag -> TrainConfig field, for flags that are settings
FIELDS = ("task", "space", "blocks", "encoder", "epochs", "batch_size", "lr", "weight_decay",
          "warmup_epochs", "seed", "device", "noise", "noise_scale", "layout", "data_dir",
          "out_dir", "train_limit", "eval_limit", "threads")


def _layout(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(q) for q in text.split(","))
    except ValueError:
        raise ValueError(f"bad --layout {text!r}; expected comma-separated qubits") from None


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a quantum classifier on a task")
    p.add_argument("--config", help="TOML or JSON file with TrainConfig settings")
    p.add_argument("--preset", choices=("quick", "paper"), help="base settings")
    p.add_argument("--task", help="digits4, mnist2, mnist4, mnist10, fashion*, vowel4")
    p.add_argument("--space", help="design space (u3cu3, zzry, rxyz, zxxx, ibmq_basis, ...)")
    p.add_argument("--blocks", type=int, help="number of blocks of the human baseline")
    p.add_argument("--encoder", help="encoder name (default: the task's)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", dest="batch_size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--weight-decay", dest="weight_decay", type=float)
    p.add_argument("--warmup-epochs", dest="warmup_epochs", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--device", help="device for the noise modes, e.g. santiago")
    p.add_argument("--noise", choices=("none", "density", "gate_insertion", "readout"))
    p.add_argument("--noise-scale", dest="noise_scale", type=float)
    p.add_argument("--layout", help="physical qubits for the logical wires, e.g. 0,1,2,3")
    p.add_argument("--data-dir", dest="data_dir", help="data directory (default $QNAS_DATA)")
    p.add_argument("--out", dest="out_dir", help="run directory (default runs/train)")
    p.add_argument("--train-limit", dest="train_limit", type=int,
                   help="keep at most N samples per split")
    p.add_argument("--eval-limit", dest="eval_limit", type=int,
                   help="evaluate on at most N valid/test samples")
    p.add_argument("--threads", type=int, help="torch threads")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def make_config(args):
    from qnas.train.config import PRESETS, TrainConfig

    overrides = {k: getattr(args, k) for k in FIELDS if getattr(args, k, None) is not None}
    if "layout" in overrides:
        overrides["layout"] = _layout(overrides["layout"])
    if overrides.get("noise") == "none":
        overrides["noise"] = None
    if args.config:
        base = TrainConfig.from_file(args.config, **overrides)
        return base.replace(preset=args.preset) if args.preset else base
    if args.resume and args.preset is None and "out_dir" in overrides:
        saved = Path(overrides["out_dir"]) / "config.json"
        if saved.is_file():
            try:
                data = json.loads(saved.read_text())
            except json.JSONDecodeError as e:
                raise ValueError(f"corrupt run config {saved}: {e}") from None
            return TrainConfig.from_dict({**data, **overrides})
    preset = args.preset or "quick"
    if preset not in PRESETS:  # pragma: no cover - argparse choices
        raise ValueError(f"unknown preset {preset!r}")
    return TrainConfig.from_preset(preset, **overrides)


def run(args) -> int:
    from qnas.train.trainer import train

    cfg = make_config(args)
    res = train(cfg, resume=args.resume, progress=args.progress,
                log=None if args.json else print)
    if args.json:
        print(json.dumps({"out_dir": str(res.out_dir), "best_epoch": res.best_epoch,
                          "best_valid_acc": res.best_valid_acc, "test_acc": res.test_acc,
                          "test_acc_noisy": res.test_acc_noisy, "seconds": res.seconds}))
    return 0
