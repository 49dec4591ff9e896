"""The training history's timeline in the window (issue 24, points 4, 5 and 9): the snapshot's weights
become every view's model, the views update (not rebuild), A stays pinned, the selection stays, c's
colour range is fixed over the history, and the panel's answers come from one batched pass."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from gui_support import close_window, open_window, random_network, write_keras_file
from lstm_viewer import load_network
from lstm_viewer.analysis.history import history_pass, probabilities_over_history
from lstm_viewer.core.assets import history_model_path
from lstm_viewer.core.digits import load_samples
from lstm_viewer.core.history import load_history
from lstm_viewer.gui.plots import style

WAIT_MS = 30_000   # waitUntil's limit: the machine may be busy (not a timing assertion)


@pytest.fixture(scope="module")
def history():
    return load_history(history_model_path())


@pytest.fixture(scope="module")
def seven() -> np.ndarray:
    samples = load_samples()
    return samples.image(int(np.flatnonzero(samples.labels == 7)[0]))


@pytest.fixture
def window(qtbot, history, seven):
    """The window on the shipped history model, a 7 shown, the timeline open and the pass done."""
    win = open_window(qtbot, load_network(history_model_path()), size=(1600, 1000))
    assert win.state.history is not None   # a window on a file with a history has it from the start
    win.show_panel("historyDock")
    win.show_input(seven)
    qtbot.waitUntil(lambda: win.state.history_pass is not None, timeout=WAIT_MS)
    yield win
    close_window(win)


def panel_of(win) -> QtWidgets.QWidget:
    return win.findChild(QtWidgets.QWidget, "historyPanel")


def slider_of(win) -> QtWidgets.QSlider:
    return win.findChild(QtWidgets.QSlider, "historySlider")


def test_batched_pass_equals_one_snapshot_at_a_time(history, seven):
    probs = probabilities_over_history(history, seven)
    assert probs.shape == (len(history), 10)
    separate = np.array([history.network(i).trace(seven).probs[-1] for i in range(len(history))])
    np.testing.assert_allclose(probs, separate, atol=1e-6, rtol=0)
    c_max = np.array([[np.abs(c).max() for c in history.network(i).trace(seven).c]
                      for i in range(len(history))])
    np.testing.assert_allclose(history_pass(history, seven).c_max, c_max, atol=1e-5, rtol=0)
    assert int(np.argmax(probs[-1])) == 7 and probs[0].max() < 0.5   # from chance to 7


def test_opening_a_history_enables_the_timeline_and_a_file_without_one_says_so(qtbot, tmp_path, history):
    win = open_window(qtbot, random_network([16, 16]))
    win.show_panel("historyDock")
    panel, slider = panel_of(win), slider_of(win)
    empty = win.findChild(QtWidgets.QLabel, "historyEmptyLabel")
    assert win.session.history is None and empty.isVisible() and not slider.isVisible()
    assert "Open the model with a training history" in empty.text()
    win.openHistoryModelAction.trigger()
    qtbot.waitUntil(lambda: win.session.history is not None, timeout=WAIT_MS)
    assert len(win.session.history) == len(history) and win.state.snapshot == len(history) - 1
    assert slider.isVisible() and slider.maximum() == len(history) - 1 and not empty.isVisible()
    assert panel.isVisible()
    plain = write_keras_file(tmp_path / "plain.keras", random_network([16, 16], seed=3))
    win.session.load_model(plain)
    qtbot.waitUntil(lambda: win.model_name == "plain.keras", timeout=WAIT_MS)
    assert win.session.history is None and win.state.snapshot is None
    assert empty.isVisible() and not slider.isVisible()
    close_window(win)


def test_the_timeline_sets_exactly_the_snapshot_and_every_view_follows(window, history, seven):
    state = window.state
    views = list(window.layers.views)
    state.row = 20
    state.selection = (1, 5)
    window.pin()
    pinned = state.pinned
    for index in (0, 7, len(history) - 1, 3):
        slider_of(window).setValue(index)
        assert state.snapshot == index
        expected = history.network(index)
        for mine, theirs in zip(state.network.layers, expected.layers, strict=True):
            for a, b in ((mine.kernel, theirs.kernel), (mine.recurrent_kernel, theirs.recurrent_kernel),
                         (mine.bias, theirs.bias)):
                np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(state.network.dense_kernel, expected.dense_kernel)
        np.testing.assert_array_equal(state.network.dense_bias, expected.dense_bias)
        trace = expected.trace(seven)
        np.testing.assert_array_equal(state.trace.probs, trace.probs)
        for k in range(len(trace.c)):
            np.testing.assert_array_equal(state.trace.c[k], trace.c[k])
            np.testing.assert_array_equal(state.trace.h[k], trace.h[k])
        # The views show it: each layer's heatmaps and the softmax over rows (rows read so far).
        for k, view in enumerate(window.layers.views):
            np.testing.assert_array_equal(view.c.image.image[:21], trace.c[k][:21])
            np.testing.assert_array_equal(view.h.image.image[:21], trace.h[k][:21])
        np.testing.assert_array_equal(window.softmax.time_image.image[:21], trace.probs[:21])
        # Same input, row, selection; A stays pinned as it was computed (then), B is this snapshot.
        np.testing.assert_array_equal(state.image, seven)
        assert state.row == 20 and state.selection == (1, 5) and state.pinned is pinned
    # Updated, not rebuilt: the same layer views throughout.
    assert all(a is b for a, b in zip(views, window.layers.views, strict=True))


def test_c_colour_ranges_are_fixed_over_the_history(window, history):
    done = window.state.history_pass
    limits = [style.symmetric_limit(done.c_limits()[k:k + 1]) for k in range(len(window.layers.views))]
    expected = [(-limit, limit) for limit in limits]
    levels = []
    for index in (0, len(history) // 2, len(history) - 1):
        window.session.show_snapshot(index)
        levels.append([view.c_levels() for view in window.layers.views])
    assert levels[0] == levels[1] == levels[2] == expected


def test_the_grid_is_the_batched_pass_and_marks_the_answer(window, history, seven):
    panel = panel_of(window)
    np.testing.assert_array_equal(panel.probabilities, probabilities_over_history(history, seven))
    window.session.show_snapshot(2)
    np.testing.assert_array_equal(panel.probabilities, window.state.history_pass.probs)
    assert "Snapshot 3 of" in window.findChild(QtWidgets.QLabel, "historyStatus").text()


def test_play_advances_and_stops_at_the_end(window, qtbot, history):
    panel = panel_of(window)
    speed = window.findChild(QtWidgets.QComboBox, "historySpeedBox")
    speed.setCurrentIndex(speed.count() - 1)
    window.session.show_snapshot(len(history) - 4)
    play = window.findChild(QtWidgets.QPushButton, "historyPlayButton")
    play.click()
    assert panel.is_playing()
    qtbot.waitUntil(lambda: window.state.snapshot == len(history) - 1 and not panel.is_playing(),
                    timeout=WAIT_MS)
    assert not play.isChecked()
    # Play at the end starts over.
    play.click()
    qtbot.waitUntil(lambda: window.state.snapshot in (0, 1, 2), timeout=WAIT_MS)
    play.click()
    assert not panel.is_playing()


def test_keys_arrows_step_the_slider_and_space_plays(window, qtbot):
    slider = slider_of(window)
    window.session.show_snapshot(5)
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus, timeout=WAIT_MS)
    row = window.state.row
    qtbot.keyClick(slider, QtCore.Qt.Key.Key_Right)
    assert window.state.snapshot == 6 and window.state.row == row   # the timeline, not the row
    qtbot.keyClick(slider, QtCore.Qt.Key.Key_Left)
    assert window.state.snapshot == 5
    qtbot.keyClick(slider, QtCore.Qt.Key.Key_Space)
    assert panel_of(window).is_playing()
    qtbot.keyClick(slider, QtCore.Qt.Key.Key_Space)
    assert not panel_of(window).is_playing()


def test_new_weights_of_another_model_restart_the_pin(qtbot):
    """Outside a history a new model still unpins A (its trace was read by another model)."""
    win = open_window(qtbot, random_network([16, 16]))
    win.show_input(np.eye(28, dtype=np.float32))
    win.pin()
    views = list(win.layers.views)
    win.set_network(random_network([16, 16], seed=5))
    assert win.state.pinned is None
    assert all(a is b for a, b in zip(views, win.layers.views, strict=True))   # same shape: updated
    close_window(win)


def test_save_as_of_a_trained_model_keeps_its_history(qtbot, tmp_path, history):
    """A model trained here arrives as its temporary file (the history inside, as the training
    process writes it); Save model as… copies it, without Keras."""
    import shutil

    from lstm_viewer.ml.train_process import TrainedFile
    win = open_window(qtbot, random_network([16, 16]))
    trained = history.network(-1)
    trained_file = TrainedFile("trained-2x64.keras")
    shutil.copyfile(history_model_path(), trained_file.path)
    win.session.adopt_trained(trained, trained_file, "a model trained here", history=history)
    assert win.session.history is history and win.unsaved
    win.session.show_snapshot(4)   # saving saves the model, not the snapshot shown
    path = win.session.save_model_as(tmp_path / "trained.keras")
    assert trained_file.discarded   # saved: the temporary file is gone
    saved = load_history(path)
    assert len(saved) == len(history)
    np.testing.assert_array_equal(saved.steps, history.steps)
    np.testing.assert_array_equal(saved.lstm[1][1], history.lstm[1][1])
    np.testing.assert_array_equal(load_network(path).layers[0].kernel, trained.layers[0].kernel)
    # Reopened, the history is there again.
    win.session.load_model(path)
    qtbot.waitUntil(lambda: win.model_name == "trained.keras" and win.session.history is not None,
                    timeout=WAIT_MS)
    assert len(win.session.history) == len(history)
    close_window(win)


def test_a_window_opened_on_a_file_with_a_history_has_its_timeline(qtbot):
    """``lstm-viewer --model history-2x64.keras`` (the window built on the launched network) opens
    with the file's training history, as File ▸ Open model… does."""
    from gui_support import close_window, open_window
    from lstm_viewer import load_network
    from lstm_viewer.core.assets import history_model_path
    window = open_window(qtbot, load_network(history_model_path()))
    try:
        history = window.session.history
        assert history is not None and len(history) >= 20
        assert window.state.snapshot == len(history) - 1
    finally:
        close_window(window)


def test_pinning_with_a_history_says_which_snapshot_a_is(qtbot):
    from gui_support import close_window, open_window
    from lstm_viewer import load_network
    from lstm_viewer.core.assets import history_model_path
    window = open_window(qtbot, load_network(history_model_path()))
    try:
        window.show_first_sample()
        window.session.show_snapshot(5)
        window.pin()
        assert "as snapshot 6 of" in window.statusBar().currentMessage()
        window.session.show_snapshot(-1)
        assert window.state.pinned is not None   # A stays: the same digit then and now
    finally:
        close_window(window)
