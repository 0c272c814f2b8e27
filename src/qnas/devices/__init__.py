"""Device targets: coupling maps, gate errors/durations, T1/T2 and readout errors.

>>> from qnas.devices import Target, list_devices
>>> list_devices()["lima"]
5
>>> round(Target.from_backend("lima").median_errors()["error_2q"], 4)
0.0091
"""

from qnas.devices.fake import list_devices, normalize_name, resolve_device
from qnas.devices.gatenames import QISKIT_TO_QNAS, qnas_gate_name
from qnas.devices.target import Target

__all__ = [
    "Target",
    "list_devices",
    "resolve_device",
    "normalize_name",
    "QISKIT_TO_QNAS",
    "qnas_gate_name",
]
