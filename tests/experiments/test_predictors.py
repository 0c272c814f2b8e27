"""``qnas experiments predictors``: a tiny elivagar row's candidates scored, trained, ranked;
the artifact, its table and a resume."""

from __future__ import annotations

import json

import pytest

ROWS = """
[defaults]
seeds = [0]
[defaults.set]
"search.strategy" = "elivagar"
"search.valid_samples" = 16
"search.cnr_replicas" = 3
"search.repcap_params" = 3
"search.repcap_per_class" = 3
"search.candidate_params" = 4
"train.batch_size" = 256
"train.epochs" = 2
"prune.steps" = 1
"prune.finetune_epochs" = 1
[[row]]
name = "tiny"
task = "moons"
device = "santiago"
[[row]]
name = "tiny-qnas"
task = "moons"
device = "santiago"
set = { "search.strategy" = "quantumnas" }
"""


def test_tiny_predictors_run_artifact_table_and_resume(tmp_path):
    from qnas.experiments.predictors import measure_row, render_predictors
    from qnas.experiments.rows import load_rows
    from qnas.pipeline.context import Context
    from qnas.pipeline.stages.elivagar import elivagar_candidates

    rows_file = tmp_path / "rows.toml"
    rows_file.write_text(ROWS)
    rows = load_rows(rows_file)
    kw = dict(root=tmp_path / "runs", progress=False, folder=tmp_path / "pred")
    path = measure_row(rows["tiny"], 0, 3, epochs=1, log=None, **kw)
    r = json.loads(path.read_text())
    assert path.name == "tiny-seed-0.json" and r["n_candidates"] == 3 and r["epochs"] == 1
    assert set(r["kendall"]) == {"cnr", "repcap", "score"}
    for t in r["kendall"].values():
        assert t["tau"] is None or -1.0 <= t["tau"] <= 1.0
    for c in r["candidates"]:
        assert 0.0 <= c["cnr"] <= 1.0 and 0.0 <= c["repcap"] <= 1.0
        assert c["score"] == pytest.approx(c["repcap"] * c["cnr"] ** 0.25)
        assert 0.0 <= c["trained_noisy_score"] <= 1.0
    # the first candidates of the row's own Élivágar search pool
    pool = elivagar_candidates(Context(rows["tiny"].config(0)), 5)
    assert [c["circuit"] for c in r["candidates"]] == [p.circuit.to_text() for p in pool[:3]]
    assert r["command"].startswith("qnas experiments predictors tiny --seed 0 --candidates 3")

    table = render_predictors(tmp_path / "pred")
    line = next(x for x in table.splitlines() if x.startswith("| tiny |"))
    assert line.startswith("| tiny | 0 | 3 | 1 |") and "not run" not in line

    logs = []  # resumed: every candidate is a finished stage record
    again = measure_row(rows["tiny"], 0, 3, epochs=1, log=logs.append, **kw)
    assert sum("done earlier" in m for m in logs) == 3
    assert json.loads(again.read_text()) == r

    with pytest.raises(ValueError, match="strategy 'elivagar'"):
        measure_row(rows["tiny-qnas"], 0, 3, epochs=1, log=None, **kw)


def test_predictors_table_without_artifacts(tmp_path):
    from qnas.experiments.predictors import render_predictors

    lines = render_predictors(tmp_path).splitlines()
    assert lines[2].startswith("| not run |")
    assert lines[0].count("|") == lines[1].count("|") == lines[2].count("|")
