"""What a run optimizes: a classification task (loss/accuracy) or a VQE task (energy).

Every stage of ``qnas run`` talks to the task through :class:`RunTask` only, so the same
SuperCircuit training, co-search, pruning, baselines and Aer evaluation serve both. Scores
are "higher is better": accuracy for classification, minus the energy for VQE. Training goes
through the one loop (:func:`qnas.train.loop.fit`) with the task's :meth:`objective`.

>>> from qnas.config import load_config
>>> task = make_task(load_config(overrides={"task": "vqe_h2"}))
>>> task.kind, task.n_qubits, task.objective(lambda p, batch: p.sum(), 32).n_batches()
('vqe', 4, 10)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import torch

import qnas
from qnas.sim.measure import expz, probabilities
from qnas.train.loop import DataObjective, Objective, StepsObjective


class RunTask(Protocol):
    """The task interface of the pipeline stages (classification and energy implement it)."""

    kind: str  # "classification" | "vqe"
    metrics: tuple[str, str]  # (Aer metric, noise-free metric) of the table
    metric_labels: tuple[str, str]
    n_qubits: int
    encoder: object | None  # prepended to every ansatz (None: the ansatz alone)

    def info(self) -> dict: ...

    def objective(self, batch_loss: Callable, batch_size: int) -> Objective: ...

    def loss(self, circuit, params, batch) -> torch.Tensor: ...

    def noise_aware_loss(self, circuit, params, batch, target, layout, scale,
                         generator=None): ...

    def on_epoch(self, circuit, params) -> dict: ...

    def fitness(self, weights, circuits, target, noise: bool = True): ...

    def noisy_score(self, circuit, params, target, layout) -> float: ...

    def evaluate(self, deployed, values, trained, trained_values, layout) -> dict: ...


def noiseless_logits(circuit, params: torch.Tensor, x: torch.Tensor, readout):
    """Log-probabilities ``[B, C]`` from the noise-free statevector."""
    z = expz(probabilities(qnas.simulate(circuit, params, x)), circuit.n_qubits)
    return readout(z)


def nll(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.nll_loss(logits, y)


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return float((logits.argmax(-1) == y).float().mean())


class ClassificationTask:
    """Encoder + ansatz, ``<Z>`` readout, NLL loss; validated by (noisy) accuracy."""

    kind = "classification"
    metrics = ("aer_noisy_acc", "noiseless_acc")
    metric_labels = ("aer acc", "clean acc")

    def __init__(self, cfg):
        from qnas.tasks.datasets import TASKS, load_task_data
        from qnas.tasks.encoders import get_encoder
        from qnas.tasks.readout import ReadoutSpec

        spec = TASKS[cfg.task]
        self.cfg = cfg
        # The search's fitness set is the validation split, split off the training data before
        # training and disjoint from it, with at least ``search.valid_samples`` inputs where
        # the data allow (at most half the training part: digits4 288, vowel4 96).
        nv = cfg.search.valid_samples
        self.data = load_task_data(cfg.task, data_dir=cfg.data.dir, seed=cfg.seed,
                                   limit=cfg.data.train_limit, min_valid=nv)
        self.encoder = get_encoder(cfg.model.encoder or spec.encoder)
        self.n_qubits = spec.n_qubits
        self.readout = ReadoutSpec.default(self.n_qubits, self.data.n_classes)
        self.x_valid, self.y_valid = self.data.x_valid[:nv], self.data.y_valid[:nv]

    def info(self) -> dict:
        d = self.data
        y_test = self.test_inputs()[1]
        return {"n_classes": d.n_classes, "n_train": len(d.y_train), "n_valid": len(d.y_valid),
                "n_fitness": len(self.y_valid), "n_test": len(y_test),
                "y_test": y_test.tolist()}

    def test_inputs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The test inputs of the evaluation (``evaluation.test_samples``, picked as
        ``evaluation.test_subset`` says)."""
        e = self.cfg.evaluation
        return self.data.test_subset(e.test_samples, e.test_subset)

    def objective(self, batch_loss: Callable, batch_size: int) -> Objective:
        """Shuffled mini-batches ``(xb, yb)`` of the training split."""
        return DataObjective(self.data.x_train, self.data.y_train, batch_size,
                             lambda p, xb, yb: batch_loss(p, (xb, yb)))

    def loss(self, circuit, params, batch):
        xb, yb = batch
        return nll(noiseless_logits(circuit, params, xb, self.readout), yb)

    def noise_aware_loss(self, circuit, params, batch, target, layout, scale, generator=None):
        from qnas.train.noise import gate_insertion_logits

        xb, yb = batch
        return nll(gate_insertion_logits(circuit, params, xb, self.readout, target, layout,
                                         scale, generator), yb)

    def on_epoch(self, circuit, params) -> dict:
        with torch.no_grad():
            logits = noiseless_logits(circuit, params, self.data.x_valid, self.readout)
        return {"valid_acc": accuracy(logits, self.data.y_valid)}

    def fitness(self, weights, circuits, target, noise=True):
        from qnas.pipeline.fitness import NoisyFitness

        return NoisyFitness(weights, circuits, target, self.x_valid, self.y_valid,
                            self.readout, noise, metric=self.cfg.search.metric)

    def noisy_score(self, circuit, params, target, layout) -> float:
        from qnas.pipeline.fitness import noisy_logits

        with torch.no_grad():
            logits = noisy_logits(circuit, params, self.x_valid, self.readout, target, layout)
        return accuracy(logits, self.y_valid)

    def evaluate(self, deployed, values, trained, trained_values, layout) -> dict:
        """Aer test accuracy (shots and exact), noise-free accuracy and per-input predictions
        (``pred``/``pred_exact``: the paired tests between models use them)."""
        from qnas.backends.aer_eval import aer_classification

        cfg = self.cfg
        x, y = self.test_inputs()
        aer = aer_classification(deployed, values, x, y, self.readout, cfg.device, layout,
                                 cfg.evaluation.shots, cfg.seed,
                                 noise_scale=cfg.noise.device_scale,
                                 max_qubits=cfg.evaluation.max_aer_qubits)
        p = torch.tensor([trained_values[k] for k in trained.parameters])
        with torch.no_grad():
            clean = accuracy(noiseless_logits(trained, p, x, self.readout), y)
        return {"aer_noisy_acc": aer["accuracy"], "aer_exact_acc": aer["exact_accuracy"],
                "noiseless_acc": clean, "n_test": len(y),
                "pred": _digits(aer["pred"]), "pred_exact": _digits(aer["pred_exact"])}


CLASS_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _digits(classes: list[int]) -> str:
    """Predicted classes as a compact string (one character per input, classes < 36).

    >>> _digits([0, 3, 11]), decode_predictions("03b")
    ('03b', [0, 3, 11])
    """
    return "".join(CLASS_DIGITS[c] for c in classes)


def decode_predictions(text: str) -> list[int]:
    """The classes of a string written by :func:`_digits` (``results.json``'s ``pred``)."""
    return [CLASS_DIGITS.index(c) for c in text]


class EnergyTask:
    """Ansatz from ``|0...0>``, energy of a molecular Hamiltonian; scored by minus the energy.

    There is no data: an epoch is ``steps_per_epoch`` optimizer steps on the energy.
    """

    kind = "vqe"
    metrics = ("aer_energy", "noiseless_energy")
    metric_labels = ("aer E", "clean E")
    steps_per_epoch = 10

    def __init__(self, cfg):
        from qnas.tasks.vqe_tasks import get_vqe_task

        self.cfg = cfg
        self.hamiltonian = get_vqe_task(cfg.task).hamiltonian()
        self.terms = self.hamiltonian.terms
        self.n_qubits = self.hamiltonian.n_qubits
        self.encoder = None

    def info(self) -> dict:
        h = self.hamiltonian
        return {"molecule": h.name, "n_qubits": h.n_qubits, "mapping": h.mapping,
                "active_orbitals": list(h.active_orbitals), "exact_energy": h.exact_energy,
                "hf_energy": h.hf_energy, "n_terms": len(h.terms)}

    def objective(self, batch_loss: Callable, batch_size: int) -> Objective:
        """``steps_per_epoch`` steps on the energy (no batches)."""
        return StepsObjective(lambda p: batch_loss(p, None), self.steps_per_epoch)

    def loss(self, circuit, params, batch):
        from qnas.tasks.energy import noiseless_energy

        return noiseless_energy(circuit, params, self.terms)

    def noise_aware_loss(self, *args, **kwargs):
        raise ValueError("noise-aware training is implemented for classification tasks only")

    def on_epoch(self, circuit, params) -> dict:
        from qnas.tasks.energy import noiseless_energy

        with torch.no_grad():
            return {"energy": float(noiseless_energy(circuit, params, self.terms))}

    def fitness(self, weights, circuits, target, noise=True):
        from qnas.pipeline.fitness import EnergyFitness

        return EnergyFitness(weights, circuits, target, self.terms, noise)

    def noisy_score(self, circuit, params, target, layout) -> float:
        from qnas.tasks.energy import noisy_energy

        with torch.no_grad():
            return -float(noisy_energy(circuit, params, self.terms, target, layout))

    def evaluate(self, deployed, values, trained, trained_values, layout) -> dict:
        from qnas.backends.aer_eval import aer_energies
        from qnas.tasks.energy import noiseless_energy

        cfg = self.cfg
        e, e_exact = aer_energies(deployed, values, self.terms, cfg.device, layout,
                                  cfg.evaluation.shots, cfg.seed,
                                  noise_scale=cfg.noise.device_scale,
                                  max_qubits=cfg.evaluation.max_aer_qubits)
        p = torch.tensor([trained_values[k] for k in trained.parameters], dtype=torch.float64)
        with torch.no_grad():
            clean = float(noiseless_energy(trained, p, self.terms, torch.complex128))
        return {"aer_energy": e, "aer_exact_energy": e_exact, "noiseless_energy": clean,
                "exact_energy": self.hamiltonian.exact_energy,
                "aer_error": e - self.hamiltonian.exact_energy}


def make_task(cfg) -> RunTask:
    """The task of ``cfg``: :class:`EnergyTask` for VQE tasks, else :class:`ClassificationTask`."""
    return EnergyTask(cfg) if cfg.is_vqe else ClassificationTask(cfg)
