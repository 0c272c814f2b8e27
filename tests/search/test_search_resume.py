"""Storage, crash safety and resume of run_search."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qnas.search import EvolutionSearch, SearchStore, candidate_key, run_search
from qnas.spaces import SpecGenes, SubCircuitSpec

GENES = SpecGenes.from_space("zzry", n_qubits=3, max_blocks=3)
TARGET = (2, 3, 1, 1, 2, 3, 3)


def _store(path):
    return SearchStore(path, fsync=False)


def make_search(seed=0):
    return EvolutionSearch(GENES, n_device_qubits=5, population=10, parents=3, mutations=5,
                           crossovers=2, iterations=5, seed=seed)


def fitness(g):
    return -float(sum(abs(a - b) for a, b in zip(g.genes, TARGET, strict=True))
                  + sum(g.layout) / 10)


class Evaluator:
    """Counts evaluations; raises at call number ``fail_at`` (simulated kill)."""

    def __init__(self, fail_at=None):
        self.fail_at, self.keys, self.calls = fail_at, [], 0

    def __call__(self, g):
        self.calls += 1
        if self.fail_at is not None and self.calls == self.fail_at:
            raise KeyboardInterrupt("killed")
        self.keys.append(candidate_key(g.spec, g.layout, "", 0))
        return fitness(g)


def summary(result):
    return ([(g, f) for g, f in result.population], result.best_genome, result.best_fitness)


def test_candidate_key():
    spec = SubCircuitSpec(1, ((2, 3),))
    k = candidate_key(spec, (0, 1, 2), "dev", 0)
    assert k == candidate_key(str(spec), [0, 1, 2], "dev", 0)
    assert len({k, candidate_key(spec, (1, 0, 2), "dev", 0),
                candidate_key(spec, (0, 1, 2), "dev2", 0),
                candidate_key(spec, (0, 1, 2), "dev", 1)}) == 4

    class C:  # anything with to_text() is keyed by its canonical circuit text
        def to_text(self):
            return "qubits 1\nh 0\n"

    assert candidate_key(C(), (0,)) != candidate_key("qubits 1\nh 0\n", (0,))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    ev = Evaluator()
    res = run_search(make_search(), ev, SearchStore(tmp_path_factory.mktemp("ref"), fsync=False),
                     progress=False)
    assert len(ev.keys) == len(set(ev.keys)) == res.n_evaluated
    return summary(res), ev.keys


@pytest.mark.parametrize("fail_at", [1, 2, 10, 11, 17, 23])
def test_interrupted_search_resumes_identically(tmp_path, reference, fail_at):
    ref_summary, ref_keys = reference
    ev1 = Evaluator(fail_at=fail_at)
    with pytest.raises(KeyboardInterrupt):
        run_search(make_search(), ev1, _store(tmp_path), progress=False)
    ev2 = Evaluator()
    res = run_search(make_search(), ev2, _store(tmp_path), progress=False)
    assert summary(res) == ref_summary
    assert not set(ev1.keys) & set(ev2.keys)  # nothing evaluated twice
    assert ev1.keys + ev2.keys == ref_keys  # and in the same order as without a kill
    # a third run finds everything done and evaluates nothing
    ev3 = Evaluator()
    res3 = run_search(make_search(), ev3, _store(tmp_path), progress=False)
    assert ev3.calls == 0 and summary(res3) == ref_summary


def test_results_log_is_a_cache_even_without_state(tmp_path, reference):
    run_search(make_search(), Evaluator(), _store(tmp_path), progress=False)
    (tmp_path / "state.json").unlink()
    ev = Evaluator()
    res = run_search(make_search(), ev, _store(tmp_path), progress=False)
    assert ev.calls == 0 and res.n_cached > 0 and summary(res) == reference[0]


def test_resume_with_other_config_is_refused(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run_search(make_search(), Evaluator(fail_at=3), _store(tmp_path), progress=False)
    with pytest.raises(ValueError, match="different config.*seed"):
        run_search(make_search(seed=1), Evaluator(), _store(tmp_path), progress=False)


def test_corrupt_state_file_clear_error(tmp_path):
    (tmp_path / "state.json").write_text('{"format": 1, "generation": ')
    with pytest.raises(ValueError, match="corrupt search state file .*state.json"):
        run_search(make_search(), Evaluator(), _store(tmp_path), progress=False)
    (tmp_path / "state.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a JSON object"):
        _store(tmp_path).load_state()
    (tmp_path / "state.json").write_text('{"format": 99}')
    with pytest.raises(ValueError, match="unknown format"):
        run_search(make_search(), Evaluator(), _store(tmp_path), progress=False)


def test_truncated_last_log_line_ignored_with_warning(tmp_path, reference):
    with pytest.raises(KeyboardInterrupt):
        run_search(make_search(), Evaluator(fail_at=8), _store(tmp_path), progress=False)
    log = tmp_path / "results.jsonl"
    n_lines = len(log.read_text().splitlines())
    with open(log, "a") as f:
        f.write('{"key": "abc", "fitn')  # process died mid-write
    with pytest.warns(RuntimeWarning, match="truncated last line"):
        res = run_search(make_search(), Evaluator(), _store(tmp_path), progress=False)
    assert summary(res) == reference[0]
    lines = log.read_text().splitlines()
    assert all(json.loads(x) for x in lines) and len(lines) > n_lines


def test_corrupt_middle_log_line_is_an_error(tmp_path):
    log = tmp_path / "results.jsonl"
    log.write_text('{"key": "a", "fitness": 1.0}\nnot json\n{"key": "b", "fitness": 2.0}\n')
    with pytest.raises(ValueError, match="corrupt results log .*line 2"):
        _store(tmp_path).load_results()


def test_state_file_never_half_written(tmp_path, monkeypatch):
    store = _store(tmp_path)
    store.save_state({"a": 1})
    good = (tmp_path / "state.json").read_text()

    def boom(*a, **k):
        raise OSError("disk died")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk died"):
        store.save_state({"a": 2, "big": "x" * 100000})
    monkeypatch.undo()
    assert (tmp_path / "state.json").read_text() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]  # temp cleaned up


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {testdir!r})
    from test_search_resume import make_search, fitness
    from qnas.search import SearchStore, run_search
    calls = 0
    def evaluate(g):
        global calls
        calls += 1
        if calls == {kill_at}:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no flush
        with open({evlog!r}, "a") as f:
            f.write(str(g) + "\\n")
        return fitness(g)
    run_search(make_search(), evaluate, SearchStore({store!r}), progress=False)
    """
)


def test_real_process_kill_then_resume(tmp_path, reference):
    store_dir, evlog = tmp_path / "store", tmp_path / "evaluated.txt"
    script = KILL_SCRIPT.format(testdir=str(Path(__file__).parent), kill_at=14,
                                evlog=str(evlog), store=str(store_dir))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    state = json.loads((store_dir / "state.json").read_text())  # complete, parseable
    assert state["n_told"] >= 13
    first = evlog.read_text().splitlines()
    assert len(first) == 13
    ev = Evaluator()
    res = run_search(make_search(), ev, SearchStore(store_dir), progress=False)
    assert summary(res) == reference[0]
    assert len(first) + ev.calls == len(reference[1])  # no candidate evaluated twice
