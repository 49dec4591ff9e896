"""Opening .keras files without TensorFlow, cross-checked against keras.saving.load_model."""
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from lstm_viewer import load_network
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.kerasfile import UnsupportedModel, read_keras_file


def test_direct_reader_matches_keras(trained_model_path, mnist):
    keras = pytest.importorskip("keras")
    from lstm_viewer.ml.keras_bridge import load_network_via_keras
    direct = read_keras_file(trained_model_path)
    via_keras = load_network_via_keras(trained_model_path)
    for a, b in zip(direct.layers, via_keras.layers, strict=True):
        np.testing.assert_array_equal(a.kernel, b.kernel)
        np.testing.assert_array_equal(a.recurrent_kernel, b.recurrent_kernel)
        np.testing.assert_array_equal(a.bias, b.bias)
    np.testing.assert_array_equal(direct.dense_kernel, via_keras.dense_kernel)
    x = mnist.x_test[:50].astype(np.float32) / 255.0
    expected = keras.saving.load_model(trained_model_path).predict(x, verbose=0)
    np.testing.assert_allclose(direct.predict(x), expected, atol=1e-5)


def test_loading_and_tracing_imports_neither_tensorflow_nor_qt(trained_model_path):
    code = ("import sys, numpy as np; from lstm_viewer import load_network; "
            f"net = load_network({str(trained_model_path)!r}); net.trace(np.zeros((28, 28))); "
            "bad = [m for m in ('tensorflow', 'keras', 'PyQt6') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_functional_chain_is_read_directly_with_the_same_result(functional_model_path,
                                                                trained_model_path, mnist):
    keras = pytest.importorskip("keras")
    seq = keras.saving.load_model(trained_model_path)
    net = read_keras_file(functional_model_path)
    assert "loaded_with" not in net.metadata
    digits = mnist.x_test[:20].astype(np.float32) / 255.0
    np.testing.assert_allclose(net.predict(digits), seq.predict(digits, verbose=0), atol=1e-5)


def test_a_keras_2_h5_model_falls_back_to_keras_with_the_same_result(tmp_path, trained_model_path, mnist):
    """A legacy HDF5 model is not a .keras archive: the direct reader hands it to Keras."""
    keras = pytest.importorskip("keras")
    seq = keras.saving.load_model(trained_model_path)
    legacy = tmp_path / "legacy.h5"
    seq.save(legacy)
    net = load_network(legacy)
    assert net.metadata.get("loaded_with") == "keras"
    digits = mnist.x_test[:20].astype(np.float32) / 255.0
    np.testing.assert_allclose(net.predict(digits), seq.predict(digits, verbose=0), atol=1e-5)


def test_a_model_that_is_not_an_lstm_classifier_is_refused(tmp_path):
    keras = pytest.importorskip("keras")
    conv = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(10, activation="softmax")])
    path = tmp_path / "dense.keras"
    conv.save(path)
    with pytest.raises(UnsupportedModel, match="Flatten"):
        load_network(path)
    gru = keras.Sequential([keras.Input((28, 28)), keras.layers.GRU(8),
                            keras.layers.Dense(10, activation="softmax")])
    gru.save(tmp_path / "gru.keras")
    with pytest.raises(UnsupportedModel, match="GRU"):
        load_network(tmp_path / "gru.keras")
    wide = keras.Sequential([keras.Input((28, 20)), keras.layers.LSTM(8),
                             keras.layers.Dense(10, activation="softmax")])
    wide.save(tmp_path / "wide.keras")
    with pytest.raises(UnsupportedModel, match="28"):
        load_network(tmp_path / "wide.keras")


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04truncated"])
def test_corrupt_files_are_clear_errors(tmp_path, content):
    path = tmp_path / "bad.keras"
    path.write_bytes(content)
    with pytest.raises(UserError, match="not a .keras model file"):
        load_network(path)


def test_truncated_archive_and_missing_file(tmp_path, trained_model_path):
    truncated = tmp_path / "half.keras"
    truncated.write_bytes(trained_model_path.read_bytes()[:2000])
    with pytest.raises(UserError):
        load_network(truncated)
    with pytest.raises(UserError, match="no such model file"):
        load_network(tmp_path / "missing.keras")


def test_zip_without_a_config_is_refused(tmp_path):
    path = tmp_path / "other.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(UserError, match="config.json"):
        load_network(path)


def test_dense_head_must_be_softmax_of_ten(tmp_path, trained_model_path):
    path = tmp_path / "edited.keras"
    with zipfile.ZipFile(trained_model_path) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "config.json":
                config = json.loads(data)
                config["config"]["layers"][-1]["config"]["activation"] = "relu"
                data = json.dumps(config).encode()
            dst.writestr(name, data)
    with pytest.raises(UnsupportedModel, match="softmax"):
        load_network(path)
