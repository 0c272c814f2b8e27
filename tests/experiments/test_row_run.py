"""A tiny row runs end to end, keeps its artifacts, tabulates, and ranks its SuperCircuit."""

from __future__ import annotations

import dataclasses
import json

import pytest

pytest.importorskip("qiskit_aer")

ROWS = """
[defaults]
seeds = [0]
[defaults.set]
"model.blocks" = 1
"supercircuit.epochs" = 1
"train.batch_size" = 64
"train.epochs" = 2
"search.population" = 3
"search.parents" = 1
"search.mutations" = 1
"search.crossovers" = 1
"search.iterations" = 1
"search.valid_samples" = 16
"search.full_layouts" = 1
"prune.steps" = 1
"prune.finetune_epochs" = 1
"evaluation.test_samples" = 30
"evaluation.shots" = 256
"evaluation.mapping_only_layouts" = 2
[[row]]
name = "tiny"
task = "digits4"
device = "santiago"
[[row]]
name = "tiny-refine"
task = "digits4"
device = "santiago"
set = { "search.refine_layouts" = 2 }
reuse = { row = "tiny", keep = "trained" }
"""


def test_tiny_row_artifacts_tables_and_ranking(tmp_path):
    from qnas.experiments.ranking import rank_row, render_ranking
    from qnas.experiments.rows import load_rows, run_row
    from qnas.experiments.tables import blocks

    rows_file = tmp_path / "rows.toml"
    rows_file.write_text(ROWS)
    row = load_rows(rows_file)["tiny"]
    art = tmp_path / "art"
    dest = run_row(row, 0, root=tmp_path / "runs", progress=False, log=None, artifacts=art)
    res = json.loads((dest / "results.json").read_text())
    assert json.loads((dest / "config.json").read_text())["seed"] == 0
    ev = res["evaluations"]["quantumnas"]
    assert len(ev["pred_exact"]) == len(res["task_info"]["y_test"]) == 30
    assert 0.0 <= ev["aer_exact_acc"] <= 1.0
    line = next(x for x in blocks(rows_file, art)["main"].splitlines() if x.startswith("| tiny"))
    assert line.count("|") > 10 and "not run" not in line
    with pytest.raises(ValueError, match="runs seeds"):
        run_row(row, 5, root=tmp_path / "runs", artifacts=art)
    path = rank_row(row, 0, n_genomes=3, epochs=1, root=tmp_path / "runs", progress=False,
                    log=None, folder=tmp_path / "rank")
    r = json.loads(path.read_text())
    assert r["n_genomes"] == 3 and -1.0 <= r["kendall_tau"] <= 1.0
    assert "| tiny | 0 | 3 | 1 |" in render_ranking(tmp_path / "rank")


def test_a_variant_started_from_another_rows_run_equals_one_from_scratch(tmp_path):
    from qnas.experiments.rows import load_rows, run_row

    rows_file = tmp_path / "rows.toml"
    rows_file.write_text(ROWS)
    rows = load_rows(rows_file)
    kw = dict(progress=False, log=None, artifacts=tmp_path / "art")
    with pytest.raises(FileNotFoundError, match="has not finished"):
        run_row(rows["tiny-refine"], 0, root=tmp_path / "runs", **kw)
    run_row(rows["tiny"], 0, root=tmp_path / "runs", **kw)
    reused = run_row(rows["tiny-refine"], 0, root=tmp_path / "runs", **kw)
    assert "starting from row tiny" in (reused / "README").read_text()
    reused = json.loads((reused / "results.json").read_text())
    scratch = dataclasses.replace(rows["tiny-refine"], reuse=None)
    fresh = run_row(scratch, 0, root=tmp_path / "fresh", progress=False, log=None,
                    artifacts=tmp_path / "art_fresh")
    fresh = json.loads((fresh / "results.json").read_text())
    assert reused["evaluations"] == fresh["evaluations"]
    assert reused["table"] == fresh["table"]
