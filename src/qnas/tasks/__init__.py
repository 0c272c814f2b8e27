"""Tasks: QML data sets (MNIST, Fashion-MNIST, vowel, digits), encoders, readouts.

Names are re-exported lazily so that ``import qnas.tasks`` stays cheap.

>>> from qnas.tasks import load_task_data, get_encoder
>>> get_encoder("4x4_ryzxy").n_features
16
"""

from importlib import import_module

_LAZY = {
    "TaskData": "qnas.tasks.datasets",
    "TaskSpec": "qnas.tasks.datasets",
    "TASKS": "qnas.tasks.datasets",
    "load_task_data": "qnas.tasks.datasets",
    "read_idx": "qnas.tasks.idx",
    "write_idx": "qnas.tasks.idx",
    "Encoder": "qnas.tasks.encoders",
    "ENCODERS": "qnas.tasks.encoders",
    "get_encoder": "qnas.tasks.encoders",
    "encoder_from_config": "qnas.tasks.encoders",
    "register_encoder": "qnas.tasks.encoders",
    "ReadoutSpec": "qnas.tasks.readout",
    "readout_logits": "qnas.tasks.readout",
    "expz_from_probs": "qnas.tasks.readout",
    "expz_from_counts": "qnas.tasks.readout",
}


def __getattr__(name):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'qnas.tasks' has no attribute {name!r}")
    return getattr(import_module(mod), name)
