"""The tables of ``docs/results.md``, rebuilt from the committed row artifacts.

Every generated block of the document sits between ``<!-- qnas:begin NAME -->`` and
``<!-- qnas:end NAME -->``; :func:`render_doc` replaces each block's body with the table
rebuilt from ``experiments/rows/*/seed-*/results.json`` and leaves the prose alone. A test
checks that the committed document equals the rebuilt one.

Statistics: accuracies are Aer's exact noisy probabilities (density matrix + the device's
readout error, no shot noise), mean +- standard deviation over the seeds a row has. QuantumNAS
is compared with each baseline by a paired bootstrap over the test inputs (all seeds of an
input together, 10,000 resamples): ``W`` (QuantumNAS better at 95%), ``T`` (tie) or ``L``.

>>> fmt_mean([0.5, 0.7])
'0.600 ± 0.141'
>>> replace_block("a\\n<!-- qnas:begin t -->\\nold\\n<!-- qnas:end t -->\\nb", "t", "new")
'a\\n<!-- qnas:begin t -->\\nnew\\n<!-- qnas:end t -->\\nb'
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from qnas.experiments.predictors import render_predictors
from qnas.experiments.ranking import render_ranking
from qnas.experiments.rows import ARTIFACTS, REPO, ROWS_FILE, Row, load_rows
from qnas.report.stats import paired_bootstrap, paired_seeds, verdict

DOC = REPO / "docs" / "results.md"
MODELS = ("quantumnas", "human", "random", "noise_unaware", "mapping_only")
BASELINES = MODELS[1:]
LABELS = {"quantumnas": "QuantumNAS", "human": "human", "random": "random",
          "noise_unaware": "noise-unaware", "mapping_only": "mapping-only"}
STAGES = (("supercircuit", ("supercircuit",)),
          ("search", ("search", "elivagar_search", "hybrid_search")),
          ("train", ("train", "elivagar_train")), ("prune", ("prune",)),
          ("baselines", ("baseline_human", "baseline_random", "baseline_noise_unaware",
                         "baseline_mapping_only")), ("evaluate", ("evaluate",)))
_BLOCK = re.compile(r"(<!-- qnas:begin (?P<name>[\w.-]+) -->\n)(?P<body>.*?)"
                    r"(<!-- qnas:end (?P=name) -->)", re.S)


def fmt_mean(values, digits: int = 3) -> str:
    v = np.asarray(values, dtype=float)
    if v.size == 1:
        return f"{v[0]:.{digits}f}"
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}"


def _correct(res: dict, model: str, key: str = "pred_exact") -> np.ndarray:
    from qnas.pipeline.objective import decode_predictions

    y = res["task_info"]["y_test"]
    pred = decode_predictions(res["evaluations"][model][key])
    return np.array([p == t for p, t in zip(pred, y)], dtype=float)


def _seeds(results: dict[int, dict]) -> list[int]:
    return sorted(results)


def classification_summary(row: Row, results: dict[int, dict]) -> dict:
    """Per-model accuracies over seeds and paired tests of QuantumNAS against each baseline."""
    seeds = _seeds(results)
    first = results[seeds[0]]
    models = [m for m in MODELS if m in first["evaluations"]]
    acc = {m: [results[s]["evaluations"][m]["aer_exact_acc"] for s in seeds] for m in models}
    shots = {m: [results[s]["evaluations"][m]["aer_noisy_acc"] for s in seeds] for m in models}
    clean = {m: [results[s]["evaluations"][m]["noiseless_acc"] for s in seeds] for m in models}
    tests = {}
    for b in models[1:]:
        a = np.stack([_correct(results[s], "quantumnas") for s in seeds])
        c = np.stack([_correct(results[s], b) for s in seeds])
        tests[b] = paired_bootstrap(a, c, seed=0)
    best = max(models[1:], key=lambda m: np.mean(acc[m])) if len(models) > 1 else None
    info = first["task_info"]
    return {"row": row, "seeds": seeds, "models": models, "acc": acc, "shots": shots,
            "clean": clean, "tests": tests, "best": best, "info": info,
            "noise_cost": float(np.mean(clean["human"]) - np.mean(acc["human"]))
            if "human" in acc else None,
            "n_2q": {m: [_n2q(results[s], m) for s in seeds] for m in models}}


def _n2q(res: dict, model: str) -> int:
    for r in res["table"]:
        if r["model"] == model:
            return r["n_2q"]
    return -1


def _header(models) -> list[str]:
    return [LABELS[m] for m in models]


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _seed_note(row: Row, seeds: list[int]) -> str:
    return f"{len(seeds)}/{len(row.seeds)}"


def render_classification(rows: list[Row], root: Path = ARTIFACTS) -> str:
    """Main table: exact Aer accuracy per model, verdicts against QuantumNAS, best-baseline
    difference with its 95% interval; then the 8192-shot figures."""
    head = ["row", "seeds", "valid / test", "noise cost"] + _header(MODELS) + [
        "QuantumNAS - best baseline [95% CI]", "verdict"]
    body, shot_rows = [], []
    for row in rows:
        results = row.results(root)
        if not results:
            body.append([row.name, f"0/{len(row.seeds)}"] + ["not run"] + [""] * (len(head) - 3))
            continue
        s = classification_summary(row, results)
        cells = [row.name, _seed_note(row, s["seeds"]),
                 f"{s['info']['n_fitness']} / {s['info']['n_test']}",
                 f"{s['noise_cost']:+.3f}" if s["noise_cost"] is not None else ""]
        for m in MODELS:
            if m not in s["acc"]:
                cells.append("")
                continue
            cell = f"{fmt_mean(s['acc'][m])} ({int(np.mean(s['n_2q'][m]))})"
            if m != "quantumnas":
                cell += f" {verdict(s['tests'][m])[0].upper()}"
            cells.append(cell)
        if s["best"] is not None:
            t = s["tests"][s["best"]]
            cells += [f"{t['diff']:+.3f} [{t['low']:+.3f}, {t['high']:+.3f}] vs "
                      f"{LABELS[s['best']]}", verdict(t)]
        body.append(cells)
        shot_rows.append([row.name] + [fmt_mean(s["shots"][m]) if m in s["shots"] else ""
                                       for m in MODELS])
    out = _table(head, body)
    if shot_rows:
        out += "\n\n8192-shot Aer accuracy of the same models (mean ± sd over seeds):\n\n"
        out += _table(["row"] + _header(MODELS), shot_rows)
    return out


def render_vqe(rows: list[Row], root: Path = ARTIFACTS) -> str:
    """VQE rows: exact Aer energies (Ha, lower is better); paired over seeds."""
    head = ["row", "seeds", "exact (FCI)"] + _header(MODELS) + [
        "best baseline - QuantumNAS [95% CI]", "verdict"]
    body = []
    for row in rows:
        results = row.results(root)
        seeds = _seeds(results)
        if not seeds:
            body.append([row.name, f"0/{len(row.seeds)}", "not run"] + [""] * (len(head) - 3))
            continue
        ev = {m: [results[s]["evaluations"][m]["aer_exact_energy"] for s in seeds]
              for m in MODELS if m in results[seeds[0]]["evaluations"]}
        cells = [row.name, _seed_note(row, seeds),
                 f"{results[seeds[0]]['task_info']['exact_energy']:.4f}"]
        cells += [fmt_mean(ev[m], 4) if m in ev else "" for m in MODELS]
        base = [m for m in BASELINES if m in ev]
        if base and len(seeds) >= 2:
            best = min(base, key=lambda m: np.mean(ev[m]))
            t = paired_seeds(ev[best], ev["quantumnas"])  # > 0: QuantumNAS lower energy
            cells += [f"{t['diff']:+.4f} [{t['low']:+.4f}, {t['high']:+.4f}] vs "
                      f"{LABELS[best]}", verdict(t)]
        else:
            cells += ["needs 2 seeds", ""]
        body.append(cells)
    return _table(head, body)


def render_sweep(rows: list[Row], root: Path = ARTIFACTS) -> str:
    """Noise sweep: accuracy against the device-noise scale, one line per scale."""
    head = ["scale", "seeds", "noise cost"] + _header(MODELS) + ["verdict vs best baseline"]
    body = []
    by_scale: dict[float, Row] = {}
    for r in rows:
        other = by_scale.setdefault(_scale(r), r)
        if other is not r:
            raise ValueError(f"sweep rows {other.name} and {r.name} have the same noise scale "
                             f"x{_scale(r):g}: one line per scale (put one in another table)")
    for scale, row in sorted(by_scale.items()):
        results = row.results(root)
        if not results:
            body.append([f"x{scale:g}", f"0/{len(row.seeds)}", "not run"] + [""] * (len(head) - 3))
            continue
        s = classification_summary(row, results)
        cells = [f"x{scale:g}", _seed_note(row, s["seeds"]), f"{s['noise_cost']:+.3f}"]
        cells += [fmt_mean(s["acc"][m]) if m in s["acc"] else "" for m in MODELS]
        t = s["tests"][s["best"]]
        cells.append(f"{verdict(t)} ({t['diff']:+.3f} vs {LABELS[s['best']]})")
        body.append(cells)
    return _table(head, body)


def _scale(row: Row) -> float:
    return float(row.settings.get("noise", {}).get("device_scale", 1.0))


def render_times(rows: list[Row], root: Path = ARTIFACTS) -> str:
    """Mean wall time per stage (s) over a row's seeds, on the machine that ran them."""
    head = ["row", "seeds"] + [name for name, _ in STAGES] + ["total"]
    body = []
    for row in rows:
        results = row.results(root)
        if not results:
            continue
        per = {name: [] for name, _ in STAGES}
        for res in results.values():
            sec = res.get("stage_seconds", {})
            for name, parts in STAGES:
                per[name].append(sum(sec.get(p, 0.0) for p in parts))
        means = [float(np.mean(per[name])) for name, _ in STAGES]
        body.append([row.name, str(len(results))] + [f"{m:.0f}" for m in means]
                    + [f"{sum(means):.0f}"])
    return _table(head, body)


COST_HEAD = ["task / device", "strategy", "row", "seeds", "Aer exact accuracy",
             "- QuantumNAS [95% CI], verdict", "search time (s)", "circuit evaluations",
             "training steps", "speed-up"]


def _strategy(row: Row) -> str:
    return row.settings.get("search", {}).get("strategy", "quantumnas")


def _deployed(res: dict, default: str) -> str:
    """The deployed model of a run: its ``strategy`` (older QuantumNAS runs have none)."""
    return res.get("strategy", default)


def supercircuit_steps(res: dict) -> int:
    """SuperCircuit training steps of a run from its ``results.json`` (epochs x batches, x2
    with sandwich training, as the hybrid search's cost counts them).

    >>> supercircuit_steps({"config": {"supercircuit": {"epochs": 40, "sandwich": True},
    ...                                "train": {"batch_size": 32}},
    ...                     "task_info": {"n_train": 100}})
    320
    """
    cfg = res["config"]
    sc = cfg["supercircuit"]
    batches = -(-int(res["task_info"]["n_train"]) // int(cfg["train"]["batch_size"]))
    return int(sc["epochs"]) * (2 if sc.get("sandwich") else 1) * batches


def search_cost(res: dict, strategy: str) -> dict | None:
    """``{"seconds", "predictor", "fitness", "steps"}`` of one run's search for ``strategy``
    (``random``: the random-search baseline of a QuantumNAS run); None when it did not run.

    QuantumNAS and random search: SuperCircuit training + their search stage, as many fitness
    evaluations as the co-search, the SuperCircuit's training steps (``baseline_random``
    includes training its winner). Élivágar and hybrid: their record's ``search.cost``, the
    hybrid's wall time plus its SuperCircuit's training.
    """
    sec = res.get("stage_seconds", {})
    sc = sec.get("supercircuit") or 0.0
    if strategy in ("quantumnas", "random"):
        stage = "search" if strategy == "quantumnas" else "baseline_random"
        if sec.get(stage) is None:
            return None
        return {"seconds": sc + sec[stage], "predictor": 0,
                "fitness": int(res["search"]["n_evaluated"]), "steps": supercircuit_steps(res)}
    c = res.get("search", {}).get("cost")
    if c is None:
        return None
    return {"seconds": c["wall_seconds"] + (sc if strategy == "hybrid" else 0.0),
            "predictor": int(c.get("predictor_evaluations", 0)),
            "fitness": int(c.get("fitness_evaluations", 0)), "steps": int(c["training_steps"])}


def mean_search_seconds(results: dict[int, dict], strategy: str) -> float | None:
    """Mean :func:`search_cost` seconds over the seeds of a row (None: none ran)."""
    secs = [c["seconds"] for c in (search_cost(res, strategy) for res in results.values()) if c]
    return float(np.mean(secs)) if secs else None


def _evaluations(cost: dict) -> str:
    parts = [f"{cost[k]} {k}" for k in ("predictor", "fitness") if cost[k]]
    return " + ".join(parts) or "0"


def _speedup(base: float | None, mine: float) -> str:
    if base is None or mine <= 0:
        return ""
    v = base / mine
    return f"{v:.0f}x" if v >= 10 else f"{v:.1f}x"


def _versus_quantumnas(main: dict[int, dict], mine: dict[int, dict], model: str) -> str:
    """``model`` of ``mine`` minus QuantumNAS of ``main``: paired bootstrap over the test
    inputs of the seeds both have (a win = better than QuantumNAS at 95%)."""
    seeds = [s for s in sorted(mine) if s in main and model in mine[s]["evaluations"]
             and "quantumnas" in main[s]["evaluations"]]
    if not seeds:
        return "no common seed"
    if any(mine[s]["task_info"]["y_test"] != main[s]["task_info"]["y_test"] for s in seeds):
        return "test inputs differ"
    a = np.stack([_correct(mine[s], model) for s in seeds])
    b = np.stack([_correct(main[s], "quantumnas") for s in seeds])
    t = paired_bootstrap(a, b, seed=0)
    return f"{t['diff']:+.3f} [{t['low']:+.3f}, {t['high']:+.3f}] {verdict(t)}"


def _cost_line(where: str, strategy: str, row: Row, results: dict[int, dict], model: str,
               main: dict[int, dict] | None, base_seconds: float | None,
               reference: bool = False) -> list[str]:
    costs = [c for c in (search_cost(results[s], strategy) for s in sorted(results)) if c]
    acc = [results[s]["evaluations"][model]["aer_exact_acc"] for s in sorted(results)
           if model in results[s]["evaluations"]]
    if not acc or not costs:
        return [where, strategy, row.name, f"{len(acc)}/{len(row.seeds)}", "not run"] + [
            ""] * (len(COST_HEAD) - 5)
    if reference:
        vs = "(reference)"
    elif main:
        vs = _versus_quantumnas(main, results, model)
    else:
        vs = "QuantumNAS not run"
    seconds = float(np.mean([c["seconds"] for c in costs]))
    speedup = _speedup(base_seconds, seconds)
    bound = ("≤ ", "≥ " if speedup else "") if strategy == "random" else ("", "")  # winner's
    return [where, strategy, row.name, f"{len(acc)}/{len(row.seeds)}", fmt_mean(acc), vs,
            f"{bound[0]}{seconds:.0f}", _evaluations(costs[0]),  # training included
            f"{int(np.mean([c['steps'] for c in costs]))}", bound[1] + speedup]


def cost_groups(rows: list[Row], root: Path = ARTIFACTS) -> list[dict]:
    """The ``cost`` rows grouped by (task, device), each group a dict: ``where`` ("task /
    device"), ``main_row`` (the QuantumNAS row of the main table at noise x1, or None) and
    its QuantumNAS ``main`` results by seed, the cost rows (``members``) and their
    ``results`` by row name, and ``base``, the QuantumNAS search seconds the speed-ups divide
    (the group's ``time_reference`` row where it has run, else the main row's)."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        if r.table == "cost":
            groups.setdefault((r.task, r.device), []).append(r)
    out = []
    for (task, device), members in groups.items():
        main_row = next((r for r in rows if r.table == "main" and (r.task, r.device) == (
            task, device) and _scale(r) == 1.0 and _strategy(r) == "quantumnas"), None)
        main = main_row.results(root) if main_row is not None else {}
        main = {s: res for s, res in main.items() if _deployed(res, "quantumnas") == "quantumnas"}
        results_of = {r.name: r.results(root) for r in members}
        base = mean_search_seconds(main, "quantumnas")
        for r in members:
            if r.time_reference:
                base = mean_search_seconds(results_of[r.name], _strategy(r)) or base
        out.append({"where": f"{task} / {device}", "main_row": main_row, "main": main,
                    "members": members, "results": results_of, "base": base})
    return out


def render_cost(rows: list[Row], root: Path = ARTIFACTS) -> str:
    """Search cost: per (task, device) of the ``cost`` rows, QuantumNAS and its random-search
    baseline (from the ``main`` row of that task and device), then each cost row's strategy;
    accuracy, paired verdict against QuantumNAS, search wall time, evaluations, training
    steps and the speed-up of the search against QuantumNAS's: the mean search time of the
    group's ``time_reference`` row where it has run (a QuantumNAS run of today's code beside
    the other cost rows), else of the main row."""
    body = []
    for g in cost_groups(rows, root):
        where, main_row, main, members, results_of, base = (
            g[k] for k in ("where", "main_row", "main", "members", "results", "base"))
        if main_row is not None:
            body.append(_cost_line(where, "quantumnas", main_row, main, "quantumnas", main, base,
                                   reference=True))
            body.append(_cost_line(where, "random", main_row, main, "random", main, base))
        for r in members:
            strategy = _strategy(r)
            results = results_of[r.name]
            body.append(_cost_line(where, strategy, r, results,
                                   _deployed(next(iter(results.values()), {}), strategy),
                                   main, base))
    if not body:
        body.append(["not run"] + [""] * (len(COST_HEAD) - 1))
    return _table(COST_HEAD, body)


def summary(rows: list[Row], root: Path = ARTIFACTS) -> str:
    """Wins / ties / losses of QuantumNAS against the best baseline over the finished rows."""
    counts = {"win": 0, "tie": 0, "loss": 0}
    for row in rows:
        results = row.results(root)
        if results and row.table in ("main", "sweep"):
            s = classification_summary(row, results)
            counts[verdict(s["tests"][s["best"]])] += 1
    return (f"QuantumNAS against the best baseline of each row (paired bootstrap, 95%): "
            f"{counts['win']} wins, {counts['tie']} ties, {counts['loss']} losses.")


def blocks(rows_file: Path = ROWS_FILE, root: Path = ARTIFACTS) -> dict[str, str]:
    """Every generated block of the document by name."""
    rows = list(load_rows(rows_file).values())

    def of(table):
        return [r for r in rows if r.table == table]

    sweeps = {(name if name == "sweep" else f"sweep-{name}"): render_sweep(series, root)
              for name, series in sweep_series(rows).items()}
    return {"main": render_classification(of("main"), root),
            "variants": render_classification(of("variant"), root),
            "vqe": render_vqe(of("vqe"), root),
            **sweeps,
            "times": render_times(rows, root),
            "ranking": render_ranking(),
            "cost": render_cost(rows, root),
            "predictors": render_predictors(),
            "summary": summary(rows, root)}


def sweep_rows(rows: list[Row]) -> list[Row]:
    """The noise-sweep rows and the scale-1 main rows of the same task and device."""
    sweep = [r for r in rows if r.table == "sweep"]
    return sweep + [r for r in rows if r.table == "main" and any(
        _same_setting(r, s) for s in sweep)]


def sweep_series(rows: list[Row]) -> dict[str, list[Row]]:
    """Every noise sweep by name: ``"sweep"`` (the ``table = "sweep"`` rows with their x1 main
    row, the document's ``sweep`` block) and each ``sweep = "name"`` series of rows.toml
    (block ``sweep-name``); a series without a finished row still gets its table.

    >>> from qnas.experiments.rows import ROWS_FILE, load_rows
    >>> "sweep" in sweep_series(list(load_rows(ROWS_FILE).values()))
    True
    """
    out: dict[str, list[Row]] = {}
    default = sweep_rows(rows)
    if default:
        out["sweep"] = default
    for r in rows:
        if r.sweep is not None:
            out.setdefault(r.sweep, []).append(r)
    return out


def _same_setting(main: Row, sweep: Row) -> bool:
    return (main.task, main.device) == (sweep.task, sweep.device) and _scale(main) == 1.0


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with the body of block ``name`` replaced (error if the block is missing)."""
    found = False

    def sub(m):
        nonlocal found
        if m.group("name") != name:
            return m.group(0)
        found = True
        return m.group(1) + body.rstrip("\n") + "\n" + m.group(4)

    out = _BLOCK.sub(sub, text)
    if not found:
        raise ValueError(f"the document has no block {name!r} "
                         f"(<!-- qnas:begin {name} --> ... <!-- qnas:end {name} -->)")
    return out


def render_doc(text: str, rows_file: Path = ROWS_FILE, root: Path = ARTIFACTS) -> str:
    """``text`` with every generated block rebuilt."""
    for name, body in blocks(rows_file, root).items():
        if f"<!-- qnas:begin {name} -->" in text:
            text = replace_block(text, name, body)
    return text
