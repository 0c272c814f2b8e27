"""What every stage of ``qnas run`` shares: config, task, device target, SuperCircuit.

>>> from qnas.config import load_config
>>> ctx = Context(load_config(overrides={"task": "vqe_h2", "model": {"blocks": 1}}))
>>> ctx.n_qubits, ctx.target.name, len(ctx.circuits(ctx.sc.full_spec())[1]) > 0
(4, 'santiago', True)
"""

from __future__ import annotations

import torch

from qnas.config import Config


class SubCircuitCache:
    """Circuit (encoder + ansatz, or the ansatz alone without an encoder) and weight index
    per spec, built once each."""

    def __init__(self, sc, encoder):
        self.sc, self.encoder, self._c = sc, encoder, {}

    def __call__(self, spec):
        from qnas.train.model import classifier_circuit

        if spec not in self._c:
            ansatz, index = self.sc.subcircuit(spec)
            circuit = ansatz if self.encoder is None else classifier_circuit(self.encoder, ansatz)
            self._c[spec] = (circuit, index)
        return self._c[spec]


class Context:
    """The task (:class:`~qnas.pipeline.objective.RunTask`), SuperCircuit and device target."""

    def __init__(self, cfg: Config):
        from qnas.devices import Target
        from qnas.pipeline.objective import make_task
        from qnas.spaces import SuperCircuit

        if cfg.device is None:
            raise ValueError("qnas run needs a device (e.g. --device santiago)")
        if cfg.noise.mode not in (None, "gate_insertion"):
            raise ValueError(f"qnas run trains noise-aware with noise.mode = 'gate_insertion' "
                             f"only, got {cfg.noise.mode!r}")
        from qnas.pipeline.stages.train import extra_epochs

        extra = extra_epochs(cfg)
        if cfg.train.epochs <= extra:
            raise ValueError(
                f"train.epochs ({cfg.train.epochs}) must exceed pruning's fine-tuning epochs "
                f"(prune.steps x prune.finetune_epochs = {extra}): every deployed model trains "
                f"train.epochs epochs in all, pruning's fine-tuning included")
        torch.manual_seed(cfg.seed)
        self.cfg = cfg
        self.task = make_task(cfg)
        self.n_qubits = self.task.n_qubits
        if cfg.noise.device_scale == 1.0:
            self.target = Target.from_backend(cfg.device)
        else:  # the same scaled snapshot as the Aer evaluation's (noise sweeps)
            from qnas.backends.aer_eval import fake_backend

            self.target = Target.from_backend(fake_backend(cfg.device, cfg.noise.device_scale))
        if self.target.n_qubits < self.n_qubits:
            raise ValueError(f"task {cfg.task} needs {self.n_qubits} qubits; device "
                             f"{cfg.device} has {self.target.n_qubits}")
        self.sc = SuperCircuit(cfg.space, self.n_qubits, cfg.model.blocks, seed=cfg.seed)
        self.circuits = SubCircuitCache(self.sc, self.task.encoder)
        self.transpiler_layouts: dict = {}  # circuit -> Qiskit's layout (stages.search)
        self.executor = None  # the searches' executor for a whole run (qnas.pipeline.run)

    def initial_weights(self, index, scratch: bool = False):
        """Start of a SubCircuit's training: inherited SuperCircuit weights or a fresh draw."""
        if self.cfg.train.finetune_from == "inherited" and not scratch:
            return self.sc.weights[index]
        gen = torch.Generator().manual_seed(self.cfg.seed + 1)
        return (torch.rand(len(index), generator=gen) * 2 - 1) * torch.pi

    def fitness(self, weights, noise=True, circuits=None):
        """The search's fitness: SubCircuits of ``circuits`` (default: the SuperCircuit's)
        with ``weights``, under the device noise unless ``noise`` is False."""
        return self.task.fitness(weights, circuits or self.circuits, self.target, noise)

    def noisy_score(self, circuit, params, layout) -> float:
        """Noisy validation accuracy (classification) or minus the noisy energy (VQE)."""
        return self.task.noisy_score(circuit, params, self.target, layout)
