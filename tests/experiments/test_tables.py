"""docs/results.md is what the committed artifacts give; the tables' statistics behave."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qnas.experiments.rows import get_row, load_rows
from qnas.experiments.tables import DOC, blocks, render_doc


def test_committed_document_equals_the_rebuilt_one():
    text = DOC.read_text()
    assert render_doc(text) == text, "run `qnas experiments tables` and commit docs/results.md"


ROWS = """
[defaults]
seeds = [0, 1]
set = { "evaluation.test_samples" = 400 }
[[row]]
name = "good"
task = "mnist4"
device = "lagos"
[[row]]
name = "same"
task = "mnist4"
device = "quito"
"""


def _results(rng, acc: dict[str, float], n=400):
    """A results.json whose models are right on about ``acc[m]`` of ``n`` inputs."""
    y = rng.integers(0, 4, n)
    evals = {}
    for m, a in acc.items():
        right = rng.random(n) < a
        pred = np.where(right, y, (y + 1) % 4)
        s = "".join(str(int(v)) for v in pred)
        evals[m] = {"aer_exact_acc": float(right.mean()), "aer_noisy_acc": float(right.mean()),
                    "noiseless_acc": 0.9, "pred_exact": s, "pred": s}
    return {"task_info": {"y_test": y.tolist(), "n_fitness": 300, "n_test": n},
            "evaluations": evals, "table": [{"model": m, "n_2q": 16} for m in acc],
            "stage_seconds": {"search": 10.0, "baseline_human": 5.0}}


def test_tables_say_win_for_a_clear_gap_and_tie_for_none(tmp_path):
    rows_file = tmp_path / "rows.toml"
    rows_file.write_text(ROWS)
    rng = np.random.default_rng(0)
    for seed in (0, 1):
        for name, acc in (("good", {"quantumnas": 0.8, "human": 0.6, "random": 0.62,
                                    "noise_unaware": 0.6, "mapping_only": 0.65}),
                          ("same", {"quantumnas": 0.7, "human": 0.7, "random": 0.7,
                                    "noise_unaware": 0.7, "mapping_only": 0.7})):
            d = tmp_path / "art" / name / f"seed-{seed}"
            d.mkdir(parents=True)
            (d / "results.json").write_text(json.dumps(_results(rng, acc)))
    b = blocks(rows_file, tmp_path / "art")
    good = next(line for line in b["main"].splitlines() if line.startswith("| good"))
    same = next(line for line in b["main"].splitlines() if line.startswith("| same"))
    assert good.rstrip(" |").endswith("win") and "vs mapping-only" in good
    assert same.rstrip(" |").endswith("tie")
    assert "1 wins, 1 ties, 0 losses" in b["summary"]
    assert "| good | 2 |" in b["times"]


def test_row_registry_errors(tmp_path):
    with pytest.raises(ValueError, match="did you mean mnist4-lagos"):
        get_row("mnist4-lagso")
    bad = tmp_path / "rows.toml"
    bad.write_text('[[row]]\nname = "x"\ntask = "mnist4"\ndevice = "lagos"\nsed = 1\n')
    with pytest.raises(ValueError, match="unknown keys"):
        load_rows(bad)
    bad.write_text("[[row]\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_rows(bad)
    row = '[[row]]\nname = "x"\ntask = "mnist4"\ndevice = "lagos"\n'
    bad.write_text(row + 'reuse = { row = "y", keep = "traned" }\n')
    with pytest.raises(ValueError, match="unknown keep set 'traned'; did you mean trained"):
        load_rows(bad)
    bad.write_text(row + 'reuse = { row = "y" }\n')
    with pytest.raises(ValueError, match="reuse needs exactly 'row'"):
        load_rows(bad)


def test_every_registered_row_has_a_valid_config():
    for row in load_rows().values():
        cfg = row.config(row.seeds[0])
        assert (cfg.task, cfg.device, cfg.seed) == (row.task, row.device, row.seeds[0])


def test_two_sweep_rows_at_one_noise_scale_are_an_error(tmp_path):
    rows_file = tmp_path / "rows.toml"
    rows_file.write_text(ROWS + """
[[row]]
name = "a-x4"
table = "sweep"
task = "mnist4"
device = "lagos"
set = { "noise.device_scale" = 4.0 }
[[row]]
name = "b-x4"
table = "sweep"
task = "mnist4"
device = "lagos"
set = { "noise.device_scale" = 4.0, "search.layouts" = "connected" }
""")
    with pytest.raises(ValueError, match="a-x4 and b-x4 have the same noise scale x4"):
        blocks(rows_file, tmp_path / "art")


def test_a_named_sweep_gets_its_own_table_and_plot_panel(tmp_path):
    from qnas.experiments.plots import sweep_points, write_sweep_plot

    rows_file = tmp_path / "rows.toml"
    rows_file.write_text(ROWS + """
[[row]]
name = "ten-x1"
table = "variant"
task = "mnist10"
device = "melbourne"
sweep = "ten"
[[row]]
name = "ten-x4"
table = "variant"
task = "mnist10"
device = "melbourne"
sweep = "ten"
set = { "noise.device_scale" = 4.0 }
[[row]]
name = "ten-x2"
table = "variant"
task = "mnist10"
device = "melbourne"
sweep = "ten"
set = { "noise.device_scale" = 2.0 }
""")
    rng = np.random.default_rng(1)
    for name, acc in (("ten-x1", {"quantumnas": 0.45, "human": 0.45}),
                      ("ten-x4", {"quantumnas": 0.4, "human": 0.2})):
        for seed in (0, 1):
            d = tmp_path / "art" / name / f"seed-{seed}"
            d.mkdir(parents=True)
            (d / "results.json").write_text(json.dumps(_results(rng, acc)))
    b = blocks(rows_file, tmp_path / "art")
    assert "sweep" not in b  # no table = "sweep" row in this registry
    lines = [line for line in b["sweep-ten"].splitlines() if line.startswith("| x")]
    assert [line.split(" | ")[0] for line in lines] == ["| x1", "| x2", "| x4"]
    assert "not run" in lines[1] and lines[2].rstrip(" |").endswith("vs human)")
    assert lines[2].split(" | ")[-1].startswith("win")
    pts = sweep_points(rows_file, tmp_path / "art", "ten")
    assert [p[0] for p in pts["human"]] == [1.0, 4.0]
    out = write_sweep_plot(tmp_path / "sweep.png", rows_file, tmp_path / "art")
    assert out is not None and out.stat().st_size > 1000
    bad = tmp_path / "bad.toml"
    bad.write_text('[[row]]\nname = "x"\ntask = "mnist4"\ndevice = "lagos"\nsweep = 2\n')
    with pytest.raises(ValueError, match="sweep must be a series name"):
        load_rows(bad)
