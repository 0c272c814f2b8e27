"""``qnas train`` and ``qnas vqe`` command lines."""

import json

import pytest

from qnas.cli.main import main


def test_train_writes_run_dir_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--task", "digits4", "--space", "u3cu3", "--blocks", "1", "--epochs", "2",
            "--train-limit", "48", "--eval-limit", "24", "--out", str(out), "--no-progress",
            "--seed", "3", "--json"]
    assert main(argv) == 0
    res = json.loads(capsys.readouterr().out)
    assert 0 <= res["test_acc"] <= 1 and res["out_dir"] == str(out)
    assert {"config.json", "checkpoint.pt", "metrics.jsonl", "best.pt", "result.json"} <= {
        p.name for p in out.iterdir()}
    cfg = json.loads((out / "config.json").read_text())
    assert (cfg["train"]["epochs"], cfg["seed"], cfg["model"]["blocks"]) == (2, 3, 1)
    assert main(argv) == 2  # exists, no --resume
    assert "--resume" in capsys.readouterr().err
    # --resume alone picks the saved config up
    assert main(["train", "--out", str(out), "--resume", "--no-progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["test_acc"] == res["test_acc"]


def test_train_config_file(tmp_path, capsys):
    conf = tmp_path / "c.toml"
    conf.write_text('task = "digits4"\n[model]\nblocks = 1\n[train]\nepochs = 1\n'
                    '[data]\ntrain_limit = 32\neval_limit = 16\n')
    out = tmp_path / "r"
    assert main(["train", "--config", str(conf), "--out", str(out), "--no-progress"]) == 0
    assert "test acc" in capsys.readouterr().out
    assert json.loads((out / "config.json").read_text())["train"]["epochs"] == 1


def test_train_config_file_settings_unless_flags(tmp_path, capsys):
    from qnas.cli.main import build_parser
    from qnas.cli.train import make_config

    conf = tmp_path / "c.toml"
    conf.write_text('task = "mnist2"\nspace = "zzry"\n[model]\nblocks = 2\n[train]\n'
                    'epochs = 1\n[data]\ntrain_limit = 16\neval_limit = 8\n')

    def cfg_of(*flags):
        return make_config(build_parser().parse_args(["train", "--config", str(conf), *flags]))

    cfg = cfg_of()
    assert (cfg.task, cfg.space, cfg.model.blocks, cfg.train.epochs) == ("mnist2", "zzry", 2, 1)
    assert cfg.device is None and cfg.noise.mode is None  # no device unless asked for
    cfg = cfg_of("--task", "digits4", "--space", "u3cu3", "--blocks", "1", "--lr", "0.1")
    assert (cfg.task, cfg.space, cfg.model.blocks, cfg.train.lr) == ("digits4", "u3cu3", 1, 0.1)
    assert (cfg.train.epochs, cfg.data.train_limit) == (1, 16)  # still the file's
    assert cfg_of("--device", "quito").device == "quito"
    conf.write_text('device = "quito"\n[noise]\nmode = "readout"\n')
    assert (cfg_of().device, cfg_of().noise.mode) == ("quito", "readout")
    # end to end: the run directory records the file's settings
    conf.write_text('space = "zzry"\n[model]\nblocks = 2\n[train]\nepochs = 1\n'
                    '[data]\ntrain_limit = 16\neval_limit = 8\n')
    out = tmp_path / "run"
    assert main(["train", "--config", str(conf), "--out", str(out), "--no-progress",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["test_acc_noisy"] is None
    saved = json.loads((out / "config.json").read_text())
    assert (saved["space"], saved["model"]["blocks"], saved["device"]) == ("zzry", 2, None)


@pytest.mark.parametrize("extra,msg", [
    (["--task", "mnist7"], "unknown task"),
    (["--space", "nope"], "unknown design space"),
    (["--encoder", "nope"], "unknown encoder"),
    (["--noise", "density"], "needs a device"),
    (["--device", "nowhere"], "unknown device"),
    (["--layout", "0,x"], "bad --layout"),
    (["--config", "/nonexistent/c.toml"], "no such config file"),
])
def test_train_bad_input(tmp_path, capsys, extra, msg):
    out = tmp_path / "bad"
    assert main(["train", "--out", str(out), "--no-progress", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnas train: error:") and msg in err
    assert not out.exists()


def test_vqe_h2(capsys):
    assert main(["vqe", "--molecule", "H2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_qubits"] == 4 and abs(out["energy"] - out["exact_energy"]) < 1e-6


@pytest.mark.parametrize("extra,msg", [
    (["--molecule", "XeF6x"], "unknown molecule"),
    (["--molecule", "H2", "--mapping", "parity"], "unknown mapping"),
    (["--molecule", "H2", "--ansatz", "nope"], "unknown ansatz"),
    (["--molecule", "LiH", "--active-space", "9e9o"], "unknown active space"),
])
def test_vqe_bad_input(capsys, extra, msg):
    assert main(["vqe", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnas vqe: error:") and msg in err
