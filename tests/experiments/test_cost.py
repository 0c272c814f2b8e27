"""The search-cost table: QuantumNAS and random from the main row, the training-free strategies
from their cost rows; speed-ups and paired verdicts against QuantumNAS."""

from __future__ import annotations

import json

import numpy as np

from qnas.experiments.rows import load_rows
from qnas.experiments.tables import blocks, render_cost, search_cost

MAIN = '[[row]]\nname = "m"\ntask = "mnist4"\ndevice = "lagos"\n'
COST = [("m-eli", "mnist4", "elivagar"), ("m-hyb", "mnist4", "hybrid"),
        ("v-eli", "vowel4", "elivagar"), ("m-short", "mnist4", "quantumnas")]
ROWS = "[defaults]\nseeds = [0, 1]\n" + MAIN + "".join(
    f'[[row]]\nname = "{name}"\ntable = "cost"\ntask = "{task}"\ndevice = "lagos"\n'
    f'set = {{ "search.strategy" = "{strategy}" }}\n' for name, task, strategy in COST)
N = 400


def _eval(y, right):
    pred = "".join(str(int(v)) for v in np.where(right, y, (y + 1) % 4))
    return {"aer_exact_acc": float(right.mean()), "aer_noisy_acc": float(right.mean()),
            "noiseless_acc": 0.9, "pred_exact": pred, "pred": pred}


def _write(root, row, seed, res):
    d = root / row / f"seed-{seed}"
    d.mkdir(parents=True)
    (d / "results.json").write_text(json.dumps(res))


def _artifacts(root):
    """Seeds 0, 1 of the main row (no ``strategy`` key, like older runs) and of the elivagar
    row (clearly better than QuantumNAS); seed 0 only of the hybrid row (QuantumNAS's
    predictions exactly)."""
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 4, N)
        info = {"y_test": y.tolist(), "n_train": 100, "n_fitness": 50, "n_test": N}
        qn = rng.random(N) < 0.6
        _write(root, "m", seed, {
            "config": {"supercircuit": {"epochs": 10, "sandwich": True},
                       "train": {"batch_size": 32}},
            "task_info": info, "search": {"n_evaluated": 200},
            "table": [{"model": m, "n_2q": 8} for m in ("quantumnas", "random")],
            "evaluations": {"quantumnas": _eval(y, qn), "random": _eval(y, rng.random(N) < 0.6)},
            "stage_seconds": {"supercircuit": 100.0, "search": 100.0, "baseline_random": 150.0}})
        _write(root, "m-eli", seed, {
            "strategy": "elivagar", "task_info": info,
            "search": {"cost": {"wall_seconds": 4.0, "circuit_evaluations": 260,
                                "predictor_evaluations": 260, "training_steps": 0}},
            "evaluations": {"elivagar": _eval(y, qn | (rng.random(N) < 0.6))},
            "stage_seconds": {"elivagar_search": 5.0}})
        if seed == 0:
            _write(root, "m-hyb", seed, {
                "strategy": "hybrid", "task_info": info,
                "search": {"cost": {"wall_seconds": 10.0, "predictor_evaluations": 250,
                                    "fitness_evaluations": 20, "training_steps": 80}},
                "evaluations": {"hybrid": _eval(y, qn)},
                "stage_seconds": {"supercircuit": 100.0, "hybrid_search": 10.0}})
            # a QuantumNAS variant (a shorter SuperCircuit): compared with, not the reference
            short = json.loads((root / "m" / "seed-0" / "results.json").read_text())
            short["stage_seconds"].update(supercircuit=10.0, search=90.0)
            _write(root, "m-short", seed, short)


def _line(table, strategy, where="mnist4 / lagos"):
    return next(ln for ln in table.splitlines() if ln.startswith(f"| {where} | {strategy} |"))


def test_cost_table_speedups_and_verdicts(tmp_path):
    rows_file = tmp_path / "rows.toml"
    rows_file.write_text(ROWS)
    root = tmp_path / "art"
    _artifacts(root)
    table = render_cost(list(load_rows(rows_file).values()), root)
    cells = {s: [c.strip() for c in _line(table, s).strip("|").split("|")]
             for s in ("quantumnas", "random", "elivagar", "hybrid")}
    # columns: where, strategy, row, seeds, acc, vs QuantumNAS, seconds, evals, steps, speed-up
    q, r, e, h = (cells[s] for s in ("quantumnas", "random", "elivagar", "hybrid"))
    assert q[2:4] == ["m", "2/2"] and q[5] == "(reference)"
    assert q[6:] == ["200", "200 fitness", "80", "1.0x"]  # 10 epochs x 4 batches x 2 (sandwich)
    assert r[6:] == ["≤ 250", "200 fitness", "80", "≥ 0.8x"]  # its winner's training included
    assert e[2:4] == ["m-eli", "2/2"] and e[5].endswith("win") and e[5].startswith("+")
    assert e[6:] == ["4", "260 predictor", "0", "50x"]
    assert h[3] == "1/2" and h[5] == "+0.000 [+0.000, +0.000] tie"  # paired on seed 0 only
    assert h[6:] == ["110", "250 predictor + 20 fitness", "80", "1.8x"]
    short = next(ln for ln in table.splitlines() if "| m-short |" in ln)
    assert "| quantumnas | m-short | 1/2 | 0.588 |" in short  # not the main row's line
    assert "+0.000 [+0.000, +0.000] tie | 100 | 200 fitness | 80 | 2.0x |" in short
    v = _line(table, "elivagar", "vowel4 / lagos")
    assert "| v-eli | 0/2 | not run |" in v
    assert blocks(rows_file, root)["cost"] == table


def test_search_cost_of_a_run_without_the_stage_is_none():
    res = {"stage_seconds": {"supercircuit": 1.0}, "search": {"n_evaluated": 3}}
    assert search_cost(res, "random") is None and search_cost({"search": {}}, "hybrid") is None


def test_a_time_reference_row_sets_the_speed_up_base(tmp_path):
    """``time_reference = true`` (a QuantumNAS run of today's code beside the cost rows): its
    search time is the base of the group's speed-ups, the main row stays the accuracy
    reference; a time reference that has not run leaves the main row's base."""
    rows_file = tmp_path / "rows.toml"
    rows_file.write_text(ROWS.replace('name = "m-short"',
                                      'name = "m-short"\ntime_reference = true'))
    root = tmp_path / "art"
    _artifacts(root)
    table = render_cost(list(load_rows(rows_file).values()), root)
    q = [c.strip() for c in _line(table, "quantumnas").strip("|").split("|")]
    e = [c.strip() for c in _line(table, "elivagar").strip("|").split("|")]
    assert q[5] == "(reference)" and q[9] == "0.5x"  # 100 s of m-short / 200 s
    assert e[9] == "25x"  # 100 s / 4 s
    assert "| 100 | 200 fitness | 80 | 1.0x |" in next(
        ln for ln in table.splitlines() if "| m-short |" in ln)
    v = [c.strip() for c in _line(table, "elivagar", "vowel4 / lagos").strip("|").split("|")]
    assert v[4] == "not run"
    (root / "m-short").rename(tmp_path / "gone")
    table = render_cost(list(load_rows(rows_file).values()), root)
    assert [c.strip() for c in _line(table, "elivagar").strip("|").split("|")][9] == "50x"


def test_time_reference_must_be_a_boolean(tmp_path):
    import pytest

    f = tmp_path / "rows.toml"
    f.write_text(MAIN + 'time_reference = "yes"\n')
    with pytest.raises(ValueError, match="time_reference must be true or false"):
        load_rows(f)


def test_cost_plot_points_and_file(tmp_path):
    """The search-cost plot shows QuantumNAS (the main row) and every finished cost row of a
    (task, device) at its mean search time and accuracy; groups with nothing run are left
    out."""
    from qnas.experiments.plots import cost_points, write_cost_plot

    rows_file = tmp_path / "rows.toml"
    rows_file.write_text(ROWS)
    root = tmp_path / "art"
    _artifacts(root)
    (panel,) = cost_points(rows_file, root)  # vowel4 / lagos: nothing ran
    assert panel["where"] == "mnist4 / lagos" and panel["base"] == 200.0
    by_row = {p[1]: p for p in panel["points"]}
    assert set(by_row) == {"m", "m-eli", "m-hyb", "m-short"}
    assert by_row["m"][:3] == ("quantumnas", "m", 200.0)
    assert by_row["m-eli"][:3] == ("elivagar", "m-eli", 4.0)
    assert by_row["m-hyb"][2] == 110.0 and by_row["m-hyb"][4] == 0.0  # one seed: no spread
    assert panel["reference"] == by_row["m"][3] and panel["main"] == "m"
    out = write_cost_plot(tmp_path / "cost.png", rows_file, root)
    assert out.stat().st_size > 10_000
