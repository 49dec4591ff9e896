"""Opening, saving and exporting from the window; jobs; launching; no TensorFlow on the GUI path."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from gui_support import (
    ROOT,
    SEVEN,
    close_window,
    draw,
    drop_file,
    open_window,
    random_network,
    write_keras_file,
)
from lstm_viewer.gui import MainWindow

WAIT_MS = 30_000   # waitUntil's limit: generous, the machine may be busy (not a timing assertion)


class Shown(list):
    """The message boxes shown, as (kind, args); ``answers[-1]`` answers the next question."""

    answers: list


@pytest.fixture
def dialogs(monkeypatch):
    """Record message boxes instead of blocking on them."""
    shown = Shown()
    for kind in ("critical", "warning", "information"):
        monkeypatch.setattr(QtWidgets.QMessageBox, kind,
                            lambda *args, _k=kind, **kw: shown.append((_k, args[1:])) or
                            QtWidgets.QMessageBox.StandardButton.Ok)
    # Closing with an unsaved model asks; answer "Discard" unless a test says otherwise.
    answers = shown.answers = [QtWidgets.QMessageBox.StandardButton.Discard]
    monkeypatch.setattr(QtWidgets.QMessageBox, "question",
                        lambda *args, **kw: shown.append(("question", args[1:])) or answers[-1])
    return shown


@pytest.fixture
def window(qtbot, dialogs):
    win = open_window(qtbot, random_network(name="first.keras"))
    draw(win.canvas, SEVEN)
    yield win
    close_window(win)


def wait_idle(qtbot, win, outcome) -> None:
    """Wait until no job runs and the job's result has reached its slot: ``outcome()`` is true."""
    qtbot.waitUntil(lambda: not win.jobs.is_busy() and bool(outcome()), timeout=WAIT_MS)


def test_a_bad_model_file_keeps_the_old_model(window, qtbot, dialogs, tmp_path, monkeypatch):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"this is not a zip archive")
    before_net, before_title, before_probs = window.network, window.windowTitle(), window.trace.probs
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    window.openModelAction.trigger()
    assert window.busy.isVisible() or dialogs   # the busy indicator shows while the worker runs
    wait_idle(qtbot, window, lambda: dialogs)
    assert [kind for kind, _ in dialogs] == ["critical"]
    assert "broken.keras" in dialogs[0][1][1]
    assert window.network is before_net and window.windowTitle() == before_title
    np.testing.assert_array_equal(window.trace.probs, before_probs)
    assert window.openModelAction.isEnabled() and not window.busy.isVisible()


def test_opening_a_model_swaps_it_and_retraces(window, qtbot, dialogs, tmp_path):
    other = random_network([24, 24, 24], seed=5)
    path = write_keras_file(tmp_path / "other.keras", other)
    with qtbot.waitSignal(window.session.modelInfoChanged, timeout=WAIT_MS):
        window.load_model(path)
    assert not dialogs
    assert window.network.units == [24, 24, 24]
    assert "other.keras" in window.windowTitle() and "3 × 24 LSTM" in window.windowTitle()
    assert [h.shape for h in window.trace.h] == [(28, 24)] * 3 and len(window.layers.views) == 3
    np.testing.assert_allclose(window.trace.probs, other.trace(window.trace.image).probs, atol=1e-6)


def test_save_model_as_copies_the_file_atomically(window, qtbot, dialogs, tmp_path, monkeypatch):
    source = write_keras_file(tmp_path / "source.keras", random_network())
    with qtbot.waitSignal(window.session.modelInfoChanged, timeout=WAIT_MS):
        window.load_model(source)
    target = tmp_path / "copy"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.saveModelAction.trigger()
    assert not dialogs
    saved = tmp_path / "copy.keras"
    assert saved.read_bytes() == source.read_bytes()
    assert "copy.keras" in window.windowTitle()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.keras", "source.keras"]  # no temp left


def test_set_network_marks_unsaved_models(window):
    window.set_network(random_network(seed=9), name="trained in the app", unsaved=True)
    assert window.windowTitle().startswith("trained in the app *")
    assert window.windowTitle().endswith("— lstm-viewer")   # the one place the app's name appears
    assert window.trace is not None      # the drawing was re-traced with the new model


def test_closing_with_an_unsaved_model_asks_first(window, dialogs, tmp_path, monkeypatch):
    buttons = QtWidgets.QMessageBox.StandardButton
    window.set_network(random_network(seed=9), name="trained", unsaved=True)
    dialogs.answers.append(buttons.Cancel)
    assert not window.close()                     # Cancel: the window and its model stay
    assert window.isVisible() and window.unsaved
    dialogs.answers.append(buttons.Save)          # Save, but the file dialog is cancelled: stay
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert not window.close()
    target = tmp_path / "kept.keras"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.session.model_source = str(write_keras_file(tmp_path / "src.keras", window.network))
    assert window.close()                         # saved, then closed
    assert target.exists() and not window.unsaved
    assert [kind for kind, _ in dialogs].count("question") == 3


def _trained_model_to_save(window, monkeypatch, target, save) -> None:
    """The window holds a model trained here, unsaved: its temporary file, as the training process
    leaves it; copying that file is ``save``; the file dialog answers ``target``."""
    from lstm_viewer.gui.state import file_ops
    from lstm_viewer.ml.train_process import TrainedFile
    monkeypatch.setattr(file_ops, "copy_model", save)   # what the session calls to save a trained model
    network, trained = random_network(seed=9), TrainedFile("trained.keras")
    write_keras_file(trained.path, network)
    window.set_network(network, name="trained", trained=trained, unsaved=True)
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))


def _fake_keras_save(calls, release=None):
    """A stand-in for the copy of a trained model's file: slow enough to be caught mid-way, or held
    until ``release`` (a threading.Event) is set."""
    import time

    def save(source, path):
        calls.append(path)
        if release is None:
            time.sleep(0.3)
        else:
            release.wait(10)
        path.write_bytes(b"saved")
    return save


def test_a_failed_save_of_a_trained_model_says_so_and_keeps_it_unsaved(window, qtbot, dialogs,
                                                                        tmp_path, monkeypatch):
    """A model trained in the app is saved in a worker (its file copied); a failure is a dialog, and
    the model stays marked unsaved (closing would still ask)."""
    from lstm_viewer.core.errors import UserError

    def failing_save(source, path):
        raise UserError(f"{path}: cannot write (No space left on device)")

    _trained_model_to_save(window, monkeypatch, tmp_path / "m.keras", failing_save)
    window.saveModelAction.trigger()
    wait_idle(qtbot, window, lambda: dialogs)
    assert [kind for kind, _ in dialogs] == ["critical"] and "No space left" in dialogs[0][1][1]
    assert window.unsaved and window.saveModelAction.isEnabled()


def test_closing_while_a_trained_model_saves_waits_for_the_save(window, qtbot, dialogs, tmp_path,
                                                                monkeypatch):
    calls, target = [], tmp_path / "m.keras"
    _trained_model_to_save(window, monkeypatch, target, _fake_keras_save(calls))
    window.saveModelAction.trigger()
    window.window_actions.ask_and_save_model(in_background=True)   # a second Save meanwhile: refused
    assert window.jobs.is_busy() and len(calls) <= 1
    assert window.close()                             # waits for the save: nothing left to ask
    assert calls == [target] and target.read_bytes() == b"saved" and not window.unsaved
    assert not [kind for kind, _ in dialogs if kind == "question"]


def test_closing_with_an_unsaved_trained_model_and_answering_save_saves_then_closes(
        window, dialogs, tmp_path, monkeypatch):
    calls, target = [], tmp_path / "m.keras"
    _trained_model_to_save(window, monkeypatch, target, _fake_keras_save(calls))
    dialogs.answers.append(QtWidgets.QMessageBox.StandardButton.Save)
    assert window.close()                             # saved (on the spot), then closed
    assert calls == [target] and target.is_file() and not window.unsaved


def test_a_save_runs_to_its_end_when_every_job_is_cancelled(window, qtbot, dialogs, tmp_path,
                                                            monkeypatch):
    """Cancelling every job (as closing does) leaves a save alone: it is not cancellable, still
    reports its outcome, and leaves the window ready to save again."""
    calls, target = [], tmp_path / "m.keras"
    _trained_model_to_save(window, monkeypatch, target, _fake_keras_save(calls))
    window.saveModelAction.trigger()
    jobs = window.jobs.jobs()
    assert [job.key for job in jobs if not job.cancellable] == ["save model"]
    for job in jobs:
        job.cancel()
    wait_idle(qtbot, window, lambda: not window.session.is_saving())
    assert target.read_bytes() == b"saved" and not window.unsaved
    assert window.saveModelAction.isEnabled() and not window.session.is_saving() and not dialogs


def test_closing_during_a_save_that_does_not_end_keeps_the_window(window, qtbot, dialogs, tmp_path,
                                                                  monkeypatch):
    import threading
    release, calls, target = threading.Event(), [], tmp_path / "m.keras"
    _trained_model_to_save(window, monkeypatch, target, _fake_keras_save(calls, release))
    window.saveModelAction.trigger()
    finish = window.session.finish_saving
    monkeypatch.setattr(window.session, "finish_saving", lambda: finish(timeout_ms=50))
    assert not window.close()                          # still saving: told so, the window stays
    assert [kind for kind, _ in dialogs] == ["information"] and window.isVisible()
    monkeypatch.setattr(window.session, "finish_saving", finish)   # closing's own wait again
    release.set()
    assert window.close()                              # the save ended: nothing left to ask
    assert target.read_bytes() == b"saved" and not window.unsaved


def test_quick_jobs_never_leave_the_window_busy(window, qtbot):
    """Each job's end is counted even when its thread ends before ``start`` returns."""
    results = []
    for k in range(100):
        window.jobs.run(lambda _context, k=k: k, on_done=results.append, on_error=results.append)
    qtbot.waitUntil(lambda: not window.jobs.is_busy(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(results) == 100, timeout=WAIT_MS)
    assert sorted(results) == list(range(100)) and not window.busy.isVisible()


def test_launch_with_a_file_only_keras_reads_opens_at_once_then_loads_it(
        window, qtbot, dialogs, tmp_path, trained_model_path, legacy_h5_model_path):
    """``lstm-viewer --model F`` where only Keras reads F: the window opens with the default model
    (no TensorFlow before it shows), then F loads in a job like File ▸ Open model…."""
    from lstm_viewer import load_network
    from lstm_viewer.core.errors import UserError
    from lstm_viewer.core.kerasfile import default_model_path, read_keras_file
    from lstm_viewer.gui.app import launch_model

    only_keras = legacy_h5_model_path
    default = read_keras_file(default_model_path())
    network, pending, problem = launch_model(only_keras)
    assert pending == only_keras and network.units == default.units and problem is None
    assert launch_model(None)[1:] == (None, None) and launch_model(trained_model_path)[1:] == (None, None)
    # A file that cannot be opened at all: the default model, and the reader's own sentence why.
    fallback, nothing, problem = launch_model(tmp_path / "missing.keras")
    assert fallback.units == default.units and nothing is None
    with pytest.raises(UserError) as raised:
        load_network(tmp_path / "missing.keras")
    assert problem == str(raised.value) and "missing.keras" in problem
    window.load_model(pending)
    wait_idle(qtbot, window, lambda: "legacy.h5" in window.windowTitle() or dialogs)
    assert not dialogs and window.network.metadata.get("loaded_with") == "keras"
    assert "legacy.h5" in window.windowTitle()


def test_export_trace_and_png(window, tmp_path, dialogs):
    npz = window.export_trace(tmp_path / "trace")
    with np.load(npz) as archive:
        assert set(archive.files) == set(window.trace.arrays())
        for key, value in window.trace.arrays().items():
            np.testing.assert_array_equal(archive[key], value)
    png = window.export_png(tmp_path / "view.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    window.clearAction.trigger()
    assert window.trace is None
    window.exportTraceAction.trigger()      # nothing drawn: a status message, no dialog
    assert not dialogs


def test_threads_are_finished_after_close(qtbot, dialogs, tmp_path):
    win = MainWindow(random_network())
    qtbot.addWidget(win)
    win.load_model(write_keras_file(tmp_path / "m.keras", random_network(seed=2)))
    threads = win.jobs.threads()
    assert threads
    close_window(win)
    assert all(t.isFinished() for t in threads)


def test_run_app_with_a_model_it_cannot_open_opens_the_default_and_says_why(
        qapp, dialogs, tmp_path, capsys, no_hard_exit):
    from lstm_viewer.core.kerasfile import default_model_path, read_keras_file
    from lstm_viewer.gui.app import run_app
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    seen = []

    def look_and_close() -> None:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not dialogs and windows:
            QtCore.QTimer.singleShot(50, look_and_close)   # the dialog comes once the loop runs
            return
        seen.extend((w.network, w.model_source, w.trace is not None) for w in windows)
        for w in windows:
            close_window(w)

    QtCore.QTimer.singleShot(100, look_and_close)
    assert run_app(tmp_path / "missing.keras", settings=settings) == 0
    assert len(seen) == 1
    network, source, traced = seen[0]
    assert network.units == read_keras_file(default_model_path()).units and traced
    assert Path(source) == default_model_path()
    assert [kind for kind, _ in dialogs] == ["critical"]
    title, text = dialogs[0][1]
    assert title == "Could not open the model"
    assert "missing.keras" in text and "The default model is open instead." in text
    assert "missing.keras" in capsys.readouterr().err


def test_run_app_opens_the_last_model_and_quietly_the_default_when_it_is_gone(
        qapp, dialogs, tmp_path, no_hard_exit):
    from lstm_viewer.core.kerasfile import default_model_path
    from lstm_viewer.gui.app import run_app
    path = tmp_path / "settings.ini"
    model = write_keras_file(tmp_path / "last.keras", random_network([8]))
    opened = []

    def look_and_close() -> None:
        for w in qapp.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                opened.append(w.model_source)
                close_window(w)

    for last_model in (model, tmp_path / "gone.keras"):
        settings = QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat)
        settings.setValue("last_model", str(last_model))
        QtCore.QTimer.singleShot(100, look_and_close)
        assert run_app(None, settings=settings) == 0
    assert [Path(p) for p in opened] == [model, default_model_path()]
    assert not dialogs     # a remembered model that is gone is no error of the user's now


def test_a_dropped_h5_file_is_opened_as_a_model_not_read_as_an_image(window, qtbot, dialogs, tmp_path):
    """A dropped .h5 is a (Keras 2) model file: it goes to Keras in a job, never to the image reader;
    one that is not a model is one sentence in a dialog, and the current model and input stay."""
    pytest.importorskip("tensorflow")
    import h5py
    legacy = tmp_path / "old_model.h5"
    with h5py.File(legacy, "w") as h5:
        h5["weights"] = np.zeros(3)
    before_net, before_image = window.network, window.image28
    drop_file(window, legacy)
    assert not window.jobs.jobs("open image")
    assert "old_model.h5" in window.statusBar().currentMessage()
    wait_idle(qtbot, window, lambda: dialogs)
    assert [kind for kind, _ in dialogs] == ["critical"]
    title, text = dialogs[0][1]
    assert "old_model.h5" in text and "Traceback" not in text and len(text.splitlines()) == 1
    assert window.network is before_net and window.image28 is before_image


def test_the_gui_path_does_not_import_tensorflow(tmp_path):
    model = write_keras_file(tmp_path / "m.keras", random_network())
    code = (
        "import sys, numpy as np\n"
        "from PyQt6 import QtWidgets\n"
        "app = QtWidgets.QApplication([])\n"
        "from lstm_viewer import load_network\n"
        "from lstm_viewer.gui import MainWindow\n"
        f"w = MainWindow(load_network({str(model)!r}))\n"
        "w.show_input(np.eye(28, dtype=np.float32)); w.show(); app.processEvents(); w.close()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]\n"
        "print('imported:', bad)\n"
        "sys.exit(1 if bad else 0)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            timeout=60, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_file_dialogs_open_in_the_last_folder_used_never_in_the_package(window, qtbot, tmp_path, monkeypatch):
    """The shipped model lives inside the installed package: no dialog should start there (a new
    user's export landed in site-packages' assets); the model's own folder for a model of the user's,
    and the folder last answered once there is one."""
    from pathlib import Path

    from lstm_viewer.core.assets import default_model_path
    opened_in = []

    def answer(name):
        def dialog(parent, caption, folder, *args, **kwargs):
            opened_in.append(str(folder))
            return name, ""
        return dialog

    with qtbot.waitSignal(window.session.modelInfoChanged, timeout=WAIT_MS):
        window.load_model(default_model_path())
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", answer(""))
    window.exportTraceAction.trigger()
    assert opened_in[-1] == str(Path.home())
    (tmp_path / "models").mkdir()
    mine = write_keras_file(tmp_path / "models" / "mine.keras", random_network())
    with qtbot.waitSignal(window.session.modelInfoChanged, timeout=WAIT_MS):
        window.load_model(mine)
    window.exportTraceAction.trigger()
    assert opened_in[-1] == str(mine.parent)
    target = tmp_path / "exports" / "trace.npz"
    target.parent.mkdir()
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", answer(str(target)))
    window.exportTraceAction.trigger()
    assert target.is_file()
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", answer(""))
    window.exportTraceAction.trigger()
    assert opened_in[-1] == str(target.parent)
    # Opening the shipped model through the dialog does not make the package's folder the next start,
    # and a folder removed since is not offered.
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", answer(str(default_model_path())))
    with qtbot.waitSignal(window.session.modelInfoChanged, timeout=WAIT_MS):
        window.openModelAction.trigger()
    window.exportTraceAction.trigger()
    assert opened_in[-1] == str(Path.home())
    window.window_actions.last_folder = str(tmp_path / "gone")
    window.exportTraceAction.trigger()
    assert opened_in[-1] == str(Path.home())
