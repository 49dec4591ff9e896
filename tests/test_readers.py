"""The one registry of readers: recognised by content, one sentence per refusal whatever the format,
the user's options, and the command line's convert / --normalize / --forget-bias."""
from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from gui_support import ROOT, random_network, write_keras_file
from lstm_viewer import load_network
from lstm_viewer.cli import main
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.readers import describe_model, dialog_filter, find_reader

TORCH = ROOT / "tests" / "fixtures" / "torch"


@pytest.fixture(scope="module")
def digits():
    with np.load(ROOT / "assets" / "samples.npz") as f:
        return f["images"][:8].astype(np.float32) / 255.0


def test_every_format_is_recognised_by_content_whatever_its_name(tmp_path):
    keras = write_keras_file(tmp_path / "m.keras", random_network())
    cases = {keras: "Keras model", TORCH / "yunjey.ckpt": "PyTorch file",
             TORCH / "yunjey_legacy.pth": "PyTorch file", TORCH / "yunjey.safetensors": "safetensors"}
    for path, expected in cases.items():
        renamed = tmp_path / f"renamed_{path.stem}.dat"
        shutil.copyfile(path, renamed)
        assert find_reader(path)[0].format == expected
        assert find_reader(renamed)[0].format == expected


@pytest.mark.parametrize("content, words", [
    (b"\x89PNG\r\n\x1a\n" + bytes(40), ["a picture, not a model", "Open image"]),
    (b"\xff\xd8\xff\xe0" + bytes(40), ["a picture"]),
    (b"just some text", ["not a model file lstm-viewer can read", "PyTorch", "TensorFlow 1"]),
])
def test_what_is_not_a_model_is_one_sentence(tmp_path, content, words):
    path = tmp_path / "thing.bin.x"
    path.write_bytes(content)
    with pytest.raises(UserError) as info:
        load_network(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message, message


def test_a_folder_without_a_model_and_a_missing_path_say_so(tmp_path):
    with pytest.raises(UserError, match="this folder holds no model"):
        load_network(tmp_path)
    with pytest.raises(UserError, match="no such model file"):
        load_network(tmp_path / "nothing.pth")


def test_refusals_name_the_file_and_the_format_once(tmp_path):
    with pytest.raises(UserError) as info:
        load_network(TORCH / "mnist_rnn.pt")
    message = str(info.value)
    assert message.startswith(f"{TORCH / 'mnist_rnn.pt'}: PyTorch file: ")
    assert message.count(str(TORCH)) == 1 and "\n" not in message
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 damaged")
    with pytest.raises(UserError, match=r"broken.keras: Keras model: not a .keras model file"):
        load_network(broken)


def test_normalize_makes_the_first_layer_read_scaled_pixels(digits):
    plain = load_network(TORCH / "yunjey.ckpt")
    scaled = load_network(TORCH / "yunjey.ckpt", normalize=(0.1307, 0.3081))
    assert plain.input_scaling is None and plain.metadata["scaling_from"] == "not recorded"
    assert scaled.input_scaling == (0.1307, 0.3081) and scaled.metadata["scaling_from"] == "you"
    assert "input (x − 0.1307) / 0.3081" in describe_model(scaled)
    # The same weights reading (x - mean) / std: a float64 recomputation of the first layer's input.
    trace = scaled.trace(digits[0])
    np.testing.assert_allclose(trace.x, (digits[0].astype(np.float64) - 0.1307) / 0.3081, atol=1e-6)
    np.testing.assert_array_equal(trace.image, digits[0])
    assert not np.allclose(plain.predict(digits), scaled.predict(digits))


def test_forget_bias_is_for_tf1_checkpoints_only():
    with pytest.raises(UserError, match="TensorFlow 1 checkpoints only"):
        load_network(TORCH / "yunjey.ckpt", forget_bias=1.0)


def test_the_open_dialog_lists_every_format():
    text = dialog_filter()
    for pattern in ("*.keras", "*.h5", "*.index", "*.meta", "checkpoint", "*.pth", "*.pt",
                    "*.safetensors"):
        assert pattern in text.split(";;")[0], text


def test_opening_a_pytorch_file_imports_neither_torch_nor_tensorflow_nor_qt():
    code = ("import sys, numpy as np; from lstm_viewer import load_network; "
            f"net = load_network({str(TORCH / 'yunjey.ckpt')!r}); net.trace(np.zeros((28, 28))); "
            f"load_network({str(TORCH / 'yunjey.safetensors')!r}); "
            "print([m for m in ('torch', 'tensorflow', 'keras', 'PyQt6') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- the command line -----------------------------------------------------------------------------
def _one_line_error(capsys, argv, expected):
    try:
        code = main(argv)
    except SystemExit as exc:   # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert expected in err, err


def test_inspect_reads_a_pytorch_model_with_its_scaling(tmp_path, capsys, digits):
    from PIL import Image
    image = tmp_path / "digit.png"
    Image.fromarray((255 - digits[0] * 255).astype(np.uint8)).resize((112, 112)).save(image)
    assert main(["inspect", str(image), "--model", str(TORCH / "yunjey.ckpt"), "--normalize",
                 "0.1307,0.3081", "--json"]) == 0
    assert '"prediction"' in capsys.readouterr().out
    _one_line_error(capsys, ["inspect", str(image), "--model", str(TORCH / "yunjey.ckpt"),
                             "--normalize", "0.1,0"], "positive STD")
    _one_line_error(capsys, ["inspect", str(image), "--model", str(TORCH / "hostile_system.pt")],
                    "ran nothing")


def test_convert_writes_a_keras_file_keras_reads_identically(tmp_path, capsys, digits):
    keras = pytest.importorskip("keras")
    out = tmp_path / "converted.keras"
    assert main(["convert", str(TORCH / "yunjey.ckpt"), "--out", str(out),
                 "--normalize", "0.1307,0.3081"]) == 0
    assert "PyTorch" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["converted.keras"]   # nothing temporary left
    source = load_network(TORCH / "yunjey.ckpt", normalize=(0.1307, 0.3081))
    model = keras.saving.load_model(out)
    np.testing.assert_allclose(model.predict(digits, verbose=0), source.predict(digits), atol=1e-5)
    back = load_network(out)   # the direct reader takes the Rescaling in front as the same scaling
    assert back.input_scaling == pytest.approx((0.1307, 0.3081))
    np.testing.assert_allclose(back.predict(digits), source.predict(digits), atol=1e-6)


def test_convert_refuses_before_writing_anything(tmp_path, capsys):
    out = tmp_path / "out.keras"
    _one_line_error(capsys, ["convert", str(TORCH / "bidirectional.pt"), "--out", str(out)],
                    "Bidirectional")
    _one_line_error(capsys, ["convert", str(TORCH / "yunjey.ckpt"), "--out", str(tmp_path / "x.h5")],
                    "must end in .keras")
    assert not any(tmp_path.iterdir())
