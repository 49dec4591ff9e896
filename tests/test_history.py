"""Training histories: the snapshots' schedule, exact weights at step 0 and at the end, each snapshot's
probe accuracy recomputed from its weights, and the round trip through the .keras file (which Keras
itself still reads)."""
from __future__ import annotations

import zipfile

import numpy as np
import pytest

from gui_support import random_network, write_keras_file
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.history import MEMBER, load_history, save_history
from lstm_viewer.ml.snapshots import snapshot_schedule


def test_the_schedule_is_dense_early_and_keeps_every_epoch_end():
    steps = snapshot_schedule(batches_per_epoch=100, epochs=3, count=40)
    assert steps[0] == 0 and steps[-1] == 300 and {100, 200, 300} <= set(steps)
    assert steps == sorted(set(steps)) and 30 <= len(steps) <= 42
    gaps = np.diff(steps)
    assert gaps[:5].max() < gaps[-5:].min()          # dense where most changes happen
    assert snapshot_schedule(10, 1, count=0) == []
    assert snapshot_schedule(3, 1, count=40) == [0, 1, 2, 3]   # fewer batches than asked: every one


@pytest.fixture(scope="module")
def trained(mnist):
    """A tiny model trained for two short epochs with 12 snapshots."""
    pytest.importorskip("keras")
    from lstm_viewer.ml.training import TrainConfig, build_model, train
    config = TrainConfig(layers=2, units=8, epochs=2, batch_size=50, limit=500, seed=3, history=12)
    initial = build_model(config).get_weights()
    result = train(config, mnist)
    return config, initial, result


def test_step_0_is_the_initial_weights_and_the_last_the_trained_model(trained):
    _config, initial, result = trained
    history = result.snapshots
    assert history.steps[0] == 0 and np.isnan(history.loss[0])
    first, last = history.network(0), history.network(-1)
    ours = [a for w in first.layers for a in (w.kernel, w.recurrent_kernel, w.bias)]
    for mine, keras_initial in zip(ours + [first.dense_kernel, first.dense_bias], initial, strict=True):
        np.testing.assert_array_equal(mine, keras_initial)
    trained_weights = result.model.get_weights()
    ours = [a for w in last.layers for a in (w.kernel, w.recurrent_kernel, w.bias)]
    for mine, final in zip(ours + [last.dense_kernel, last.dense_bias], trained_weights, strict=True):
        np.testing.assert_array_equal(mine, final)
    assert history.steps[-1] == 2 * 10 and history.epochs[-1] == 2.0 and 10 in history.steps


def test_every_recorded_accuracy_is_its_weights_accuracy_on_the_probe(trained, mnist):
    history = trained[2].snapshots
    images = mnist.x_test[:1000].astype(np.float32) / 255.0
    for i in range(len(history)):
        probs = history.network(i).predict(images)
        assert history.accuracy[i] == pytest.approx(float((probs.argmax(1) == mnist.y_test[:1000]).mean()))
    assert np.all(np.isfinite(history.loss[1:])) and np.all(history.loss[1:] > 0)


def test_the_history_round_trips_through_the_keras_file(trained, tmp_path, mnist):
    keras = pytest.importorskip("keras")
    from lstm_viewer import load_network
    from lstm_viewer.ml.training import save_model
    history = trained[2].snapshots
    path = save_model(trained[2].model, tmp_path / "m.keras")
    save_history(path, history)
    back = load_history(path)
    assert len(back) == len(history)
    for name, array in history.arrays().items():
        np.testing.assert_array_equal(back.arrays()[name], array, err_msg=name)
    images = mnist.x_test[:20].astype(np.float32) / 255.0
    np.testing.assert_allclose(keras.saving.load_model(path).predict(images, verbose=0),
                               back.network(-1).predict(images), atol=1e-5)
    np.testing.assert_array_equal(load_network(path).predict(images), back.network(-1).predict(images))
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]   # nothing temporary left


def test_a_file_without_a_history_says_so(tmp_path):
    path = write_keras_file(tmp_path / "plain.keras", random_network())
    with pytest.raises(UserError, match="has no training history"):
        load_history(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(MEMBER, b"not an npz")
    with pytest.raises(UserError, match="training history is damaged"):
        load_history(path)


def test_a_history_member_claiming_more_than_any_history_holds_is_refused_unread(tmp_path):
    """1,000 snapshots of the file's weights at most (a zip bomb would otherwise fill the memory)."""
    path = write_keras_file(tmp_path / "bomb.keras", random_network())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MEMBER, bytes(200 << 20))   # 200 MB of zeros, a few hundred kB packed
    with pytest.raises(UserError) as error:
        load_history(path)
    assert str(error.value).startswith(str(path)) and "far more than this model needs" in str(error.value)


def test_the_history_command_prints_the_table(trained, tmp_path, capsys):
    import json

    from lstm_viewer import load_history
    from lstm_viewer.cli import main
    from lstm_viewer.ml.training import save_model
    history = trained[2].snapshots
    path = save_model(trained[2].model, tmp_path / "m.keras", history=history)
    assert len(load_history(path)) == len(history)
    assert main(["history", str(path), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["step"] for r in rows] == history.steps.tolist()
    assert rows[0]["loss"] is None and rows[-1]["accuracy"] == pytest.approx(history.accuracy[-1], abs=1e-4)
    assert main(["history", str(path)]) == 0
    assert f"{len(history)} snapshots of 2 × 8 LSTM" in capsys.readouterr().out
    plain = write_keras_file(tmp_path / "plain.keras", random_network())
    assert main(["history", str(plain)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no training history" in err


def test_the_shipped_history_opens_without_tensorflow():
    import subprocess
    import sys
    code = ("import sys; from lstm_viewer import load_history; "
            "from lstm_viewer.core.assets import history_model_path; "
            "h = load_history(history_model_path()); "
            "print(len(h), h.network(0).describe(), round(h.accuracy[0], 3), round(h.accuracy[-1], 3), "
            "[m for m in ('tensorflow', 'keras', 'PyQt6') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, *rest = out.stdout.split()
    assert int(count) >= 20 and " ".join(rest).startswith("2 × 64 LSTM")
    assert out.stdout.strip().endswith("[]")
