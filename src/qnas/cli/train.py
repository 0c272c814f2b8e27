"""``qnas train``: train a classifier (the human baseline of a design space) on a task.

Example::

    qnas train --task digits4 --space u3cu3 --blocks 8 --epochs 5 --out runs/d4
    qnas train --task mnist4 --preset paper --device santiago --noise gate_insertion
    qnas train --config configs/quick-robust.toml --epochs 3   # flags override the file
    qnas train --out runs/d4 --resume          # continue an interrupted run

Settings are the one :class:`~qnas.config.Config` of ``qnas run``, from lowest: the defaults,
the preset (``quick`` unless ``--preset`` or the file's ``preset`` says otherwise), the
``--config`` file, then only the flags actually typed (the flags below map to ``model.*``,
``train.*``, ``noise.*`` and ``data.*``; ``--set SECTION.KEY=VALUE`` reaches any setting).
With ``--resume`` (and no ``--config``/``--preset``), the run's own ``config.json`` is used,
so ``qnas train --out D --resume`` alone continues the run in ``D``.

The device: ``qnas train`` uses one only when it is typed (``--device``, ``--set
device=...``) or set by the ``--config`` file (a file sets it when it has a ``device`` key);
otherwise ``device`` is None (``qnas run``'s default device does not apply). A noise mode
needs a device; with a device and a mode other than ``density``, the result also holds the
noisy test accuracy (density matrix with the device's noise model).

>>> import argparse
>>> p = argparse.ArgumentParser(); sub = p.add_subparsers(); add_parser(sub)
>>> args = p.parse_args(["train", "--blocks", "2", "--noise", "none", "--layout", "1,2,3,4"])
>>> train_overrides(args)
{'model': {'blocks': 2}, 'noise': {'mode': None, 'layout': [1, 2, 3, 4]}}
>>> make_config(args).device is None
True
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from qnas.cli.options import add_config_options, config_from_args, overrides_from_args

# flag (argparse dest) -> (section, key) of the Config
FLAGS = {
    "blocks": ("model", "blocks"), "encoder": ("model", "encoder"),
    "epochs": ("train", "epochs"), "batch_size": ("train", "batch_size"),
    "lr": ("train", "lr"), "weight_decay": ("train", "weight_decay"),
    "warmup_epochs": ("train", "warmup_epochs"),
    "noise": ("noise", "mode"), "noise_scale": ("noise", "scale"),
    "layout": ("noise", "layout"),
    "train_limit": ("data", "train_limit"), "eval_limit": ("data", "eval_limit"),
}


def _layout(text: str) -> list[int]:
    try:
        return [int(q) for q in text.split(",")]
    except ValueError:
        raise ValueError(f"bad --layout {text!r}; expected comma-separated qubits, "
                         "e.g. 0,1,2,3") from None


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a quantum classifier on a task")
    add_config_options(p)
    p.add_argument("--blocks", type=int, help="blocks of the human baseline (model.blocks)")
    p.add_argument("--encoder", help="encoder name (default: the task's)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", dest="batch_size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--weight-decay", dest="weight_decay", type=float)
    p.add_argument("--warmup-epochs", dest="warmup_epochs", type=int)
    p.add_argument("--noise", choices=("none", "density", "gate_insertion", "readout"),
                   help="noise during training (needs --device)")
    p.add_argument("--noise-scale", dest="noise_scale", type=float)
    p.add_argument("--layout", help="physical qubits for the logical wires, e.g. 0,1,2,3")
    p.add_argument("--train-limit", dest="train_limit", type=int,
                   help="keep at most N samples per split")
    p.add_argument("--eval-limit", dest="eval_limit", type=int,
                   help="evaluate on at most N valid/test samples")
    p.add_argument("--out", default="runs/train", help="run directory (default runs/train)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def train_overrides(args) -> dict:
    """The sections set by ``qnas train``'s own flags (only those typed)."""
    over: dict = {}
    for dest, (section, key) in FLAGS.items():
        v = getattr(args, dest, None)
        if v is None:
            continue
        if dest == "layout":
            v = _layout(v)
        elif dest == "noise" and v == "none":
            v = None
        over.setdefault(section, {})[key] = v
    return over


def _saved_config(out: Path) -> dict | None:
    """The settings of the run in ``out`` (``None`` if there is none)."""
    path = out / "config.json"
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"corrupt run config {path}: {e}") from None
    if not isinstance(saved, dict):
        raise ValueError(f"corrupt run config {path}: not a table of settings")
    return saved


def make_config(args):
    """The run's :class:`~qnas.config.Config` (see the module docstring).

    ``--resume`` without ``--config``/``--preset`` starts from the run's ``config.json``,
    with the typed flags on top (a flag that changes a result is then refused by the resume
    check; free settings such as ``--threads`` or ``--data-dir`` may change)."""
    from qnas.config import from_dict, merge, read_config_file

    extra = train_overrides(args)
    typed = overrides_from_args(args, extra)
    if args.resume and args.config is None and "preset" not in typed:
        saved = _saved_config(Path(args.out))
        if saved is not None:
            try:
                cfg = from_dict(merge(saved, typed))
            except ValueError as e:
                raise ValueError(f"{Path(args.out) / 'config.json'}: {e}") from None
            if cfg.data.dir is None and os.environ.get("QNAS_DATA"):
                cfg = cfg.replace(data={"dir": os.environ["QNAS_DATA"]})
            return cfg
    file_sets_device = args.config is not None and "device" in read_config_file(args.config)
    if "device" not in typed and not file_sets_device:
        extra["device"] = None  # qnas train uses a device only when asked for one
    return config_from_args(args, extra)


def run(args) -> int:
    from qnas.train.trainer import train

    cfg = make_config(args)
    res = train(cfg, args.out, resume=args.resume, progress=args.progress,
                log=None if args.json else print)
    if args.json:
        print(json.dumps({"out_dir": str(res.out_dir), "best_epoch": res.best_epoch,
                          "best_valid_acc": res.best_valid_acc, "test_acc": res.test_acc,
                          "test_acc_noisy": res.test_acc_noisy,
                          "n_test_noisy": res.n_test_noisy, "seconds": res.seconds}))
    return 0
