"""What a run optimizes: a classification task (loss/accuracy) or a VQE task (energy).

Every stage of ``qnas run`` talks to the task through this interface only, so the same
SuperCircuit training, co-search, pruning, baselines and Aer evaluation serve both.
Scores are "higher is better": accuracy for classification, minus the energy for VQE.

>>> # obj = make_objective(cfg); obj.loss(circuit, params, xb, yb)
"""

from __future__ import annotations

import torch

from qnas.pipeline.model import accuracy, nll, noiseless_logits


class ClassificationObjective:
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
        self.data = load_task_data(cfg.task, data_dir=cfg.data_dir, seed=cfg.seed)
        self.encoder = get_encoder(spec.encoder)
        self.n_qubits = spec.n_qubits
        self.readout = ReadoutSpec.default(self.n_qubits, self.data.n_classes)
        # The search's fitness set: the validation split, topped up with training samples when
        # the split is smaller than ``search_valid_samples`` (digits4 has 29, vowel4 10: too
        # few to rank candidates reliably).
        nv = cfg.search_valid_samples
        xv, yv = self.data.x_valid[:nv], self.data.y_valid[:nv]
        if len(xv) < nv:
            extra = nv - len(xv)
            xv = torch.cat([xv, self.data.x_train[-extra:]])
            yv = torch.cat([yv, self.data.y_train[-extra:]])
        self.x_valid, self.y_valid = xv, yv

    def info(self) -> dict:
        d = self.data
        return {"n_classes": d.n_classes, "n_train": len(d.y_train), "n_valid": len(d.y_valid),
                "n_test": len(d.y_test)}

    def train_xy(self):
        return self.data.x_train, self.data.y_train

    def loss(self, circuit, params, xb, yb):
        return nll(noiseless_logits(circuit, params, xb, self.readout), yb)

    def noise_aware_loss(self, circuit, params, xb, yb, target, layout, scale):
        from qnas.train.noise import gate_insertion_logits

        return nll(gate_insertion_logits(circuit, params, xb, self.readout, target, layout,
                                         scale), yb)

    def on_epoch(self, circuit, params) -> dict:
        with torch.no_grad():
            logits = noiseless_logits(circuit, params, self.data.x_valid, self.readout)
        return {"valid_acc": accuracy(logits, self.data.y_valid)}

    def fitness(self, weights, circuits, target, noise=True):
        from qnas.pipeline.fitness import NoisyFitness

        return NoisyFitness(weights, circuits, target, self.x_valid, self.y_valid,
                            self.readout, noise, metric=self.cfg.search_metric)

    def noisy_score(self, circuit, params, target, layout) -> float:
        from qnas.pipeline.fitness import noisy_logits

        with torch.no_grad():
            logits = noisy_logits(circuit, params, self.x_valid, self.readout, target, layout)
        return accuracy(logits, self.y_valid)

    def evaluate(self, deployed, values, trained, trained_values, layout) -> dict:
        from qnas.backends.aer_eval import aer_classification_accuracy

        cfg = self.cfg
        n = cfg.eval_test_samples
        x, y = self.data.x_test[:n], self.data.y_test[:n]
        acc = aer_classification_accuracy(deployed, values, x, y, self.readout, cfg.device,
                                          layout, cfg.eval_shots, cfg.seed)
        p = torch.tensor([trained_values[k] for k in trained.parameters])
        with torch.no_grad():
            clean = accuracy(noiseless_logits(trained, p, x, self.readout), y)
        return {"aer_noisy_acc": acc, "noiseless_acc": clean, "n_test": len(y)}


class EnergyObjective:
    """Ansatz from ``|0...0>``, energy of a molecular Hamiltonian; scored by minus the energy.

    There is no data: an "epoch" is ``steps_per_epoch`` optimizer steps on the energy.
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

    def train_xy(self):
        n = self.steps_per_epoch * self.cfg.batch_size
        return torch.zeros(n, 1), torch.zeros(n, dtype=torch.long)

    def loss(self, circuit, params, xb, yb):
        from qnas.tasks.energy import noiseless_energy

        return noiseless_energy(circuit, params, self.terms)

    def noise_aware_loss(self, *args, **kwargs):
        raise ValueError("noise_aware training is implemented for classification tasks only")

    def on_epoch(self, circuit, params) -> dict:
        from qnas.tasks.energy import noiseless_energy

        with torch.no_grad():
            return {"energy": float(noiseless_energy(circuit, params, self.terms))}

    def fitness(self, weights, circuits, target, noise=True):
        return EnergyFitness(weights, circuits, target, self.terms, noise)

    def noisy_score(self, circuit, params, target, layout) -> float:
        from qnas.tasks.energy import noisy_energy

        with torch.no_grad():
            return -float(noisy_energy(circuit, params, self.terms, target, layout))

    def evaluate(self, deployed, values, trained, trained_values, layout) -> dict:
        from qnas.backends.aer_eval import aer_energy
        from qnas.tasks.energy import noiseless_energy

        cfg = self.cfg
        e = aer_energy(deployed, values, self.terms, cfg.device, layout, cfg.eval_shots,
                       cfg.seed)
        p = torch.tensor([trained_values[k] for k in trained.parameters], dtype=torch.float64)
        with torch.no_grad():
            clean = float(noiseless_energy(trained, p, self.terms, torch.complex128))
        return {"aer_energy": e, "noiseless_energy": clean,
                "exact_energy": self.hamiltonian.exact_energy,
                "aer_error": e - self.hamiltonian.exact_energy}


class EnergyFitness:
    """``genome -> -energy`` with inherited weights, under the device noise (picklable)."""

    def __init__(self, weights, circuits, target, terms, noise: bool = True):
        self.weights = weights.detach().clone()
        self.circuits, self.target, self.terms, self.noise = circuits, target, terms, noise

    @torch.no_grad()
    def __call__(self, genome) -> float:
        from qnas.tasks.energy import noiseless_energy, noisy_energy

        circuit, index = self.circuits(genome.spec)
        params = self.weights[index]
        if self.noise:
            return -float(noisy_energy(circuit, params, self.terms, self.target, genome.layout))
        return -float(noiseless_energy(circuit, params, self.terms))


def make_objective(cfg):
    from qnas.tasks.vqe_tasks import is_vqe_task

    return EnergyObjective(cfg) if is_vqe_task(cfg.task) else ClassificationObjective(cfg)
