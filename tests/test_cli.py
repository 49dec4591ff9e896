"""The commands as a user runs them: train, evaluate, inspect, and one-line errors for bad input."""
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from lstm_viewer.cli import main
from lstm_viewer.core.data import Mnist
from lstm_viewer.ml.training import TrainConfig, TrainingError, train


@pytest.fixture
def seven_on_paper(tmp_path, mnist):
    """MNIST test digit 0 (a 7), as dark ink on white paper, enlarged."""
    digit = Image.fromarray(255 - mnist.x_test[0]).resize((200, 200), Image.Resampling.BILINEAR)
    paper = Image.new("L", (320, 260), 255)
    paper.paste(digit, (70, 30))
    path = tmp_path / "seven.png"
    paper.save(path)
    return path


def _one_line_error(capsys, argv, expected):
    code = main(argv)
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert expected in err, err


def test_train_saves_a_model_that_works(tmp_path, mnist_path, capsys):
    out = tmp_path / "m.keras"
    assert main(["train", "--layers", "1", "--units", "16", "--epochs", "1", "--limit", "500",
                 "--data", str(mnist_path), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "test accuracy" in captured.out and "wall time" in captured.out
    assert "epoch 1/1" in captured.err and "test accuracy" in captured.err
    from lstm_viewer import load_network
    assert load_network(out).describe() == "1 × 16 LSTM"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temporary file left


def test_failed_train_leaves_existing_file_untouched(tmp_path, capsys):
    out = tmp_path / "m.keras"
    out.write_bytes(b"previous model")
    _one_line_error(capsys, ["train", "--data", str(tmp_path / "nowhere"), "--out", str(out)], "not found")
    assert out.read_bytes() == b"previous model"
    _one_line_error(capsys, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "new.keras")], "train-images")
    assert not (tmp_path / "new.keras").exists()


def test_cancel_stops_within_one_batch(mnist):
    seen = []
    result = train(TrainConfig(layers=1, units=8, epochs=2, limit=2000, batch_size=50), mnist,
                   on_progress=seen.append, should_stop=lambda: len(seen) >= 3)
    assert result.cancelled
    assert [p.batch for p in seen] == [1, 2, 3]


def test_progress_reports_batches_and_epoch_test_accuracy(mnist):
    seen = []
    train(TrainConfig(layers=1, units=8, epochs=2, limit=300, batch_size=100), mnist, on_progress=seen.append)
    batch_reports = [p for p in seen if p.test_accuracy is None]
    epoch_reports = [p for p in seen if p.test_accuracy is not None]
    assert [(p.epoch, p.batch) for p in batch_reports] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    assert [p.epoch for p in epoch_reports] == [1, 2]
    assert batch_reports[-1].fraction == 1.0 and 0 <= epoch_reports[-1].test_accuracy <= 1


def test_nan_loss_is_a_training_error(mnist):
    broken = Mnist(np.full((200, 28, 28), np.nan, np.float32), mnist.y_train[:200],
                   mnist.x_test[:100], mnist.y_test[:100], source="broken")
    with pytest.raises(TrainingError, match="NaN"):
        train(TrainConfig(layers=1, units=8, limit=200), broken)


def test_evaluate(trained_model_path, mnist_path, capsys):
    assert main(["evaluate", "--model", str(trained_model_path), "--data", str(mnist_path)]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("test accuracy ")[1].split()[0])
    assert 0.5 < accuracy <= 1.0
    assert out.count("\n") == 12  # the accuracy line, a header and ten rows


def test_inspect_text_json_and_out(trained_model_path, seven_on_paper, tmp_path, capsys):
    from lstm_viewer import load_network
    from lstm_viewer.core.preprocess import load_image, preprocess
    assert main(["inspect", "--model", str(trained_model_path), str(seven_on_paper)]) == 0
    assert "on top from row" in capsys.readouterr().out
    assert main(["inspect", "--model", str(trained_model_path), "--json", str(seven_on_paper),
                 str(seven_on_paper)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 2 and set(records[0]) == {"image", "prediction", "probability", "settled_row"}
    out = tmp_path / "trace.npz"
    assert main(["inspect", "--model", str(trained_model_path), "--out", str(out), str(seven_on_paper)]) == 0
    saved = np.load(out)
    trace = load_network(trained_model_path).trace(preprocess(load_image(seven_on_paper)))
    assert saved["image"].shape == (28, 28) and saved["probs"].shape == (28, 10)
    assert saved["h"].shape == saved["c"].shape == (2, 28, 32) and saved["gates"].shape == (2, 28, 4, 32)
    for name, array in trace.arrays().items():
        np.testing.assert_array_equal(saved[name], array)


@pytest.mark.parametrize("argv, expected", [
    (["train", "--layers", "0", "--out", "x.keras"], "at least 1"),
    (["train", "--lr", "fast", "--out", "x.keras"], "expected a number"),
    (["train", "--keep-prob", "2", "--out", "x.keras"], "keep_prob"),
    (["train", "--lr", "5", "--out", "x.keras"], "learning rate"),
    (["train", "--out", "model.h5"], ".keras"),
    (["train"], "--out"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_options(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_info:
        code = main(argv)
        raise SystemExit(code)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err


def test_bad_files(tmp_path, trained_model_path, seven_on_paper, capsys):
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"\x00" * 100)
    not_image = tmp_path / "notes.png"
    not_image.write_text("hello")
    _one_line_error(capsys, ["inspect", "--model", str(tmp_path / "missing.keras"), str(seven_on_paper)], "no such model")
    _one_line_error(capsys, ["inspect", "--model", str(corrupt), str(seven_on_paper)], "not a .keras model")
    _one_line_error(capsys, ["inspect", "--model", str(trained_model_path), str(not_image)], "not a readable image")
    _one_line_error(capsys, ["evaluate", "--model", str(trained_model_path), "--data", str(tmp_path)], "train-images")
    _one_line_error(capsys, ["inspect", "--model", str(trained_model_path), "--out", "t.npz", "a.png", "b.png"], "exactly one")


def test_entry_point_errors_have_no_traceback(tmp_path):
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_text("nope")
    run = subprocess.run([sys.executable, "-m", "lstm_viewer", "inspect", "--model", str(corrupt), "x.png"],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


def test_cancel_during_the_test_pass_skips_the_rest_of_it(mnist):
    """Keras runs the end-of-epoch test pass even after stop_training; cancel must cut it short."""
    seen, asked = [], []

    def should_stop():
        asked.append(len(seen))
        return len(asked) >= 3  # asked after training batches 1 and 2, then in the test pass
    result = train(TrainConfig(layers=1, units=8, epochs=3, limit=200, batch_size=100), mnist,
                   on_progress=seen.append, should_stop=should_stop)
    assert result.cancelled and result.test_accuracy is None
    assert [p.test_accuracy for p in seen] == [None, None]
    assert len(asked) == 3  # the first of the ten test batches stopped the pass


def test_saved_model_has_ordinary_permissions(tmp_path, trained_model_path):
    """Written through a private temporary file, but saved with the usual mode (umask applies)."""
    import os
    import stat

    from lstm_viewer.ml.training import save_model
    keras = pytest.importorskip("keras")
    out = save_model(keras.saving.load_model(trained_model_path), tmp_path / "perm.keras")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


def test_saved_model_holds_no_optimizer_state(trained_model_path):
    import io
    import zipfile

    import h5py
    with zipfile.ZipFile(trained_model_path) as archive:
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")))
        assert len(weights.get("optimizer/vars", {})) == 0
