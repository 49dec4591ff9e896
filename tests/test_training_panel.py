"""Training from the app (issue 5): the panel, and real (tiny) trainings through the job runner.

Real trainings are 1 layer × 16 units on about 1,000 digits (a few seconds plus TensorFlow's import:
each run trains in a training process of its own, ``ml.train_process``, tested on its own in
test_training_process.py). The job runner itself is tested in test_jobs.py; every test runs under the
conftest's leaked-thread check. How long the GUI thread stalls while training, and how soon the app
exits after a close, are measured in benchmarks/bench_training_gui.py and benchmarks/bench_exit_gui.py
(timings, not assertions).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from lstm_viewer.gui.state.jobs import JobRunner
from lstm_viewer.gui.training.panel import PRESETS, TrainingPanel
from lstm_viewer.ml.train_process import TrainedFile
from lstm_viewer.ml.training import Progress, TrainingError

ROOT = Path(__file__).resolve().parent.parent
TRAIN_TIMEOUT_MS = 240_000   # generous: the machine may be busy; a run takes seconds when it is not
EXIT_TIMEOUT_S = 120         # a process that has not exited by then hangs (not a timing assertion)


# --- fixtures --------------------------------------------------------------------------------
def tiny(panel: TrainingPanel, data: Path, samples: int = 1000, batch: int = 64) -> TrainingPanel:
    panel.data_edit.setText(str(data))
    panel.layersSpin.setValue(1)
    panel.unitsSpin.setValue(16)
    panel.epochsSpin.setValue(1)
    panel.samplesSpin.setValue(samples)
    panel.batchSpin.setValue(batch)
    panel.lrSpin.setValue(0.003)
    return panel


@pytest.fixture
def runner(qtbot):
    runner = JobRunner()
    yield runner
    # Cancel a run a failed test left behind; training stops within a batch, TensorFlow's
    # import cannot be interrupted: wait long enough for it.
    assert runner.shutdown(TRAIN_TIMEOUT_MS), [t.objectName() for t in runner.threads()]


@pytest.fixture
def panel(qtbot, runner, mnist_path) -> TrainingPanel:
    widget = TrainingPanel(runner)
    qtbot.addWidget(widget)
    return tiny(widget, mnist_path)


class Recorder:
    """Collects a signal's emissions."""

    def __init__(self, signal) -> None:
        self.calls: list[tuple] = []
        signal.connect(lambda *args: self.calls.append(args))


def wait_until_idle(qtbot, panel: TrainingPanel) -> None:
    qtbot.waitUntil(lambda: not panel.busy, timeout=TRAIN_TIMEOUT_MS)


def training_job(runner: JobRunner):
    """The panel's running training job (the runner's public view of it)."""
    jobs = runner.jobs("training")
    assert len(jobs) == 1, jobs
    return jobs[0]


# --- the panel's fields ---------------------------------------------------------------------
def test_presets_fill_the_fields_and_editing_makes_it_custom(qtbot):
    panel = TrainingPanel(JobRunner())
    qtbot.addWidget(panel)
    panel.preset_combo.setCurrentText("Seed")
    assert (panel.layersSpin.value(), panel.unitsSpin.value(), panel.samplesSpin.value()) == \
        (3, 256, 60_000)
    assert panel.config().limit is None   # all the digits
    panel.preset_combo.setCurrentText("Quick")
    config = panel.config()
    assert (config.layers, config.units, config.epochs, config.limit) == (1, 64, 1, 10_000)
    assert PRESETS["quick"]["samples"] == 10_000
    panel.unitsSpin.setValue(32)
    assert panel.preset_combo.currentText() == "Custom"
    for name in ("layersSpin", "unitsSpin", "epochsSpin", "samplesSpin", "keepProbSpin", "batchSpin",
                 "lrSpin", "dataEdit", "dataBrowseButton", "trainStartButton", "trainCancelButton",
                 "trainProgress", "presetCombo"):
        widget = panel.findChild(QtWidgets.QWidget, name)
        assert widget is not None, name
        assert widget.toolTip(), f"{name} has no tooltip"
    assert not panel.busy and not panel.cancel_button.isEnabled()


def test_data_field_shows_the_source_used_and_empty_is_no_override(qtbot, monkeypatch, tmp_path):
    """Empty is the default, shown as the placeholder: $LSTM_VIEWER_MNIST's folder when set (not
    "Keras cache"); the window does not save an empty field, so the environment keeps deciding."""
    from gui_support import close_window, random_network
    from lstm_viewer.gui import MainWindow

    def ini_settings(path) -> QtCore.QSettings:
        return QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat)
    monkeypatch.setenv("LSTM_VIEWER_MNIST", str(tmp_path))
    panel = TrainingPanel(JobRunner())
    qtbot.addWidget(panel)
    assert panel.data_edit.text() == "" and panel.data_folder() == ""
    assert str(tmp_path) in panel.data_edit.placeholderText()
    assert "Keras" not in panel.data_edit.placeholderText()
    monkeypatch.delenv("LSTM_VIEWER_MNIST")
    assert "Keras cache" in TrainingPanel(JobRunner()).data_edit.placeholderText()

    monkeypatch.setenv("LSTM_VIEWER_MNIST", str(tmp_path))
    path = tmp_path / "settings.ini"
    settings = ini_settings(path)
    settings.setValue("data_folder", "/an/old/override")
    win = MainWindow(random_network([8]), settings=settings)
    qtbot.addWidget(win)
    win.trainAction.trigger()
    assert win.training_panel.data_edit.text() == "/an/old/override"
    win.training_panel.data_edit.clear()   # back to the default
    close_window(win)
    assert ini_settings(path).value("data_folder") is None


def test_progress_text_fits_its_bar(qtbot):
    """At the panel's width in the window the progress text fits the bar (a shorter form when the
    full one does not; the full one is the tooltip); a wide bar shows it all."""
    from lstm_viewer.gui.window.main_window import TRAINING_WIDTH
    panel = TrainingPanel(JobRunner())
    qtbot.addWidget(panel)
    panel.resize(TRAINING_WIDTH, panel.sizeHint().height())
    panel.show()
    qtbot.waitExposed(panel)
    bar = panel.progress_bar

    def fits() -> bool:
        return bar.fontMetrics().horizontalAdvance(bar.text()) <= bar.contentsRect().width()

    for text in ("Building the model (the first batch takes a few seconds)…", "Importing TensorFlow…"):
        panel._on_progress(text)
        assert fits(), (bar.text(), bar.contentsRect().width())
    panel._on_progress(Progress(12, 100, 1234, 1875, 0.25, 0.9, elapsed=3_000.0))
    panel._on_redraw()
    assert fits(), (bar.text(), bar.contentsRect().width())
    assert bar.text().startswith("12%") and "left" in bar.text()
    assert "batch 1234/1875" in bar.toolTip()
    panel.resize(900, panel.height())
    assert fits() and "batch 1234/1875" in bar.text()


# --- errors -----------------------------------------------------------------------------------
def test_bad_data_path_is_explained_in_the_panel_and_no_model_comes(qtbot, panel, tmp_path):
    panel.data_edit.setText(str(tmp_path / "no-mnist-here"))
    trained = Recorder(panel.modelTrained)
    assert panel.start()
    assert panel.busy and not panel.start_button.isEnabled()
    wait_until_idle(qtbot, panel)
    text = panel.status_label.text()
    assert "not found" in text and "no-mnist-here" in text and "current model stays" in text
    assert trained.calls == []
    assert panel.start_button.isEnabled() and panel.layersSpin.isEnabled()


# --- real trainings ---------------------------------------------------------------------------
def test_short_training_swaps_a_working_model_into_the_window(qtbot, mnist_path, monkeypatch, tmp_path,
                                                              tensorflow_installed):
    """trainAction opens the panel; while it trains the window keeps stepping with the old model;
    at the end the new model is active, read from the training process's temporary file, the
    drawing is re-traced, and it agrees with Keras on that file; Save model as… copies the file in a
    job (its history inside), the temporary file is then deleted, and the saved file reads back as
    the same model."""
    from gui_support import ONE, SEVEN, close_window, draw, open_window, random_network

    monkeypatch.setattr(QtWidgets.QMessageBox, "critical", lambda *a, **k: None)
    asked = []   # closing with the unsaved trained model asks; answer "Discard"
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", lambda *a, **k: asked.append(a[1:]) or
                        QtWidgets.QMessageBox.StandardButton.Discard)
    window = open_window(qtbot, random_network(name="before.keras"))
    draw(window.canvas, SEVEN)
    old_network = window.network
    window.trainAction.trigger()
    panel = window.findChild(TrainingPanel)
    assert panel is not None and panel.isVisible() and panel is window.training_panel
    assert window.findChild(QtWidgets.QDockWidget, "trainingDock").isVisible()
    tiny(panel, mnist_path)
    trained = Recorder(panel.modelTrained)
    panel.start()
    assert training_job(window.jobs) is not None   # the panel trains through the window's runner
    # While it trains, the window draws, traces and steps with the model it has.
    window.findChild(QtWidgets.QPushButton, "clearButton").click()
    draw(window.canvas, ONE)
    old_trace = window.trace
    assert old_trace is not None and window.network is old_network
    window.state.row = 5
    assert window.findChild(QtWidgets.QSlider, "rowSlider").value() == 5
    assert "row 6" in window.prediction_detail.text()
    assert panel.busy, "training ended before the window was tried: make it longer"
    wait_until_idle(qtbot, panel)
    assert len(trained.calls) == 1, panel.status_label.text()
    network, trained_file, description, history = trained.calls[0]
    assert network.units == [16] and "1 × 16" in description and "test accuracy" in description
    assert isinstance(trained_file, TrainedFile) and trained_file.path.is_file()
    assert trained_file.path.name == "trained-1x16.keras" and network.name == "trained-1x16.keras"
    assert window.network is network and window.session.trained is trained_file and window.unsaved
    assert window.session.history is history and len(history) > 2
    assert window.state.snapshot == len(history) - 1
    assert window.model_source is None     # no temporary folder for the dialogs to open in
    assert network.metadata["training"]["units"] == 16 and network.metadata["test_accuracy"] > 0
    assert window.trace is not None and window.trace is not old_trace
    np.testing.assert_array_equal(window.trace.image, old_trace.image)   # same drawing, new model
    import keras  # in the test's process: the window's own training never imports it
    keras_model = keras.saving.load_model(trained_file.path, compile=False)
    probs = keras_model(window.image28[None].astype(np.float32), training=False).numpy()[0]
    np.testing.assert_allclose(window.trace.probs[-1], probs, atol=1e-4)
    assert panel.curves.batches_shown() == 16   # ceil(1000 / 64) batches, all drawn
    assert panel.curves.test_points() and "epoch 1" in panel.test_label.text()
    assert panel.progress_bar.value() == 1000

    target = tmp_path / "trained"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.saveModelAction.trigger()
    assert window.jobs.jobs("save model") and not window.saveModelAction.isEnabled()  # in a job
    qtbot.waitUntil(lambda: not window.jobs.is_busy(), timeout=TRAIN_TIMEOUT_MS)
    saved = target.with_suffix(".keras")
    assert saved.is_file() and not window.unsaved and window.saveModelAction.isEnabled()
    assert window.model_name == "trained.keras" and "trained.keras" in window.windowTitle()
    assert window.model_source == str(saved) and window.session.trained is None
    assert trained_file.discarded and not trained_file.path.parent.exists()   # saved: no longer needed
    from lstm_viewer import load_network
    from lstm_viewer.core.history import load_history
    np.testing.assert_allclose(load_network(saved).trace(window.image28).probs, window.trace.probs,
                               atol=1e-6)
    np.testing.assert_array_equal(load_history(saved).steps, history.steps)
    close_window(window)
    assert asked == []           # saved: nothing to ask on close


def test_cancel_stops_within_one_batch_and_no_model_comes(qtbot, panel, runner, tensorflow_installed):
    tiny(panel, Path(panel.data_edit.text()), samples=20_000, batch=32)   # 625 batches: long enough
    trained = Recorder(panel.modelTrained)
    batches: list[Progress] = []
    panel.start()
    job = training_job(runner)
    # Counted on the job's thread as it reports (a direct connection): queued deliveries would
    # lag behind the job by several tiny batches and blur "within one batch".
    job.yielded.connect(lambda p: batches.append(p) if isinstance(p, Progress) else None,
                        QtCore.Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: len(batches) >= 3, timeout=TRAIN_TIMEOUT_MS)
    with qtbot.waitSignal(job.aborted, timeout=TRAIN_TIMEOUT_MS):
        panel.cancel_button.click()     # sets the job's stop flag before it returns
        at_cancel = len(batches)
    # The panel has taken in everything queued before ``aborted``: it shows the run cancelled.
    qtbot.waitUntil(lambda: not panel.busy and "Cancelled" in panel.status_label.text())
    assert len(batches) - at_cancel <= 1, "more than one batch after Cancel"
    assert batches[-1].batch < batches[-1].batches
    assert trained.calls == [] and not panel.busy
    assert "Cancelled" in panel.status_label.text()


def test_cancel_before_the_first_batch(qtbot, panel, runner, tensorflow_installed):
    """Cancel while MNIST loads or TensorFlow imports: the run ends at the next check, no model."""
    trained = Recorder(panel.modelTrained)
    panel.start()
    with qtbot.waitSignal(training_job(runner).aborted, timeout=TRAIN_TIMEOUT_MS):
        panel.cancel_button.click()
    assert trained.calls == [] and not panel.busy
    assert panel.curves.batches_shown() == 0 and "Cancelled" in panel.status_label.text()


def diverging_child(*args) -> None:
    """The training process's entry, with a training that diverges at once (spawn imports this
    module in the child: the test's monkeypatching does not reach it)."""
    from lstm_viewer.ml import train_process

    def diverging(*_args, **_kwargs):
        raise TrainingError("training diverged (the loss became NaN): try a smaller learning rate")

    train_process._train = diverging
    train_process._child_main(*args)


def test_training_errors_are_shown_in_plain_words(qtbot, panel, monkeypatch):
    """A TrainingError raised in the training process reaches the panel as the same sentence."""
    from lstm_viewer.ml import train_process
    monkeypatch.setattr(train_process, "_child_main", diverging_child)
    trained = Recorder(panel.modelTrained)
    panel.start()
    wait_until_idle(qtbot, panel)
    assert "the loss became NaN" in panel.status_label.text()
    assert "Traceback" not in panel.status_label.text()
    assert trained.calls == []


# --- closing while training, in a fresh process -------------------------------------------------
def run_script(path: Path, code: str) -> tuple[int, list[str], str]:
    """Run ``code`` in a fresh Python; (exit status, its stdout lines, its stderr). A process
    still running after EXIT_TIMEOUT_S hangs: it is killed and the test fails."""
    path.write_text(textwrap.dedent(code))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="2")
    process = subprocess.Popen([sys.executable, str(path)], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    errors: list[str] = []   # drained on the side so that a chatty TensorFlow never blocks the child
    drain = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    drain.start()
    try:
        out, _ = process.communicate(timeout=TRAIN_TIMEOUT_MS / 1000 + EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        drain.join(10)
        pytest.fail(f"the app did not exit: {out.split()}\n{''.join(errors)[-2000:]}")
    drain.join(10)
    return process.returncode, out.split("\n"), "".join(errors)


def ended(pids: list[int]) -> bool:
    """True when none of ``pids`` is a process any more (waited for a little: an orphan would stay)."""
    import time
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(Path(f"/proc/{pid}").exists() for pid in pids)


def pids_in(lines: list[str], tag: str) -> list[int]:
    line = next(line for line in lines if line.startswith(tag))
    return [int(pid) for pid in line.split()[1:]]


def test_closing_the_window_while_training_exits_cleanly(tmp_path, mnist_path, tensorflow_installed):
    """The real window, with its training panel, closed after ~1 s of training: the one shutdown
    path cancels the run, the training process stops and is waited for, and Python exits with no
    thread left to destroy and no process left behind.

    Also checks that TensorFlow is never imported in the window's process (the training process
    imports it), and that the training process does not run the script again: it is unguarded by
    ``if __name__ == "__main__"``, which "spawn" would otherwise run in the child."""
    code, lines, stderr = run_script(tmp_path / "close_while_training.py", f"""
        import multiprocessing, sys
        print("SCRIPT STARTED", flush=True)
        sys.path.insert(0, "tests")
        from PyQt6 import QtCore, QtWidgets
        app = QtWidgets.QApplication(sys.argv[:1])
        # Quitting while training asks first: answer "Stop and quit".
        QtWidgets.QMessageBox.question = lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Yes
        from gui_support import random_network
        from lstm_viewer.gui import MainWindow

        window = MainWindow(random_network([8]))
        window.show()
        window.trainAction.trigger()
        p = window.training_panel
        print("TF_BEFORE_TRAINING", "tensorflow" in sys.modules, flush=True)
        p.data_edit.setText({str(mnist_path)!r})
        p.layersSpin.setValue(1); p.unitsSpin.setValue(16)
        p.samplesSpin.setValue(20000); p.batchSpin.setValue(32)

        def close():
            print("CLOSING", flush=True)
            print("CHILDREN", *[c.pid for c in multiprocessing.active_children()], flush=True)
            print("TF_WHILE_TRAINING", "tensorflow" in sys.modules or "keras" in sys.modules, flush=True)
            window.close()

        def watch():
            if p.curves.batches_shown() > 0:
                poll.stop()
                print("TRAINING", flush=True)
                QtCore.QTimer.singleShot(1000, close)

        poll = QtCore.QTimer(); poll.timeout.connect(watch); poll.start(20)
        p.start()
        app.exec()
        print("LEFT", [t.objectName() for t in window.jobs.threads()], flush=True)
        print("CHILDREN_LEFT", multiprocessing.active_children(), flush=True)
        print("EXITING", flush=True)
    """)
    assert "TF_BEFORE_TRAINING False" in lines, "the panel imported TensorFlow on the GUI thread"
    assert "TRAINING" in lines and "CLOSING" in lines and "EXITING" in lines, (lines, stderr[-2000:])
    assert lines.count("SCRIPT STARTED") == 1, "the training process ran the script again"
    assert "TF_WHILE_TRAINING False" in lines, "TensorFlow was imported in the window's process"
    assert "LEFT []" in lines                 # closing cancelled the run and waited for its thread
    assert "CHILDREN_LEFT []" in lines        # ... and for the training process
    children = pids_in(lines, "CHILDREN")
    assert len(children) == 1 and ended(children)
    assert code == 0, stderr[-2000:]
    assert "QThread: Destroyed" not in stderr


def test_closing_the_app_while_tensorflow_imports_exits(tmp_path, mnist_path, tensorflow_installed):
    """The real app (run_app) in a fresh process: Train, then close while the training process is
    still importing TensorFlow (which cannot be interrupted): it is terminated, closing's bounded wait
    is enough (run_app returns, no hard exit), and the process exits cleanly with no child left."""
    code, lines, stderr = run_script(tmp_path / "close_during_import.py", f"""
        import multiprocessing, sys
        from PyQt6 import QtCore, QtWidgets
        app = QtWidgets.QApplication(sys.argv[:1])
        # Quitting while training asks first: answer "Stop and quit".
        QtWidgets.QMessageBox.question = lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Yes
        from lstm_viewer.gui import app as gui_app
        from lstm_viewer.gui.window.main_window import MainWindow

        def go():
            window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
            window.trainAction.trigger()
            panel = window.training_panel
            panel.data_edit.setText({str(mnist_path)!r})
            panel.layersSpin.setValue(1); panel.unitsSpin.setValue(8)
            panel.start()
            def close():
                print("PHASE", panel.progress_bar.format(), flush=True)
                print("CHILDREN", *[c.pid for c in multiprocessing.active_children()], flush=True)
                print("CLOSING", flush=True)
                window.close()
            def watch():   # close 0.3 s into TensorFlow's import (seconds long)
                if panel.progress_bar.format() == "Importing TensorFlow…":
                    poll.stop()
                    QtCore.QTimer.singleShot(300, close)
            poll.timeout.connect(watch); poll.start(20)

        poll = QtCore.QTimer()
        QtCore.QTimer.singleShot(200, go)
        status = gui_app.run_app(None)
        print("RETURNED", multiprocessing.active_children(), flush=True)   # not left with os._exit
        sys.exit(status)
    """)
    assert "PHASE Importing TensorFlow…" in lines and "CLOSING" in lines, (lines, stderr[-2000:])
    assert "RETURNED []" in lines, (lines, stderr[-2000:])
    assert ended(pids_in(lines, "CHILDREN"))
    assert code == 0, stderr[-2000:]
    assert "QThread: Destroyed" not in stderr


# --- quitting while training -------------------------------------------------------------------
def waiting_job(config, data_path):
    """A stand-in for the training job: 5% done after 9.5 s, then waits to be cancelled."""
    import time

    def job(context):
        context.report(Progress(1, 1, 5, 100, 1.0, 0.5, elapsed=9.5))
        while True:
            context.check()
            time.sleep(0.01)
    return job


def test_quitting_while_training_asks_with_the_numbers(qtbot, monkeypatch):
    """Closing while a model trains asks "Training is 5% done, 3 min left: stop and quit?": Keep
    training leaves the window open and the run going; Stop and quit cancels it and closes."""
    import lstm_viewer.gui.training.panel as panel_module
    from gui_support import close_window, open_window, random_network

    monkeypatch.setattr(panel_module, "training_job", waiting_job)
    buttons = QtWidgets.QMessageBox.StandardButton
    asked, answers = [], [buttons.No]
    monkeypatch.setattr(QtWidgets.QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1:3]) or answers[-1])
    win = open_window(qtbot, random_network([8]))
    win.trainAction.trigger()
    panel = win.training_panel
    assert panel.start()
    qtbot.waitUntil(lambda: panel._latest is not None)
    assert not win.close()                     # Keep training
    assert asked[-1][1] == "Training is 5% done, 3 min left: stop and quit?"
    assert win.isVisible() and panel.busy and win.jobs.jobs("training")
    answers.append(buttons.Yes)                # Stop and quit
    close_window(win)
    assert len(asked) == 2 and not win.isVisible()
    assert win.jobs.threads() == []   # the run was cancelled and its thread has ended


def test_the_quit_question_names_its_buttons(qtbot, monkeypatch):
    """The real box: its buttons say Stop and quit / Keep training, and Keep training is the default."""
    import lstm_viewer.gui.training.panel as panel_module
    from gui_support import close_window, open_window, random_network

    monkeypatch.setattr(panel_module, "training_job", waiting_job)
    win = open_window(qtbot, random_network([8]))
    win.trainAction.trigger()
    assert win.training_panel.start()
    seen = []

    def answer():
        box = QtWidgets.QApplication.activeModalWidget()
        if not isinstance(box, QtWidgets.QMessageBox):
            QtCore.QTimer.singleShot(20, answer)
            return
        seen.append((box.text(), [b.text() for b in box.buttons()], box.defaultButton().text()))
        box.button(QtWidgets.QMessageBox.StandardButton.Yes).click()

    QtCore.QTimer.singleShot(50, answer)
    close_window(win)
    text, names, default = seen[0]
    assert "stop and quit?" in text
    assert sorted(names) == ["Keep training", "Stop and quit"] and default == "Keep training"


# --- where the panel goes, and TensorFlow's start-up lines -------------------------------------------
def test_the_training_panel_leaves_the_prediction_in_view(qtbot):
    """At 1600 × 1000 the panel opens in a column of its own beside the prediction: both on screen,
    side by side, and the layers keep their room."""
    from gui_support import close_window, open_window, random_network
    win = open_window(qtbot, random_network([256, 256, 256]), size=(1600, 1000))
    win.trainAction.trigger()
    qtbot.wait(50)   # the column's width is set once laid out
    training, prediction = win.training_dock, win.prediction_dock
    assert training.isVisible() and prediction.isVisible() and not prediction.visibleRegion().isEmpty()
    assert not training.geometry().intersects(prediction.geometry())
    assert training.geometry().left() >= prediction.geometry().right()
    assert abs(training.width() - 320) <= 40
    assert win.layers.width() >= win.layers.width_needed()
    close_window(win)


def test_tensorflow_start_up_lines_do_not_reach_the_terminal(tmp_path, tensorflow_installed):
    """TensorFlow imported the app's way (quiet_import on a worker thread), then a model trained:
    no "E0000 … cuInit" line, no oneDNN notice on stderr; other lines still get through."""
    script = tmp_path / "tf_lines.py"
    script.write_text(textwrap.dedent("""
        import sys, threading
        import numpy as np
        from lstm_viewer.ml.tf_import import TF_LIBRARIES, quiet_import
        worker = threading.Thread(target=quiet_import, args=(("tensorflow", "keras"), TF_LIBRARIES))
        worker.start(); worker.join()
        print("OUR OWN LINE", file=sys.stderr)
        from lstm_viewer.ml.training import TrainConfig, build_model
        model = build_model(TrainConfig(layers=1, units=4))
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(np.zeros((8, 28, 28)), np.zeros(8), verbose=0)
        print("TRAINED")
    """))
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, text=True, capture_output=True,
                          timeout=EXIT_TIMEOUT_S + TRAIN_TIMEOUT_MS / 1000)
    assert done.returncode == 0 and "TRAINED" in done.stdout, done.stderr[-2000:]
    for noise in ("E0000", "cuInit", "oneDNN", "absl::InitializeLog"):
        assert noise not in done.stderr, done.stderr
    assert "OUR OWN LINE" in done.stderr
