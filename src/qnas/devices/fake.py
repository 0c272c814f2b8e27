"""Offline device catalog: Qiskit IBM Runtime's fake (snapshot) backends -> :class:`Target`.

Names are matched case-insensitively with or without the ``fake``/``fake_`` prefix and the
``V2`` suffix, so ``santiago``, ``fake_santiago``, ``FakeSantiagoV2`` and ``FakeSantiago``
are the same device. Qiskit is imported lazily, only here.

>>> from qnas.devices import list_devices
>>> list_devices()["santiago"], resolve_device("FakeSantiagoV2")
(5, 'santiago')
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import os
import re

from qnas.devices.gatenames import qnas_gate_name
from qnas.devices.target import Target


def normalize_name(name: str) -> str:
    """``FakeSantiagoV2`` / ``fake_santiago`` / ``Santiago`` -> ``santiago``."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if key.startswith("fake") and len(key) > 4:
        key = key[4:]
    if key.endswith("v2") and len(key) > 2:
        key = key[:-2]
    if key.endswith("backend") and len(key) > 7:  # FakeFractionalBackend
        key = key[:-7]
    return key


@functools.lru_cache(maxsize=1)
def _snapshots() -> dict[str, str]:
    """Short name -> configuration JSON path of every fake backend (no Qiskit import)."""
    spec = importlib.util.find_spec("qiskit_ibm_runtime")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("device snapshots need the qiskit-ibm-runtime package")
    root = os.path.join(list(spec.submodule_search_locations)[0], "fake_provider", "backends")
    out = {}
    for d in sorted(os.listdir(root)):
        conf = os.path.join(root, d, f"conf_{d}.json")
        if os.path.isfile(conf):
            out[normalize_name(d)] = conf
    return out


@functools.lru_cache(maxsize=1)
def _catalog() -> dict[str, type]:
    """Short name -> fake backend class (imports Qiskit; nothing is instantiated)."""
    import inspect

    import qiskit_ibm_runtime.fake_provider as fp
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    out: dict[str, type] = {}
    for cname, cls in sorted(vars(fp).items()):
        if not (inspect.isclass(cls) and issubclass(cls, FakeBackendV2)) or cls is FakeBackendV2:
            continue
        if not getattr(cls, "conf_filename", None):
            continue
        out.setdefault(normalize_name(getattr(cls, "backend_name", None) or cname), cls)
    return out


def resolve_device(name: str) -> str:
    """Canonical short name of a fake device; unknown names raise with close suggestions."""
    known = _snapshots()
    key = normalize_name(name)
    if key in known:
        return key
    close = difflib.get_close_matches(key, list(known), n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(sorted(close))}?" if close else ""
    raise ValueError(f"unknown device {name!r}{hint} (see qnas.devices.list_devices())")


@functools.lru_cache(maxsize=1)
def list_devices() -> dict[str, int]:
    """All offline devices as ``{short name: number of qubits}``, sorted by name.

    Scans only each snapshot's configuration file for ``n_qubits`` (no Qiskit import);
    cached per process.
    """
    out = {}
    for short, conf in _snapshots().items():
        with open(conf) as f:
            m = re.search(r'"n_qubits"\s*:\s*(\d+)', f.read())
        if m:
            out[short] = int(m.group(1))
    return out


@functools.lru_cache(maxsize=32)
def _target_by_name(short: str, asymmetric_readout: bool = False) -> Target:
    import warnings

    try:
        cls = _catalog()[short]
    except KeyError:
        raise ValueError(f"device {short!r} has a snapshot but no fake backend class") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. "not typical error values"
        backend = cls()
    return _convert(backend, short, asymmetric_readout)


def target_from_backend(backend, asymmetric_readout: bool = False) -> Target:
    """A :class:`Target` from a fake-backend name or a Qiskit ``BackendV2`` object.

    By default readout errors follow Aer's ``NoiseModel.from_backend`` on a BackendV2: the
    symmetric ``P(1|0) = P(0|1) = measure error``. ``asymmetric_readout=True`` uses the
    snapshot's ``prob_meas1_prep0``/``prob_meas0_prep1`` (``backend.properties()``) instead,
    where available.
    """
    if isinstance(backend, str):
        return _target_by_name(resolve_device(backend), bool(asymmetric_readout))
    if not hasattr(backend, "target"):
        raise ValueError(f"expected a device name or a Qiskit BackendV2, got {type(backend)}")
    name = getattr(backend, "name", None) or type(backend).__name__
    if name.startswith("fake_"):
        name = name[5:]
    return _convert(backend, name, asymmetric_readout)


def _asymmetric(backend, n: int) -> dict[int, tuple[float, float]]:
    get = getattr(backend, "properties", None)
    props = get() if callable(get) else None
    if props is None:
        return {}
    out = {}
    for q in range(n):
        try:
            qp = props.qubit_property(q)
            out[q] = (float(qp["prob_meas1_prep0"][0]), float(qp["prob_meas0_prep1"][0]))
        except (KeyError, TypeError, IndexError, AttributeError):
            continue  # this qubit has no asymmetric values: keep the symmetric error
    return out


def _convert(backend, name: str, asymmetric_readout: bool = False) -> Target:
    """Read a BackendV2's ``target`` the way Aer's ``NoiseModel.from_backend`` does."""
    qt = backend.target
    n = int(qt.num_qubits)
    gates: dict[str, dict] = {}
    ro = [(0.0, 0.0)] * n
    ro_dur: list[float | None] = [None] * n
    for op_name in qt.operation_names:
        props = qt[op_name]
        if op_name == "measure":
            for qs, p in (props or {}).items():
                if p is None or qs is None:
                    continue
                if hasattr(p, "prob_meas1_prep0") and hasattr(p, "prob_meas0_prep1"):
                    p10, p01 = p.prob_meas1_prep0, p.prob_meas0_prep1
                else:  # Aer's rule: a symmetric assignment error from ``error``
                    p10 = p01 = p.error
                ro[qs[0]] = (float(p10 or 0.0), float(p01 or 0.0))
                ro_dur[qs[0]] = p.duration
            continue
        g = qnas_gate_name(op_name)
        if g is None:
            continue
        inst = gates.setdefault(g, {})  # stays empty for a globally ideal gate
        for qs, p in (props or {}).items():
            if qs is None or p is None:
                continue
            inst[tuple(qs)] = (p.error, p.duration)
    if asymmetric_readout:
        for q, pr in _asymmetric(backend, n).items():
            ro[q] = pr
    edges = sorted({qs for inst in gates.values() for qs in inst if len(qs) == 2})
    qp = qt.qubit_properties or [None] * n
    t1 = [getattr(p, "t1", None) for p in qp]
    t2 = [getattr(p, "t2", None) for p in qp]
    freq = [getattr(p, "frequency", None) for p in qp]
    return Target(
        name=name,
        n_qubits=n,
        basis_gates=tuple(sorted(gates)),
        coupling_map=tuple(edges),
        gates=gates,
        t1=tuple(t1),
        t2=tuple(t2),
        readout_error=tuple(ro),
        readout_duration=tuple(ro_dur),
        frequency=tuple(freq),
        dt=getattr(backend, "dt", None),
    )


def scale_backend_noise(backend, scale: float):
    """Scale a Qiskit backend's noise in place: every reported gate and readout error times
    ``scale`` (capped at 0.5), T1 and T2 divided by it (relaxation during a gate grows like
    its duration times ``scale``). ``scale=1`` leaves the snapshot as it is.

    Qnas and Aer read the same scaled backend (``Target.from_backend(backend)``,
    ``NoiseModel.from_backend(backend)``), so a noise sweep changes both alike; the result
    equals :class:`qnas.noise.NoiseModel` with ``scale``.

    >>> from qnas.backends.aer_eval import fake_backend
    >>> b = fake_backend("santiago")
    >>> e = b.target["cx"][(0, 1)].error
    >>> _ = scale_backend_noise(b, 2.0)
    >>> round(b.target["cx"][(0, 1)].error / e, 6)
    2.0
    """
    import math

    from qiskit.providers import QubitProperties
    from qiskit.transpiler import InstructionProperties

    scale = float(scale)
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"device noise scale must be finite and > 0, got {scale}")
    if scale == 1.0:
        return backend
    qt = backend.target
    for op_name in qt.operation_names:
        for qargs, p in (qt[op_name] or {}).items():
            if p is None or qargs is None or p.error is None:
                continue
            qt.update_instruction_properties(op_name, qargs, InstructionProperties(
                duration=p.duration, error=min(0.5, p.error * scale)))
    if qt.qubit_properties:
        qt.qubit_properties = [
            None if qp is None else QubitProperties(
                t1=None if qp.t1 is None else qp.t1 / scale,
                t2=None if qp.t2 is None else qp.t2 / scale, frequency=qp.frequency)
            for qp in qt.qubit_properties]
    return backend
