"""A training that an earlier model of the run already did (same circuit, initial values,
epochs) is read back, bit for bit, instead of being repeated."""

import torch

from qnas.config import load_config


def _setup(tmp_path, name, **noise):
    from qnas.pipeline.context import Context
    from qnas.rundir import RunDir

    cfg = load_config(overrides={"task": "digits4", "device": "quito", "model": {"blocks": 1},
                                 "train": {"epochs": 3, "batch_size": 64},
                                 "prune": {"steps": 2, "finetune_epochs": 1},
                                 "data": {"train_limit": 128}, "noise": noise})
    ctx = Context(cfg)
    circuit, index = ctx.circuits(ctx.sc.full_spec())
    return ctx, RunDir(tmp_path / name), circuit, ctx.initial_weights(index, scratch=True)


def _counting_fit(monkeypatch):
    import qnas.pipeline.stages.train as train_stage

    calls, real = [], train_stage.fit
    monkeypatch.setattr(train_stage, "fit", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_same_training_is_reused_and_equals_a_fresh_one(tmp_path, monkeypatch):
    from qnas.pipeline.stages.train import train_circuit, train_equal

    ctx, run, circuit, init = _setup(tmp_path, "a")
    calls = _counting_fit(monkeypatch)
    p1, h1, _ = train_equal(ctx, run, "finetune", circuit, init, (0, 1, 2, 3), False)
    n = len(calls)
    assert n == 1 + ctx.cfg.prune.steps  # the base training and the fine-tuning chunks
    # the human design from the same values: nothing is trained again (noise-free training
    # does not depend on the layout)
    p2, h2, _ = train_equal(ctx, run, "human", circuit, init, None, False)
    assert len(calls) == n
    assert torch.equal(p1, p2) and h1 == h2
    # other initial values: trained
    p3, _ = train_circuit(ctx, run, "other", circuit, init + 0.1, None, False, epochs=2)
    assert len(calls) == n + 1 and not torch.equal(p3, p1)
    # a run from scratch (new directory) trains and gets the same values
    _, fresh_run, _, _ = _setup(tmp_path, "b")
    p4, h4, _ = train_equal(ctx, fresh_run, "human", circuit, init, None, False)
    assert len(calls) == 2 * n + 1
    assert torch.equal(p4, p2) and h4 == h2


def test_noise_aware_training_is_reused_only_on_the_same_layout(tmp_path, monkeypatch):
    from qnas.pipeline.stages.train import train_circuit

    ctx, run, circuit, init = _setup(tmp_path, "a", mode="gate_insertion")
    calls = _counting_fit(monkeypatch)
    a, _ = train_circuit(ctx, run, "x", circuit, init, (0, 1, 2, 3), False, epochs=1)
    b, _ = train_circuit(ctx, run, "y", circuit, init, (0, 1, 2, 3), False, epochs=1)
    assert len(calls) == 1 and torch.equal(a, b)
    train_circuit(ctx, run, "z", circuit, init, (4, 3, 1, 0), False, epochs=1)
    assert len(calls) == 2


def test_pruned_training_is_never_reused(tmp_path, monkeypatch):
    from qnas.pipeline.stages.train import train_circuit

    ctx, run, circuit, init = _setup(tmp_path, "a")
    calls = _counting_fit(monkeypatch)

    class KeepAll:
        def apply(self, params):
            pass

    train_circuit(ctx, run, "p1", circuit, init, None, False, epochs=1, pruner=KeepAll())
    train_circuit(ctx, run, "p2", circuit, init, None, False, epochs=1, pruner=KeepAll())
    assert len(calls) == 2
