"""The configuration of a ``qnas run``: one frozen dataclass, presets, TOML/JSON loading.

>>> cfg = RunConfig.from_preset("quick", task="digits4", device="santiago")
>>> cfg.search_population, cfg.space
(20, 'u3cu3')
>>> cfg.replace(seed=3).seed
3
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qnas.config_file import ConfigMixin, read_config_file

BASELINES = ("human", "random", "noise_unaware", "mapping_only")


@dataclass(frozen=True)
class RunConfig(ConfigMixin):
    task: str = "digits4"
    device: str = "santiago"
    space: str = "u3cu3"
    preset: str = "quick"
    seed: int = 0
    data_dir: str | None = None
    # SuperCircuit training
    max_blocks: int = 4
    super_epochs: int = 8
    batch_size: int = 32
    lr: float = 5e-3
    weight_decay: float = 1e-4
    warmup_epochs: int = 1
    sampler: str = "restricted"  # uniform | restricted | progressive
    restricted_genes: int = 2
    # Sandwich rule (BigNAS): each step also trains the largest SubCircuit, so that the
    # full design keeps competitive inherited weights (costs ~2x SuperCircuit time).
    sandwich: bool = False
    # Evolutionary co-search
    search_population: int = 10
    search_parents: int = 4
    search_mutations: int = 4
    search_mutation_prob: float = 0.4
    search_crossovers: int = 2
    search_iterations: int = 4
    search_valid_samples: int = 64
    max_two_qubit_gates: int | None = None
    search_metric: str = "loss"  # loss | accuracy (classification; VQE always uses energy)
    search_full_layouts: int = 0  # generation 0 holds the full design on this many layouts
    executor: str = "local"  # local | dask | ray
    workers: int = 0
    # After the search
    finetune_epochs: int = 10
    finetune_from: str = "scratch"  # scratch | inherited (SuperCircuit weights)
    noise_aware: str | None = None  # None | gate_insertion
    noise_scale: float = 1.0
    prune_target: float = 0.3
    prune_steps: int = 3
    prune_finetune_epochs: int = 3
    human_blocks: int | None = None  # default: max_blocks
    # Independent evaluation
    eval_test_samples: int = 300
    eval_shots: int = 8192
    baselines: tuple[str, ...] = field(default=BASELINES)
    mapping_only_layouts: int = 30

    def __post_init__(self):
        from qnas.spaces import get_space
        from qnas.tasks.datasets import get_task
        from qnas.tasks.vqe_tasks import is_vqe_task

        if not is_vqe_task(self.task):
            try:
                get_task(self.task)
            except ValueError as e:
                from qnas.tasks.vqe_tasks import VQE_TASKS

                raise ValueError(f"{e}; VQE tasks: {', '.join(VQE_TASKS)}") from None
        get_space(self.space)
        from qnas.devices import Target  # noqa: F401  (import check only)
        from qnas.devices.fake import resolve_device

        resolve_device(self.device)
        object.__setattr__(self, "baselines", tuple(self.baselines))
        for b in self.baselines:
            if b not in BASELINES:
                raise ValueError(f"unknown baseline {b!r}; expected some of {BASELINES}")
        if self.sampler not in ("uniform", "restricted", "progressive"):
            raise ValueError(f"unknown sampler {self.sampler!r}")
        if self.executor not in ("local", "dask", "ray"):
            raise ValueError(f"unknown executor {self.executor!r}; expected local, dask or ray")
        if self.finetune_from not in ("scratch", "inherited"):
            raise ValueError(f"finetune_from must be 'scratch' or 'inherited', "
                             f"got {self.finetune_from!r}")
        if self.noise_aware not in (None, "gate_insertion"):
            raise ValueError(f"unknown noise_aware mode {self.noise_aware!r}")
        if self.noise_aware and is_vqe_task(self.task):
            raise ValueError("noise_aware training is implemented for classification tasks only")
        if self.search_metric not in ("loss", "accuracy"):
            raise ValueError(f"unknown search_metric {self.search_metric!r}; expected 'loss' or "
                             f"'accuracy'")
        if not 0 <= self.search_full_layouts <= self.search_population:
            raise ValueError(f"search_full_layouts must be in 0..search_population, got "
                             f"{self.search_full_layouts}")
        for name in ("max_blocks", "super_epochs", "batch_size", "search_population",
                     "search_iterations", "eval_shots", "eval_test_samples"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    @classmethod
    def from_file(cls, path: str | Path) -> RunConfig:
        return cls.from_dict(read_config_file(path))

    @classmethod
    def from_preset(cls, preset: str, **overrides) -> RunConfig:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; expected one of {sorted(PRESETS)}")
        return cls(**{**PRESETS[preset], "preset": preset, **overrides})


PRESETS: dict[str, dict] = {
    # A few minutes on a 2-core CPU for a 4-qubit task (the ``make demo`` job).
    "quick": dict(super_epochs=40, search_population=20, search_parents=5, search_mutations=10,
                  search_crossovers=5, search_iterations=10, search_valid_samples=100,
                  finetune_epochs=40, prune_steps=3, prune_finetune_epochs=5),
    # The paper's recipe (QuantumNAS Sec. 5): 200 epochs, population 40, 10 parents,
    # 20 mutations at p=0.4, 10 crossovers, 40 iterations.
    "paper": dict(max_blocks=8, super_epochs=200, batch_size=256, warmup_epochs=30,
                  search_population=40, search_parents=10, search_mutations=20,
                  search_crossovers=10, search_iterations=40, search_valid_samples=300,
                  finetune_epochs=200, prune_target=0.5, prune_steps=4,
                  prune_finetune_epochs=20, mapping_only_layouts=120),
}
