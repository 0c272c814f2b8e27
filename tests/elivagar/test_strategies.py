"""``qnas run --strategy elivagar|hybrid``: tiny runs end to end, resumed after a crash."""

import pytest

from qnas.config import from_dict, merge

pytest.importorskip("qiskit_aer")

TINY = {"task": "moons", "device": "santiago", "space": "u3cu3", "model": {"blocks": 1},
        "supercircuit": {"epochs": 1}, "train": {"batch_size": 256, "epochs": 2},
        "search": {"population": 3, "valid_samples": 16, "candidates": 5, "hybrid_keep": 2,
                   "cnr_replicas": 3, "repcap_params": 3, "repcap_per_class": 3,
                   "candidate_params": 4},
        "prune": {"steps": 1, "finetune_epochs": 1},
        "evaluation": {"test_samples": 16, "shots": 128, "baselines": ["human"]}}


def _run(path, strategy, resume=False, log=None, search=None):
    from qnas.pipeline.run import run_pipeline

    cfg = from_dict(merge(TINY, {"search": {"strategy": strategy, **(search or {})}}))
    return run_pipeline(cfg, path, resume=resume, progress=False,
                        log=log if log is not None else (lambda *_: None))


def test_elivagar_runs_without_supercircuit_and_resumes(tmp_path, monkeypatch):
    import qnas.pipeline.stages.elivagar as stage

    full = _run(tmp_path / "full", "elivagar")
    run = tmp_path / "full"
    assert not (run / "stages" / "supercircuit.json").exists()
    assert (run / "search_elivagar" / "results.jsonl").exists() and (run / "final.qasm").exists()
    assert {r["model"] for r in full["table"]} == {"elivagar", "human"}
    found = full["search"]
    assert found["strategy"] == "elivagar" and found["n_evaluated"] == 5
    cost = found["cost"]
    assert cost["training_steps"] == 0 and cost["cnr_simulations"] == 2 * 3 * cost[
        "predictor_evaluations"] and cost["wall_seconds"] > 0
    # the recorded top candidates were scored by this process already: not simulated again
    assert cost["predictor_evaluations"] == found["n_evaluated"] == 5
    top = found["top"][0]
    assert top["score"] == pytest.approx(found["fitness"])
    assert top["layout"] == found["layout"]

    logs = []
    resumed = _crash_then_resume(monkeypatch, stage, "train_elivagar", tmp_path, "elivagar",
                                 log=logs.append)
    assert any("[elivagar_search] done earlier" in m for m in logs)
    assert resumed["table"] == full["table"]


def _crash_then_resume(monkeypatch, module, attr, tmp_path, strategy, **kw):
    """Run with ``module.attr`` raising (a crash inside that step), then resume for real."""
    real = getattr(module, attr)
    monkeypatch.setattr(module, attr, lambda *a, **k: (_ for _ in ()).throw(
        KeyboardInterrupt("crash")))
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path / "crash", strategy)
    monkeypatch.setattr(module, attr, real)
    return _run(tmp_path / "crash", strategy, resume=True, **kw)


def test_hybrid_prunes_with_predictors_then_ranks_with_the_supercircuit(tmp_path, monkeypatch):
    import qnas.pipeline.stages.train as train_stage

    full = _run(tmp_path / "full", "hybrid")
    found = full["search"]
    assert found["strategy"] == "hybrid" and found["n_evaluated"] == 2
    assert len(found["survivors"]) == 2 and found["survivors"][0]["spec"] == found["spec"]
    assert found["cost"]["fitness_evaluations"] == 2 and found["cost"]["training_steps"] > 0
    # the co-search's generation-0 genomes (the full design) are ranked beside the survivors
    with_full = _run(tmp_path / "with_full", "hybrid", search={"full_layouts": 2})["search"]
    specs = [r["spec"] for r in with_full["survivors"]]
    unscored = [r for r in with_full["survivors"] if r["predictor"] is None]
    assert with_full["n_evaluated"] == len(specs) == 4 and len(unscored) == 2
    assert len({r["spec"] for r in unscored}) == 1  # one design on two layouts
    assert {"hybrid", "hybrid_unpruned", "human"} <= {r["model"] for r in full["table"]}

    resumed = _crash_then_resume(monkeypatch, train_stage, "run", tmp_path, "hybrid")
    assert resumed["table"] == full["table"]


def test_strategy_settings_are_checked():
    from qnas.cli.main import build_parser
    from qnas.cli.run import make_config

    cfg = make_config(build_parser().parse_args(["run", "--strategy", "hybrid"]))
    assert cfg.search.strategy == "hybrid" and cfg.search.candidates == 250
    with pytest.raises(ValueError, match="did you mean elivagar"):
        make_config(build_parser().parse_args(["run", "--strategy", "elivagr"]))
    with pytest.raises(ValueError, match="needs a classification task"):
        from_dict(merge(TINY, {"task": "vqe_h2", "search": {"strategy": "elivagar"}}))
