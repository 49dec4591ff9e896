"""MNIST loading: IDX (both spellings, gzipped or not), npz, and clear errors for bad files."""
import gzip
import shutil

import numpy as np
import pytest

from lstm_viewer.core.data import ENV_VAR, load_mnist
from lstm_viewer.core.errors import UserError

NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def _idx_bytes(array: np.ndarray) -> bytes:
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def small_set(mnist):
    return [mnist.x_train[:50], mnist.y_train[:50], mnist.x_test[:20], mnist.y_test[:20]]


def _write(folder, arrays, dotted=False, gz=False):
    folder.mkdir(exist_ok=True)
    for name, array in zip(NAMES, arrays):
        if dotted:
            name = name.replace("-idx", ".idx")
        data = _idx_bytes(array)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


def test_the_shared_folder_loads(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_test.shape == (10000, 28, 28)
    assert np.bincount(mnist.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.parametrize("dotted", [False, True])
@pytest.mark.parametrize("gz", [False, True])
def test_idx_spellings(tmp_path, small_set, dotted, gz):
    data = load_mnist(_write(tmp_path / "m", small_set, dotted, gz))
    np.testing.assert_array_equal(data.x_train, small_set[0])
    np.testing.assert_array_equal(data.y_test, small_set[3])


def test_npz(tmp_path, small_set):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=small_set[0], y_train=small_set[1], x_test=small_set[2], y_test=small_set[3])
    np.testing.assert_array_equal(load_mnist(path).x_test, small_set[2])


def test_environment_variable(tmp_path, small_set, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(_write(tmp_path / "env", small_set)))
    assert len(load_mnist().x_train) == 50


def test_truncated_file(tmp_path, small_set):
    folder = _write(tmp_path / "t", small_set)
    path = folder / NAMES[0]
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(UserError, match="truncated"):
        load_mnist(folder)


def test_wrong_magic(tmp_path, small_set):
    folder = _write(tmp_path / "w", small_set)
    shutil.copy(folder / NAMES[1], folder / NAMES[0])  # labels where images belong
    with pytest.raises(UserError, match="magic number"):
        load_mnist(folder)


def test_counts_must_agree(tmp_path, small_set):
    small_set[1] = small_set[1][:40]
    with pytest.raises(UserError, match="40 labels for 50 images"):
        load_mnist(_write(tmp_path / "c", small_set))


def test_missing_file_and_folder(tmp_path, small_set):
    folder = _write(tmp_path / "m", small_set)
    (folder / NAMES[3]).unlink()
    with pytest.raises(UserError, match="t10k-labels"):
        load_mnist(folder)
    with pytest.raises(UserError, match="--data"):
        load_mnist(tmp_path / "nowhere")


def test_bad_npz(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(UserError, match="not an MNIST npz"):
        load_mnist(path)
    path.write_bytes(b"garbage")
    with pytest.raises(UserError, match="cannot read"):
        load_mnist(path)


def test_keras_fallback_names_both_ways(monkeypatch):
    """Without --data or the variable, Keras' download is tried; offline, one clear message."""
    import lstm_viewer.ml.datasets as data_module

    def offline():
        raise ConnectionError("no network")
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setitem(__import__("sys").modules, "keras.datasets", type("m", (), {"mnist": type("n", (), {"load_data": staticmethod(offline)})}))
    with pytest.raises(UserError) as err:
        data_module.load_mnist(None)
    assert "--data" in str(err.value) and ENV_VAR in str(err.value)
