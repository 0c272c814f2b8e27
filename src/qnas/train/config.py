"""``TrainConfig``: everything one training run depends on, in one frozen dataclass.

Presets: ``quick`` (a few epochs, small batches: smoke tests and demos) and ``paper``
(QuantumNAS's recipe: Adam lr 5e-3, weight decay 1e-4, batch 256, 200 epochs, cosine
decay after a linear warm-up). Files (``.toml`` or ``.json``) hold the same keys; CLI flags
override them. All values are validated on construction, before anything is written.

>>> cfg = TrainConfig.from_preset("quick", task="digits4", blocks=2)
>>> cfg.epochs, cfg.lr, cfg.replace(seed=3).seed
(5, 0.005, 3)
>>> TrainConfig(task="digits4", noise="density")
Traceback (most recent call last):
...
ValueError: noise mode 'density' needs a device (e.g. --device santiago)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from qnas.config_file import ConfigMixin, read_config_file

NOISE = (None, "density", "gate_insertion", "readout")


@dataclass(frozen=True)
class TrainConfig(ConfigMixin):
    # what to train
    task: str = "digits4"
    space: str = "u3cu3"
    blocks: int = 8
    encoder: str | None = None  # default: the task's encoder
    # optimisation (QuantumNAS: Adam 5e-3, wd 1e-4, cosine, 200 epochs, batch 256)
    epochs: int = 5
    batch_size: int = 32
    lr: float = 5e-3
    weight_decay: float = 1e-4
    warmup_epochs: int = 0
    seed: int = 0
    # noise
    device: str | None = None  # a device name (santiago, ...) for the noise modes
    noise: str | None = None  # None | density | gate_insertion | readout
    noise_scale: float = 1.0
    layout: tuple[int, ...] | None = None
    # data and files
    data_dir: str | None = None
    out_dir: str = "runs/train"
    train_limit: int | None = None  # keep at most this many samples per split
    eval_limit: int | None = None
    preset: str = "custom"
    threads: int | None = None  # torch.set_num_threads

    def __post_init__(self):
        from qnas.spaces import get_space
        from qnas.tasks.datasets import get_task

        spec = get_task(self.task)
        object.__setattr__(self, "task", spec.name)
        get_space(self.space)
        if self.encoder is not None:
            from qnas.tasks.encoders import get_encoder

            get_encoder(self.encoder)
        for name in ("blocks", "epochs", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        for name in ("warmup_epochs", "seed"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
        for name in ("lr", "weight_decay", "noise_scale"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        for name in ("train_limit", "eval_limit", "threads"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise ValueError(f"{name} must be a positive integer or unset, got {v!r}")
        if self.noise not in NOISE:
            raise ValueError(f"unknown noise mode {self.noise!r}; expected one of "
                             f"{[n for n in NOISE if n]} (or none)")
        if self.noise is not None and not self.device:
            raise ValueError(f"noise mode {self.noise!r} needs a device (e.g. --device santiago)")
        if self.device:
            from qnas.devices.fake import resolve_device

            resolve_device(self.device)
        if self.layout is not None:
            lay = tuple(int(q) for q in self.layout)
            if len(lay) != spec.n_qubits or len(set(lay)) != len(lay) or min(lay) < 0:
                raise ValueError(f"layout {lay} must list {spec.n_qubits} distinct qubits "
                                 f"for task {spec.name}")
            object.__setattr__(self, "layout", lay)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["layout"] = None if self.layout is None else list(self.layout)
        return d

    @classmethod
    def from_file(cls, path: str | Path, **overrides) -> TrainConfig:
        """Load a ``.toml`` or ``.json`` file; ``overrides`` win over its values."""
        data = read_config_file(path)
        if "preset" in data and data["preset"] in PRESETS:
            data = {**PRESETS[data["preset"]], **data}
        return cls.from_dict({**data, **overrides})

    @classmethod
    def from_preset(cls, preset: str, **overrides) -> TrainConfig:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; expected one of {sorted(PRESETS)}")
        return cls.from_dict({**PRESETS[preset], "preset": preset, **overrides})


PRESETS: dict[str, dict] = {
    "quick": dict(epochs=5, batch_size=32, warmup_epochs=0),
    # QuantumNAS Sec. 5 / TorchQuantum: Adam lr 5e-3, weight decay 1e-4, batch 256,
    # 200 epochs, cosine decay (with a linear warm-up, as the qnas run pipeline).
    "paper": dict(epochs=200, batch_size=256, lr=5e-3, weight_decay=1e-4, warmup_epochs=30),
}
