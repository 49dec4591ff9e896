"""PyTorch (and any other) model files in the window: Open, drop, the model information, Input scaling
remembered per file, Open the default model, and Save as converting to .keras."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from gui_support import ROOT, SEVEN, close_window, draw, drop_file, open_window, random_network
from lstm_viewer import load_network

TORCH = ROOT / "tests" / "fixtures" / "torch"
WAIT_MS = 30_000


@pytest.fixture
def dialogs(monkeypatch):
    shown = []
    for kind in ("critical", "warning", "information"):
        monkeypatch.setattr(QtWidgets.QMessageBox, kind,
                            lambda *args, _k=kind, **kw: shown.append((_k, args[1:])) or
                            QtWidgets.QMessageBox.StandardButton.Ok)
    return shown


@pytest.fixture
def window(qtbot, dialogs, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    win = open_window(qtbot, random_network(name="first.keras"), settings=settings)
    draw(win.canvas, SEVEN)
    yield win
    close_window(win)


def open_and_wait(qtbot, window, path, options=None):
    with qtbot.waitSignal(window.session.modelInfoChanged, timeout=WAIT_MS):
        window.load_model(path, options)


def test_a_pytorch_file_opens_and_says_what_it_is(window, qtbot, dialogs):
    open_and_wait(qtbot, window, TORCH / "yunjey.ckpt")
    assert not dialogs
    info = window.findChild(QtWidgets.QLabel, "modelInfoLabel").text()
    assert info.startswith("PyTorch state_dict · 2 × 16 LSTM") and "yunjey.ckpt" in window.windowTitle()
    assert "PyTorch state_dict" in window.windowTitle()
    reference = load_network(TORCH / "yunjey.ckpt").trace(window.state.image)
    for k in range(2):
        np.testing.assert_array_equal(window.trace.h[k], reference.h[k])
    np.testing.assert_array_equal(window.trace.probs, reference.probs)


def test_input_scaling_applies_to_every_view_and_is_remembered_per_file(window, qtbot, monkeypatch):
    from lstm_viewer.gui.window import input_scaling_dialog
    open_and_wait(qtbot, window, TORCH / "yunjey.ckpt")
    before = window.trace.probs.copy()
    monkeypatch.setattr(input_scaling_dialog, "ask_input_scaling", lambda *a: ((0.1307, 0.3081),))
    assert window.inputScalingAction.isEnabled()
    window.inputScalingAction.trigger()
    assert window.network.input_scaling == (0.1307, 0.3081)
    assert "input (x − 0.1307) / 0.3081" in window.findChild(QtWidgets.QLabel, "modelInfoLabel").text()
    expected = load_network(TORCH / "yunjey.ckpt", normalize=(0.1307, 0.3081)).trace(window.state.image)
    np.testing.assert_array_equal(window.trace.probs, expected.probs)
    np.testing.assert_array_equal(window.trace.image, window.state.image)   # the picture stays shown
    assert not np.array_equal(before, window.trace.probs)
    # Another model, then this file again: its scaling comes back; the default model has none.
    window.openDefaultModelAction.trigger()
    qtbot.waitUntil(lambda: window.network.input_scaling is None and window.session.model_name
                    == "default.keras", timeout=WAIT_MS)
    open_and_wait(qtbot, window, TORCH / "yunjey.ckpt")
    assert window.network.input_scaling == (0.1307, 0.3081)


def test_a_file_that_records_its_scaling_keeps_it(window, qtbot, tmp_path):
    pytest.importorskip("keras")
    from lstm_viewer.ml.training import save_network_as_keras
    path = save_network_as_keras(random_network().with_input_scaling((0.5, 0.25)), tmp_path / "s.keras")
    open_and_wait(qtbot, window, path)
    assert window.network.input_scaling == pytest.approx((0.5, 0.25))
    assert not window.inputScalingAction.isEnabled()


def test_dropped_files_go_where_their_content_says(window, qtbot, dialogs, tmp_path):
    renamed = tmp_path / "weights.data"
    renamed.write_bytes((TORCH / "yunjey.safetensors").read_bytes())
    with qtbot.waitSignal(window.session.modelInfoChanged, timeout=WAIT_MS):
        drop_file(window, renamed)
    assert window.network.units == [16, 16] and not dialogs
    before = window.network
    drop_file(window, TORCH / "hostile_system.pt")
    qtbot.waitUntil(lambda: bool(dialogs), timeout=WAIT_MS)
    title, text = dialogs[0][1]
    assert "ran nothing" in text and len(text.splitlines()) == 1
    assert window.network is before   # the current model stays


def test_save_as_converts_a_pytorch_model_to_keras(window, qtbot, dialogs, tmp_path, monkeypatch):
    keras = pytest.importorskip("keras")
    open_and_wait(qtbot, window, TORCH / "yunjey.ckpt")
    assert window.session.saves_in_background()
    target = tmp_path / "yunjey.keras"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.saveModelAction.trigger()
    qtbot.waitUntil(lambda: not window.session.is_saving(), timeout=60_000)
    assert not dialogs and target.is_file()
    images = np.stack([window.state.image])
    np.testing.assert_allclose(keras.saving.load_model(target).predict(images, verbose=0),
                               window.network.predict(images), atol=1e-5)
    assert window.session.model_source == str(target)
