"""``qnas deploy RUN_DIR --backend NAME``: measure a run's final classifier through
qiskit-ibm-runtime's SamplerV2, on a real IBM backend (token from an environment variable,
never written anywhere) or on a fake one locally.

>>> # qnas deploy runs/mnist4-quito --backend fake_quito --samples 50
>>> # QISKIT_IBM_TOKEN=... qnas deploy runs/mnist4-quito --backend ibm_brisbane
"""

from __future__ import annotations

import json
import time
from pathlib import Path


def add_parser(sub):
    p = sub.add_parser("deploy", help="evaluate a run's final circuit via qiskit-ibm-runtime",
                       description=__doc__.splitlines()[0])
    p.add_argument("run_dir", help="a finished `qnas run` directory")
    p.add_argument("--backend", required=True,
                   help="fake_NAME (local, the device's noise model) or a real IBM backend name")
    p.add_argument("--token-env", default="QISKIT_IBM_TOKEN",
                   help="environment variable holding the IBM Quantum token (real backends)")
    p.add_argument("--channel", default=None, help="QiskitRuntimeService channel")
    p.add_argument("--instance", default=None, help="QiskitRuntimeService instance (CRN)")
    p.add_argument("--shots", type=int, default=8192)
    p.add_argument("--samples", type=int, default=300, help="first N test inputs")
    p.add_argument("--seed", type=int, default=0)


def run(args) -> int:
    from qnas.backends.runtime_eval import (
        is_fake_name,
        runtime_backend,
        runtime_classification_accuracy,
    )
    from qnas.config import load_config
    from qnas.devices.fake import resolve_device
    from qnas.ir import Circuit
    from qnas.pipeline.objective import make_task
    from qnas.rundir import atomic_write_text

    root = Path(args.run_dir)
    model_path = root / "final_model.json"
    if not model_path.is_file():
        raise FileNotFoundError(f"{model_path} not found: is {root} a finished `qnas run` "
                                f"directory? (runs made before `qnas deploy` existed get it "
                                f"from `qnas run ... --out {root} --resume`)")
    model = json.loads(model_path.read_text())
    cfg = load_config(file=root / "config.json")
    obj = make_task(cfg)
    if obj.kind != "classification":
        raise ValueError("qnas deploy measures classifiers; VQE runs are not supported yet")
    backend = runtime_backend(args.backend, args.token_env, args.channel, args.instance)
    same_device = is_fake_name(args.backend) and \
        resolve_device(args.backend) == resolve_device(cfg.device)
    layout = model["layout"] if same_device else None
    circuit = Circuit.from_text(model["circuit"])
    x, y = obj.data.test_subset(args.samples, cfg.evaluation.test_subset)
    t0 = time.perf_counter()
    acc = runtime_classification_accuracy(circuit, model["values"], x, y, obj.readout, backend,
                                          layout, args.shots, args.seed)
    out = {"backend": args.backend, "accuracy": acc, "n_test": len(y), "shots": args.shots,
           "layout": layout, "seconds": time.perf_counter() - t0}
    atomic_write_text(root / f"deploy_{args.backend}.json", json.dumps(out, indent=1))
    print(f"{cfg.task} on {args.backend}: accuracy {acc:.4f} on {len(y)} test inputs "
          f"({args.shots} shots, layout {layout})")
    return 0
