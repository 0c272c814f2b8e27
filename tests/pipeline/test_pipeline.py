"""The one-command pipeline runs end to end on a tiny budget, resumes, and rejects bad input."""

import json

import numpy as np
import pytest

from qnas.pipeline.config import RunConfig

pytest.importorskip("qiskit_aer")

TINY = dict(task="digits4", device="santiago", space="u3cu3", max_blocks=2, super_epochs=1,
            batch_size=64, search_population=4, search_parents=2, search_mutations=2,
            search_crossovers=1, search_iterations=2, search_valid_samples=16, finetune_epochs=1,
            prune_steps=1, prune_finetune_epochs=1, eval_test_samples=24, eval_shots=256,
            mapping_only_layouts=3)


def _run(tmp_path, name, **kw):
    from qnas.pipeline.run import run_pipeline

    cfg = RunConfig(**{**TINY, **kw})
    return run_pipeline(cfg, tmp_path / name, progress=False, log=lambda *_: None)


def test_pipeline_end_to_end_and_resume(tmp_path, monkeypatch):
    import qnas.pipeline.stages as stages

    full = _run(tmp_path, "full")
    run = tmp_path / "full"
    for f in ("results.json", "final.qasm", "final.txt", "config.json",
              "plots/training_curves.png", "plots/search_progress.png", "plots/acc_vs_2q.png"):
        assert (run / f).exists(), f
    names = {r["model"] for r in full["table"]}
    assert {"quantumnas", "human", "random", "noise_unaware", "mapping_only"} <= names
    for r in full["table"]:
        assert 0.0 <= r["aer_noisy_acc"] <= 1.0
    layout = full["search"]["layout"]
    assert len(set(layout)) == 4 and all(0 <= q < 5 for q in layout)

    # Crash after the search; a resumed run skips finished stages and ends identical.
    def boom(*a, **k):
        raise KeyboardInterrupt("simulated crash")

    real = stages.after_search
    monkeypatch.setattr(stages, "after_search", boom)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "crash")
    assert (tmp_path / "crash" / "stages" / "search.json").exists()
    assert not (tmp_path / "crash" / "stages" / "train.json").exists()
    monkeypatch.setattr(stages, "after_search", real)
    from qnas.pipeline.run import run_pipeline

    logs = []
    resumed = run_pipeline(RunConfig(**TINY), tmp_path / "crash", resume=True, progress=False,
                           log=logs.append)
    assert any("[search] done earlier" in m for m in logs)
    assert resumed["table"] == full["table"]
    strip = lambda d: {k: v for k, v in d.items() if k != "seconds"}  # noqa: E731
    assert strip(resumed["search"]) == strip(full["search"])


def test_existing_run_dir_needs_resume_and_same_config(tmp_path):
    from qnas.pipeline.run import RunDir

    RunDir(tmp_path / "r", RunConfig(**TINY), resume=False)
    with pytest.raises(ValueError, match="--resume"):
        RunDir(tmp_path / "r", RunConfig(**TINY), resume=False)
    with pytest.raises(ValueError, match="different config.*seed"):
        RunDir(tmp_path / "r", RunConfig(**{**TINY, "seed": 1}), resume=True)
    stage = tmp_path / "r" / "stages" / "search.json"
    stage.write_text("{truncated")
    run = RunDir(tmp_path / "r", RunConfig(**TINY), resume=True)
    with pytest.raises(ValueError, match="corrupt stage file"):
        run.stage("search", lambda: {})


@pytest.mark.parametrize("kw,msg", [
    ({"space": "u3cu4"}, "unknown design space"),
    ({"task": "mnist5"}, "unknown task"),
    ({"device": "santago"}, "unknown device.*santiago"),
    ({"baselines": ("human", "oracle")}, "unknown baseline"),
    ({"search_metric": "f1"}, "unknown search_metric"),
])
def test_bad_config(kw, msg):
    with pytest.raises(ValueError, match=msg):
        RunConfig(**{**TINY, **kw})


def test_shipped_quick_robust_config_is_quick_plus_search_changes():
    from pathlib import Path

    path = Path(__file__).parents[2] / "configs" / "quick-robust.toml"
    robust = RunConfig.from_file(path).to_dict()
    quick = RunConfig.from_preset("quick").to_dict()
    diff = {k for k in robust if robust[k] != quick[k]}
    assert diff == {"preset", "sandwich", "search_full_layouts", "search_metric",
                    "search_valid_samples"}


def test_config_file_round_trip(tmp_path):
    p = tmp_path / "c.json"
    p.write_text(json.dumps({**TINY, "seed": 3}))
    assert RunConfig.from_file(p).seed == 3
    p.write_text("{oops")
    with pytest.raises(ValueError, match="malformed config"):
        RunConfig.from_file(p)
    p.write_text(json.dumps({"tsk": "digits4"}))
    with pytest.raises(ValueError, match="unknown config keys"):
        RunConfig.from_file(p)


def test_vqe_pipeline_end_to_end(tmp_path):
    pytest.importorskip("pyscf")
    from qnas.tasks.vqe_tasks import VQE_TASKS

    res = _run(tmp_path, "vqe", task="vqe_h2", batch_size=1, super_epochs=2, finetune_epochs=2)
    exact = VQE_TASKS["vqe_h2"].hamiltonian().exact_energy
    rows = {r["model"]: r for r in res["table"]}
    assert {"quantumnas", "human", "random", "noise_unaware", "mapping_only"} <= set(rows)
    for r in rows.values():
        # Variational: no energy below the exact ground energy (beyond the shot noise).
        assert r["noiseless_energy"] >= exact - 1e-6
        assert r["aer_energy"] >= exact - 0.1
        assert np.isfinite(r["aer_energy"])
    assert (tmp_path / "vqe" / "plots" / "energy_vs_2q.png").exists()
    assert (tmp_path / "vqe" / "final.qasm").exists()


def test_vqe_config_errors():
    with pytest.raises(ValueError, match="VQE tasks"):
        RunConfig(**{**TINY, "task": "vqe_h3"})
    with pytest.raises(ValueError, match="classification tasks only"):
        RunConfig(**{**TINY, "task": "vqe_h2", "noise_aware": "gate_insertion"})
