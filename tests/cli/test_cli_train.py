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
    assert (cfg["epochs"], cfg["seed"], cfg["blocks"]) == (2, 3, 1)
    assert main(argv) == 2  # exists, no --resume
    assert "--resume" in capsys.readouterr().err
    # --resume alone picks the saved config up
    assert main(["train", "--out", str(out), "--resume", "--no-progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["test_acc"] == res["test_acc"]


def test_train_config_file(tmp_path, capsys):
    conf = tmp_path / "c.toml"
    conf.write_text('task = "digits4"\nblocks = 1\nepochs = 1\ntrain_limit = 32\n'
                    'eval_limit = 16\n')
    out = tmp_path / "r"
    assert main(["train", "--config", str(conf), "--out", str(out), "--no-progress"]) == 0
    assert "test acc" in capsys.readouterr().out
    assert json.loads((out / "config.json").read_text())["epochs"] == 1


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
