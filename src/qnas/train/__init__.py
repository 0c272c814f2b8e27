"""Training: quantum classifiers, noise-aware modes, baselines and a resumable trainer.

Names are re-exported lazily so that ``import qnas.train`` stays cheap.

>>> from qnas.train import human_baseline
>>> human_baseline("zzry", 4, 2).count_ops()
{'rzz': 8, 'ry': 8}
"""

from importlib import import_module

_LAZY = {
    "QuantumClassifier": "qnas.train.model",
    "classifier_circuit": "qnas.train.model",
    "NOISE_MODES": "qnas.train.model",
    "human_baseline": "qnas.train.baselines",
    "GateInsertion": "qnas.train.noise",
    "gate_insertion_logits": "qnas.train.noise",
    "PhysicalCircuit": "qnas.train.physical",
    "TrainConfig": "qnas.train.config",
    "PRESETS": "qnas.train.config",
    "train": "qnas.train.trainer",
    "TrainResult": "qnas.train.trainer",
    "build_model": "qnas.train.trainer",
    "load_checkpoint": "qnas.train.checkpoint",
    "save_checkpoint": "qnas.train.checkpoint",
}


def __getattr__(name):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'qnas.train' has no attribute {name!r}")
    return getattr(import_module(mod), name)
