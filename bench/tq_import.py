"""Import TorchQuantum 0.1.8 on a CPU-only torch, without touching site-packages.

``import torchquantum`` pulls in its ``dataset`` module, which imports ``torchvision`` at
module level (for MNIST/CIFAR loaders the benchmark never uses). Every torchvision wheel
on PyPI is a CUDA build whose C extension cannot load against the CPU torch wheel (it links
``libtorch_cuda.so``), and ``import torchvision`` then dies in its meta registrations.
So, only when a real torchvision cannot be imported, this module registers a tiny
in-memory stand-in exposing the four names torchquantum touches at import time
(``datasets``, ``datasets.VisionDataset``, ``datasets.utils.download_url``,
``transforms.InterpolationMode``); using any of TorchQuantum's dataset loaders would fail.
Likewise, where matplotlib is missing (the GPU machine: ``bench/gpu_wheels.sh`` leaves its
~24 MB of wheels out), ``matplotlib`` and ``matplotlib.pyplot`` are in-memory stand-ins:
torchquantum imports pyplot at module level only to draw measurement histograms, and any
use of the stand-in raises.
Deprecation warnings from the old Qiskit that TorchQuantum needs are silenced.

Example::

    tq = import_torchquantum()   # in bench/.venv-peers
    tq.__version__               # '0.1.8'
"""

from __future__ import annotations

import enum
import sys
import types
import warnings


def _install_torchvision_stand_in() -> None:
    tv = types.ModuleType("torchvision")
    datasets = types.ModuleType("torchvision.datasets")
    utils = types.ModuleType("torchvision.datasets.utils")
    transforms = types.ModuleType("torchvision.transforms")

    class InterpolationMode(enum.Enum):
        NEAREST = "nearest"
        BILINEAR = "bilinear"
        BICUBIC = "bicubic"

    class VisionDataset:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("torchvision is not available in the benchmark venv")

    def download_url(*args, **kwargs):
        raise RuntimeError("torchvision is not available in the benchmark venv")

    transforms.InterpolationMode = InterpolationMode
    datasets.VisionDataset = VisionDataset
    utils.download_url = download_url
    datasets.utils = utils
    tv.datasets = datasets
    tv.transforms = transforms
    tv.__version__ = "0.0-stand-in"
    sys.modules.update(
        {
            "torchvision": tv,
            "torchvision.datasets": datasets,
            "torchvision.datasets.utils": utils,
            "torchvision.transforms": transforms,
        }
    )


def _install_matplotlib_stand_in() -> None:
    import importlib.machinery

    def missing(*args, **kwargs):
        raise RuntimeError("matplotlib is not available here (bench/tq_import.py stand-in)")

    def getattr_(name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return missing

    mods = {}
    for name in ("matplotlib", "matplotlib.pyplot"):
        mod = types.ModuleType(name)
        mod.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=name == "matplotlib")
        mod.__getattr__ = getattr_
        mods[name] = mod
    mods["matplotlib"].__path__ = []
    mods["matplotlib"].__version__ = "0.0-stand-in"
    mods["matplotlib"].pyplot = mods["matplotlib.pyplot"]
    sys.modules.update(mods)


def import_torchquantum():
    """Return the ``torchquantum`` module (see module docstring for the torchvision shim)."""
    try:
        import torchvision  # noqa: F401
    except Exception:  # ImportError, or RuntimeError from a CUDA-only build
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
        _install_torchvision_stand_in()
    try:
        import matplotlib.pyplot  # noqa: F401
    except Exception:  # ImportError, or a broken install
        for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
            del sys.modules[name]
        _install_matplotlib_stand_in()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torchquantum as tq
    return tq
