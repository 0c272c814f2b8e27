"""Data loaders, IDX files, QuantumNAS preprocessing and splits."""

import gzip
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from qnas.tasks.datasets import TASKS, load_task_data
from qnas.tasks.idx import md5_uncompressed, read_idx, write_idx
from qnas.tasks.mnist import FILES, MD5_RAW, download_idx, load_idx_raw
from qnas.tasks.preprocess import preprocess_images, train_valid_split

# --------------------------------------------------------------------------- helpers


def _fake_idx_set(folder: Path, n_train=60, n_test=30, gz=True, seed=0):
    """Images whose pixels all equal 10 * label, so features reveal the original label."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        y = (np.arange(n) % 10).astype(np.uint8)
        rng.shuffle(y)
        x = np.repeat((10 * y)[:, None, None], 28, 1).repeat(28, 2).astype(np.uint8)
        ext = ".gz" if gz else ""
        write_idx(folder / f"{split}-images-idx3-ubyte{ext}", x)
        write_idx(folder / f"{split}-labels-idx1-ubyte{ext}", y)
        out[split] = (x, y)
    return out


def _feature_of(label):
    return (10 * label / 255 - 0.1307) / 0.3081


# --------------------------------------------------------------------------- real MNIST


def test_real_mnist_files(shared_data):
    xtr, ytr, xte, yte = load_idx_raw("mnist", shared_data)
    assert xtr.shape == (60000, 28, 28) and xte.shape == (10000, 28, 28)
    assert ytr.shape == (60000,) and yte.shape == (10000,)
    assert xtr.dtype == np.uint8 and not xtr.flags.writeable
    assert sorted(np.unique(ytr).tolist()) == list(range(10)) == sorted(np.unique(yte).tolist())
    for name in FILES:
        path = shared_data / "mnist" / f"{name}.gz"
        assert md5_uncompressed(path) == MD5_RAW["mnist"][name]
    assert read_idx(shared_data / "mnist" / "train-images-idx3-ubyte.gz") is xtr  # cached


def test_normalization_statistics(shared_data):
    xtr = load_idx_raw("mnist", shared_data)[0]
    full = preprocess_images(xtr, side=28, crop=28)  # no crop, no pooling: just normalise
    assert full.shape == (60000, 784)
    assert abs(float(full.mean())) < 1e-3 and abs(float(full.std()) - 1.0) < 1e-3


@pytest.mark.parametrize("side", [4, 6])
def test_preprocess_matches_torch_reference(shared_data, side):
    x = load_idx_raw("mnist", shared_data)[0][:64]
    ref = torch.tensor(x, dtype=torch.float32)[:, None] / 255.0
    ref = ((ref - 0.1307) / 0.3081)[..., 2:26, 2:26]  # torchvision CenterCrop(24) on 28x28
    ref = F.avg_pool2d(ref, 24 // side).reshape(64, side * side)
    got = torch.from_numpy(preprocess_images(x, side=side))
    assert got.shape == (64, side * side)
    assert torch.allclose(got, ref, atol=1e-5)


def test_mnist2_subset_split_and_relabel(shared_data):
    _, ytr_raw, _, yte_raw = load_idx_raw("mnist", shared_data)
    d = load_task_data("mnist2", data_dir=shared_data, seed=0)
    n = int(np.isin(ytr_raw, (3, 6)).sum())
    assert len(d.y_train) == int(0.95 * n) and len(d.y_valid) == n - int(0.95 * n)
    assert d.x_train.shape == (len(d.y_train), 16) and d.x_train.dtype == torch.float32
    assert d.y_train.dtype == torch.int64 and set(d.y_train.tolist()) == {0, 1}
    want_test = yte_raw[np.isin(yte_raw, (3, 6))] == 6  # 3 -> 0, 6 -> 1, file order kept
    assert torch.equal(d.y_test, torch.from_numpy(want_test.astype(np.int64)))
    assert d.n_classes == 2 and d.n_features == 16 and d.name == "mnist2"


def test_mnist10_shapes(shared_data):
    d = load_task_data("mnist10", data_dir=shared_data)
    assert d.x_train.shape == (57000, 36) and d.x_valid.shape == (3000, 36)
    assert d.x_test.shape == (10000, 36) and d.n_classes == 10
    assert TASKS["mnist10"].n_qubits == 10 and TASKS["mnist10"].encoder == "6x6_ryzxy"


def test_seed_reproducibility_and_limit(shared_data):
    a = load_task_data("mnist4", data_dir=shared_data, seed=3, limit=200)
    b = load_task_data("mnist4", data_dir=shared_data, seed=3, limit=200)
    c = load_task_data("mnist4", data_dir=shared_data, seed=4, limit=200)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_valid, b.y_valid)
    assert not torch.equal(a.x_train, c.x_train)
    assert torch.equal(a.x_test, c.x_test)  # the test split does not depend on the seed
    assert len(a.y_train) == len(a.y_valid) == len(a.y_test) == 200
    assert set(a.y_train.tolist()) == {0, 1, 2, 3}


def test_seed1_is_torch_random_split():
    tr, va = train_valid_split(101, seed=1)
    ref_tr, ref_va = torch.utils.data.random_split(
        range(101), [95, 6], generator=torch.Generator().manual_seed(1)
    )
    assert tr.tolist() == list(ref_tr.indices) and va.tolist() == list(ref_va.indices)


def test_n_features_override(shared_data):
    d = load_task_data("mnist2", data_dir=shared_data, n_features=36, limit=10)
    assert d.x_train.shape == (10, 36) and d.n_features == 36
    with pytest.raises(ValueError, match="n_features=20"):
        load_task_data("mnist2", data_dir=shared_data, n_features=20)


# --------------------------------------------------------------------------- IDX fixtures


@pytest.mark.parametrize("gz", [True, False])
def test_fake_fashion_and_mnist_dirs(tmp_path, gz):
    fake = _fake_idx_set(tmp_path / "fashion_mnist", gz=gz)
    d = load_task_data("fashion2", data_dir=tmp_path, seed=0)
    n = int(np.isin(fake["train"][1], (3, 6)).sum())
    assert len(d.y_train) + len(d.y_valid) == n
    for x, y in ((d.x_train, d.y_train), (d.x_valid, d.y_valid), (d.x_test, d.y_test)):
        orig = torch.where(y == 0, 3, 6).double()
        assert torch.allclose(x[:, 0].double(), _feature_of(orig), atol=1e-5)
        assert torch.allclose(x, x[:, :1].expand_as(x))  # constant images stay constant
    with pytest.raises(FileNotFoundError, match="mnist IDX files not found"):
        load_task_data("mnist2", data_dir=tmp_path)


def test_torchvision_layout_and_env_var(tmp_path, monkeypatch):
    _fake_idx_set(tmp_path / "MNIST" / "raw")
    monkeypatch.setenv("QNAS_DATA", str(tmp_path))
    d = load_task_data("mnist4")
    assert set(d.y_test.tolist()) <= {0, 1, 2, 3} and d.x_test.shape[1] == 16
    assert torch.allclose(d.x_test[:, 5].double(), _feature_of(d.y_test.double()), atol=1e-5)


def test_files_directly_in_data_dir(tmp_path):
    _fake_idx_set(tmp_path, gz=False)
    assert load_task_data("mnist10", data_dir=tmp_path).n_features == 36


def test_missing_data_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("QNAS_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="QNAS_DATA"):
        load_task_data("mnist2")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte") as e:
        load_task_data("fashion4", data_dir=tmp_path)
    assert "QNAS_DATA" in str(e.value) and "fashion_mnist" in str(e.value)
    with pytest.raises(FileNotFoundError, match="vowel-context.data"):
        load_task_data("vowel4", data_dir=tmp_path)


def test_missing_data_dir_errors_name_the_path_tried(tmp_path, monkeypatch):
    gone = tmp_path / "nope"
    monkeypatch.setenv("QNAS_DATA", str(gone))
    for task in ("mnist4", "vowel4"):
        with pytest.raises(FileNotFoundError) as e:
            load_task_data(task)
        assert f"QNAS_DATA={gone} (does not exist)" in str(e.value)
    with pytest.raises(FileNotFoundError) as e:
        load_task_data("fashion2", data_dir=tmp_path)
    assert f"data_dir={tmp_path}]" in str(e.value)


def test_data_dir_skip_reason_names_the_paths_tried(monkeypatch):
    import conftest

    monkeypatch.setattr(conftest, "REPO", Path("/nonexistent/qnas"))
    monkeypatch.setenv("QNAS_DATA", "/nonexistent/data")
    assert conftest.data_dir() is None
    reason = conftest.missing_data_dir_reason()
    assert "QNAS_DATA=/nonexistent/data does not exist" in reason
    assert "/nonexistent/shared/data does not exist" in reason
    monkeypatch.delenv("QNAS_DATA")
    assert "QNAS_DATA is not set" in conftest.missing_data_dir_reason()


def test_idx_roundtrip_and_corrupt_files(tmp_path):
    for dtype in (np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64):
        a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        write_idx(tmp_path / "a.gz", a)
        back = read_idx(tmp_path / "a.gz", cache=False)
        assert back.dtype == np.dtype(dtype).newbyteorder("=") and np.array_equal(back, a)
    good = (tmp_path / "a.gz").read_bytes()
    raw = gzip.decompress(good)
    cases = {
        "magic": b"\x01\x02\x08\x01" + raw[4:],
        "need": raw[:-3],
        "bytes": raw[:2],
        "gunzip": good[: len(good) // 2],
    }
    for what, blob in cases.items():
        (tmp_path / "bad").write_bytes(blob)
        with pytest.raises(ValueError, match=f"corrupt IDX file .*bad.*{what}"):
            read_idx(tmp_path / "bad", cache=False)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


def test_corrupt_mnist_labels_clear_error(tmp_path):
    _fake_idx_set(tmp_path / "mnist")
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz", np.arange(5, dtype=np.uint8))
    with pytest.raises(ValueError, match="30 images but 5 labels"):
        load_task_data("mnist2", data_dir=tmp_path)


def test_unknown_task_and_bad_limit():
    with pytest.raises(ValueError, match="did you mean mnist2") as e:
        load_task_data("mnsit2")
    assert "vowel4" in str(e.value) and "digits4" in str(e.value)
    with pytest.raises(ValueError, match="limit"):
        load_task_data("digits4", limit=0)


# --------------------------------------------------------------------------- download


def test_download_offline_fails_fast(tmp_path, monkeypatch):
    def offline(url, timeout=None):
        assert timeout is not None and timeout <= 30
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(RuntimeError, match="network unavailable"):
        download_idx("mnist", tmp_path / "dl")
    with pytest.raises(RuntimeError, match="network unavailable"):
        load_task_data("fashion2", data_dir=tmp_path, download=True)


def test_download_md5_mismatch(tmp_path, monkeypatch):
    class Resp:
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def read(self):
            return gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07")

    monkeypatch.setattr("urllib.request.urlopen", lambda url, timeout=None: Resp())
    with pytest.raises(RuntimeError, match="MD5 mismatch"):
        download_idx("mnist", tmp_path)
    assert not list(tmp_path.glob("*.gz"))  # nothing half-written is left behind


# --------------------------------------------------------------------------- vowel / digits


def test_vowel4(shared_data):
    d = load_task_data("vowel4", data_dir=shared_data)
    assert d.n_features == 10 and d.n_classes == 4
    assert len(d.y_train) + len(d.y_valid) == 4 * 48 and len(d.y_test) == 4 * 42
    assert len(d.y_valid) == 192 - int(0.95 * 192)
    assert torch.bincount(d.y_test).tolist() == [42, 42, 42, 42]
    xtv = torch.cat([d.x_train, d.x_valid])
    assert float(xtv.min()) >= 0.0 and float(xtv.max()) <= 1.0
    assert float(xtv.max() - xtv.min()) > 0.5
    assert TASKS["vowel4"].encoder == "10_ryzx" and TASKS["vowel4"].n_qubits == 4
    assert load_task_data("vowel4", data_dir=shared_data, n_features=4).x_test.shape[1] == 4


def test_vowel_relabel_order(shared_data):
    # the raw class of each row is recoverable: rows are ordered by class within a speaker
    lines = (shared_data / "vowel" / "vowel-context.data").read_text().splitlines()
    keep = [ln for ln in lines if ln.split()[-1] in {"0", "5", "1", "6"}]
    labels = [int(ln.split()[-1]) for ln in keep if ln.split()[0] == "1"]
    d = load_task_data("vowel4", data_dir=shared_data)
    assert d.y_test.tolist() == [{0: 0, 5: 1, 1: 2, 6: 3}[c] for c in labels]


def test_vowel_nan_is_an_error(shared_data, tmp_path):
    lines = (shared_data / "vowel" / "vowel-context.data").read_text().splitlines()
    parts = lines[7].split()
    parts[5] = "nan"
    lines[7] = " ".join(parts)
    (tmp_path / "vowel").mkdir()
    (tmp_path / "vowel" / "vowel-context.data").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="NaN"):
        load_task_data("vowel4", data_dir=tmp_path)


def test_digits4_offline(monkeypatch):
    monkeypatch.delenv("QNAS_DATA", raising=False)
    d = load_task_data("digits4", seed=0)
    assert (len(d.y_train), len(d.y_valid), len(d.y_test)) == (547, 29, 144)
    assert d.x_train.shape == (547, 16) and d.n_classes == 4
    assert torch.bincount(d.y_test).min() >= 35
    assert torch.equal(load_task_data("digits4", seed=5).x_test, d.x_test)
    assert load_task_data("digits4", n_features=4).x_train.shape[1] == 4
    with pytest.raises(ValueError, match="n_features=5"):
        load_task_data("digits4", n_features=5)


# --------------------------------------------------------------------------- test subsets


def test_random_test_subset_is_a_fixed_sorted_sample_whatever_the_run_seed():
    a = load_task_data("digits4", seed=0)
    b = load_task_data("digits4", seed=3)  # another run seed: another train/valid split
    total = len(a.y_test)
    xa, ya = a.test_subset(50, "random")
    xb, yb = b.test_subset(50, "random")
    assert torch.equal(xa, xb) and torch.equal(ya, yb)  # every seed sees the same inputs
    rows = [int(np.flatnonzero((a.x_test == x).all(1))[0]) for x in xa]
    assert rows == sorted(rows) and len(set(rows)) == 50 and rows != list(range(50))
    assert rows[-1] > total // 2  # spread over the split, not its head
    xf, yf = a.test_subset(50)  # "first": the head of the split
    assert torch.equal(xf, a.x_test[:50]) and torch.equal(yf, a.y_test[:50])
    for how in ("first", "random"):  # as many as there are: the whole split, in order
        x, y = a.test_subset(total + 10, how)
        assert torch.equal(x, a.x_test) and torch.equal(y, a.y_test)
    with pytest.raises(ValueError, match="unknown test subset 'last'"):
        a.test_subset(5, "last")


def test_presets_evaluate_a_random_subset_and_the_committed_rows_the_first_inputs():
    from qnas.config import load_config
    from qnas.experiments.rows import load_rows

    assert load_config(None, None, {}).evaluation.test_subset == "random"  # preset quick
    assert load_config(None, None, {"preset": "paper"}).evaluation.test_subset == "random"
    rows = load_rows()
    assert {r.config(r.seeds[0]).evaluation.test_subset for r in rows.values()} == {"first"}


def test_a_run_records_and_evaluates_the_configured_test_subset():
    """The run's ``task_info.y_test`` (what the paired tests between models pair on) is the
    subset the evaluation scores."""
    from qnas.config import load_config
    from qnas.pipeline.objective import make_task

    cfg = load_config(None, None, {"task": "digits4", "device": None, "evaluation": {
        "test_samples": 20, "test_subset": "random"}})
    task = make_task(cfg)
    x, y = task.test_inputs()
    assert task.info()["y_test"] == y.tolist() and task.info()["n_test"] == 20
    assert torch.equal(x, task.data.test_subset(20, "random")[0])
    assert not torch.equal(x, task.data.x_test[:20])
