"""Élivágar's offline tasks: moons (generated), vowel2 and fmnist aliases, bank (a file)."""

import numpy as np
import pytest

from qnas.tasks.datasets import TASKS, load_task_data


def test_moons_is_offline_and_scaled():
    d = load_task_data("moons", limit=40)
    assert d.x_train.shape == (40, 2) and d.n_classes == 2
    assert float(d.x_test.min()) >= -0.5 and float(d.x_train.max()) <= np.pi + 1e-6
    assert TASKS["moons"].n_qubits == 2


def test_aliases():
    assert TASKS["fmnist2"].dataset == "fashion" and TASKS["fmnist4"].classes == (0, 1, 2, 3)
    assert TASKS["vowel2"].classes == (0, 5) and TASKS["vowel2"].n_qubits == 4


def test_bank_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_banknote_authentication.txt"):
        load_task_data("bank", data_dir=tmp_path)


def test_bank_reads_the_uci_table(tmp_path):
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.normal(size=(60, 4)), np.arange(60) % 2])
    (tmp_path / "bank").mkdir()
    np.savetxt(tmp_path / "bank" / "data_banknote_authentication.txt", rows, delimiter=",",
               fmt=["%.5f"] * 4 + ["%d"])
    d = load_task_data("bank", data_dir=tmp_path)
    assert d.n_features == 4 and len(d.y_test) == 12
    assert len(d.y_train) + len(d.y_valid) == 48
