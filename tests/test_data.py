"""MNIST loading: IDX (both spellings, gzipped or not), npz, and clear errors for bad files."""
import gzip
import shutil

import numpy as np
import pytest

from lstm_viewer.core.data import ENV_VAR, load_mnist, load_test_set
from lstm_viewer.core.errors import UserError

NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte"]


def _idx_bytes(array: np.ndarray) -> bytes:
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def small_set(mnist):
    return [mnist.x_train[:50], mnist.y_train[:50], mnist.x_test[:20], mnist.y_test[:20]]


def _write(folder, arrays, dotted=False, gz=False):
    folder.mkdir(exist_ok=True)
    for name, array in zip(NAMES, arrays, strict=True):
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


def test_the_test_set_alone_needs_only_its_own_files(tmp_path, small_set):
    folder = _write(tmp_path / "m", small_set)
    for name in NAMES[:2]:
        (folder / name).unlink()                         # no training split at all
    images, labels = load_test_set(folder)
    np.testing.assert_array_equal(images, small_set[2])
    np.testing.assert_array_equal(labels, small_set[3])
    with pytest.raises(UserError, match="train-images"):
        load_mnist(folder)                                # the full set still asks for it
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=small_set[0], y_train=small_set[1], x_test=small_set[2], y_test=small_set[3])
    np.testing.assert_array_equal(load_test_set(path)[0], small_set[2])


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
    datasets = type("m", (), {"mnist": type("n", (), {"load_data": staticmethod(offline)})})
    monkeypatch.setitem(__import__("sys").modules, "keras.datasets", datasets)
    with pytest.raises(UserError) as err:
        data_module.load_mnist(None)
    assert "--data" in str(err.value) and ENV_VAR in str(err.value)


def _npz(path, small_set, **replace):
    arrays = dict(zip(("x_train", "y_train", "x_test", "y_test"), small_set, strict=True))
    arrays.update(replace)
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("labels, words", [
    (np.full(20, 12, np.uint8), ["test labels must be the digits 0..9", "found 12"]),
    (np.full(20, -1, np.int64), ["found -1"]),
    (np.full(20, 2.5), ["float64 values, not the digits"]),
    (np.array(["7"] * 20), ["<U1 values"]),
    (np.zeros((20, 1), np.uint8), ["test labels have shape (20, 1), expected (n,)"]),
])
def test_labels_must_be_digits(tmp_path, small_set, labels, words):
    with pytest.raises(UserError) as info:
        load_mnist(_npz(tmp_path / "m.npz", small_set, y_test=labels))
    for word in words:
        assert word in str(info.value), str(info.value)


def test_labels_out_of_range_in_idx_files(tmp_path, small_set):
    small_set[1] = small_set[1].copy()
    small_set[1][7] = 10
    with pytest.raises(UserError, match="train labels must be the digits 0..9; found 10"):
        load_mnist(_write(tmp_path / "idx", small_set))


def test_whole_number_float_labels_are_the_digits_they_say(tmp_path, small_set):
    data = load_mnist(_npz(tmp_path / "m.npz", small_set, y_test=small_set[3].astype(np.float32)))
    assert data.y_test.dtype == np.uint8
    np.testing.assert_array_equal(data.y_test, small_set[3])


@pytest.mark.parametrize("split", ["train", "test"])
def test_an_empty_split_is_refused(tmp_path, small_set, split):
    empty = {f"x_{split}": np.zeros((0, 28, 28), np.uint8), f"y_{split}": np.zeros(0, np.uint8)}
    with pytest.raises(UserError, match=f"the {split} set is empty"):
        load_mnist(_npz(tmp_path / "m.npz", small_set, **empty))


@pytest.mark.parametrize("scale", [1 / 255, 1.0])
def test_float_images_in_either_range_read_as_the_same_pixels(tmp_path, small_set, scale):
    floats = small_set[0].astype(np.float32) * np.float32(scale)
    data = load_mnist(_npz(tmp_path / "m.npz", small_set, x_train=floats))
    assert data.x_train.dtype == np.uint8
    np.testing.assert_array_equal(data.x_train, small_set[0])


@pytest.mark.parametrize("images, words", [
    (lambda x: x.astype(np.float32) * 2.0, ["values 0..510", "[0, 1] or [0, 255]"]),
    (lambda x: x.astype(np.float32) - 1.0, ["values -1..254"]),
    (lambda x: np.where(x > 0, np.nan, 0.0), ["NaN or infinite"]),
    (lambda x: x.astype(np.int64) + 1000, ["values 1000..1255", "0..255"]),
    (lambda x: x.astype(str), ["<U3 values, not pixel numbers"]),
    (lambda x: x > 0, ["bool values"]),
    (lambda x: x.reshape(-1, 784), ["shape (50, 784), expected (n, 28, 28)"]),
])
def test_images_that_are_not_pixels_are_refused(tmp_path, small_set, images, words):
    with pytest.raises(UserError) as info:
        load_mnist(_npz(tmp_path / "m.npz", small_set, x_train=images(small_set[0])))
    for word in words:
        assert word in str(info.value), str(info.value)


def test_an_npz_with_object_arrays_is_one_sentence(tmp_path, small_set):
    path = tmp_path / "m.npz"
    np.savez(path, x_train=np.array([None] * 3, dtype=object), y_train=small_set[1], x_test=small_set[2],
             y_test=small_set[3])
    with pytest.raises(UserError, match="cannot read as an MNIST npz"):
        load_mnist(path)


def test_training_on_an_empty_set_is_refused_before_keras(small_set):
    from lstm_viewer.core.data import Mnist
    from lstm_viewer.ml.training import TrainConfig, train
    data = Mnist(small_set[0][:0], small_set[1][:0], small_set[2], small_set[3], source="tiny")
    with pytest.raises(UserError, match="tiny: the training set is empty"):
        train(TrainConfig(layers=1, units=8), data)
