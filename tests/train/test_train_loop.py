"""The trainer: learning, reproducibility, bit-identical resume, checkpoints, metrics."""

import json

import pytest
import torch

from qnas.train.checkpoint import load_checkpoint, save_checkpoint
from qnas.train.config import PRESETS, TrainConfig
from qnas.train.trainer import lr_lambda, train


class Crash(RuntimeError):
    pass


def _cfg(tmp_path, name="run", **kw):
    base = dict(task="digits4", blocks=1, epochs=4, batch_size=16, lr=0.05, train_limit=64,
                eval_limit=32, warmup_epochs=1, out_dir=str(tmp_path / name))
    return TrainConfig(**{**base, **kw})


def test_learns_digits4_above_chance(tmp_path):
    cfg = TrainConfig(task="digits4", blocks=2, epochs=4, batch_size=32, lr=0.05,
                      out_dir=str(tmp_path / "d4"), threads=1)
    res = train(cfg, progress=False, log=None)
    assert res.test_acc > 0.5  # chance is 0.25
    assert res.best_valid_acc > 0.5
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]


def test_same_seed_same_result_different_seed_differs(tmp_path):
    a = train(_cfg(tmp_path, "a"), progress=False, log=None)
    b = train(_cfg(tmp_path, "b"), progress=False, log=None)
    c = train(_cfg(tmp_path, "c", seed=1), progress=False, log=None)
    assert torch.equal(a.weights, b.weights)
    assert not torch.equal(a.weights, c.weights)


def test_resume_after_crash_is_bit_identical(tmp_path):
    full = train(_cfg(tmp_path, "full"), progress=False, log=None)

    def crash(epoch, rec):
        if epoch == 2:
            raise Crash("simulated crash")

    cfg = _cfg(tmp_path, "crashy")
    with pytest.raises(Crash):
        train(cfg, progress=False, log=None, callback=crash)
    ck = load_checkpoint(tmp_path / "crashy" / "checkpoint.pt")
    assert ck["epoch"] == 2
    with pytest.raises(ValueError, match="--resume"):
        train(cfg, progress=False, log=None)
    res = train(cfg, resume=True, progress=False, log=None)
    assert torch.equal(res.weights, full.weights)
    assert torch.equal(res.best_weights, full.best_weights)
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in res.history]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in full.history]
    lines = (tmp_path / "crashy" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines[:-1]] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="different config"):
        train(cfg.replace(lr=0.01), resume=True, progress=False, log=None)


def test_run_dir_files_and_metrics(tmp_path):
    cfg = _cfg(tmp_path, epochs=2)
    res = train(cfg, progress=False, log=None)
    root = tmp_path / "run"
    names = sorted(p.name for p in root.iterdir())
    assert names == ["best.pt", "checkpoint.pt", "config.json", "metrics.jsonl", "result.json"]
    recs = [json.loads(x) for x in (root / "metrics.jsonl").read_text().splitlines()]
    assert [r["split"] for r in recs] == ["train", "train", "test"]
    for r in recs[:2]:
        assert {"epoch", "train_loss", "train_acc", "valid_loss", "valid_acc", "lr"} <= set(r)
        assert 0 <= r["valid_acc"] <= 1
    assert recs[-1]["test_acc"] == res.test_acc
    assert TrainConfig.from_dict(json.loads((root / "config.json").read_text())) == cfg
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
    with pytest.raises(ValueError, match="not a qnas training checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


def test_resume_with_corrupt_checkpoint_names_file(tmp_path):
    cfg = _cfg(tmp_path, epochs=1)
    train(cfg, progress=False, log=None)
    ck = tmp_path / "run" / "checkpoint.pt"
    ck.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="corrupt checkpoint .*checkpoint.pt"):
        train(cfg, resume=True, progress=False, log=None)


def test_bad_config_creates_nothing(tmp_path):
    out = tmp_path / "never"
    for kw, msg in [({"task": "nope"}, "unknown task"), ({"space": "nope"}, "design space"),
                    ({"epochs": 0}, "epochs"), ({"lr": -1.0}, "lr"),
                    ({"noise": "density"}, "needs a device"), ({"noise": "magic"}, "noise mode"),
                    ({"device": "nowhere"}, "unknown device"), ({"layout": (0, 0, 1, 2)},
                                                                "layout"),
                    ({"encoder": "nope"}, "unknown encoder")]:
        with pytest.raises(ValueError, match=msg):
            TrainConfig(out_dir=str(out), **kw)
    cfg = TrainConfig(out_dir=str(out), encoder="10_ryzx")  # 10 features, digits4 has 16
    with pytest.raises(ValueError, match="features"):
        train(cfg, progress=False, log=None)
    assert not out.exists()


def test_config_files_and_presets(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('task = "digits4"\npreset = "paper"\nepochs = 3\n')
    cfg = TrainConfig.from_file(toml, seed=7)
    assert (cfg.epochs, cfg.batch_size, cfg.lr, cfg.seed) == (3, 256, 5e-3, 7)
    js = tmp_path / "c.json"
    js.write_text(json.dumps(cfg.to_dict()))
    assert TrainConfig.from_file(js) == cfg
    js.write_text("{bad json")
    with pytest.raises(ValueError, match="malformed config"):
        TrainConfig.from_file(js)
    js.write_text('{"epochz": 3}')
    with pytest.raises(ValueError, match="unknown config keys"):
        TrainConfig.from_file(js)
    with pytest.raises(FileNotFoundError):
        TrainConfig.from_file(tmp_path / "missing.toml")
    assert TrainConfig.from_preset("paper").epochs == PRESETS["paper"]["epochs"] == 200
    with pytest.raises(ValueError, match="unknown preset"):
        TrainConfig.from_preset("huge")


def test_lr_schedule_warmup_then_cosine():
    f = lr_lambda(4, 20)
    assert [f(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert f(4) == 1.0 and abs(f(12) - 0.5) < 1e-12 and f(20) == 0.0
    assert all(f(s) >= f(s + 1) for s in range(4, 20))
