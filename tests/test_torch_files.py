"""The PyTorch reader (torch.save files and .safetensors), against torch's own outputs, without torch.

The fixtures in tests/fixtures/torch/ were made by tools/make_torch_fixtures.py with real torch:
expected.npz holds torch's h and c of every layer at every row and its probabilities for five digits.
"""
from __future__ import annotations

import json
import pickle
import shutil
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from lstm_viewer.core.errors import UnsupportedModel, UserError
from lstm_viewer.core.readers import ReadOptions
from lstm_viewer.core.readers.torch_file import (
    READERS,
    read_safetensors,
    read_torch,
    recognise_safetensors,
    recognise_torch,
)
from lstm_viewer.core.readers.torch_pickle import TorchFile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "torch"
HOSTILE_MARKER = Path("/tmp/lstm_viewer_hostile_pickle_ran")   # what hostile_system.pt would touch
TOLERANCE = 1e-5

ACCEPTED = [  # file, model in expected.npz
    ("yunjey.ckpt", "yunjey"),
    ("yunjey_legacy.pth", "yunjey"),
    ("yunjey_checkpoint.pth", "yunjey"),
    ("yunjey_dataparallel.pt", "yunjey"),
    ("yunjey.safetensors", "yunjey"),
    ("yunjey_gpu.pt", "yunjey"),
    ("nobias.pt", "nobias"),
    ("twolstm.pt", "twolstm"),
]

REFUSED = [  # file, words the one sentence must contain
    ("bidirectional.pt", "Bidirectional"),
    ("proj.pt", "proj_size"),
    ("gru.pt", "GRU"),
    ("mnist_rnn.pt", "a head with more than one layer: 'batchnorm' (BatchNorm), 'fc1' (Linear 64→32), "
                     "'fc2' (Linear 32→10); lstm-viewer reads one Linear(units, 10) after the LSTM"),
    ("half.pt", "float16 (half precision)"),
    ("whole_model.pt", "is a whole pickled model (class __main__.RNN), which could run code when opened; "
                       "save the weights instead: torch.save(model.state_dict(), 'model.pth')"),
    ("torchscript.pt", "is a TorchScript archive"),
    ("nan_weights.pt", "NaN"),
    ("hostile_system.pt", "would call os.system; lstm-viewer refuses it and ran nothing"),
    ("hostile_import.pth", "would call this.s; lstm-viewer refuses it and ran nothing"),
]


def read(path: Path):
    reader = read_safetensors if path.suffix == ".safetensors" else read_torch
    return reader(path, ReadOptions())


@pytest.fixture(scope="module")
def expected():
    return dict(np.load(FIXTURES / "expected.npz"))


@pytest.fixture(scope="module")
def digits(expected):
    images = np.load(ROOT / "assets" / "samples.npz")["images"][expected["digits"]]
    return images.astype(np.float32) / 255.0


def assert_matches_torch(net, images, expected, model):
    """h and c of every layer at every row, and the probabilities at every row, as torch computed them."""
    layers = sum(1 for key in expected if key.startswith(f"{model}/h"))
    assert len(net.units) == layers
    for i, image in enumerate(images):
        trace = net.trace(image)
        for k in range(layers):
            np.testing.assert_allclose(trace.h[k], expected[f"{model}/h{k}"][i], atol=TOLERANCE, rtol=0)
            np.testing.assert_allclose(trace.c[k], expected[f"{model}/c{k}"][i], atol=TOLERANCE, rtol=0)
        np.testing.assert_allclose(trace.probs, expected[f"{model}/probs_rows"][i], atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(net.predict(images), expected[f"{model}/probs"], atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("name, model", ACCEPTED)
def test_every_accepted_file_computes_what_torch_computed(name, model, expected, digits):
    net = read(FIXTURES / name)
    assert_matches_torch(net, digits, expected, model)
    assert net.metadata["source"] == str(FIXTURES / name)
    safetensors = name.endswith(".safetensors")
    assert net.metadata["format"] == ("safetensors" if safetensors else "PyTorch state_dict")
    assert net.metadata["input_scaling_recorded"] is False
    assert "logits head (softmax applied here)" in net.metadata["details"]


def test_the_normalized_inputs_of_pytorch_examples_give_torchs_numbers(expected, digits):
    net = read(FIXTURES / "yunjey.ckpt").with_input_scaling((0.1307, 0.3081))
    assert_matches_torch(net, digits, expected, "yunjey_normalized")


def test_layer_names_and_where_the_weights_were():
    net = read(FIXTURES / "yunjey_checkpoint.pth")
    assert "weights from the checkpoint's entry 'model_state_dict'" in net.metadata["details"]
    parallel = read(FIXTURES / "yunjey_dataparallel.pt")
    assert "names under 'module.' (DataParallel)" in parallel.metadata["details"]
    assert read(FIXTURES / "twolstm.pt").units == [16, 8]


@pytest.mark.parametrize("name, words", REFUSED)
def test_each_refusal_is_one_sentence_naming_its_reason(name, words):
    with pytest.raises(UserError) as caught:
        read(FIXTURES / name)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message and str(FIXTURES) not in message
    if name not in ("nan_weights.pt",):
        assert isinstance(caught.value, UnsupportedModel)


def test_hostile_pickles_run_nothing_and_import_nothing():
    HOSTILE_MARKER.unlink(missing_ok=True)
    sys.modules.pop("this", None)
    before = set(sys.modules)
    for name in ("hostile_system.pt", "hostile_import.pth"):
        assert recognise_torch(FIXTURES / name) is not None
        with pytest.raises(UnsupportedModel):
            read(FIXTURES / name)
    assert not HOSTILE_MARKER.exists()
    assert "this" not in sys.modules
    assert set(sys.modules) - before == set()


def test_the_reader_never_calls_pickle_load_nor_imports_torch(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle.load called on a user's file")
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    read(FIXTURES / "yunjey.ckpt")
    read(FIXTURES / "yunjey_legacy.pth")
    assert "torch" not in sys.modules


# --- recognising by content ---------------------------------------------------------------------------

def test_every_torch_file_is_recognised_by_content_whatever_its_name(tmp_path):
    for path in FIXTURES.iterdir():
        if path.name == "expected.npz":
            continue
        renamed = tmp_path / (path.stem + ".dat")
        shutil.copy(path, renamed)
        torch_like = recognise_torch(renamed) is not None
        safetensors_like = recognise_safetensors(renamed) is not None
        is_safetensors = path.suffix == ".safetensors"
        assert (torch_like, safetensors_like) == (not is_safetensors, is_safetensors)
    renamed = tmp_path / "weights.dat"
    shutil.copy(FIXTURES / "yunjey_legacy.pth", renamed)
    assert read_torch(renamed, ReadOptions()).units == [16, 16]


def test_other_files_are_not_recognised(tmp_path):
    png = tmp_path / "digit.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    noise = tmp_path / "noise.pt"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    empty = tmp_path / "empty.pth"
    empty.write_bytes(b"")
    plain_pickle = tmp_path / "plain.pkl"
    plain_pickle.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    keras = ROOT / "assets" / "default.keras"
    for path in (keras, FIXTURES / "expected.npz", png, noise, empty, plain_pickle):
        assert recognise_torch(path) is None, path
        assert recognise_safetensors(path) is None, path


def test_the_readers_contract():
    torch_reader, safetensors_reader = READERS
    assert torch_reader.format == "PyTorch file"
    assert torch_reader.patterns == ("*.pt", "*.pth", "*.ckpt", "*.bin")
    assert safetensors_reader.format == "safetensors" and safetensors_reader.patterns == ("*.safetensors",)


# --- damaged and hand-made files ----------------------------------------------------------------------

def _tensor_pickle(numel: int, shape: tuple[int, ...], stride: tuple[int, ...]) -> bytes:
    """data.pkl of {'w': tensor} as torch.save writes it, with the storage's size and the view given."""
    def ints(values):
        return b"(" + b"".join(b"L%dL\n" % v for v in values) + b"t"
    return (b"\x80\x02}X\x01\x00\x00\x00w"
            b"ctorch._utils\n_rebuild_tensor_v2\n("
            b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu"
            + b"L%dL\n" % numel + b"tQ"
            b"I0\n" + ints(shape) + ints(stride) + b"I00\nccollections\nOrderedDict\n)Rt" b"Rs.")


def _torch_zip(path: Path, data_pkl: bytes, storages: dict[str, bytes], byteorder: str = "little") -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("any_root_name/data.pkl", data_pkl)
        z.writestr("any_root_name/byteorder", byteorder)
        for key, data in storages.items():
            z.writestr(f"any_root_name/data/{key}", data)


def test_a_hand_written_tensor_reads_back(tmp_path):
    path = tmp_path / "small.pt"
    values = np.arange(12, dtype="<f4")
    _torch_zip(path, _tensor_pickle(12, (3, 2), (1, 4)), {"0": values.tobytes()})  # a transposed view
    with TorchFile(path) as f:
        np.testing.assert_array_equal(f.load()["w"].array(), [[0, 4], [1, 5], [2, 6]])


def test_a_huge_claimed_tensor_is_refused_without_allocating(tmp_path):
    path = tmp_path / "huge.pt"
    _torch_zip(path, _tensor_pickle(10**12, (10**6, 10**6), (10**6, 1)), {"0": bytes(64)})
    tracemalloc.start()
    try:
        with TorchFile(path) as f:
            tensor = f.load()["w"]
            with pytest.raises(UserError, match="claims 4000000000000 bytes but holds 64"):
                tensor.array()
        with pytest.raises(UserError):
            read_torch(path, ReadOptions())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_a_view_reaching_past_its_storage_is_refused(tmp_path):
    path = tmp_path / "past.pt"
    _torch_zip(path, _tensor_pickle(4, (2, 2), (2, 3)), {"0": bytes(16)})
    with TorchFile(path) as f, pytest.raises(UserError, match="claims more numbers than its storage"):
        f.load()["w"].array()


def test_a_big_endian_file_reads_the_same_numbers(tmp_path, expected, digits):
    path = tmp_path / "big_endian.pt"
    with zipfile.ZipFile(FIXTURES / "yunjey.ckpt") as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename:
                data = np.frombuffer(data, "<f4").astype(">f4").tobytes()
            target.writestr(info.filename, data)
    assert_matches_torch(read_torch(path, ReadOptions()), digits, expected, "yunjey")


@pytest.mark.parametrize("name", ["yunjey.ckpt", "yunjey_legacy.pth", "yunjey.safetensors"])
def test_a_file_cut_short_is_one_sentence(tmp_path, name):
    data = (FIXTURES / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(UserError) as caught:
        read(path)
    assert "\n" not in str(caught.value)


def _lstm_tensors(prefix: str, inputs: int, units: int, rng) -> dict[str, np.ndarray]:
    shapes = {"weight_ih_l0": (4 * units, inputs), "weight_hh_l0": (4 * units, units),
              "bias_ih_l0": (4 * units,), "bias_hh_l0": (4 * units,)}
    return {f"{prefix}.{k}": rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}


def test_lstm_modules_whose_order_widths_cannot_tell_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {**_lstm_tensors("lstm1", 28, 8, rng), **_lstm_tensors("lstm2", 8, 8, rng),
               **_lstm_tensors("lstm3", 8, 8, rng),
               "fc.weight": np.zeros((10, 8), np.float32), "fc.bias": np.zeros(10, np.float32)}
    path = tmp_path / "three.safetensors"
    save_file(tensors, str(path))
    with pytest.raises(UnsupportedModel, match="their order cannot be told from the file"):
        read(path)


def _raw_safetensors(path: Path, dtype: str, shapes: dict[str, tuple[int, ...]], itemsize: int) -> None:
    """A safetensors file written by hand (numpy has no bfloat16 to give safetensors.numpy)."""
    header, offset = {}, 0
    for name, shape in shapes.items():
        nbytes = int(np.prod(shape)) * itemsize
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + bytes(offset))


def test_half_precision_safetensors_are_refused_before_reading(tmp_path):
    shapes = {k: v.shape for k, v in _lstm_tensors("lstm", 28, 8, np.random.default_rng(1)).items()}
    shapes |= {"fc.weight": (10, 8), "fc.bias": (10,)}
    for dtype, words in (("BF16", "as bfloat16;"), ("F16", r"as float16 \(half precision\);")):
        path = tmp_path / f"{dtype}.safetensors"
        _raw_safetensors(path, dtype, shapes, 2)
        assert recognise_safetensors(path) == path
        with pytest.raises(UnsupportedModel, match=words):
            read(path)


def test_a_state_dict_with_no_lstm_names_its_modules(tmp_path):
    path = tmp_path / "mlp.safetensors"
    save_file({"fc1.weight": np.zeros((32, 784), np.float32), "fc1.bias": np.zeros(32, np.float32),
               "fc2.weight": np.zeros((10, 32), np.float32)}, str(path))
    with pytest.raises(UnsupportedModel, match=r"'fc1' \(Linear 784→32\), 'fc2' \(Linear 32→10\)"):
        read(path)


def test_a_checkpoint_without_a_state_dict_says_what_it_holds(tmp_path):
    path = tmp_path / "scores.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("scores/data.pkl", pickle.dumps({"epoch": 3, "loss": 0.25}, protocol=2))
    with pytest.raises(UserError, match="'epoch', 'loss'"):
        read(path)
    assert recognise_torch(path) == path


@pytest.mark.parametrize("module, name, words", [
    ("builtins", "eval", "contains a pickle that would call builtins.eval; lstm-viewer refuses it and "
                         "ran nothing"),
    ("__builtin__", "exec", "would call builtins.exec"),
    ("subprocess", "Popen", "would call subprocess.Popen"),
    ("torch.nn.modules.rnn", "LSTM", "is a whole pickled model (class torch.nn.modules.rnn.LSTM)"),
    ("lightning.fabric.utilities.data", "AttributeDict",
     "contains an object of class lightning.fabric.utilities.data.AttributeDict, which could run code"),
    ("__torch__", "RNN", "is a TorchScript archive"),
])
def test_every_name_outside_a_tensor_dictionary_is_refused_by_name(tmp_path, module, name, words):
    path = tmp_path / "named.pt"
    _torch_zip(path, b"\x80\x02c" + f"{module}\n{name}\n".encode() + b")R.", {})
    with pytest.raises(UnsupportedModel) as caught:
        read(path)
    assert words in str(caught.value)
