"""The trainer: learning, reproducibility, bit-identical resume, checkpoints, metrics."""

import json

import pytest
import torch

from qnas.config import PRESETS, from_dict, load_config
from qnas.rundir import load_checkpoint, save_checkpoint
from qnas.train.loop import cosine_with_warmup
from qnas.train.trainer import train


class Crash(RuntimeError):
    pass


BASE = {"task": "digits4", "device": None, "model": {"blocks": 1},
        "train": {"epochs": 4, "batch_size": 16, "lr": 0.05, "warmup_epochs": 1},
        "data": {"train_limit": 64, "eval_limit": 32}}


def _cfg(**over):
    from qnas.config import merge

    return load_config(overrides=merge(BASE, over))


def _train(cfg, tmp_path, name="run", **kw):
    return train(cfg, tmp_path / name, progress=False, log=None, **kw)


def test_learns_digits4_above_chance(tmp_path):
    cfg = load_config(overrides={
        "task": "digits4", "device": None, "model": {"blocks": 2}, "runtime": {"threads": 1},
        "train": {"epochs": 4, "batch_size": 32, "lr": 0.05, "warmup_epochs": 0}})
    res = _train(cfg, tmp_path, "d4")
    assert res.test_acc > 0.5  # chance is 0.25
    assert res.best_valid_acc > 0.5
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]


def test_same_seed_same_result_different_seed_differs(tmp_path):
    a = _train(_cfg(), tmp_path, "a")
    b = _train(_cfg(), tmp_path, "b")
    c = _train(_cfg(seed=1), tmp_path, "c")
    assert torch.equal(a.weights, b.weights)
    assert not torch.equal(a.weights, c.weights)


def test_resume_after_crash_is_bit_identical(tmp_path):
    full = _train(_cfg(), tmp_path, "full")

    def crash(epoch, rec):
        if epoch == 2:
            raise Crash("simulated crash")

    cfg = _cfg()
    with pytest.raises(Crash):
        _train(cfg, tmp_path, "crashy", callback=crash)
    ck = load_checkpoint(tmp_path / "crashy" / "checkpoint.pt")
    assert ck["epoch"] == 2
    with pytest.raises(ValueError, match="--resume"):
        _train(cfg, tmp_path, "crashy")
    res = _train(cfg, tmp_path, "crashy", resume=True)
    assert torch.equal(res.weights, full.weights)
    assert torch.equal(res.best_weights, full.best_weights)
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in res.history]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in full.history]
    lines = (tmp_path / "crashy" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines[:-1]] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="different settings"):
        _train(cfg.replace(train={"lr": 0.01}), tmp_path, "crashy", resume=True)


def test_run_dir_files_and_metrics(tmp_path):
    cfg = _cfg(train={"epochs": 2})
    res = _train(cfg, tmp_path)
    root = tmp_path / "run"
    names = sorted(p.name for p in root.iterdir())
    assert names == ["best.pt", "checkpoint.pt", "config.json", "metrics.jsonl", "result.json"]
    recs = [json.loads(x) for x in (root / "metrics.jsonl").read_text().splitlines()]
    assert [r["split"] for r in recs] == ["train", "train", "test"]
    for r in recs[:2]:
        assert {"epoch", "train_loss", "train_acc", "valid_loss", "valid_acc", "lr"} <= set(r)
        assert 0 <= r["valid_acc"] <= 1
    assert recs[-1]["test_acc"] == res.test_acc
    assert from_dict(json.loads((root / "config.json").read_text())) == cfg
    best = load_checkpoint(root / "best.pt")
    assert torch.equal(best["weights"], res.best_weights)
    assert json.loads((root / "result.json").read_text())["best_epoch"] == res.best_epoch


def test_checkpoint_atomic_and_corrupt(tmp_path):
    p = tmp_path / "ck.pt"
    save_checkpoint({"epoch": 1, "x": torch.arange(3)}, p)
    assert [q.name for q in tmp_path.iterdir()] == ["ck.pt"]  # no temp files left

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle")

    with pytest.raises(RuntimeError):
        save_checkpoint({"bad": Unpicklable()}, p)
    assert [q.name for q in tmp_path.iterdir()] == ["ck.pt"]
    assert load_checkpoint(p)["epoch"] == 1  # the old checkpoint survived
    p.write_bytes(p.read_bytes()[:40])
    with pytest.raises(ValueError, match=f"corrupt checkpoint {p}"):
        load_checkpoint(p)
    torch.save({"some": "dict"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a qnas checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


def test_resume_with_corrupt_checkpoint_names_file(tmp_path):
    cfg = _cfg(train={"epochs": 1})
    _train(cfg, tmp_path)
    ck = tmp_path / "run" / "checkpoint.pt"
    ck.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="corrupt checkpoint .*checkpoint.pt"):
        _train(cfg, tmp_path, resume=True)


def test_bad_config_creates_nothing(tmp_path):
    out = tmp_path / "never"
    cases = [({"task": "nope"}, "unknown task"), ({"space": "nope"}, "design space"),
             ({"train": {"epochs": 0}}, "train.epochs"), ({"train": {"lr": -1.0}}, "train.lr"),
             ({"train": {"epochs": "3"}}, "train.epochs must be an integer"),
             ({"train": {"epochs": 2.0}}, "train.epochs must be an integer"),
             ({"train": {"epochs": True}}, "train.epochs must be an integer"),
             ({"train": {"batch_size": -4}}, "train.batch_size must be >= 1"),
             ({"train": {"weight_decay": -0.1}}, "train.weight_decay must be >= 0"),
             ({"train": {"warmup_epochs": -1}}, "train.warmup_epochs must be >= 0"),
             ({"data": {"train_limit": -5}}, "data.train_limit must be >= 1"),
             ({"noise": {"scale": -1.0}}, "noise.scale must be >= 0"),
             ({"seed": -1}, "seed must be >= 0"),
             ({"noise": {"mode": "density"}}, "needs a device"),
             ({"noise": {"mode": "magic"}}, "noise.mode"),
             ({"device": "nowhere"}, "unknown device"),
             ({"noise": {"layout": [0, 0, 1, 2]}}, "layout"),
             ({"noise": {"layout": [0, 1, 2]}}, "layout"),
             ({"device": "santiago", "noise": {"layout": [0, 1, 2, 7]}}, "layout"),
             ({"model": {"encoder": "nope"}}, "unknown encoder"),
             ({"task": "vqe_h2"}, "VQE task")]
    for over, msg in cases:
        with pytest.raises(ValueError, match=msg):
            train(_cfg(**over), out, progress=False, log=None)
    cfg = _cfg(model={"encoder": "10_ryzx"})  # 10 features, digits4 has 16
    with pytest.raises(ValueError, match="features"):
        train(cfg, out, progress=False, log=None)
    assert not out.exists()


def test_config_files_and_presets(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('task = "digits4"\npreset = "paper"\n[train]\nepochs = 3\n')
    cfg = load_config(file=toml, overrides={"seed": 7})
    t = cfg.train
    assert (t.epochs, t.batch_size, t.lr, cfg.seed) == (3, 256, 5e-3, 7)
    js = tmp_path / "c.json"
    js.write_text(json.dumps(cfg.to_dict()))
    assert load_config(file=js) == cfg
    js.write_text("{bad json")
    with pytest.raises(ValueError, match="malformed config"):
        load_config(file=js)
    js.write_text('{"train": {"epochz": 3}}')
    with pytest.raises(ValueError, match="unknown key 'epochz'"):
        load_config(file=js)
    with pytest.raises(FileNotFoundError):
        load_config(file=tmp_path / "missing.toml")
    assert load_config(preset="paper").train.epochs == PRESETS["paper"]["train"]["epochs"] == 200
    with pytest.raises(ValueError, match="unknown preset"):
        load_config(preset="huge")


def test_lr_schedule_warmup_then_cosine():
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    f = cosine_with_warmup(opt, 4, 20).lr_lambdas[0]
    assert [f(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert f(4) == 1.0 and abs(f(12) - 0.5) < 1e-12 and f(20) == 0.0
    assert all(f(s) >= f(s + 1) for s in range(4, 20))
