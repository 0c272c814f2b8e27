"""The one configuration of qnas runs and training: sections, presets, files, validation.

A :class:`Config` has a few top-level settings (task, device, space, seed, preset) and one
section per concern; in a TOML file each section is a table::

    preset = "quick"          # base values; the file's settings override them
    task = "mnist4"
    device = "quito"
    [supercircuit]
    sandwich = true
    [search]
    metric = "accuracy"

:func:`load_config` layers, lowest first: the defaults, the preset, the file, then only the
settings a user actually typed (command-line flags). Every value is type- and range-checked
in one place (:func:`check_value`) before anything runs; an unknown key gets a did-you-mean.

>>> cfg = load_config(overrides={"search": {"population": 12}})
>>> cfg.preset, cfg.search.population, cfg.supercircuit.epochs
('quick', 12, 40)
>>> cfg.replace(seed=3).seed, cfg.replace(search={"iterations": 2}).search.iterations
(3, 2)
>>> load_config(overrides={"supercircuit": {"epochs": "ten"}})
Traceback (most recent call last):
...
ValueError: supercircuit.epochs must be an integer, got 'ten'
>>> load_config(overrides={"serch": {}})
Traceback (most recent call last):
...
ValueError: unknown config section or key 'serch'; did you mean search?
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path

from qnas.suggest import did_you_mean

BASELINES = ("human", "random", "noise_unaware", "mapping_only")
STRATEGIES = ("quantumnas", "elivagar", "hybrid")


def _opt(default, *, lo=None, hi=None, choices=None):
    """A config field with a range (``lo <= v <= hi``) or a set of ``choices``."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "choices": choices})


class _Section:
    """Shared behaviour of the config sections: checks on construction, dict round trip."""

    def __post_init__(self):
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            v = check_value(f"{self.NAME}.{f.name}" if self.NAME else f.name,
                            getattr(self, f.name), hints[f.name], f.metadata)
            object.__setattr__(self, f.name, v)

    def to_dict(self) -> dict:
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, _Section):
                v = v.to_dict()
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out


def check_value(name: str, v, hint, meta=None):
    """``v`` checked against the type ``hint`` (and ``meta``'s lo/hi/choices); returns the
    normalised value (lists become tuples) or raises a ``ValueError`` naming ``name``.

    >>> check_value("search.population", 2.5, int)
    Traceback (most recent call last):
    ...
    ValueError: search.population must be an integer, got 2.5
    >>> check_value("train.epochs", -1, int, {"lo": 0})
    Traceback (most recent call last):
    ...
    ValueError: train.epochs must be >= 0, got -1
    """
    meta = meta or {}
    args = typing.get_args(hint)
    optional = type(None) in args
    if optional:
        if v is None:
            return None
        hint = next(a for a in args if a is not type(None))
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(v, (list, tuple)):
            raise ValueError(f"{name} must be a list, got {v!r}")
        item = typing.get_args(hint)[0]
        v = tuple(check_value(f"{name}[{i}]", x, item, {"choices": meta.get("choices")})
                  for i, x in enumerate(v))
        return v
    if hint is bool:
        if not isinstance(v, bool):
            raise ValueError(f"{name} must be true or false, got {v!r}")
    elif hint is int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{name} must be an integer, got {v!r}")
    elif hint is float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
        v = float(v)
    elif hint is str:
        if not isinstance(v, str):
            raise ValueError(f"{name} must be a string, got {v!r}")
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    if lo is not None and v < lo:
        raise ValueError(f"{name} must be >= {lo}, got {v!r}")
    if hi is not None and v > hi:
        raise ValueError(f"{name} must be <= {hi}, got {v!r}")
    if choices is not None and v not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}; got "
                         f"{v!r}{did_you_mean(str(v), [str(c) for c in choices])}")
    return v


@dataclass(frozen=True)
class DataConfig(_Section):
    """Where the data comes from and how much of it is used."""

    NAME: typing.ClassVar[str] = "data"
    dir: str | None = None  # data directory (default: $QNAS_DATA)
    train_limit: int | None = _opt(None, lo=1)  # keep at most this many samples per split
    eval_limit: int | None = _opt(None, lo=1)  # `qnas train`: at most N valid/test samples


@dataclass(frozen=True)
class ModelConfig(_Section):
    """The circuit: blocks of the design space, encoder, the human design's depth."""

    NAME: typing.ClassVar[str] = "model"
    blocks: int = _opt(4, lo=1)  # SuperCircuit depth (and `qnas train`'s human design)
    encoder: str | None = None  # default: the task's encoder
    human_blocks: int | None = _opt(None, lo=1)  # the human baseline's depth (default: blocks)


@dataclass(frozen=True)
class TrainConfig(_Section):
    """The optimiser and schedule of every training (Adam, linear warm-up + cosine decay)."""

    NAME: typing.ClassVar[str] = "train"
    epochs: int = _opt(10, lo=1)  # training of a found / baseline circuit, and `qnas train`
    batch_size: int = _opt(32, lo=1)
    lr: float = _opt(5e-3, lo=1e-12)
    weight_decay: float = _opt(1e-4, lo=0.0)
    warmup_epochs: int = _opt(1, lo=0)
    finetune_from: str = _opt("scratch", choices=("scratch", "inherited"))


@dataclass(frozen=True)
class SuperCircuitConfig(_Section):
    """SuperCircuit training: one sampled SubCircuit per step."""

    NAME: typing.ClassVar[str] = "supercircuit"
    epochs: int = _opt(8, lo=1)
    sampler: str = _opt("restricted", choices=("uniform", "restricted", "progressive"))
    restricted_genes: int = _opt(2, lo=1)
    # Sandwich rule (BigNAS): each step also trains the largest SubCircuit, so that the full
    # design keeps competitive inherited weights (costs ~2x SuperCircuit time).
    sandwich: bool = False


@dataclass(frozen=True)
class SearchConfig(_Section):
    """The evolutionary co-search of SubCircuit and qubit layout."""

    NAME: typing.ClassVar[str] = "search"
    population: int = _opt(10, lo=1)
    parents: int = _opt(4, lo=1)
    mutations: int = _opt(4, lo=0)
    mutation_prob: float = _opt(0.4, lo=0.0, hi=1.0)
    crossovers: int = _opt(2, lo=0)
    iterations: int = _opt(4, lo=1)
    valid_samples: int = _opt(64, lo=1)  # fitness inputs (classification)
    metric: str = _opt("loss", choices=("loss", "accuracy"))  # VQE always uses the energy
    full_layouts: int = _opt(0, lo=0)  # generation 0 holds the full design on this many layouts
    # After training, the found circuit's layout is re-chosen with its trained weights among
    # the searched layout and this many random ones (0: keep the searched layout).
    refine_layouts: int = _opt(0, lo=0)
    # Layouts the searches and mapping-only draw: any distinct qubits, or connected sets on the
    # coupling map (routing then stays in a small neighbourhood: a 10-qubit design on a
    # 27-qubit device compiles to ~10-14 wires instead of up to 26).
    layouts: str = _opt("any", choices=("any", "connected"))
    # Every layout search (generation 0 of the co-search and of random search, mapping-only,
    # the re-choice above) also tries the layout Qiskit's transpiler gives the circuit (the one
    # the human design is deployed on): on a device with a cycle that fits the design's CU3
    # ring, random layouts almost never find it.
    transpiler_layout: bool = False
    # The strategy (qnas.elivagar): quantumnas (SuperCircuit + co-search), elivagar (device-aware
    # candidates ranked by RepCap x CNR**noise_weight, no SuperCircuit) or hybrid (those
    # predictors keep hybrid_keep of `candidates` SubCircuit genomes, the SuperCircuit's noisy
    # fitness ranks them).
    strategy: str = _opt("quantumnas", choices=STRATEGIES)
    candidates: int = _opt(250, lo=1)  # elivagar / hybrid: candidates scored by the predictors
    hybrid_keep: int = _opt(20, lo=1)  # hybrid: survivors ranked by the SuperCircuit fitness
    noise_weight: float = _opt(0.25, lo=0.0)  # w of RepCap x CNR**w
    cnr_replicas: int = _opt(32, lo=1)  # Clifford replicas per candidate
    cnr_mode: str = _opt("angles", choices=("gates", "angles"))  # see qnas.elivagar.cnr
    # CNR's noisy simulation: density (exact), pauli (Clifford replicas, twirled relaxation,
    # no density matrix: qnas.elivagar.twirled), auto (density up to 6 qubits, then pauli)
    cnr_method: str = _opt("auto", choices=("auto", "density", "pauli"))
    repcap_params: int = _opt(32, lo=1)  # random parameter vectors of RepCap
    repcap_per_class: int = _opt(16, lo=2)  # labelled RepCap inputs per class
    candidate_params: int | None = _opt(None, lo=1)  # elivagar: trainable angles (8 per qubit)
    # elivagar: trainable rotations of candidates, the device's own (rz on IBM) or rx/ry/rz
    candidate_rotations: str = _opt("native", choices=("native", "rxyz"))


@dataclass(frozen=True)
class NoiseConfig(_Section):
    """Noise during training: ``mode`` None (noise-free), gate_insertion, density, readout."""

    NAME: typing.ClassVar[str] = "noise"
    mode: str | None = _opt(None, choices=("gate_insertion", "density", "readout"))
    scale: float = _opt(1.0, lo=0.0)
    layout: tuple[int, ...] | None = None  # `qnas train`: physical qubits of the logical wires
    # The device itself made noisier or cleaner: gate and readout errors x device_scale, T1/T2
    # / device_scale, everywhere (search, noise-aware training, Aer evaluation): noise sweeps.
    device_scale: float = _opt(1.0, lo=0.01, hi=100.0)


@dataclass(frozen=True)
class PruneConfig(_Section):
    """Iterative magnitude pruning of the trained circuit's rotation angles."""

    NAME: typing.ClassVar[str] = "prune"
    target: float = _opt(0.3, lo=0.0, hi=1.0)  # final sparsity (0 = no pruning stage)
    steps: int = _opt(3, lo=1)
    finetune_epochs: int = _opt(3, lo=1)


@dataclass(frozen=True)
class EvaluationConfig(_Section):
    """Independent evaluation (Qiskit Aer with the device's noise model) and the baselines."""

    NAME: typing.ClassVar[str] = "evaluation"
    test_samples: int = _opt(300, lo=1)
    # which test inputs (qnas.tasks.datasets.TaskData.test_subset): "first" (the split's
    # file order; every committed row of docs/results.md) or "random" (the presets' choice)
    test_subset: str = _opt("first", choices=("first", "random"))
    shots: int = _opt(8192, lo=1)
    baselines: tuple[str, ...] = _opt(BASELINES, choices=BASELINES)
    mapping_only_layouts: int = _opt(30, lo=1)
    # a model whose routed circuit acts on more qubits is routed again within its layout's
    # connected region (qnas.backends.aer_eval.route_for_aer): Aer's density matrix is 4**w
    max_aer_qubits: int = _opt(12, lo=1, hi=20)


@dataclass(frozen=True)
class RuntimeConfig(_Section):
    """How the work is executed; none of it changes results (free on ``--resume``)."""

    NAME: typing.ClassVar[str] = "runtime"
    executor: str = _opt("local", choices=("local", "dask", "ray"))
    workers: int = _opt(0, lo=0)
    threads: int = _opt(1, lo=0)  # torch threads (1 is fastest for small circuits; 0: torch's)
    # an existing cluster for dask/ray: tcp://scheduler:8786, auto, ray://head:10001
    address: str | None = None

    def apply_threads(self) -> None:
        """Set torch's thread count to ``threads`` (0: leave torch's own)."""
        if self.threads > 0:
            import torch

            torch.set_num_threads(self.threads)


SECTIONS = {c.NAME: c for c in (DataConfig, ModelConfig, TrainConfig, SuperCircuitConfig,
                                 SearchConfig, NoiseConfig, PruneConfig, EvaluationConfig,
                                 RuntimeConfig)}
# Settings that may differ when a run is resumed: they do not change its results.
RESUME_FREE = frozenset({"preset", "data.dir", "runtime.executor", "runtime.workers",
                         "runtime.threads", "runtime.address"})


@dataclass(frozen=True)
class Config(_Section):
    """Everything a run or a training depends on (see the module docstring)."""

    NAME: typing.ClassVar[str] = ""
    task: str = "digits4"
    device: str | None = "santiago"
    space: str = "u3cu3"
    seed: int = _opt(0, lo=0)
    preset: str = "quick"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    supercircuit: SuperCircuitConfig = field(default_factory=SuperCircuitConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    prune: PruneConfig = field(default_factory=PruneConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)

    def __post_init__(self):
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name in SECTIONS and not isinstance(v, SECTIONS[f.name]):
                raise ValueError(f"[{f.name}] must be a table of settings, got {v!r}")
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            if f.name not in SECTIONS:
                object.__setattr__(self, f.name, check_value(f.name, getattr(self, f.name),
                                                             hints[f.name], f.metadata))
        self._check_names()

    def _check_names(self):
        from qnas.spaces import get_space
        from qnas.tasks.vqe_tasks import VQE_TASKS, is_vqe_task

        if not is_vqe_task(self.task):
            from qnas.tasks.datasets import get_task

            try:
                get_task(self.task)
            except ValueError as e:
                raise ValueError(f"{e}; VQE tasks: {', '.join(VQE_TASKS)}") from None
            if self.model.encoder is not None:
                from qnas.tasks.encoders import get_encoder

                get_encoder(self.model.encoder)
        elif self.noise.mode is not None:
            raise ValueError("noise.mode (noise-aware training) is implemented for "
                             "classification tasks only")
        get_space(self.space)
        if self.device is not None:
            from qnas.devices.fake import resolve_device

            resolve_device(self.device)
        elif self.noise.mode is not None:
            raise ValueError(f"noise.mode {self.noise.mode!r} needs a device (e.g. --device "
                             "santiago)")
        if self.search.strategy != "quantumnas" and is_vqe_task(self.task):
            raise ValueError(f"search.strategy {self.search.strategy!r} ranks by RepCap, "
                             f"which needs a classification task; {self.task} is a VQE task")
        if self.search.full_layouts > self.search.population:
            raise ValueError(f"search.full_layouts must be <= search.population "
                             f"({self.search.population}), got {self.search.full_layouts}")

    @property
    def is_vqe(self) -> bool:
        from qnas.tasks.vqe_tasks import is_vqe_task

        return is_vqe_task(self.task)

    def replace(self, **changes) -> Config:
        """A copy with ``changes``; a section may be given as a dict of its changed keys."""
        return from_dict(merge(self.to_dict(), changes))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


# Old flat names (configs written before the sections) -> their place now.
_RENAMED = {
    "max_blocks": "model.blocks", "human_blocks": "model.human_blocks",
    "encoder": "model.encoder", "blocks": "model.blocks", "data_dir": "data.dir",
    "super_epochs": "supercircuit.epochs", "sampler": "supercircuit.sampler",
    "restricted_genes": "supercircuit.restricted_genes", "sandwich": "supercircuit.sandwich",
    "finetune_epochs": "train.epochs", "epochs": "train.epochs",
    "batch_size": "train.batch_size", "lr": "train.lr", "weight_decay": "train.weight_decay",
    "warmup_epochs": "train.warmup_epochs", "finetune_from": "train.finetune_from",
    "noise_aware": "noise.mode", "noise_scale": "noise.scale", "layout": "noise.layout",
    "prune_target": "prune.target", "prune_steps": "prune.steps",
    "prune_finetune_epochs": "prune.finetune_epochs",
    "eval_test_samples": "evaluation.test_samples", "eval_shots": "evaluation.shots",
    "baselines": "evaluation.baselines",
    "mapping_only_layouts": "evaluation.mapping_only_layouts",
    "executor": "runtime.executor", "workers": "runtime.workers", "threads": "runtime.threads",
    **{f"search_{k}": f"search.{k}" for k in ("population", "parents", "mutations",
                                              "mutation_prob", "crossovers", "iterations",
                                              "valid_samples", "metric", "full_layouts")},
}


def _unknown(key: str, known) -> ValueError:
    if key in _RENAMED:
        sec, name = _RENAMED[key].split(".")
        return ValueError(f"unknown config key {key!r}: it is now {name!r} in section "
                          f"[{sec}] ({_RENAMED[key]})")
    return ValueError(f"unknown config section or key {key!r}{did_you_mean(key, known)}")


def from_dict(d: dict) -> Config:
    """A :class:`Config` from nested settings (all checked; unknown keys rejected)."""
    if not isinstance(d, dict):
        raise ValueError(f"a config must be a table of settings, got {d!r}")
    top = {f.name for f in dataclasses.fields(Config)}
    kw = {}
    for k, v in d.items():
        if k not in top:
            raise _unknown(k, top)
        if k in SECTIONS:
            cls = SECTIONS[k]
            if not isinstance(v, dict):
                raise ValueError(f"[{k}] must be a table of settings, got {v!r}")
            names = {f.name for f in dataclasses.fields(cls)}
            for key in v:
                if key not in names:
                    raise ValueError(f"unknown key {key!r} in section [{k}]"
                                     f"{did_you_mean(key, names)}; known: {sorted(names)}")
            v = cls(**v)
        kw[k] = v
    return Config(**kw)


def merge(base: dict, over: dict) -> dict:
    """``base`` with ``over`` laid on top, section by section.

    >>> merge({"a": 1, "s": {"x": 1, "y": 2}}, {"s": {"y": 3}})
    {'a': 1, 's': {'x': 1, 'y': 3}}
    """
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def read_config_file(path: str | Path) -> dict:
    """The settings of a ``.toml`` or ``.json`` file (clear errors when malformed)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such config file: {path}")
    try:
        text = path.read_text()
        if path.suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except Exception as e:  # noqa: BLE001 - tomllib/json/codec raise different types
        raise ValueError(f"malformed config {path}: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"config {path} must hold a table/object of settings")
    return data


def load_config(preset: str | None = None, file: str | Path | None = None,
                overrides: dict | None = None) -> Config:
    """Defaults <- preset <- file <- ``overrides`` (only what the user typed).

    The preset is ``preset`` if given, else the file's ``preset`` key, else ``quick``.
    """
    data = read_config_file(file) if file is not None else {}
    if file is not None:
        try:
            from_dict(merge(data, {"preset": "quick"}))  # unknown keys: name the file
        except ValueError as e:
            raise ValueError(f"{file}: {e}") from None
    overrides = overrides or {}
    name = overrides.get("preset") or preset or data.get("preset") or "quick"
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; expected one of {sorted(PRESETS)}"
                         f"{did_you_mean(str(name), PRESETS)}")
    layered = merge(merge(merge(Config().to_dict(), PRESETS[name]), data), overrides)
    layered["preset"] = name
    return from_dict(layered)


PRESETS: dict[str, dict] = {
    # A few minutes on a 2-core CPU for a 4-qubit task (the ``make demo`` job).
    # Its search settings are those that ranked candidates best on the mnist4 rows of
    # docs/results.md (formerly configs/quick-robust.toml): sandwich SuperCircuit training,
    # the full design on 5 layouts in generation 0, noisy validation accuracy as fitness;
    # since 2026-11-28 connected layouts and the found circuit's layout re-chosen with its
    # trained weights (rows mnist4-{lagos,quito}-connected-refine: +2.1 / +3.7 points over
    # the same search without them, significant on both); since 2026-11-28 (second session)
    # every layout search also tries the transpiler's layout (the human design's).
    "quick": {"supercircuit": {"epochs": 40, "sandwich": True},
              "search": {"population": 20, "parents": 5, "mutations": 10, "crossovers": 5,
                         "iterations": 10, "valid_samples": 300, "metric": "accuracy",
                         "full_layouts": 5, "layouts": "connected", "refine_layouts": 30,
                         "transpiler_layout": True},
              "train": {"epochs": 40}, "prune": {"steps": 3, "finetune_epochs": 5},
              "evaluation": {"test_subset": "random"}},
    # The paper's recipe (QuantumNAS Sec. 5): 200 epochs, population 40, 10 parents,
    # 20 mutations at p=0.4, 10 crossovers, 40 iterations; Adam 5e-3, batch 256.
    "paper": {"model": {"blocks": 8},
              "supercircuit": {"epochs": 200},
              "train": {"epochs": 200, "batch_size": 256, "warmup_epochs": 30},
              "search": {"population": 40, "parents": 10, "mutations": 20, "crossovers": 10,
                         "iterations": 40, "valid_samples": 300, "candidates": 2500},
              "prune": {"target": 0.5, "steps": 4, "finetune_epochs": 20},
              "evaluation": {"mapping_only_layouts": 120, "test_subset": "random"}},
}
