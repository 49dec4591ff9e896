"""The main window through its automation surface: drawing, clearing, stepping, what the plots hold."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6 import QtCore, QtGui, QtWidgets
from PyQt6.QtTest import QTest

from gui_support import (
    ONE,
    SEVEN,
    ZERO,
    close_window,
    draw,
    open_window,
    random_network,
    stroke,
    trained_model_path,
)
from lstm_viewer.gui import MainWindow

Qt = QtCore.Qt
WAIT_MS = 20_000   # waitUntil's limit: generous, the machine may be busy (not a timing assertion)


@pytest.fixture
def window(qtbot):
    win = open_window(qtbot, random_network())
    yield win
    close_window(win)


def child(win, cls, name):
    found = win.findChild(cls, name)
    assert found is not None, name
    return found


def test_builds_with_the_automation_surface(qtbot):
    win = MainWindow(random_network([8], name="tiny.keras"))
    qtbot.addWidget(win)
    assert win.trace is None
    for cls, name in [(QtWidgets.QWidget, "drawCanvas"), (QtWidgets.QPushButton, "clearButton"),
                      (QtWidgets.QSlider, "rowSlider"), (QtWidgets.QPushButton, "prevRowButton"),
                      (QtWidgets.QPushButton, "nextRowButton"), (QtWidgets.QPushButton, "playButton"),
                      (QtWidgets.QLabel, "predictionLabel")]:
        child(win, cls, name)
    for name in ("openModelAction", "saveModelAction", "openImageAction", "exportPngAction",
                 "exportTraceAction", "trainAction", "undoAction", "clearAction", "resetLayoutAction",
                 "gatesAction", "orderByMagnitudeAction"):
        assert win.findChild(QtGui.QAction, name) is not None, name
    for name in ("inputDock", "predictionDock"):
        assert child(win, QtWidgets.QDockWidget, name).isVisibleTo(win), name
    assert win.state.network is win.network and win.state.row == 27 and win.state.selection is None
    slider = child(win, QtWidgets.QSlider, "rowSlider")
    assert (slider.minimum(), slider.maximum()) == (0, 27)
    assert "tiny.keras" in win.windowTitle() and "1 × 8 LSTM" in win.windowTitle()


def test_drawing_with_the_mouse_changes_the_trace(window, qtbot):
    canvas = child(window, QtWidgets.QWidget, "drawCanvas")
    stroke(canvas, ONE[0])
    assert window.trace is not None
    first = window.trace.probs.copy()
    stroke(canvas, [(0.2, 0.3), (0.8, 0.3)])
    assert window.trace is not None
    assert not np.allclose(first, window.trace.probs)
    # the input the network saw is the preprocessed drawing: centred, 20x20 box, in [0, 1]
    assert window.trace.image.shape == (28, 28) and window.trace.image.max() == pytest.approx(1.0)


def test_live_updates_while_the_button_is_still_down(window, qtbot):
    canvas = child(window, QtWidgets.QWidget, "drawCanvas")
    merging = Qt.ApplicationAttribute.AA_CompressHighFrequencyEvents
    before = QtCore.QCoreApplication.testAttribute(merging)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QtCore.QPoint(150, 60))
    for y in range(60, 240, 10):
        QTest.mouseMove(canvas, QtCore.QPoint(150, y))
    qtbot.waitUntil(lambda: window.trace is not None, timeout=WAIT_MS)   # throttled, not on release
    # While the stroke is drawn Qt must not merge mouse moves (a busy moment would straighten a
    # curve); merging comes back as it was with the release.
    assert not QtCore.QCoreApplication.testAttribute(merging)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QtCore.QPoint(150, 240))
    assert QtCore.QCoreApplication.testAttribute(merging) == before


@pytest.mark.parametrize("digit, expected", [(ONE, 1), (SEVEN, 7), (ZERO, 0)])
def test_drawn_digits_read_correctly(qtbot, digit, expected):
    from lstm_viewer import load_network
    win = open_window(qtbot, load_network(trained_model_path()))
    draw(child(win, QtWidgets.QWidget, "drawCanvas"), digit)
    assert win.trace.prediction == expected
    child(win, QtWidgets.QSlider, "rowSlider").setValue(27)
    assert str(expected) in child(win, QtWidgets.QLabel, "predictionLabel").text()


def test_clear_and_undo(window, qtbot):
    canvas = child(window, QtWidgets.QWidget, "drawCanvas")
    draw(canvas, SEVEN)
    stroke(canvas, [(0.3, 0.5), (0.7, 0.5)])
    with_bar = window.trace.probs.copy()
    window.undoAction.trigger()
    assert window.trace is not None and not np.allclose(with_bar, window.trace.probs)
    qtbot.mouseClick(child(window, QtWidgets.QPushButton, "clearButton"), Qt.MouseButton.LeftButton)
    assert window.trace is None and canvas.is_empty()
    assert "Draw" in child(window, QtWidgets.QLabel, "predictionLabel").text()
    assert np.isnan(window.layers.views[0].h.image.image).all()   # nothing drawn: blank heatmaps


def test_stepping_by_slider_buttons_and_keys(window, qtbot):
    draw(child(window, QtWidgets.QWidget, "drawCanvas"), ZERO)
    slider = child(window, QtWidgets.QSlider, "rowSlider")
    slider.setValue(10)
    assert window.stepper.row() == 10 and window.state.row == 10
    qtbot.mouseClick(child(window, QtWidgets.QPushButton, "prevRowButton"), Qt.MouseButton.LeftButton)
    assert slider.value() == 9
    qtbot.mouseClick(child(window, QtWidgets.QPushButton, "nextRowButton"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(child(window, QtWidgets.QPushButton, "nextRowButton"), Qt.MouseButton.LeftButton)
    assert slider.value() == 11
    window.activateWindow()
    qtbot.waitActive(window)
    for key, expected in [(Qt.Key.Key_Left, 10), (Qt.Key.Key_Right, 11), (Qt.Key.Key_Home, 0),
                          (Qt.Key.Key_End, 27), (Qt.Key.Key_Left, 26)]:
        QTest.keyClick(window, key)
        assert slider.value() == expected and window.state.row == expected, key
    slider.setFocus()   # keys work the same when the slider itself has the focus
    QTest.keyClick(slider, Qt.Key.Key_Left)
    assert slider.value() == 25


def test_play_advances_and_stops_at_the_last_row(window, qtbot):
    draw(child(window, QtWidgets.QWidget, "drawCanvas"), ONE)
    window.stepper.speed.setCurrentIndex(window.stepper.speed.count() - 1)   # fastest
    window.stepper.set_row(20)
    play = child(window, QtWidgets.QPushButton, "playButton")
    qtbot.mouseClick(play, Qt.MouseButton.LeftButton)
    assert window.stepper.is_playing()
    qtbot.waitUntil(lambda: not window.stepper.is_playing(), timeout=WAIT_MS)
    assert window.stepper.row() == 27 and not play.isChecked()
    window.activateWindow()
    qtbot.waitActive(window)
    QTest.keyClick(window, Qt.Key.Key_Space)        # Space at the end plays from the start
    assert window.stepper.is_playing() and window.stepper.row() == 0
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert not window.stepper.is_playing()


@pytest.mark.parametrize("by_magnitude", [False, True])
def test_plots_hold_the_trace_for_the_current_row(window, qtbot, by_magnitude):
    draw(child(window, QtWidgets.QWidget, "drawCanvas"), SEVEN)
    window.layers.order_action.setChecked(by_magnitude)
    assert window.state.rank_by_magnitude == by_magnitude
    t = 12
    child(window, QtWidgets.QSlider, "rowSlider").setValue(t)
    tr = window.trace
    for k, view in enumerate(window.layers.views):
        order = (np.argsort(-np.abs(tr.h[k][t]), kind="stable") if by_magnitude
                 else np.arange(tr.h[k].shape[1]))
        assert np.array_equal(view.displayed_order(), order)
        for heat, values in ((view.c, tr.c[k]), (view.h, tr.h[k])):
            shown = heat.image.image
            np.testing.assert_array_equal(shown[:t + 1], values[:t + 1][:, order])
            assert np.isnan(shown[t + 1:]).all()                  # rows not read yet are blank
            x, y = heat.curve.data()                  # stems: (unit + 0.5, 0) → (unit + 0.5, value)
            np.testing.assert_array_equal(y, values[t, order])
            np.testing.assert_array_equal(x, np.arange(len(order)) + 0.5)
        assert view.h.image.levels.tolist() == [-1.0, 1.0]
        low, high = view.c.image.levels
        assert low == -high and high >= np.abs(tr.c[k]).max()
    np.testing.assert_array_equal(window.softmax.current_bars.heights(), tr.probs[t])
    assert window.softmax.current_bars.highlighted() == np.argmax(tr.probs[t])
    np.testing.assert_array_equal(window.softmax.final_bars.heights(), tr.probs[-1])
    assert window.softmax.final_bars.highlighted() == tr.prediction
    np.testing.assert_array_equal(window.softmax.time_image.image[:t + 1], tr.probs[:t + 1])
    assert np.isnan(window.softmax.time_image.image[t + 1:]).all()
    assert window.softmax.current_text.text() == f"row {t + 1}"
    np.testing.assert_array_equal(window.input_view.image.image, tr.image)
    top = int(np.argmax(tr.probs[t]))
    expected = f"Final answer: {tr.prediction}" if t == 27 else f"So far {top} · final {tr.prediction}"
    assert child(window, QtWidgets.QLabel, "predictionLabel").text() == expected


def test_gates_view(window, qtbot):
    draw(child(window, QtWidgets.QWidget, "drawCanvas"), ONE)
    window.stepper.set_row(20)
    window.layers.gates_action.trigger()
    assert window.state.show_gates
    tr = window.trace
    for k, view in enumerate(window.layers.views):
        assert view.gates_visible()
        for g, heat in enumerate(view.gates):
            np.testing.assert_array_equal(heat.image.image[:21], tr.gates[k][:21, g])
            assert np.isnan(heat.image.image[21:]).all()
    window.layers.gates_action.trigger()
    assert not window.state.show_gates and not window.layers.views[0].gates_visible()
    window.state.show_gates = True       # the state drives the views and the action's check mark
    assert window.layers.gates_action.isChecked()
    assert all(view.gates_visible() for view in window.layers.views)


def test_stack_state_differences_are_float32_rounding(window, qtbot):
    draw(child(window, QtWidgets.QWidget, "drawCanvas"), ZERO)
    window.stack_state.check_output_now()
    for row in (0, 13, 27):
        window.stepper.set_row(row)
        assert window.stack_state.output_gap < 1e-5
        assert window.stack_state.cell_gap < 1e-6
    assert "max |state[−1].h − outputs[:, −1]| = " in window.stack_state.output_check.text()
    assert "differ" not in window.stack_state.output_check.text()
    assert "(1, 16)" in window.stack_state.structure.text()


def test_band_on_the_canvas_follows_the_row(window, qtbot):
    canvas = child(window, QtWidgets.QWidget, "drawCanvas")
    stroke(canvas, [(0.5, 0.2), (0.5, 0.8)])       # a vertical bar from 20% to 80% of the paper
    first, last = np.flatnonzero(window.trace.image.any(axis=1))[[0, -1]]
    window.state.row = int(first)
    top = canvas.band()[0]
    window.state.row = int(last)
    bottom = canvas.band()[1]
    assert top == pytest.approx(0.2, abs=0.06) and bottom == pytest.approx(0.8, abs=0.06)


def test_samples_are_traced_when_picked(window, qtbot):
    from lstm_viewer.core.digits import DigitSet
    rng = np.random.default_rng(1)
    images = (rng.random((5, 28, 28)) > 0.8).astype(np.uint8) * 255
    digits = DigitSet("test digits", images, np.array([0, 1, 2, 3, 4]), np.arange(5),
                      predicted=np.array([0, 1, 9, 3, 9]))
    window.samples.add_set(digits)
    window.samples.only_wrong.setChecked(True)
    assert window.samples.model.rowCount() == 2
    window.samples.view.setCurrentIndex(window.samples.model.index(1))   # digit #4
    np.testing.assert_array_equal(window.trace.image, images[4] / 255.0)
    assert "true label 4" in window.samples.info.text()


def test_edit_shortcuts_undo_and_clear(window, qtbot):
    canvas = child(window, QtWidgets.QWidget, "drawCanvas")
    draw(canvas, SEVEN)
    seven = window.trace.probs.copy()
    stroke(canvas, [(0.3, 0.5), (0.7, 0.5)])
    assert not np.array_equal(window.trace.probs, seven)
    window.activateWindow()
    qtbot.waitActive(window)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(window.trace.probs, seven)   # the one stroke of the 7 is left
    assert not canvas.is_empty()
    QTest.keyClick(window, Qt.Key.Key_Delete)
    assert canvas.is_empty() and window.trace is None


def test_hovering_a_heatmap_names_unit_row_and_value(window, qtbot, monkeypatch):
    draw(child(window, QtWidgets.QWidget, "drawCanvas"), ZERO)
    window.stepper.set_row(20)
    shown = []
    monkeypatch.setattr(QtWidgets.QToolTip, "showText", lambda pos, text, *a: shown.append(text))
    view = window.layers.views[1]
    moved = view.states.scene().sigMouseMoved          # what the scene emits as the pointer moves
    moved.emit(view.h.plot.vb.mapViewToScene(QtCore.QPointF(5.5, 10.5)))   # unit 5, row 11
    assert shown and f"h = {window.trace.h[1][10, 5]:+.3f}" in shown[-1] and "unit 5" in shown[-1]
    moved.emit(view.h.plot.vb.mapViewToScene(QtCore.QPointF(5.5, 25.5)))
    assert "not read yet" in shown[-1]


def test_run_app_opens_the_window_with_a_traced_sample(qapp, tmp_path, no_hard_exit):
    from gui_support import write_keras_file
    from lstm_viewer.core.digits import load_samples
    from lstm_viewer.gui.app import run_app
    if load_samples() is None:
        pytest.skip("assets/samples.npz not there")
    model = write_keras_file(tmp_path / "m.keras", random_network())
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    seen = []

    def look_and_close() -> None:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen.extend((w.trace is not None, w.windowTitle()) for w in windows)
        for w in windows:
            close_window(w)

    QtCore.QTimer.singleShot(300, look_and_close)
    assert run_app(model, settings=settings) == 0
    assert seen and seen[0][0] and "m.keras" in seen[0][1]


def test_clicking_the_selected_sample_again_shows_it_after_drawing(window, qtbot):
    from lstm_viewer.core.digits import DigitSet
    images = np.zeros((2, 28, 28), np.uint8)
    images[0, 5:23, 12:16] = 255
    images[1, 8:20, 6:22] = 255
    window.samples.add_set(DigitSet("test digits", images, np.array([1, 0]), np.arange(2)))
    view = window.samples.view
    index = window.samples.model.index(1)
    qtbot.waitUntil(lambda: view.visualRect(index).isValid(), timeout=2000)   # batched layout
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    np.testing.assert_array_equal(window.trace.image, images[1] / 255.0)
    assert view.selectionModel().isSelected(index)
    draw(child(window, QtWidgets.QWidget, "drawCanvas"), ONE)
    assert not np.array_equal(window.trace.image, images[1] / 255.0)
    assert not view.selectionModel().isSelected(index)   # the grid no longer claims to show it
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selectionModel().isSelected(index)
    np.testing.assert_array_equal(window.trace.image, images[1] / 255.0)
    assert window.canvas.is_empty()
    window.activateWindow()
    qtbot.waitActive(window)
    view.setFocus()
    row = window.stepper.row()
    QTest.keyClick(view, Qt.Key.Key_Left)   # with a sample picked, Left still steps rows
    assert window.stepper.row() == row - 1
    np.testing.assert_array_equal(window.trace.image, images[1] / 255.0)


# --- settings and layout ------------------------------------------------------------------------
def ini_settings(path) -> QtCore.QSettings:
    return QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat)


def test_settings_remember_view_options_geometry_and_panels(qtbot, tmp_path):
    path = tmp_path / "settings.ini"
    first = open_window(qtbot, random_network(), settings=ini_settings(path))
    assert not first.state.show_gates and not first.state.rank_by_magnitude
    first.layers.gates_action.trigger()
    first.state.rank_by_magnitude = True
    first.resize(first.width(), 700)   # the offscreen screen is 800 px high: a height that fits it
    child(first, QtWidgets.QDockWidget, "inputDock").hide()
    close_window(first)

    second = open_window(qtbot, random_network(seed=4), settings=ini_settings(path))
    assert second.state.show_gates and second.state.rank_by_magnitude
    assert second.layers.gates_action.isChecked() and second.layers.order_action.isChecked()
    # Restored (a new window starts 1000 px high). The width is not checked: restoreGeometry
    # limits it to the 800-px offscreen screen, and the window's minimum is wider than that.
    assert second.height() == 700
    assert not child(second, QtWidgets.QDockWidget, "inputDock").isVisible()
    assert child(second, QtWidgets.QDockWidget, "predictionDock").isVisible()
    close_window(second)


def test_settings_remember_the_last_model_and_the_data_folder(qtbot, tmp_path):
    from gui_support import write_keras_file
    path = tmp_path / "settings.ini"
    model = write_keras_file(tmp_path / "kept.keras", random_network([8]))
    win = MainWindow(random_network(), settings=ini_settings(path))
    qtbot.addWidget(win)
    win.set_network(random_network([8]), name="kept.keras", source_path=str(model))
    win.trainAction.trigger()
    win.training_panel.data_edit.setText(str(tmp_path))
    close_window(win)
    saved = ini_settings(path)
    assert saved.value("last_model") == str(model.resolve())
    assert saved.value("data_folder") == str(tmp_path)

    again = MainWindow(random_network(), settings=ini_settings(path))
    qtbot.addWidget(again)
    again.trainAction.trigger()
    assert again.training_panel.data_edit.text() == str(tmp_path)
    close_window(again)


def test_a_model_trained_here_and_not_saved_is_not_remembered(qtbot, tmp_path, monkeypatch):
    from gui_support import write_keras_file
    monkeypatch.setattr(QtWidgets.QMessageBox, "question",   # closing asks: Discard
                        lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Discard)
    path = tmp_path / "settings.ini"
    model = write_keras_file(tmp_path / "kept.keras", random_network([8]))
    win = MainWindow(random_network(), settings=ini_settings(path))
    qtbot.addWidget(win)
    win.set_network(random_network([8]), name="trained", source_path=str(model), unsaved=True)
    close_window(win)
    assert ini_settings(path).value("last_model") is None


def test_reset_layout_puts_the_panels_back(window, qtbot):
    inputs = child(window, QtWidgets.QDockWidget, "inputDock")
    prediction = child(window, QtWidgets.QDockWidget, "predictionDock")
    area = Qt.DockWidgetArea
    assert window.dockWidgetArea(inputs) == area.LeftDockWidgetArea
    assert window.dockWidgetArea(prediction) == area.RightDockWidgetArea
    inputs.hide()
    window.removeDockWidget(prediction)
    window.addDockWidget(area.BottomDockWidgetArea, prediction)
    prediction.show()
    window.state.show_gates = True
    window.resize(1000, 700)
    child(window, QtGui.QAction, "resetLayoutAction").trigger()
    assert inputs.isVisible() and prediction.isVisible()
    assert window.dockWidgetArea(inputs) == area.LeftDockWidgetArea
    assert window.dockWidgetArea(prediction) == area.RightDockWidgetArea
    assert not inputs.isFloating() and not prediction.isFloating()
    # The first window's size, within the screen (the offscreen screen is 800 × 800), and never
    # below the window's own minimum.
    room = window.screen().availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size()
    assert window.size() == QtCore.QSize(1600, 1000).boundedTo(room.size() - frame).expandedTo(
        window.minimumSizeHint())
    assert window.frameGeometry().left() >= room.left() and window.frameGeometry().top() >= room.top()
    assert window.state.show_gates        # the layout, not the view options


def test_panels_keep_the_application_style_and_load_their_title_icons_once(window, qtbot):
    """Fusion reloads a dock title's icons on every repaint (a PNG decode each); the panels' style
    keeps them, and is otherwise the application's own."""
    app = QtWidgets.QApplication.instance()
    close = QtWidgets.QStyle.StandardPixmap.SP_TitleBarCloseButton
    for dock in window.findChildren(QtWidgets.QDockWidget):
        style = dock.style()
        assert isinstance(style, QtWidgets.QProxyStyle)
        assert style.baseStyle().name() == app.style().name()
        assert style.standardIcon(close).cacheKey() == style.standardIcon(close).cacheKey()


def test_the_panels_style_is_made_anew_for_a_new_application():
    """The kept-icons style belongs to its application: after that one is gone a new one gets its own
    (a second application in one process asked a deleted style for its parent)."""
    import subprocess
    import sys
    code = ("from PyQt6 import QtWidgets\n"
            "from lstm_viewer.gui.window.dock_style import kept_icons_style\n"
            "import gc\n"
            "app = QtWidgets.QApplication([]); first = kept_icons_style(); del app; gc.collect()\n"
            "app = QtWidgets.QApplication([]); second = kept_icons_style()\n"
            "assert second.parent() is app; print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr


class _Steps:
    """A job's context for ``_predict_all``: counts the steps it starts; cancels after ``stop_at``."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.checks, self.stop_at = 0, stop_at

    def check(self) -> None:
        from lstm_viewer.core.cancel import Cancelled
        self.checks += 1
        if self.stop_at is not None and self.checks > self.stop_at:
            raise Cancelled()


def test_scoring_a_digit_set_on_every_core_gives_the_networks_answers():
    """The scoring job runs its 32-digit steps on every core; the answers are the network's own, in
    order, for a set that is not a whole number of steps; a cancel starts no new step."""
    from dataclasses import replace

    from lstm_viewer.core.cancel import Cancelled
    from lstm_viewer.core.digits import DigitSet
    from lstm_viewer.gui.state.session import SCORE_STEP, _predict_all
    network = random_network([16, 16], seed=3)
    rng = np.random.default_rng(7)
    images = (rng.uniform(0, 1, (3 * SCORE_STEP + 5, 28, 28)) * 255).astype(np.uint8)
    digits = DigitSet("random", images, np.zeros(len(images), np.int64), np.arange(len(images)))
    steps = _Steps()
    answers = _predict_all(network, digits, steps)
    expected = network.predict(images.astype(np.float32) / 255.0).argmax(axis=1)
    np.testing.assert_array_equal(answers, expected)
    assert steps.checks >= 4                      # at least one per step
    with pytest.raises(Cancelled):
        _predict_all(network, replace(digits), _Steps(stop_at=1))


def test_a_cancelled_scoring_job_does_not_wait_for_its_running_steps(monkeypatch):
    """Closing the window cancels the scoring job and waits a bounded time for it: the job must end
    while a step still runs (its threads run below the window's priority; on a busy machine a step
    outlasted the wait). The step here blocks until the test lets it go."""
    import threading

    from lstm_viewer.core import digits as digit_sets
    from lstm_viewer.core.cancel import Cancelled
    from lstm_viewer.core.digits import DigitSet
    from lstm_viewer.gui.state.session import SCORE_STEP, _predict_all
    release, started, finished = threading.Event(), threading.Event(), threading.Event()

    def blocked_step(network, digits):
        started.set()
        release.wait(10)
        finished.set()
        return np.zeros(len(digits.images), int)

    monkeypatch.setattr(digit_sets, "predict_all", blocked_step)
    images = np.zeros((4 * SCORE_STEP, 28, 28), np.uint8)
    digits = DigitSet("blank", images, np.zeros(len(images), np.int64), np.arange(len(images)))

    class CancelOnceStarted:
        def check(self) -> None:
            if started.is_set():
                raise Cancelled()

    try:
        with pytest.raises(Cancelled):
            _predict_all(random_network([4]), digits, CancelOnceStarted())
        assert not finished.is_set()   # it returned with the steps still running
    finally:
        release.set()
