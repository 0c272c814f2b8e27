"""``qnas experiments``: the rows of ``docs/results.md``, run and tabulated.

Example::

    qnas experiments list                                   # rows, seeds, which are done
    qnas experiments run mnist4-lagos --seed 0 --data-dir ../shared/data
    qnas experiments ranking mnist4-lagos --seed 0   # Kendall tau of the SuperCircuit
    qnas experiments predictors mnist4-lagos-elivagar --seed 0   # Kendall tau of CNR, RepCap
    qnas experiments tables            # rebuild docs/results.md's tables from the artifacts
    qnas experiments tables --check    # exit 1 if the committed tables are out of date

A row's run directory (checkpoints, resumable) is ``runs/experiments/<row>/seed-<k>``; its
artifacts (``config.json``, ``results.json``) go to ``experiments/rows/<row>/seed-<k>/``.
"""

from __future__ import annotations

import sys


def add_parser(sub) -> None:
    p = sub.add_parser("experiments", help="run the rows of docs/results.md and rebuild it")
    act = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    act.add_parser("list", help="the rows and the seeds whose artifacts exist")
    r = act.add_parser("run", help="run (or resume) one row with one seed, keep its artifacts")
    r.add_argument("row")
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--data-dir", default=None, help="data directory (default: $QNAS_DATA)")
    r.add_argument("--runs", default="runs/experiments", help="where run directories go")
    r.add_argument("--no-progress", action="store_true")
    _scratch_parser(act, "ranking", "Kendall tau of the SuperCircuit's inherited fitness "
                    "against SubCircuits trained from scratch (needs the row's run)", "--genomes")
    _scratch_parser(act, "predictors", "Kendall tau of CNR, RepCap and their composite "
                    "against device-aware candidates trained from scratch (an elivagar row)",
                    "--candidates")
    t = act.add_parser("tables", help="rebuild the tables of docs/results.md")
    t.add_argument("--check", action="store_true",
                   help="only compare; exit 1 when the document differs from the rebuilt one")


def _scratch_parser(act, name: str, help: str, count: str) -> None:
    """An action ranking ``count`` (default 20) circuits of a row trained from scratch."""
    k = act.add_parser(name, help=help)
    k.add_argument("row")
    k.add_argument("--seed", type=int, required=True)
    k.add_argument(count, type=int, default=20)
    k.add_argument("--epochs", type=int, default=None,
                   help="scratch training epochs (default: the row's train.epochs)")
    k.add_argument("--data-dir", default=None)
    k.add_argument("--runs", default="runs/experiments")
    k.add_argument("--no-progress", action="store_true")


def run(args) -> int:
    from qnas.experiments import rows as R

    if args.action == "list":
        for row in R.load_rows().values():
            done = sorted(row.results())
            print(f"{row.name:<22} {row.table:<6} {row.task:<8} {row.device:<11} seeds "
                  f"{list(row.seeds)} done {done}")
        return 0
    if args.action == "run":  # run_pipeline sets runtime.threads
        row = R.get_row(args.row)
        dest = R.run_row(row, args.seed, args.data_dir, args.runs, not args.no_progress)
        print(f"artifacts: {dest}")
        return 0
    if args.action == "ranking":
        from qnas.experiments.ranking import rank_row

        row = R.get_row(args.row)
        row.config(args.seed, args.data_dir).runtime.apply_threads()
        path = rank_row(row, args.seed, args.genomes, args.epochs, args.data_dir, args.runs,
                        not args.no_progress)
        print(f"ranking: {path}")
        return 0
    if args.action == "predictors":
        from qnas.experiments.predictors import measure_row

        row = R.get_row(args.row)
        row.config(args.seed, args.data_dir).runtime.apply_threads()
        path = measure_row(row, args.seed, args.candidates, args.epochs, args.data_dir,
                           args.runs, not args.no_progress)
        print(f"predictors: {path}")
        return 0
    from qnas.experiments.tables import DOC, render_doc

    old = DOC.read_text()
    new = render_doc(old)
    if args.check:
        if new != old:
            print(f"{DOC} is out of date: run `qnas experiments tables`", file=sys.stderr)
            return 1
        print(f"{DOC} is up to date")
        return 0
    from qnas.experiments.plots import write_cost_plot, write_sweep_plot

    if new != old:
        DOC.write_text(new)
    paths = [str(p) for p in (write_sweep_plot(), write_cost_plot()) if p]
    print(f"wrote {DOC}" + (f" and {', '.join(paths)}" if paths else ""))
    return 0
