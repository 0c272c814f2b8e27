"""Training: quantum classifiers, noise-aware modes, baselines, the one training loop
(:func:`fit`) and ``qnas train``'s resumable trainer (:func:`train`). The configuration is
:class:`qnas.config.Config`; checkpoints and run directories are :mod:`qnas.rundir`'s.

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
    "GateInsertion": "qnas.noisy",
    "gate_insertion_logits": "qnas.train.noise",
    "fit": "qnas.train.loop",
    "DataObjective": "qnas.train.loop",
    "StepsObjective": "qnas.train.loop",
    "cosine_with_warmup": "qnas.train.loop",
    "train": "qnas.train.trainer",
    "TrainResult": "qnas.train.trainer",
    "build_model": "qnas.train.trainer",
    "run_vqe": "qnas.train.vqe",
    "VQEResult": "qnas.train.vqe",
}


def __dir__():
    return sorted([*globals(), *_LAZY])


def __getattr__(name):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'qnas.train' has no attribute {name!r}")
    return getattr(import_module(mod), name)
