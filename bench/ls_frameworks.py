"""Large-state (batch 1, no grad) runners for qnas, qiskit-aer, qulacs, PennyLane
lightning.qubit, TorchQuantum and cuStateVec.

Each ``prepare_<framework>(n, ops, threads, device)`` builds the circuit from
``spec.large_state_ops`` once (build/transpile time is NOT timed) and returns
``(run, final_z)``: ``run()`` simulates from ``|0...0>`` (the timed part), ``final_z()``
gives ``<Z_w>`` per wire of the last simulated state (for the correctness check).
``device`` is a torch device: qnas and TorchQuantum run on it; qiskit-aer, qulacs and
lightning are CPU-only here (:data:`CPU_ONLY`), cuStateVec is CUDA-only.

Example::

    run, final_z = prepare_qnas(16, large_state_ops(16), threads=2)
    run(); final_z()[:2]
"""

from __future__ import annotations

import ctypes
import os
import sys
import weakref
from collections.abc import Callable
from pathlib import Path

from spec import z_from_state

Runner = tuple[Callable[[], object], Callable[[], list[float]]]

# frameworks that cannot put their state on a CUDA device in this benchmark
CPU_ONLY = {
    "qiskit-aer": "qiskit-aer CPU build (AerSimulator GPU needs qiskit-aer-gpu); not run on CUDA",
    "qulacs": "qulacs CPU build (GPU needs qulacs-gpu); not run on CUDA",
    "lightning": "PennyLane lightning.qubit is a CPU device; not run on CUDA",
}
CUDA_ONLY = {"custatevec": "cuStateVec needs a CUDA device; not run on the CPU"}


def prepare_qnas(n: int, ops: list[tuple], threads: int, device: str = "cpu") -> Runner:
    """``qnas.simulate`` (complex64) of a constant-angle qnas Circuit under ``no_grad``."""
    import torch

    import qnas
    from qnas.ir import Circuit, Op

    torch.set_num_threads(threads)
    circuit = Circuit(n, [Op(g, w, () if a is None else (a,)) for g, w, a in ops])
    box: dict = {}
    kw = {} if device == "cpu" else {"device": torch.device(device)}

    def run():
        box.pop("state", None)  # the last state's memory is free before the next run
        with torch.no_grad():
            box["state"] = qnas.simulate(circuit, dtype=torch.complex64, **kw)

    def final_z():
        return z_from_state(box["state"][0].cpu().numpy(), n)

    return run, final_z


def prepare_torchquantum(n: int, ops: list[tuple], threads: int, device: str = "cpu") -> Runner:
    """TorchQuantum 0.1.8 ``tq.QuantumDevice`` + ``tq.functional`` ``ry``/``cnot`` (its
    default ``bmm`` path, complex64), under ``no_grad``.

    The device (and its ``|0...0>``) is made once; a run is ``reset_states(1)`` (one copy of
    the state) and the gates. Angles are ``[1, 1]`` tensors on the device, as a trained
    model's parameters are. TorchQuantum's wire 0 is the most significant bit, so the circuit
    is built on wire ``n - 1 - w`` for qubit ``w`` and the flat state has Qiskit's order.
    """
    import torch
    from tq_import import import_torchquantum

    tq = import_torchquantum()
    import torchquantum.functional as tqf

    torch.set_num_threads(threads)
    qdev = tq.QuantumDevice(n_wires=n, bsz=1, device=device)
    gates = []
    for g, w, a in ops:
        if g == "ry":
            gates.append((tqf.ry, [n - 1 - w[0]],
                          torch.tensor([[a]], dtype=torch.float32, device=device)))
        else:
            gates.append((tqf.cnot, [n - 1 - w[0], n - 1 - w[1]], None))

    def run():
        with torch.no_grad():
            qdev.reset_states(1)
            for fn, wires, p in gates:
                fn(qdev, wires=wires, params=p)

    def final_z():
        return z_from_state(qdev.states.reshape(-1).cpu().numpy(), n)

    return run, final_z


def prepare_aer(n: int, ops: list[tuple], threads: int, device: str = "cpu") -> Runner:
    """qiskit-aer ``AerSimulator(method='statevector', precision='single')``, pre-transpiled.

    Aer keeps its default optimisations (gate fusion etc.); only ``backend.run(...).result()``
    is timed, which includes returning the saved statevector.
    """
    from qiskit import QuantumCircuit, transpile
    from qiskit_aer import AerSimulator

    qc = QuantumCircuit(n)
    for g, w, a in ops:
        if g == "ry":
            qc.ry(a, w[0])
        else:
            qc.cx(*w)
    qc.save_statevector()
    sim = AerSimulator(method="statevector", precision="single", max_parallel_threads=threads)
    tqc = transpile(qc, sim, optimization_level=0)
    box: dict = {}

    def run():
        box["result"] = sim.run(tqc, shots=1).result()

    def final_z():
        return z_from_state(box["result"].get_statevector(), n)

    return run, final_z


def prepare_qulacs(n: int, ops: list[tuple], threads: int, device: str = "cpu") -> Runner:
    """qulacs ``QuantumCircuit.update_quantum_state`` on a ``QuantumState`` (complex128).

    ``add_RotY_gate`` is exp(-i a Y/2) like Qiskit's RY (qulacs' ``add_RY_gate`` has the
    opposite sign). Threads follow ``OMP_NUM_THREADS`` (set by the caller before import).
    The timed run includes ``set_zero_state()`` (one write of the state, negligible).
    """
    import qulacs

    circuit = qulacs.QuantumCircuit(n)
    for g, w, a in ops:
        if g == "ry":
            circuit.add_RotY_gate(w[0], a)
        else:
            circuit.add_CNOT_gate(*w)
    state = qulacs.QuantumState(n)

    def run():
        state.set_zero_state()
        circuit.update_quantum_state(state)

    def final_z():
        return z_from_state(state.get_vector(), n)

    return run, final_z


def prepare_lightning(n: int, ops: list[tuple], threads: int, device: str = "cpu") -> Runner:
    """PennyLane ``lightning.qubit`` (``c_dtype=complex64``), a QNode returning the state.

    Its documented fast path for a fixed circuit: the device's C++ kernels, no gradient
    (``diff_method=None``). PennyLane orders wire 0 as the most significant bit, so the circuit
    is built on wire ``n - 1 - w`` for qubit ``w``: the state then has Qiskit's order.
    Threads follow ``OMP_NUM_THREADS`` (set by the caller before import).
    """
    import numpy as np
    import pennylane as qml

    dev = qml.device("lightning.qubit", wires=n, c_dtype=np.complex64)

    @qml.qnode(dev, diff_method=None)
    def circuit():
        for g, w, a in ops:
            if g == "ry":
                qml.RY(a, wires=n - 1 - w[0])
            else:
                qml.CNOT(wires=[n - 1 - w[0], n - 1 - w[1]])
        return qml.state()

    box: dict = {}

    def run():
        box["state"] = circuit()

    def final_z():
        return z_from_state(np.asarray(box["state"]), n)

    return run, final_z


# -- cuStateVec (NVIDIA cuQuantum) through ctypes -------------------------------------------
# cuquantum-python (cuquantum-python-cu13 26.9.0: 10.6 MB wheel, plus nvmath-python and the
# cuTensorNet/cuDensityMat libraries it requires) does not fit next to TorchQuantum's wheels
# in what a device call can carry; its ``custatevec.apply_matrix`` is a thin wrapper of the C
# function called here, ``custatevecApplyMatrix``, from the custatevec-cu13 wheel's library
# (``cuquantum/lib/libcustatevec.so.1``, 69 MB; it needs libcublas.so.13, which CUDA-13 torch
# loads). Constants from custatevec.h / library_types.h:
_CUDA_C_32F = 4
_LAYOUT_ROW = 1
_COMPUTE_32F = 4
_CUSV: dict = {}


def load_custatevec() -> ctypes.CDLL:
    """``libcustatevec.so.1``: ``$CUSTATEVEC_LIB``, else ``cuquantum/lib/`` on ``sys.path``
    (where the custatevec-cu13 wheel puts it), else the loader's search path."""
    if "lib" in _CUSV:
        return _CUSV["lib"]
    import torch  # noqa: F401  (loads CUDA 13's libcublas/libcublasLt, which cuStateVec needs)

    for d in sys.path:  # in case torch did not load them globally
        for sub in ("nvidia/cu13/lib", "nvidia/cublas/lib"):
            for name in ("libcublasLt.so.13", "libcublas.so.13"):
                f = Path(d or ".") / sub / name
                if f.exists():
                    ctypes.CDLL(str(f), mode=ctypes.RTLD_GLOBAL)
    paths = [os.environ["CUSTATEVEC_LIB"]] if os.environ.get("CUSTATEVEC_LIB") else []
    paths += [str(Path(d or ".") / "cuquantum" / "lib" / "libcustatevec.so.1") for d in sys.path]
    found = [p for p in paths if Path(p).exists()] or ["libcustatevec.so.1"]
    lib = ctypes.CDLL(found[0])
    vp, i32, u32 = ctypes.c_void_p, ctypes.c_int32, ctypes.c_uint32
    pi32 = ctypes.POINTER(ctypes.c_int32)
    lib.custatevecCreate.argtypes = [ctypes.POINTER(vp)]
    lib.custatevecDestroy.argtypes = [vp]
    lib.custatevecSetStream.argtypes = [vp, vp]
    lib.custatevecGetVersion.restype = ctypes.c_size_t
    lib.custatevecGetErrorString.restype = ctypes.c_char_p
    lib.custatevecGetErrorString.argtypes = [ctypes.c_int]
    lib.custatevecApplyMatrixGetWorkspaceSize.argtypes = [
        vp, ctypes.c_int, u32, vp, ctypes.c_int, ctypes.c_int, i32, u32, u32, ctypes.c_int,
        ctypes.POINTER(ctypes.c_size_t)]
    lib.custatevecApplyMatrix.argtypes = [
        vp, vp, ctypes.c_int, u32, vp, ctypes.c_int, ctypes.c_int, i32, pi32, u32, pi32, pi32,
        u32, ctypes.c_int, vp, ctypes.c_size_t]
    for f in (lib.custatevecCreate, lib.custatevecDestroy, lib.custatevecSetStream,
              lib.custatevecApplyMatrixGetWorkspaceSize, lib.custatevecApplyMatrix):
        f.restype = ctypes.c_int
    _CUSV["lib"], _CUSV["path"] = lib, found[0]
    return lib


def _cusv_check(lib: ctypes.CDLL, status: int, what: str) -> None:
    if status != 0:
        msg = lib.custatevecGetErrorString(status).decode()
        raise RuntimeError(f"{what} failed: status {status} ({msg})")


def prepare_custatevec(n: int, ops: list[tuple], threads: int, device: str = "cuda") -> Runner:
    """cuStateVec ``custatevecApplyMatrix`` per gate on a complex64 torch CUDA tensor.

    RY is a 2x2 matrix on its target, CNOT the 2x2 X matrix with one control: both as cuStateVec
    users apply them. All gate matrices live on the GPU (uploaded once, not timed); the library
    runs on torch's current stream. A run sets ``|0...0>`` (``zero_`` + one element) and applies
    the gates. cuStateVec's index bit ``i`` is qubit ``i`` (Qiskit's order).
    """
    import math

    import torch

    if not str(device).startswith("cuda"):
        raise RuntimeError(CUDA_ONLY["custatevec"])
    lib = load_custatevec()
    dev = torch.device(device)
    if dev.index is None:
        dev = torch.device("cuda", torch.cuda.current_device())
    handle = ctypes.c_void_p()
    _cusv_check(lib, lib.custatevecCreate(ctypes.byref(handle)), "custatevecCreate")
    _cusv_check(lib, lib.custatevecSetStream(
        handle, ctypes.c_void_p(torch.cuda.current_stream(dev).cuda_stream)), "SetStream")
    mats = []
    for g, _w, a in ops:
        if g == "ry":
            c, s = math.cos(a / 2), math.sin(a / 2)
            mats.append([[c, -s], [s, c]])
        else:
            mats.append([[0.0, 1.0], [1.0, 0.0]])
    mat = torch.tensor(mats, dtype=torch.complex64, device=dev).contiguous()  # [G, 2, 2]
    sv = torch.empty(2**n, dtype=torch.complex64, device=dev)
    ws = ctypes.c_size_t(0)
    for n_controls in (0, 1):
        need = ctypes.c_size_t(0)
        _cusv_check(lib, lib.custatevecApplyMatrixGetWorkspaceSize(
            handle, _CUDA_C_32F, n, ctypes.c_void_p(mat.data_ptr()), _CUDA_C_32F, _LAYOUT_ROW,
            0, 1, n_controls, _COMPUTE_32F, ctypes.byref(need)), "GetWorkspaceSize")
        ws.value = max(ws.value, need.value)
    work = torch.empty(max(ws.value, 1), dtype=torch.uint8, device=dev)
    calls = []
    for k, (g, w, _a) in enumerate(ops):
        ptr = ctypes.c_void_p(mat.data_ptr() + k * 4 * mat.element_size())
        if g == "ry":
            tgt, ctl, nctl = (ctypes.c_int32 * 1)(w[0]), None, 0
        else:
            tgt, ctl, nctl = (ctypes.c_int32 * 1)(w[1]), (ctypes.c_int32 * 1)(w[0]), 1
        calls.append((ptr, tgt, ctl, nctl))
    work_ptr = ctypes.c_void_p(work.data_ptr() if ws.value else None)

    def run():
        sv.zero_()
        sv[:1].fill_(1.0)
        for ptr, tgt, ctl, nctl in calls:
            st = lib.custatevecApplyMatrix(
                handle, ctypes.c_void_p(sv.data_ptr()), _CUDA_C_32F, n, ptr, _CUDA_C_32F,
                _LAYOUT_ROW, 0, tgt, 1, ctl, None, nctl, _COMPUTE_32F, work_ptr, ws.value)
            if st:
                _cusv_check(lib, st, "custatevecApplyMatrix")

    def final_z():
        torch.cuda.synchronize(dev)
        return z_from_state(sv.cpu().numpy(), n)

    run.keep = (mat, sv, work, calls)  # alive as long as the runner
    weakref.finalize(run, lib.custatevecDestroy, handle)
    return run, final_z


PREPARE = {"qnas": prepare_qnas, "qiskit-aer": prepare_aer, "qulacs": prepare_qulacs,
           "lightning": prepare_lightning, "torchquantum": prepare_torchquantum,
           "custatevec": prepare_custatevec}


def versions(framework: str) -> str:
    import importlib.metadata as md

    if framework == "custatevec":
        v = load_custatevec().custatevecGetVersion()  # major * 10000 + minor * 100 + patch
        return f"{v // 10000}.{v % 10000 // 100}.{v % 100} ({_CUSV['path']})"
    if framework == "qnas":  # also from a source tree on PYTHONPATH (not installed)
        import qnas

        return qnas.__version__
    if framework == "torchquantum":
        from tq_import import import_torchquantum

        return import_torchquantum().__version__
    dist = {"qiskit-aer": "qiskit-aer", "qulacs": "qulacs",
            "lightning": "pennylane-lightning"}[framework]
    return md.version(dist)
