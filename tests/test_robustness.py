"""Foreign, unusual and damaged models, and files written halfway: every accepted model agrees with
Keras, every refusal is one sentence (the same from both readers), nothing is ever half-written."""
from __future__ import annotations

import errno
import io
import json
import os
import stat
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstm_viewer import load_network
from lstm_viewer.core import atomic
from lstm_viewer.core.atomic import check_can_write, write_atomically
from lstm_viewer.core.errors import UnknownLayout, UnsupportedModel, UserError
from lstm_viewer.core.kerasfile import read_keras_file

# --- models built with Keras (tiny: one or two layers of 8 units, random weights) ---------------------


def _head(kl, activation="softmax", **kw):
    return kl.Dense(10, activation=activation, **kw)


def _sequential(keras, *layers, rows=28):
    return keras.Sequential([keras.Input((rows, 28)), *layers])


def _functional(keras, *layers, call_kwargs=None):
    inputs = x = keras.Input((28, 28))
    for i, layer in enumerate(layers):
        x = layer(x, **(call_kwargs or {}).get(i, {}))
    return keras.Model(inputs, x)


def _without_input_layer(keras, kl):
    model = keras.Sequential([kl.LSTM(8), _head(kl)])
    model.build((None, 28, 28))
    return model


# Models the app must show, each computing exactly what Keras computes.
ACCEPTED = {
    "sequential": lambda k, kl: _sequential(k, kl.LSTM(8), _head(kl)),
    "functional": lambda k, kl: _functional(k, kl.LSTM(8), _head(kl)),
    "functional_two_layers_dropout": lambda k, kl: _functional(
        k, kl.LSTM(8, return_sequences=True), kl.Dropout(0.3), kl.LSTM(8), kl.Dropout(0.2), _head(kl)),
    "variable_rows": lambda k, kl: _sequential(k, kl.LSTM(8), _head(kl), rows=None),
    "recurrent_dropout": lambda k, kl: _functional(k, kl.LSTM(8, dropout=0.2, recurrent_dropout=0.3),
                                                   _head(kl)),
    "sequential_without_input_layer": _without_input_layer,
}

# Models the app must refuse, with the words the sentence must hold (every other rule is checked on
# plain descriptions in test_architecture.py, without the seconds each Keras model costs).
REFUSED = {
    "go_backwards": (lambda k, kl: _functional(k, kl.LSTM(8, go_backwards=True), _head(kl)),
                     ["go_backwards=True", "forward"]),
    "relu": (lambda k, kl: _functional(k, kl.LSTM(8, activation="relu"), _head(kl)), ["activation='relu'"]),
    "hard_sigmoid": (lambda k, kl: _functional(k, kl.LSTM(8, recurrent_activation="hard_sigmoid"), _head(kl)),
                     ["recurrent_activation='hard_sigmoid'"]),
    "sigmoid_head": (lambda k, kl: _functional(k, kl.LSTM(8), _head(kl, "sigmoid")),
                     ["activation='sigmoid'"]),
    "dense_without_bias": (lambda k, kl: _functional(k, kl.LSTM(8), _head(kl, use_bias=False)),
                           ["no bias", "use_bias=False"]),
    "float16": (lambda k, kl: _functional(k, kl.LSTM(8, dtype="float16"), _head(kl, dtype="float16")),
                ["'float16'"]),
    "mixed_float16": (lambda k, kl: _functional(k, kl.LSTM(8, dtype="mixed_float16"), _head(kl)),
                      ["'mixed_float16'"]),
    "bidirectional": (lambda k, kl: _functional(k, kl.Bidirectional(kl.LSTM(4)), _head(kl)),
                      ["Bidirectional"]),
    "stateful": (lambda k, kl: k.Sequential([k.Input(batch_shape=(1, 28, 28)), kl.LSTM(8, stateful=True),
                                           _head(kl)]), ["stateful=True"]),
    "dropout_kept_on": (lambda k, kl: _functional(k, kl.LSTM(8), kl.Dropout(0.5), _head(kl),
                                                 call_kwargs={1: {"training": True}}), ["training=True"]),
    "skip_connection": (lambda k, kl: _skip_connection(k, kl), ["'add' reads", "single chain"]),
    "nan_weights": (lambda k, kl: _sequential(k, kl.LSTM(8), _head(kl)), ["NaN/inf"]),
    "inf_weights": (lambda k, kl: _functional(k, kl.LSTM(8), _head(kl)), ["NaN/inf"]),
}


def _skip_connection(keras, kl):
    inputs = keras.Input((28, 28))
    a = kl.LSTM(8, return_sequences=True)(inputs)
    b = kl.LSTM(8, return_sequences=True)(a)
    top = kl.LSTM(8)(kl.Add()([a, b]))
    return keras.Model(inputs, _head(kl)(top))


def _randomise(model, seed=0):
    """Every weight (biases too) random, so that every term of the arithmetic matters."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


@pytest.fixture(scope="session")
def keras_models(tmp_path_factory) -> dict[str, Path]:
    keras = pytest.importorskip("keras")
    folder = tmp_path_factory.mktemp("keras_cases")
    paths = {}
    for name, build in {**ACCEPTED, **{n: b for n, (b, _) in REFUSED.items()}}.items():
        model = _randomise(build(keras, keras.layers))
        if name.endswith("_weights"):
            weights = model.get_weights()
            weights[1][3, 5] = np.nan if name == "nan_weights" else np.inf   # the recurrent kernel
            model.set_weights(weights)
        paths[name] = folder / f"{name}.keras"
        model.save(paths[name])
    return paths


@pytest.fixture(scope="session")
def digits(mnist) -> np.ndarray:
    """Real digits and random pages: both exercise every weight."""
    noise = np.random.default_rng(7).random((10, 28, 28), dtype=np.float32)
    return np.concatenate([mnist.x_test[:30].astype(np.float32) / 255.0, noise])


@pytest.mark.parametrize("name", ACCEPTED)
def test_every_accepted_model_agrees_with_keras_through_both_readers(keras_models, digits, name):
    keras = pytest.importorskip("keras")
    from lstm_viewer.ml.keras_bridge import load_network_via_keras
    # predict_on_batch: Keras' predict for one batch (predict itself retraces per model: 3x slower)
    expected = keras.saving.load_model(keras_models[name]).predict_on_batch(digits)
    direct, via_keras = read_keras_file(keras_models[name]), load_network_via_keras(keras_models[name])
    np.testing.assert_allclose(direct.predict(digits), expected, atol=1e-5)
    np.testing.assert_allclose(via_keras.predict(digits), expected, atol=1e-5)
    np.testing.assert_allclose(direct.trace(digits[0]).probs[-1], expected[0], atol=1e-5)


@pytest.mark.parametrize("name", REFUSED)
def test_every_refused_model_gets_the_same_sentence_from_both_readers(keras_models, name):
    from lstm_viewer.ml.keras_bridge import load_network_via_keras
    path = keras_models[name]
    with pytest.raises(UnsupportedModel) as direct:
        read_keras_file(path)
    with pytest.raises(UnsupportedModel) as via_keras:
        load_network_via_keras(path)
    assert str(direct.value) == str(via_keras.value)
    message = str(direct.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for word in REFUSED[name][1]:
        assert word in message, message


def test_a_model_trained_in_memory_goes_through_the_same_check(keras_models):
    """``network_from_keras_model`` (the app's path after training) refuses what the files refuse."""
    keras = pytest.importorskip("keras")
    from lstm_viewer.ml.keras_bridge import network_from_keras_model
    model = keras.saving.load_model(keras_models["go_backwards"])
    with pytest.raises(UnsupportedModel, match=r"^trained: layer '.*' reads its rows backwards"):
        network_from_keras_model(model, name="trained")


def test_a_custom_model_class_is_left_to_keras_and_then_refused(tmp_path):
    keras = pytest.importorskip("keras")

    @keras.saving.register_keras_serializable(package="lstmtest")
    class MySequential(keras.Sequential):
        pass

    model = MySequential([keras.Input((28, 28)), keras.layers.LSTM(8), _head(keras.layers)])
    model.save(tmp_path / "custom.keras")
    with pytest.raises(UnknownLayout):
        read_keras_file(tmp_path / "custom.keras")
    with pytest.raises(UnsupportedModel, match=r"custom Keras model class \(lstmtest>MySequential\)"):
        load_network(tmp_path / "custom.keras")


def test_a_custom_layer_called_lstm_is_not_taken_for_keras_own(tmp_path, keras_models):
    def rename(config):
        layer = config["config"]["layers"][1]
        layer["module"], layer["registered_name"] = None, "LSTM"     # as Keras writes an unregistered class
    path = _rewrite(keras_models["sequential"], tmp_path / "sneaky.keras", config=rename)
    with pytest.raises(UnsupportedModel, match="is a custom LSTM layer"):
        read_keras_file(path)


# --- damaged archives: always one sentence, never a traceback ---------------------------------------

def _rewrite(source: Path, target: Path, config=None, weights=None, members=None) -> Path:
    """A copy of ``source`` with config.json edited by ``config(dict)``, the weights by
    ``weights(h5py.File)``, or members replaced by ``members`` {name: bytes or None (drop)}."""
    import h5py

    with zipfile.ZipFile(source) as src:
        contents = {name: src.read(name) for name in src.namelist()}
    if config is not None:
        parsed = json.loads(contents["config.json"])
        config(parsed)
        contents["config.json"] = json.dumps(parsed).encode()
    if weights is not None:
        buffer = io.BytesIO(contents["model.weights.h5"])
        with h5py.File(buffer, "r+") as h5:
            weights(h5)
        contents["model.weights.h5"] = buffer.getvalue()
    for name, data in (members or {}).items():
        if data is None:
            contents.pop(name, None)
        else:
            contents[name] = data
    with zipfile.ZipFile(target, "w") as dst:
        for name, data in contents.items():
            dst.writestr(name, data)
    return target


def _replace_dataset(where, value):
    def edit(h5):
        del h5[where]
        h5[where] = value
    return edit


def _layers(config):
    return config["config"]["layers"]


# (edit, words in the sentence); the base file is the Keras-saved "sequential" model: InputLayer,
# LSTM(8) "lstm...", Dense(10) "dense...", weights at layers/lstm/cell/vars and layers/dense/vars.
DAMAGE = {
    "config is a list": (dict(members={"config.json": b"[1, 2, 3]"}), ["does not describe a Keras model"]),
    "config without a model config": (
        dict(members={"config.json": b'{"class_name": "Sequential", "config": 3}'}),
        ["does not describe a Keras model"]),
    "layers not a list": (dict(config=lambda c: c["config"].update(layers={"a": 1})), ["no list of layers"]),
    "a layer is a number": (dict(config=lambda c: _layers(c).append(7)), ["no list of layers"]),
    "a layer without config": (dict(config=lambda c: _layers(c)[1].pop("config")),
                               ["layer 2", "no class name or config"]),
    "a class name that is a number": (dict(config=lambda c: _layers(c)[1].update(class_name=5)), ["layer 2"]),
    "units as text": (dict(config=lambda c: _layers(c)[1]["config"].update(units="8")), ["units='8'"]),
    "a head without bias in the config": (
        dict(config=lambda c: _layers(c)[-1]["config"].update(use_bias=False)), ["no bias"]),
    "not UTF-8": (dict(members={"config.json": b'{"class_name": "Seq\xff\xfeential"}'}), ["not UTF-8"]),
    "not JSON": (dict(members={"config.json": b'{"class_name": '}), ["not valid JSON"]),
    "nested too deeply": (dict(members={"config.json": b"[" * 200_000 + b"]" * 200_000}),
                          ["nested too deeply"]),
    "no weights file": (dict(members={"model.weights.h5": None}), None),   # left to Keras, which fails
    "weights not HDF5": (dict(members={"model.weights.h5": b"not hdf5 at all" * 100}),
                         ["not a readable HDF5"]),
    "weights truncated": (dict(members={"model.weights.h5": None}), None),   # replaced in the test below
    "renamed weight dataset": (
        dict(weights=lambda h5: h5.move("layers/lstm/cell/vars/2", "layers/lstm/cell/vars/b")),
        ["named ['0', '1', 'b']"]),
    "missing layer weights": (dict(weights=lambda h5: h5.__delitem__("layers/dense")),
                              ["missing from model.weights.h5"]),
    "a dense without its bias": (dict(weights=lambda h5: h5.__delitem__("layers/dense/vars/1")),
                                 ["1 weight array, expected 2"]),
    "an extra weight array": (
        dict(weights=lambda h5: h5.create_dataset("layers/dense/vars/2", data=np.zeros(3))),
        ["3 weight arrays, expected 2"]),
    "weights as a group": (dict(weights=lambda h5: (h5.__delitem__("layers/dense/vars/1"),
                                                    h5.create_group("layers/dense/vars/1"))), ["named"]),
    "wrong shape": (dict(weights=_replace_dataset("layers/dense/vars/0", np.zeros((8, 9), np.float32))),
                    ["kernel of shape (8, 9), expected (8, 10)"]),
    "integer weights": (dict(weights=_replace_dataset("layers/dense/vars/1", np.arange(10))),
                        ["bias as int64"]),
    "text weights": (dict(weights=_replace_dataset("layers/dense/vars/1", np.array([b"x"] * 10))),
                     ["not floating-point"]),
    "NaN in the file": (
        dict(weights=_replace_dataset("layers/dense/vars/1", np.full(10, np.nan, np.float32))),
        ["NaN/inf"]),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_damaged_archives_are_one_sentence(keras_models, tmp_path, case):
    edit, words = DAMAGE[case]
    path = _rewrite(keras_models["sequential"], tmp_path / "damaged.keras", **edit)
    if case == "weights truncated":
        with zipfile.ZipFile(keras_models["sequential"]) as src:
            whole = src.read("model.weights.h5")
        path = _rewrite(keras_models["sequential"], path,
                        members={"model.weights.h5": whole[:len(whole) // 2]})
        words = ["model.weights.h5 inside"]
    with pytest.raises(UserError) as info:
        load_network(path)        # through the Keras fallback too, where the layout sends it there
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path)), message
    for word in words or []:
        assert word in message, message


def _zip_with_patched_config(path: Path, local_offset: int, central_offset: int, value: int) -> Path:
    """A zip whose config.json header says ``value`` at the given offsets (zipfile cannot write
    encrypted or exotically compressed entries, so the headers are patched)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", b"{}")
        archive.writestr("model.weights.h5", b"")
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        at = raw.find(signature)        # config.json's headers come first
        raw[at + offset:at + offset + 2] = struct.pack("<H", value)
    path.write_bytes(bytes(raw))
    return path


def test_encrypted_and_oddly_compressed_entries(tmp_path):
    encrypted = _zip_with_patched_config(tmp_path / "locked.keras", 6, 8, 0x1)     # flag bit 0: encrypted
    with pytest.raises(UserError, match="config.json inside is password-protected"):
        load_network(encrypted)
    odd = _zip_with_patched_config(tmp_path / "odd.keras", 8, 10, 99)            # compression method
    with pytest.raises(UserError, match=r"config.json inside is compressed with a method Python cannot read "
                                        r"\(zip method 99\)"):
        load_network(odd)


def test_a_corrupted_byte_and_a_zip_bomb(tmp_path, keras_models):
    stored = _rewrite(keras_models["sequential"], tmp_path / "stored.keras")   # ZIP_STORED: bytes as they are
    raw = bytearray(stored.read_bytes())
    at = raw.find(b'"class_name"')
    raw[at + 2] ^= 0x01
    stored.write_bytes(bytes(raw))
    with pytest.raises(UserError, match="config.json inside is damaged"):
        load_network(stored)
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b" " * (40 << 20))
        archive.writestr("model.weights.h5", b"")
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(UserError, match="far more than this model needs"):
        load_network(bomb)


def test_files_that_are_not_models(tmp_path):
    (tmp_path / "folder.keras").mkdir()
    with pytest.raises(UserError, match="this folder holds no model"):
        load_network(tmp_path / "folder.keras")
    (tmp_path / "empty.keras").write_bytes(b"")
    with pytest.raises(UserError, match="not a .keras model file"):
        load_network(tmp_path / "empty.keras")
    fake_h5 = tmp_path / "fake.h5"
    fake_h5.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 100)    # an HDF5 signature, then nothing
    with pytest.raises(UserError, match="Keras cannot load it"):
        load_network(fake_h5)


def _mutations(value, rng, depth=0):
    """One random edit of a JSON tree: a value replaced by something of another type, or a key dropped."""
    replacements = [None, 0, 1, -1, True, False, "x", "float16", [], {}, 1e308, [None, 28, 28]]
    if isinstance(value, dict) and value and rng.random() < 0.85:
        key = rng.choice(sorted(value))
        if rng.random() < 0.15:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: _mutations(value[key], rng, depth + 1)}
    if isinstance(value, list) and value and rng.random() < 0.85:
        i = int(rng.integers(len(value)))
        return value[:i] + [_mutations(value[i], rng, depth + 1)] + value[i + 1:]
    return replacements[int(rng.integers(len(replacements)))]


def test_random_config_edits_give_a_sentence_or_the_same_numbers(keras_models, digits, tmp_path):
    """Whatever an edit does to config.json, the reader refuses in one sentence, or reads a model that
    computes exactly what the original does (the edit touched nothing the arithmetic depends on)."""
    source = keras_models["functional_two_layers_dropout"]
    original = read_keras_file(source).predict(digits)
    with zipfile.ZipFile(source) as src:
        config = json.loads(src.read("config.json"))
    rng = np.random.default_rng(0)
    outcomes = {"refused": 0, "same": 0}
    for n in range(150):
        mutated = _mutations(config, rng)
        path = _rewrite(source, tmp_path / f"m{n % 5}.keras",
                        members={"config.json": json.dumps(mutated).encode()})
        try:
            net = read_keras_file(path)
        except UnknownLayout:
            outcomes["refused"] += 1    # for Keras to judge: its own errors are covered above
            continue
        except UserError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
            continue
        np.testing.assert_array_equal(net.predict(digits), original)
        outcomes["same"] += 1
    assert outcomes["refused"] > 25 and outcomes["same"] > 25, outcomes


def test_random_byte_flips_give_a_sentence_or_the_same_numbers(keras_models, digits, tmp_path):
    source = _rewrite(keras_models["sequential"], tmp_path / "stored.keras")
    original = read_keras_file(source).predict(digits)
    raw = source.read_bytes()
    rng = np.random.default_rng(1)
    for _ in range(200):
        damaged = bytearray(raw)
        for at in rng.integers(len(raw), size=int(rng.integers(1, 4))):
            damaged[at] ^= int(rng.integers(1, 256))
        path = tmp_path / "flipped.keras"
        path.write_bytes(bytes(damaged))
        try:
            net = read_keras_file(path)
        except UserError as exc:   # UnknownLayout included: a flipped class name
            assert "\n" not in str(exc)
            continue
        np.testing.assert_array_equal(net.predict(digits), original)


# --- nothing half-written ----------------------------------------------------------------------------

@pytest.fixture
def umask_027():
    """A distinctive umask, so 'ordinary permissions' is checked against the umask, not a constant."""
    previous = os.umask(0o027)
    yield 0o027
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _disk_fills(tmp: Path) -> None:
    tmp.write_bytes(b"half a fi")
    raise OSError(errno.ENOSPC, "No space left on device")


def test_written_files_have_ordinary_permissions(tmp_path, umask_027):
    path = write_atomically(tmp_path / "a.bin", lambda tmp: tmp.write_bytes(b"data"))
    assert path.read_bytes() == b"data" and _mode(path) == 0o666 & ~0o027
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_a_full_disk_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "trace.npz"
    target.write_bytes(b"the old file")
    with pytest.raises(UserError, match=r"trace.npz: cannot write it \(the disk is full\)"):
        write_atomically(target, _disk_fills)
    assert target.read_bytes() == b"the old file" and [p.name for p in tmp_path.iterdir()] == ["trace.npz"]


@pytest.mark.parametrize("error", [ValueError("a bug in the writer"), KeyboardInterrupt()])
def test_any_failure_of_the_writer_cleans_up_and_is_raised_as_it_is(tmp_path, error):
    target = tmp_path / "m.keras"
    target.write_bytes(b"old")

    def write(tmp):
        tmp.write_bytes(b"partial")
        raise error
    with pytest.raises(type(error)):
        write_atomically(target, write)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_a_failing_rename_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "m.keras"
    target.write_bytes(b"old")

    def cross_device(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")
    monkeypatch.setattr(atomic.os, "replace", cross_device)
    with pytest.raises(UserError, match="cross-device"):
        write_atomically(target, lambda tmp: tmp.write_bytes(b"new"))
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_targets_that_cannot_be_written(tmp_path, monkeypatch):
    with pytest.raises(UserError, match="does not exist"):
        write_atomically(tmp_path / "nowhere" / "a.npz", lambda tmp: None)
    (tmp_path / "a.keras").mkdir()
    with pytest.raises(UserError, match="is a folder"):
        check_can_write(tmp_path / "a.keras")
    check_can_write(tmp_path / "fine.keras")
    assert not list(tmp_path.glob(".fine*"))          # the probe file is gone
    monkeypatch.setattr(atomic.os, "access", lambda *a: False)
    with pytest.raises(UserError, match="permission denied"):
        check_can_write(tmp_path / "b.keras")


def test_a_folder_that_refuses_new_files(tmp_path, monkeypatch):
    """What os.access cannot see (a read-only mount, an ACL): the probe file finds out."""
    real_open = os.open

    def refuse(path, flags, mode=0o777, **kw):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, mode, **kw)
    monkeypatch.setattr(atomic.os, "open", refuse)
    with pytest.raises(UserError, match="read-only"):
        check_can_write(tmp_path / "m.keras")
    with pytest.raises(UserError, match="read-only"):
        write_atomically(tmp_path / "m.keras", lambda tmp: None)


def test_the_apps_exports_are_atomic_with_ordinary_permissions(tmp_path, umask_027, monkeypatch,
                                                               keras_models):
    from lstm_viewer.gui.state import file_ops
    net = read_keras_file(keras_models["sequential"])
    trace = net.trace(np.zeros((28, 28), np.float32))
    saved = file_ops.save_trace(trace, tmp_path / "t.npz")
    copied = file_ops.copy_model(keras_models["sequential"], tmp_path / "copy.keras")
    assert _mode(saved) == _mode(copied) == 0o666 & ~0o027
    assert copied.read_bytes() == keras_models["sequential"].read_bytes()
    with np.load(saved) as archive:
        np.testing.assert_array_equal(archive["h"], trace.h)
    before = saved.read_bytes()

    def disk_full(fh, **arrays):
        fh.write(b"PK half")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(np, "savez_compressed", disk_full)
    with pytest.raises(UserError, match="disk is full"):
        file_ops.save_trace(trace, saved)
    assert saved.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.keras", "t.npz"]


class _ModelThatFailsToSave:
    def __init__(self, error):
        self.error = error

    def save(self, path):
        Path(path).write_bytes(b"PK partial")
        raise self.error


@pytest.mark.parametrize("error, words", [
    (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
    (RuntimeError("h5py could not write\nsecond line"),
     "Keras could not save the model (RuntimeError: h5py could not write)"),
])
def test_save_model_failure_leaves_the_old_model(tmp_path, monkeypatch, error, words):
    from lstm_viewer.ml import training
    target = tmp_path / "m.keras"
    target.write_bytes(b"the old model")
    monkeypatch.setattr(training, "_without_optimizer", lambda model: _ModelThatFailsToSave(error))
    with pytest.raises(UserError) as info:
        training.save_model(object(), target)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert target.read_bytes() == b"the old model" and [p.name for p in tmp_path.iterdir()] == ["m.keras"]


# --- found by a hostile pass: a function named like Keras' own, pipes and devices, damaged gzip, EPIPE ---

def test_a_function_of_ones_own_named_like_keras_own_is_not_taken_for_it():
    """Keras serializes any function called 'tanh' or 'softmax' under that name: the config of a model
    in memory says 'tanh' while the layer computes something else. Its real function decides."""
    keras = pytest.importorskip("keras")
    from lstm_viewer.ml.keras_bridge import network_from_keras_model
    kl = keras.layers

    def tanh(x):      # not the tanh lstm-viewer computes
        return 2.0 * keras.ops.tanh(x)

    def softmax(x):
        return keras.ops.sigmoid(x)

    sneaky_cell = _sequential(keras, kl.LSTM(8, activation=tanh), _head(kl))
    assert sneaky_cell.layers[0].get_config()["activation"] == "tanh"     # the trap itself
    with pytest.raises(UnsupportedModel, match=r"activation='.*\.tanh'; lstm-viewer computes the cell"):
        network_from_keras_model(sneaky_cell)
    with pytest.raises(UnsupportedModel, match=r"the head '.*' uses activation='.*\.softmax'"):
        network_from_keras_model(_sequential(keras, kl.LSTM(8), _head(kl, softmax)))
    # Keras' own functions, passed as functions (ops or activations), are what they say: accepted, same
    # numbers.
    same = _randomise(_sequential(keras, kl.LSTM(8, activation=keras.ops.tanh,
                                                 recurrent_activation=keras.ops.sigmoid),
                                  _head(kl, keras.activations.softmax)))
    digits = np.random.default_rng(1).random((4, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(network_from_keras_model(same).predict(digits), same.predict_on_batch(digits),
                               atol=1e-5)
    with pytest.raises(UserError, match="has no weights yet"):
        network_from_keras_model(keras.Sequential([kl.LSTM(8), _head(kl)]))


def _returns_within(call, seconds=60):
    """``call()``'s exception, if it returns; fails the test if it is still waiting (a pipe read)."""
    import threading
    outcome = {}

    def run():
        try:
            call()
        except BaseException as exc:  # noqa: BLE001  (handed to the test)
            outcome["error"] = exc
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "still reading: it waits on a pipe that no one writes"
    return outcome.get("error")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_pipes_and_devices_are_refused_without_waiting(tmp_path):
    from lstm_viewer.core.data import load_mnist
    from lstm_viewer.core.images import load_image
    for name in ("model.keras", "mnist.npz", "digit.png"):
        os.mkfifo(tmp_path / name)
    for call, words in [(lambda: load_network(tmp_path / "model.keras"), "not a regular file"),
                        (lambda: load_network(os.devnull), "not a regular file"),
                        (lambda: load_mnist(tmp_path / "mnist.npz"), "not a regular file"),
                        (lambda: load_image(tmp_path / "digit.png"), "not a regular file")]:
        error = _returns_within(call)
        assert isinstance(error, UserError) and words in str(error), error


def test_a_damaged_gzip_stream_and_a_npy_are_one_sentence(tmp_path):
    import gzip

    from lstm_viewer.core.data import load_mnist, read_idx
    pixels = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    idx = struct.pack(">HBB3I", 0, 8, 3, 50, 28, 28) + pixels.tobytes()
    packed = bytearray(gzip.compress(idx))
    packed[10:60] = bytes(50)            # the gzip header is intact; the deflate data is not
    damaged = tmp_path / "t10k-images-idx3-ubyte.gz"
    damaged.write_bytes(bytes(packed))
    with pytest.raises(UserError, match="compressed data is damaged"):
        read_idx(damaged, 2051)
    np.save(tmp_path / "images.npy", pixels)
    with pytest.raises(UserError, match="a single numpy array, not an MNIST npz"):
        load_mnist(tmp_path / "images.npy")


def test_a_reader_that_leaves_early_is_no_traceback(tmp_path):
    """`lstm-viewer inspect ... | head -1`: stdout closes; the command stops quietly (141, like SIGPIPE)."""
    import subprocess
    import sys

    from PIL import Image
    page = np.full((28, 28), 255, np.uint8)
    page[5:23, 12:16] = 0
    Image.fromarray(page).save(tmp_path / "one.png")
    read_end, write_end = os.pipe()
    os.close(read_end)                  # nobody will read what the command prints
    try:
        run = subprocess.run([sys.executable, "-m", "lstm_viewer", "inspect", str(tmp_path / "one.png")],
                             stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert run.returncode == 141 and run.stderr == "", run.stderr
