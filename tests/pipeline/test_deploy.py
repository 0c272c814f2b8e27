"""`qnas deploy`: SamplerV2 agrees with Aer, deploys a finished run, keeps tokens off disk."""

import json

import numpy as np
import pytest

pytest.importorskip("qiskit_ibm_runtime")
pytest.importorskip("qiskit_aer")


def _tvd(a, b):
    na, nb = sum(a.values()), sum(b.values())
    return 0.5 * sum(abs(a.get(k, 0) / na - b.get(k, 0) / nb) for k in set(a) | set(b))


def test_sampler_counts_match_aer_per_binding():
    from qnas.backends.aer_eval import aer_counts
    from qnas.backends.runtime_eval import runtime_backend, sampler_counts
    from qnas.ir import Circuit

    c = Circuit.from_text("qubits 3\ninputs a b\nry(%a) 0\nrx(%b) 2\ncx 0 1\nx 2\n")
    binds = [{"a": 0.3, "b": 2.0}, {"a": 2.5, "b": 0.1}]
    got = sampler_counts(c, binds, runtime_backend("fake_lima"), (2, 1, 0), 20000, seed=1)
    ref = aer_counts(c, binds, "lima", (2, 1, 0), 20000, seed=2)
    for g, r in zip(got, ref, strict=True):
        assert _tvd(g, r) < 0.05  # same noise model, independent shots
    assert _tvd(got[0], got[1]) > 0.3  # the bindings reached the circuit


def test_real_backend_needs_token_env(monkeypatch):
    from qnas.backends.runtime_eval import runtime_backend

    monkeypatch.delenv("MY_TOKEN", raising=False)
    with pytest.raises(ValueError, match="MY_TOKEN"):
        runtime_backend("ibm_brisbane", token_env="MY_TOKEN")


def test_deploy_finished_run_and_token_never_written(tmp_path, monkeypatch):
    import qiskit_ibm_runtime

    from qnas.backends.aer_eval import fake_backend
    from qnas.cli.main import main
    from qnas.config import from_dict
    from qnas.pipeline.run import run_pipeline

    tiny = {"task": "digits4", "device": "santiago", "model": {"blocks": 1},
            "supercircuit": {"epochs": 1}, "train": {"batch_size": 64, "epochs": 2},
            "search": {"population": 2, "parents": 1, "mutations": 1, "crossovers": 0,
                       "iterations": 1, "valid_samples": 16, "full_layouts": 1},
            "prune": {"steps": 1, "finetune_epochs": 1},
            "evaluation": {"test_samples": 40, "shots": 4000, "baselines": [],
                           "mapping_only_layouts": 1}}
    run = tmp_path / "run"
    res = run_pipeline(from_dict(tiny), run, progress=False, log=lambda *_: None)
    aer_acc = next(r["aer_noisy_acc"] for r in res["table"] if r["model"] == "quantumnas")

    assert main(["deploy", str(run), "--backend", "fake_santiago", "--samples", "40",
                 "--shots", "4000"]) == 0
    out = json.loads((run / "deploy_fake_santiago.json").read_text())
    assert out["n_test"] == 40 and out["layout"] == res["search"]["layout"]
    assert abs(out["accuracy"] - aer_acc) <= 0.1

    # A "real" backend: the token goes to QiskitRuntimeService and nowhere else.
    secret = "tok-" + "9f3c" * 8
    seen = {}

    class FakeService:
        def __init__(self, **kw):
            seen.update(kw)

        def backend(self, name):
            return fake_backend("santiago")

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", FakeService)
    monkeypatch.setenv("QISKIT_IBM_TOKEN", secret)
    assert main(["deploy", str(run), "--backend", "ibm_santiago_test", "--samples", "8",
                 "--shots", "200"]) == 0
    assert seen["token"] == secret
    for f in run.rglob("*"):
        if f.is_file():
            assert secret.encode() not in f.read_bytes(), f
    assert np.isfinite(json.loads((run / "deploy_ibm_santiago_test.json").read_text())
                       ["accuracy"])
