"""``qnas run``'s settings: defaults <- preset <- --config file <- the flags actually typed."""

import pytest

from qnas.cli.main import build_parser
from qnas.cli.run import make_config


def _cfg(*argv):
    return make_config(build_parser().parse_args(["run", *argv]))


def test_config_file_task_device_space_are_kept_unless_typed(tmp_path, monkeypatch):
    monkeypatch.delenv("QNAS_DATA", raising=False)
    f = tmp_path / "c.toml"
    f.write_text('task = "vowel4"\ndevice = "quito"\nspace = "zzry"\npreset = "paper"\n'
                 '[search]\npopulation = 12\n')
    cfg = _cfg("--config", str(f))
    assert (cfg.task, cfg.device, cfg.space, cfg.preset) == ("vowel4", "quito", "zzry", "paper")
    assert cfg.search.population == 12 and cfg.search.iterations == 40  # file over preset
    assert cfg.model.blocks == 8  # the paper preset's
    cfg = _cfg("--config", str(f), "--device", "lima", "--task", "mnist4", "--preset", "quick",
               "--set", "search.population=7", "--sandwich")
    assert (cfg.task, cfg.device, cfg.space, cfg.preset) == ("mnist4", "lima", "zzry", "quick")
    assert cfg.search.population == 7 and cfg.search.iterations == 10  # the quick preset's
    assert cfg.supercircuit.sandwich and cfg.search.full_layouts == 5


def test_defaults_and_data_dir_from_environment(monkeypatch):
    monkeypatch.setenv("QNAS_DATA", "/data/from/env")
    cfg = _cfg()
    assert (cfg.task, cfg.device, cfg.space, cfg.preset) == ("digits4", "santiago", "u3cu3",
                                                             "quick")
    assert cfg.data.dir == "/data/from/env" and cfg.runtime.threads == 1
    assert _cfg("--data-dir", "/typed").data.dir == "/typed"


@pytest.mark.parametrize("argv,msg", [
    (["--set", "search.population=ten"], "search.population must be an integer, got 'ten'"),
    (["--set", "search.populaton=3"], "did you mean population"),
    (["--set", "population"], "--set expects SECTION.KEY=VALUE"),
    (["--preset", "huge"], "unknown preset 'huge'"),
    (["--baselines", "human,oracle"], "evaluation.baselines"),
])
def test_bad_settings_name_the_field(argv, msg):
    with pytest.raises(ValueError, match=msg):
        _cfg(*argv)
