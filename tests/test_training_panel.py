"""Training from the app (issue 5): the worker pattern, the panel, and real (tiny) trainings through it.

Real trainings are 1 layer × 16 units on about 1,000 digits (a few seconds plus, the first time,
TensorFlow's import in the worker). Every test runs under ``_dangling_qthreads``, which fails a test
that leaves a worker thread running.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from lstm_viewer.gui import workers
from lstm_viewer.gui.training_panel import PRESETS, TrainingPanel
from lstm_viewer.ml.training import Progress, TrainingError

ROOT = Path(__file__).resolve().parent.parent
TRAIN_TIMEOUT_MS = 240_000   # generous: the machine may be busy; a run takes seconds when it is not


# --- fixtures --------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _dangling_qthreads(qtbot):
    """Fail any test that leaves a thread started through ``workers`` running (as napari does)."""
    yield
    # A thread told to quit a moment ago may still be winding down: give it a second.
    deadline = time.monotonic() + 1.0
    while workers.live_threads() and time.monotonic() < deadline:
        qtbot.wait(20)
    running = [t.objectName() for t in workers.live_threads()]
    if running:
        workers.stop_and_wait(30_000)   # do not let it spill into the next test
        pytest.fail(f"the test left worker threads running: {running}")


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
def panel(qtbot, mnist_path) -> TrainingPanel:
    widget = TrainingPanel()
    qtbot.addWidget(widget)
    yield tiny(widget, mnist_path)
    widget.shutdown(30_000)


class Recorder:
    """Collects a signal's emissions."""

    def __init__(self, signal) -> None:
        self.calls: list[tuple] = []
        signal.connect(lambda *args: self.calls.append(args))


class StallProbe:
    """A 10 ms QTimer on the GUI thread that records the longest gap between its ticks.

    ``max_gap`` is the plain wall-clock gap. On this 2-core machine, loaded by other processes, the
    scheduler alone makes gaps of 200 ms with no training at all (measured), so the assertion uses
    ``max_ours``, the part of a gap this process can be blamed for, bounded twice from above with
    Linux schedstat: (a) the gap minus the time the GUI thread was runnable but waiting for a CPU,
    and (b) the CPU time the GUI thread and the worker thread used during the gap (a worker holding
    the GIL is on a CPU or preempted by someone else). Both bounds over-count (a worker running
    without the GIL counts in b; a worker preempted while holding it counts in a), neither misses a
    stall this code causes. Off Linux both equal the gap.
    """

    def __init__(self) -> None:
        self.gui_tid = threading.get_native_id()
        self.max_gap = self.max_ours = 0.0
        self._last_time: float | None = None
        self._last_stats: dict[int, tuple[float, float]] = {}
        self.timer = QtCore.QTimer()
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_tick)
        self.timer.start(10)

    @staticmethod
    def _schedstat(tid: int) -> tuple[float, float] | None:
        """(seconds on a CPU, seconds runnable but waiting for one) of a thread of this process."""
        try:
            on_cpu, waiting = Path(f"/proc/self/task/{tid}/schedstat").read_text().split()[:2]
            return int(on_cpu) / 1e9, int(waiting) / 1e9
        except (OSError, ValueError):
            return None

    def _on_tick(self) -> None:
        now = time.perf_counter()
        tids = [self.gui_tid] + [w.thread_id for w in workers.live_workers() if w.thread_id]
        stats = {tid: self._schedstat(tid) for tid in tids}
        if self._last_time is not None:
            gap = now - self._last_time
            ours = gap
            if all(stats.values()):
                last = self._last_stats
                # A thread seen for the first time counts with all its CPU time so far.
                cpu = sum(on - last.get(tid, (0.0, 0.0))[0] for tid, (on, _) in stats.items())
                gui_waiting = stats[self.gui_tid][1] - last.get(self.gui_tid, (0.0, 0.0))[1]
                ours = min(gap, gap - gui_waiting, 0.010 + cpu)
            self.max_gap = max(self.max_gap, gap)
            self.max_ours = max(self.max_ours, ours)
        self._last_time = now
        self._last_stats = {tid: value for tid, value in stats.items() if value}

    def stop(self) -> None:
        self.timer.stop()


def wait_until_idle(qtbot, panel: TrainingPanel) -> None:
    qtbot.waitUntil(lambda: not panel.busy, timeout=TRAIN_TIMEOUT_MS)


# --- the worker pattern (no TensorFlow) --------------------------------------------------------
def test_worker_reports_progress_then_its_result(qtbot):
    def job(report, should_stop):
        for i in range(3):
            report(i)
        return "done"

    worker = workers.Worker(job)
    progress = Recorder(worker.progress)
    with qtbot.waitSignals([worker.started, worker.finished], order="strict", timeout=5000) as blocker:
        workers.start(worker)
    assert list(blocker.all_signals_and_args[-1].args) == ["done"]
    assert [args[0] for args in progress.calls] == [0, 1, 2]


def test_worker_errors_arrive_as_plain_messages(qtbot):
    from lstm_viewer.core.errors import UserError

    def job(report, should_stop):
        raise UserError("MNIST data not found at /nowhere")

    worker = workers.Worker(job)
    with qtbot.waitSignal(worker.errored, timeout=5000) as blocker:
        workers.start(worker)
    assert blocker.args == ["MNIST data not found at /nowhere"]


def test_cancel_flag_is_read_by_the_job_and_the_thread_is_tracked_until_it_ends(qtbot):
    gate = threading.Event()

    def job(report, should_stop):
        gate.wait(5)
        while not should_stop():
            time.sleep(0.005)
        raise workers.Cancelled()

    worker = workers.Worker(job)
    finished = Recorder(worker.finished)
    thread = workers.start(worker)
    assert thread in workers.live_threads()
    gate.set()
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.cancel()
    qtbot.waitUntil(lambda: not workers.live_threads(), timeout=5000)
    assert finished.calls == []


def test_stop_and_wait_cancels_a_running_job(qtbot):
    def job(report, should_stop):
        while not should_stop():
            time.sleep(0.005)
        return "stopped politely"   # ignored: a cancelled job reports ``cancelled``

    worker = workers.Worker(job)
    cancelled = Recorder(worker.cancelled)
    workers.start(worker)
    qtbot.wait(50)
    assert workers.stop_and_wait(3000)
    assert not workers.live_threads()
    qtbot.wait(20)   # the queued ``cancelled`` reaches the GUI thread
    assert cancelled.calls == [()]


# --- the panel's fields ---------------------------------------------------------------------
def test_presets_fill_the_fields_and_editing_makes_it_custom(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.preset_combo.setCurrentText("Seed")
    assert (panel.layersSpin.value(), panel.unitsSpin.value(), panel.samplesSpin.value()) == \
        (3, 256, 60_000)
    assert panel.config().limit is None   # all the digits
    panel.preset_combo.setCurrentText("Quick")
    config = panel.config()
    assert (config.layers, config.units, config.epochs, config.limit) == (1, 64, 1, 10_000)
    assert PRESETS["Quick"]["samples"] == 10_000
    panel.unitsSpin.setValue(32)
    assert panel.preset_combo.currentText() == "Custom"
    for name in ("layersSpin", "unitsSpin", "epochsSpin", "samplesSpin", "keepProbSpin", "batchSpin",
                 "lrSpin", "dataEdit", "dataBrowseButton", "trainStartButton", "trainCancelButton",
                 "trainProgress", "presetCombo"):
        widget = panel.findChild(QtWidgets.QWidget, name)
        assert widget is not None, name
        assert widget.toolTip(), f"{name} has no tooltip"
    assert not panel.busy and not panel.cancel_button.isEnabled()


def test_data_location_defaults_to_the_environment(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("LSTM_VIEWER_MNIST", str(tmp_path))
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    assert panel.data_edit.text() == str(tmp_path)


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
def test_event_loop_never_stalls_while_training(qtbot, panel):
    """The GUI thread's 10 ms timer keeps ticking through the whole run: import, build, batches."""
    probe = StallProbe()
    try:
        with qtbot.waitSignal(panel.modelTrained, timeout=TRAIN_TIMEOUT_MS):
            panel.start()
    finally:
        probe.stop()
    print(f"\nlongest gap between 10 ms ticks: {probe.max_gap * 1000:.0f} ms, of which this "
          f"process's GUI and worker threads were running at most {probe.max_ours * 1000:.0f} ms")
    assert probe.max_ours < 0.100


def test_short_training_swaps_a_working_model_into_the_window(qtbot, mnist_path, monkeypatch, tmp_path):
    """trainAction opens the panel; while it trains the window keeps stepping with the old model;
    at the end the new model is active, the drawing is re-traced, and it agrees with Keras; Save
    model as… writes it from a worker thread, and the file reads back as the same model."""
    from gui_support import ONE, SEVEN, draw, random_network
    from lstm_viewer.gui import MainWindow

    monkeypatch.setattr(QtWidgets.QMessageBox, "critical", lambda *a, **k: None)
    asked = []   # closing with the unsaved trained model asks; answer "Discard"
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", lambda *a, **k: asked.append(a[1:]) or
                        QtWidgets.QMessageBox.StandardButton.Discard)
    window = MainWindow(random_network(name="before.keras"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    draw(window.canvas, SEVEN)
    old_network = window.network
    window.trainAction.trigger()
    panel = window.findChild(TrainingPanel)
    assert panel is not None and panel.isVisible()
    tiny(panel, mnist_path)
    trained = Recorder(panel.modelTrained)
    panel.start()
    # While it trains, the window draws, traces and steps with the model it has.
    window.findChild(QtWidgets.QPushButton, "clearButton").click()
    draw(window.canvas, ONE)
    old_trace = window.trace
    assert old_trace is not None and window.network is old_network
    window.findChild(QtWidgets.QSlider, "rowSlider").setValue(5)
    assert "row 6" in window.prediction_detail.text()
    assert panel.busy, "training ended before the window was tried: make it longer"
    wait_until_idle(qtbot, panel)
    assert len(trained.calls) == 1, panel.status_label.text()
    network, keras_model, description = trained.calls[0]
    assert network.units == [16] and "1 × 16" in description and "test accuracy" in description
    assert window.network is network and window.keras_model is keras_model and window.unsaved
    assert window.trace is not None and window.trace is not old_trace
    np.testing.assert_array_equal(window.trace.image, old_trace.image)   # same drawing, new model
    probs = keras_model(window.image28[None].astype(np.float32), training=False).numpy()[0]
    np.testing.assert_allclose(window.trace.probs[-1], probs, atol=1e-4)
    assert panel.curves.batches_shown() == 16   # ceil(1000 / 64) batches, all drawn
    assert panel.curves.test_points() and "epoch 1" in panel.test_label.text()
    assert panel.progress_bar.value() == 1000

    target = tmp_path / "trained"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.saveModelAction.trigger()
    assert window.jobs.is_busy() and not window.saveModelAction.isEnabled()   # saving off-thread
    qtbot.waitUntil(lambda: not window.jobs.is_busy(), timeout=30_000)
    saved = target.with_suffix(".keras")
    assert saved.is_file() and not window.unsaved and window.saveModelAction.isEnabled()
    assert window.model_name == "trained.keras" and "trained.keras" in window.windowTitle()
    from lstm_viewer import load_network
    np.testing.assert_allclose(load_network(saved).trace(window.image28).probs, window.trace.probs,
                               atol=1e-6)


def test_cancel_stops_within_one_batch_and_no_model_comes(qtbot, panel):
    tiny(panel, Path(panel.data_edit.text()), samples=20_000, batch=32)   # 625 batches: long enough
    trained = Recorder(panel.modelTrained)
    batches: list[Progress] = []
    panel.start()
    worker = panel._worker
    # Counted on the worker's thread as it reports (a direct connection): queued deliveries would
    # lag behind the worker by several tiny batches and blur "within one batch".
    worker.progress.connect(lambda p: batches.append(p) if isinstance(p, Progress) else None,
                            QtCore.Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: len(batches) >= 3, timeout=TRAIN_TIMEOUT_MS)
    started = time.perf_counter()
    with qtbot.waitSignal(worker.cancelled, timeout=30_000):
        panel.cancel_button.click()     # sets the worker's stop flag before it returns
        at_cancel = len(batches)
    seconds = time.perf_counter() - started
    qtbot.wait(50)   # progress already queued before ``cancelled`` has been delivered by now
    assert len(batches) - at_cancel <= 1, "more than one batch after Cancel"
    assert batches[-1].batch < batches[-1].batches
    assert trained.calls == [] and not panel.busy
    assert "Cancelled" in panel.status_label.text()
    print(f"\ncancel took {seconds * 1000:.0f} ms")


def test_cancel_before_the_first_batch(qtbot, panel):
    """Cancel while MNIST loads or TensorFlow imports: the run ends at the next check, no model."""
    trained = Recorder(panel.modelTrained)
    panel.start()
    with qtbot.waitSignal(panel._worker.cancelled, timeout=TRAIN_TIMEOUT_MS):
        panel.cancel_button.click()
    assert trained.calls == [] and not panel.busy
    assert panel.curves.batches_shown() == 0 and "Cancelled" in panel.status_label.text()


def test_training_errors_are_shown_in_plain_words(qtbot, panel, monkeypatch):
    import lstm_viewer.ml.training as training

    def diverging(*args, **kwargs):
        raise TrainingError("training diverged (the loss became NaN): try a smaller learning rate")

    monkeypatch.setattr(training, "train", diverging)
    trained = Recorder(panel.modelTrained)
    panel.start()
    wait_until_idle(qtbot, panel)
    assert "the loss became NaN" in panel.status_label.text()
    assert "Traceback" not in panel.status_label.text()
    assert trained.calls == []


def test_closing_the_window_while_training_exits_cleanly(tmp_path, mnist_path):
    """In a fresh process: a window hosting the panel is closed after ~1 s of training.

    Also checks that building the panel does not import TensorFlow (only the worker does)."""
    script = tmp_path / "close_while_training.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        from PyQt6 import QtCore, QtWidgets
        app = QtWidgets.QApplication(sys.argv)
        from lstm_viewer.gui.training_panel import TrainingPanel

        class Window(QtWidgets.QMainWindow):
            def __init__(self):
                super().__init__()
                self.panel = TrainingPanel()
                dock = QtWidgets.QDockWidget("Train a model", self)
                dock.setWidget(self.panel)
                self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)

            def closeEvent(self, event):   # what the main window's closeEvent does
                self.panel.shutdown(3000)
                super().closeEvent(event)

        window = Window()
        window.show()
        print("TF_BEFORE_TRAINING", "tensorflow" in sys.modules, flush=True)
        p = window.panel
        p.data_edit.setText({str(mnist_path)!r})
        p.layersSpin.setValue(1); p.unitsSpin.setValue(16)
        p.samplesSpin.setValue(20000); p.batchSpin.setValue(32)

        def close():
            print("CLOSING", flush=True)
            window.close()

        def watch():
            if p.curves.batches_shown() > 0:
                poll.stop()
                print("TRAINING", flush=True)
                QtCore.QTimer.singleShot(1000, close)

        poll = QtCore.QTimer(); poll.timeout.connect(watch); poll.start(20)
        p.start()
        app.exec()
        print("EXITING", flush=True)
    """))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="2")
    process = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    errors: list[str] = []   # drained on the side so that a chatty TensorFlow never blocks the child
    drain = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    drain.start()
    lines, closed_at = [], None
    try:
        for line in process.stdout:
            lines.append(line.strip())
            if line.startswith("CLOSING"):
                closed_at = time.monotonic()
                break
        assert closed_at is not None, f"never got to closing: {lines}"
        code = process.wait(timeout=60)
        seconds = time.monotonic() - closed_at
        lines += process.stdout.read().split()
        drain.join(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = "".join(errors)
    print(f"\nexit {seconds:.2f} s after close")
    assert "TRAINING" in lines and "EXITING" in lines
    assert "TF_BEFORE_TRAINING False" in lines, "the panel imported TensorFlow on the GUI thread"
    assert code == 0, stderr[-2000:]
    assert "QThread: Destroyed" not in stderr
    assert seconds < 3.0


def test_closing_the_app_while_tensorflow_imports_exits_within_3_s(tmp_path, mnist_path):
    """The real app (run_app) in a fresh process: Train, then close at once, while the worker is
    still importing TensorFlow (which cannot be interrupted). The process must be gone in 3 s."""
    script = tmp_path / "close_during_import.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        from PyQt6 import QtCore, QtWidgets
        app = QtWidgets.QApplication(sys.argv[:1])
        from lstm_viewer.gui import app as gui_app
        from lstm_viewer.gui.main_window import MainWindow

        def go():
            window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
            window.trainAction.trigger()
            panel = window.training_panel
            panel.data_edit.setText({str(mnist_path)!r})
            panel.layersSpin.setValue(1); panel.unitsSpin.setValue(8)
            panel.start()
            def close():
                print("IMPORTING", "tensorflow" in sys.modules and "keras" in sys.modules, flush=True)
                print("CLOSING", flush=True)
                window.close()
            QtCore.QTimer.singleShot(1500, close)   # MNIST is loaded by then; TensorFlow is not

        QtCore.QTimer.singleShot(200, go)
        sys.exit(gui_app.run_app(None))
    """))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    closing_at = None
    for line in process.stdout:
        if line.startswith("IMPORTING"):
            assert line.split()[1] == "False", "TensorFlow was already imported: nothing to test"
        if line.startswith("CLOSING"):
            closing_at = time.perf_counter()
            break
    assert closing_at is not None, process.stderr.read()
    process.wait(timeout=30)
    seconds = time.perf_counter() - closing_at
    stderr = process.stderr.read()
    assert process.returncode == 0, stderr
    assert "QThread: Destroyed" not in stderr
    print(f"\nexit {seconds:.2f} s after close")
    assert seconds < 3.0, f"exit took {seconds:.1f} s after close"
