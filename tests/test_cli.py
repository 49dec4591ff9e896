"""The commands as a user runs them: train, evaluate, inspect, and one-line errors for bad input."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lstm_viewer.cli import main
from lstm_viewer.core.cancel import Cancelled
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
    _one_line_error(capsys, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "new.keras")],
                    "train-images")
    assert not (tmp_path / "new.keras").exists()


def test_cancel_stops_within_one_batch(mnist):
    seen = []

    def check():
        if len(seen) >= 3:
            raise Cancelled()
    result = train(TrainConfig(layers=1, units=8, epochs=2, limit=2000, batch_size=50), mnist,
                   on_progress=seen.append, check=check)
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
    assert len(records) == 2
    assert set(records[0]) == {"image", "prediction", "probability", "settled_row", "blank"}
    assert records[0]["blank"] is False
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
    _one_line_error(capsys, ["inspect", "--model", str(tmp_path / "missing.keras"), str(seven_on_paper)],
                    "no such model")
    _one_line_error(capsys, ["inspect", "--model", str(corrupt), str(seven_on_paper)], "not a .keras model")
    _one_line_error(capsys, ["inspect", "--model", str(trained_model_path), str(not_image)],
                    "not a readable image")
    # evaluate reads the test split only
    _one_line_error(capsys, ["evaluate", "--model", str(trained_model_path), "--data", str(tmp_path)],
                    "t10k-images")
    _one_line_error(capsys,
                    ["inspect", "--model", str(trained_model_path), "--out", "t.npz", "a.png", "b.png"],
                    "exactly one")


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

    def check():
        asked.append(len(seen))
        if len(asked) >= 3:  # asked after training batches 1 and 2, then in the test pass
            raise Cancelled()
    result = train(TrainConfig(layers=1, units=8, epochs=3, limit=200, batch_size=100), mnist,
                   on_progress=seen.append, check=check)
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


# --- issue 9: robustness ---------------------------------------------------------------------------

@pytest.fixture
def small_npz(tmp_path, mnist):
    path = tmp_path / "small.npz"
    np.savez(path, x_train=mnist.x_train[:200], y_train=mnist.y_train[:200], x_test=mnist.x_test[:300],
             y_test=mnist.y_test[:300])
    return path


def _edited_model(source, target, edit):
    """A copy of a .keras file with its config.json changed by ``edit(config)`` (no Keras needed)."""
    import zipfile
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            dst.writestr(name, data)
    return target


@pytest.fixture
def backwards_model(tmp_path, trained_model_path):
    """The trained model with its first LSTM reading rows backwards: a model the app cannot show."""
    def backwards(config):
        lstm = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "LSTM")
        lstm["config"]["go_backwards"] = True
    return _edited_model(trained_model_path, tmp_path / "backwards.keras", backwards)


@pytest.mark.parametrize("seed", ["-1", str(2**32), "99999999999999999999"])
def test_seed_out_of_range_is_one_line(capsys, tmp_path, seed):
    _one_line_error(capsys, ["train", "--seed", seed, "--out", str(tmp_path / "m.keras")],
                    "seed must be between 0 and 4294967295")


def test_train_checks_out_before_loading_data_or_training(tmp_path, capsys, monkeypatch):
    nowhere = ["--data", str(tmp_path / "no-data")]   # reached only if --out passed its checks
    _one_line_error(capsys, ["train", *nowhere, "--out", str(tmp_path / "missing" / "m.keras")],
                    "does not exist")
    (tmp_path / "folder.keras").mkdir()
    _one_line_error(capsys, ["train", *nowhere, "--out", str(tmp_path / "folder.keras")], "is a folder")
    from lstm_viewer.core import atomic
    monkeypatch.setattr(atomic.os, "access", lambda *a: False)
    _one_line_error(capsys, ["train", *nowhere, "--out", str(tmp_path / "m.keras")], "permission denied")
    monkeypatch.undo()
    _one_line_error(capsys, ["train", *nowhere, "--out", str(tmp_path / "m.keras")], "MNIST data not found")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.keras"]


def test_train_that_cannot_save_at_the_end_leaves_the_old_model(tmp_path, small_npz, capsys, monkeypatch):
    import errno

    from lstm_viewer.ml import training
    out = tmp_path / "m.keras"
    out.write_bytes(b"the old model")

    class DiskFills:
        def save(self, path):
            Path(path).write_bytes(b"PK half a model")
            raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(training, "train", lambda *a, **k: training.TrainResult(
        model=object(), cancelled=False, test_accuracy=0.5, seconds=1.0, history=[]))
    monkeypatch.setattr(training, "_without_optimizer", lambda model: DiskFills())
    code = main(["train", "--data", str(small_npz), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "m.keras: cannot write it (the disk is full)" in err and "Traceback" not in err
    assert out.read_bytes() == b"the old model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras", "small.npz"]


def test_evaluate_reads_float_images_as_their_pixels(trained_model_path, small_npz, tmp_path, capsys):
    with np.load(small_npz) as archive:
        arrays = dict(archive)
    floats = tmp_path / "floats.npz"
    np.savez(floats, **{**arrays, "x_test": arrays["x_test"].astype(np.float64) / 255.0})
    assert main(["evaluate", "--model", str(trained_model_path), "--data", str(small_npz)]) == 0
    as_uint8 = capsys.readouterr().out
    assert main(["evaluate", "--model", str(trained_model_path), "--data", str(floats)]) == 0
    assert capsys.readouterr().out.replace(str(floats), "X") == as_uint8.replace(str(small_npz), "X")


def test_evaluate_with_bad_labels_or_an_empty_test_set(trained_model_path, small_npz, tmp_path, capsys):
    with np.load(small_npz) as archive:
        arrays = dict(archive)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **{**arrays, "y_test": arrays["y_test"] + 5})
    _one_line_error(capsys, ["evaluate", "--model", str(trained_model_path), "--data", str(bad)],
                    "test labels must be the digits 0..9")
    np.savez(bad, **{**arrays, "x_test": arrays["x_test"][:0], "y_test": arrays["y_test"][:0]})
    _one_line_error(capsys, ["evaluate", "--model", str(trained_model_path), "--data", str(bad)],
                    "the test set is empty")


def test_evaluate_keras_agrees_with_the_engine_and_refuses_what_the_app_refuses(
        trained_model_path, backwards_model, small_npz, capsys):
    assert main(["evaluate", "--model", str(trained_model_path), "--data", str(small_npz)]) == 0
    engine = capsys.readouterr().out
    assert main(["evaluate", "--keras", "--model", str(trained_model_path), "--data", str(small_npz)]) == 0
    assert capsys.readouterr().out == engine     # the same predictions, digit for digit
    for extra in ([], ["--keras"]):
        _one_line_error(capsys,
                        ["evaluate", *extra, "--model", str(backwards_model), "--data", str(small_npz)],
                        "reads its rows backwards (go_backwards=True)")


@pytest.fixture
def blank_page(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("L", (120, 90), 255).save(path)
    return path


def test_inspect_says_a_blank_page_is_blank(trained_model_path, blank_page, seven_on_paper, capsys):
    assert main(["inspect", "--model", str(trained_model_path), str(blank_page)]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"{blank_page}: no ink found: the page looks blank\n"
    assert captured.out == f"{blank_page}: blank page, no digit read\n"
    assert main(["inspect", "--model", str(trained_model_path), "--json", str(blank_page),
                 str(seven_on_paper)]) == 0
    blank, seven = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert blank == {"image": str(blank_page), "prediction": None, "probability": None,
                     "settled_row": None, "blank": True}
    assert seven["blank"] is False and seven["prediction"] == 7


def test_inspect_out_is_atomic_with_ordinary_permissions(trained_model_path, seven_on_paper, tmp_path,
                                                         capsys, monkeypatch):
    import errno
    import os
    import stat

    mask = os.umask(0o027)
    try:
        assert main(["inspect", "--model", str(trained_model_path), "--out", str(tmp_path / "trace"),
                     str(seven_on_paper)]) == 0
    finally:
        os.umask(mask)
    written = tmp_path / "trace.npz"                 # numpy's rule: .npz added
    assert stat.S_IMODE(written.stat().st_mode) == 0o640
    before = written.read_bytes()

    def disk_full(fh, **arrays):
        fh.write(b"PK half")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(np, "savez_compressed", disk_full)
    capsys.readouterr()
    _one_line_error(capsys, ["inspect", "--model", str(trained_model_path), "--out", str(written),
                             str(seven_on_paper)], "the disk is full")
    assert written.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seven.png", "trace.npz"]
    _one_line_error(capsys, ["inspect", "--model", str(tmp_path / "missing.keras"), "--out",
                             str(tmp_path / "no" / "t.npz"), str(seven_on_paper)], "does not exist")


def test_entry_point_refuses_a_model_it_cannot_show_in_one_line(backwards_model, seven_on_paper):
    run = subprocess.run([sys.executable, "-m", "lstm_viewer", "inspect", "--model", str(backwards_model),
                          str(seven_on_paper)], capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "go_backwards=True" in run.stderr and str(backwards_model) in run.stderr


_CTRL_C_DURING_IMPORT = """
import os, signal, sys, time, types
import lstm_viewer.__main__ as entry

def run(argv):
    # Ctrl+C while a C extension imports: numpy turns the KeyboardInterrupt into an ImportError.
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(10)
    except KeyboardInterrupt:
        raise ImportError("PyCapsule_Import could not import module 'datetime'")

cli = types.ModuleType("lstm_viewer.cli")
cli.main = run if sys.argv[1] == "interrupt" else lambda argv: {}["a real bug"]
sys.modules["lstm_viewer.cli"] = cli
sys.exit(entry.main([]))
"""


def test_ctrl_c_while_importing_is_one_line_and_exit_130():
    run = subprocess.run([sys.executable, "-c", _CTRL_C_DURING_IMPORT, "interrupt"], capture_output=True,
                         text=True, timeout=60)
    assert (run.returncode, run.stderr) == (130, "lstm-viewer: interrupted\n")
    bug = subprocess.run([sys.executable, "-c", _CTRL_C_DURING_IMPORT, "bug"], capture_output=True,
                         text=True, timeout=60)
    assert bug.returncode == 1 and "KeyError: 'a real bug'" in bug.stderr   # real errors are not hidden


def test_version(capsys):
    from lstm_viewer.cli import main
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("lstm-viewer ")


def test_training_from_the_command_line_prints_no_tensorflow_start_up_lines(tmp_path, mnist_path):
    """On a machine without a GPU, TensorFlow prints 'E0000 … failed call to cuInit' and oneDNN
    notices as it loads: not the user's business, and they read as if something failed."""
    out = tmp_path / "m.keras"
    done = subprocess.run([sys.executable, "-m", "lstm_viewer", "train", "--layers", "1", "--units", "4",
                           "--limit", "200", "--batch-size", "100", "--history", "3", "--data",
                           str(mnist_path), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for noise in ("E0000", "cuInit", "oneDNN", "absl::InitializeLog"):
        assert noise not in done.stderr, done.stderr
    assert out.is_file() and "epoch 1/1" in done.stderr
