"""The one-command pipeline runs end to end on a tiny budget, resumes, and rejects bad input."""

import json

import numpy as np
import pytest

from qnas.config import RESUME_FREE, from_dict, load_config, merge

pytest.importorskip("qiskit_aer")

TINY = {"task": "digits4", "device": "santiago", "space": "u3cu3", "model": {"blocks": 2},
        "supercircuit": {"epochs": 1}, "train": {"batch_size": 64, "epochs": 2},
        "search": {"population": 4, "parents": 2, "mutations": 2, "crossovers": 1,
                   "iterations": 2, "valid_samples": 16, "full_layouts": 2},
        "prune": {"steps": 1, "finetune_epochs": 1},
        "evaluation": {"test_samples": 24, "shots": 256, "mapping_only_layouts": 3}}


def tiny(**kw):
    return from_dict(merge(TINY, kw))


def _run(tmp_path, name, **kw):
    from qnas.pipeline.run import run_pipeline

    cfg = tiny(**kw)
    return run_pipeline(cfg, tmp_path / name, progress=False, log=lambda *_: None)


def test_pipeline_end_to_end_and_resume(tmp_path, monkeypatch):
    import torch

    import qnas.pipeline.stages.train as train_stage

    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:  # the Python API takes runtime.threads (default 1) like `qnas run`
        full = _run(tmp_path, "full")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    run = tmp_path / "full"
    for f in ("results.json", "final.qasm", "final.txt", "config.json",
              "plots/training_curves.png", "plots/search_progress.png", "plots/acc_vs_2q.png"):
        assert (run / f).exists(), f
    qasm = (run / "final.qasm").read_text()  # OpenQASM 3, the encoder's inputs left symbolic
    assert "OPENQASM 3.0;" in qasm and "input float[64] x0;" in qasm
    assert "inputs x0..x15: the 16 input features of task digits4" in qasm
    names = {r["model"] for r in full["table"]}
    assert {"quantumnas", "human", "random", "noise_unaware", "mapping_only"} <= names
    for r in full["table"]:
        assert 0.0 <= r["aer_noisy_acc"] <= 1.0
    layout = full["search"]["layout"]
    assert len(set(layout)) == 4 and all(0 <= q < 5 for q in layout)

    # Crash after the search; a resumed run skips finished stages and ends identical.
    def boom(*a, **k):
        raise KeyboardInterrupt("simulated crash")

    real = train_stage.run
    monkeypatch.setattr(train_stage, "run", boom)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "crash")
    assert (tmp_path / "crash" / "stages" / "search.json").exists()
    assert not (tmp_path / "crash" / "stages" / "train.json").exists()
    monkeypatch.setattr(train_stage, "run", real)
    from qnas.pipeline.run import run_pipeline

    logs = []
    resumed = run_pipeline(tiny(), tmp_path / "crash", resume=True, progress=False,
                           log=logs.append)
    assert any("[search] done earlier" in m for m in logs)
    assert resumed["table"] == full["table"]
    strip = lambda d: {k: v for k, v in d.items() if not k.endswith("seconds")}  # noqa: E731
    assert strip(resumed["search"]) == strip(full["search"])

    # A truncated SuperCircuit checkpoint: the error names it and says what to do; doing it
    # (deleting the file) retrains the SuperCircuit and ends with the same table.
    ckpt = tmp_path / "crash" / "checkpoints" / "supercircuit.pt"
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"corrupt checkpoint .*supercircuit.pt.*Delete it"):
        run_pipeline(tiny(), tmp_path / "crash", resume=True, progress=False, log=logs.append)
    ckpt.unlink()
    again = run_pipeline(tiny(), tmp_path / "crash", resume=True, progress=False,
                         log=logs.append)
    assert again["table"] == full["table"]


def test_existing_run_dir_needs_resume_and_same_config(tmp_path):
    from qnas.rundir import RunDir

    def open_run(cfg, resume):
        return RunDir.open(tmp_path / "r", cfg.to_dict(), resume, free=RESUME_FREE)

    open_run(tiny(), False)
    with pytest.raises(ValueError, match="--resume"):
        open_run(tiny(), False)
    with pytest.raises(ValueError, match="different settings.*seed: 0 -> 1"):
        open_run(tiny(seed=1), True)
    # Settings that do not change results may differ on resume.
    open_run(tiny(runtime={"workers": 3, "executor": "dask"}, data={"dir": "/elsewhere"}), True)
    (tmp_path / "r" / "stages").mkdir()
    stage = tmp_path / "r" / "stages" / "search.json"
    stage.write_text("{truncated")
    run = open_run(tiny(), True)
    with pytest.raises(ValueError, match="corrupt stage file"):
        run.stage("search", lambda: {})
    # A stage records its wall and CPU time; a finished stage is read back, not rerun.
    stage.unlink()
    rec = run.stage("train", lambda: {"x": sum(i * i for i in range(200_000))}, log=None)
    assert rec["seconds"] > 0 and 0 < rec["cpu_seconds"] <= rec["seconds"] * 2 + 0.1
    assert run.stage("train", lambda: {"x": -1}, log=None) == rec
    assert run.stage_seconds("cpu_seconds")["train"] == rec["cpu_seconds"]


@pytest.mark.parametrize("kw,msg", [
    ({"space": "u3cu4"}, "unknown design space"),
    ({"task": "mnist5"}, "unknown task"),
    ({"device": "santago"}, "unknown device.*santiago"),
    ({"evaluation": {"baselines": ("human", "oracle")}},
     r"evaluation.baselines\[1\] must be one of.*got 'oracle'"),
    ({"search": {"metric": "f1"}}, "search.metric must be one of loss, accuracy"),
    ({"supercircuit": {"epochs": "ten"}}, "supercircuit.epochs must be an integer, got 'ten'"),
    ({"supercircuit": {"epochs": 2.5}}, "supercircuit.epochs must be an integer, got 2.5"),
    ({"supercircuit": {"epochs": True}}, "supercircuit.epochs must be an integer, got True"),
    ({"train": {"epochs": -1}}, "train.epochs must be >= 1, got -1"),
    ({"search": {"mutation_prob": 1.5}}, "search.mutation_prob must be <= 1.0"),
    ({"search": {"populaton": 3}}, "unknown key 'populaton' in section .search.; did you mean "
                                   "population"),
    ({"super_epochs": 3}, r"it is now 'epochs' in section \[supercircuit\]"),
])
def test_bad_config(kw, msg):
    with pytest.raises(ValueError, match=msg):
        tiny(**kw)


def test_quick_preset_holds_the_robust_search_settings():
    from pathlib import Path

    from qnas.rundir import config_changes

    path = Path(__file__).parents[2] / "configs" / "quick-robust.toml"
    quick = load_config("quick")
    assert (quick.supercircuit.sandwich, quick.search.full_layouts, quick.search.metric,
            quick.search.valid_samples) == (True, 5, "accuracy", 300)
    assert (quick.search.layouts, quick.search.refine_layouts) == ("connected", 30)
    assert quick.search.transpiler_layout
    assert config_changes(quick.to_dict(), load_config(file=path).to_dict()) == []


def test_config_file_round_trip(tmp_path):
    p = tmp_path / "c.json"
    p.write_text(json.dumps({**TINY, "seed": 3}))
    cfg = load_config(file=p)
    assert cfg.seed == 3 and cfg.search.population == 4
    p.write_text(cfg.to_json())
    assert load_config(file=p) == cfg
    p.write_text("{oops")
    with pytest.raises(ValueError, match="malformed config"):
        load_config(file=p)
    p.write_text(json.dumps({"tsk": "digits4"}))
    with pytest.raises(ValueError, match="unknown config section or key 'tsk'; did you mean task"):
        load_config(file=p)


def test_vqe_pipeline_end_to_end(tmp_path):
    pytest.importorskip("pyscf")
    from qnas.tasks.vqe_tasks import VQE_TASKS

    res = _run(tmp_path, "vqe", task="vqe_h2", train={"batch_size": 1, "epochs": 2},
               supercircuit={"epochs": 2})
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
        tiny(task="vqe_h3")
    with pytest.raises(ValueError, match="classification tasks only"):
        tiny(task="vqe_h2", noise={"mode": "gate_insertion"})


def test_refine_layouts_rechecks_the_searched_layout_with_trained_weights(tmp_path):
    from qnas.search import SearchStore

    res = _run(tmp_path, "refine", search={"refine_layouts": 4}, evaluation={
        "baselines": [], "test_samples": 24, "shots": 256})
    rec = json.loads((tmp_path / "refine" / "stages" / "train.json").read_text())["model"]
    store = SearchStore(tmp_path / "refine" / "search_refine_layout").load_results()
    fits = {tuple(r["genome"]["layout"]): r["fitness"] for r in store.values()}
    assert len(fits) == 5 and tuple(rec["searched_layout"]) in fits  # searched + 4 random
    assert fits[tuple(rec["layout"])] == max(fits.values())
    assert res["table"][0]["layout"] == rec["layout"]


def test_a_run_with_workers_shares_one_started_pool_and_matches_in_process(tmp_path,
                                                                           monkeypatch):
    """`--workers 2`: one process pool for every search of the run, started when the run
    begins (warm by the first search) and closed at its end; results as in-process."""
    import qnas.pipeline.run as run_module
    from qnas.search import executors

    made = []
    real = executors.run_executor

    def spy(*a, **k):  # and wait for the workers, as a real run's SuperCircuit training does
        made.append(real(*a, **k))
        made[-1].start(wait=True)
        return made[-1]

    monkeypatch.setattr(run_module, "run_executor", spy)
    local = _run(tmp_path, "local", seed=3)
    pooled = _run(tmp_path, "pool", seed=3, runtime={"workers": 2})
    def timeless(x):  # wall and CPU times differ, nothing else may
        if isinstance(x, dict):
            return {k: timeless(v) for k, v in x.items() if k not in ("seconds", "cpu_seconds")}
        return [timeless(v) for v in x] if isinstance(x, list) else x

    assert timeless(pooled["table"]) == timeless(local["table"])
    assert timeless(pooled["search"]) == timeless(local["search"])
    pool = made[1]._pool
    assert pool is not None and pool.stats["start_s"] is not None  # started, then shared
    assert pool.stats["shipped"] >= 3  # co-search's, random search's, noise-unaware's fitness
    assert pool.stats["remote"] > 0  # the workers evaluated candidates
    assert pool._closed and not pool._thread.is_alive()  # closed when the run ended
