"""Helpers for the GUI tests: small networks, .keras files written without TensorFlow, mouse strokes."""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtCore
from PyQt6.QtTest import QTest

from lstm_viewer.core.network import LstmWeights, Network

ROOT = Path(__file__).resolve().parent.parent


def random_network(units: list[int] = (16, 16), seed: int = 0, name: str = "random") -> Network:
    """An untrained network whose weights are large enough for every view to show structure."""
    rng = np.random.default_rng(seed)
    layers, inputs = [], 28
    for u in units:
        layers.append(LstmWeights(rng.normal(0, 0.6, (inputs, 4 * u)), rng.normal(0, 0.4, (u, 4 * u)),
                                  rng.normal(0, 0.3, 4 * u)))
        inputs = u
    return Network(layers, rng.normal(0, 0.8, (inputs, 10)), rng.normal(0, 0.1, 10), name=name)


def write_keras_file(path: Path, network: Network) -> Path:
    """A minimal .keras archive (config.json + model.weights.h5) as Keras 3 lays it out."""
    import h5py

    layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 28, 28]}}]
    for k, w in enumerate(network.layers):
        layers.append({"class_name": "LSTM", "config": {
            "name": "lstm" if k == 0 else f"lstm_{k}", "units": w.units, "activation": "tanh",
            "recurrent_activation": "sigmoid", "use_bias": True,
            "return_sequences": k < len(network.layers) - 1}})
    layers.append({"class_name": "Dense", "config": {"name": "dense", "units": 10,
                                                     "activation": "softmax"}})
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
    weights = io.BytesIO()
    with h5py.File(weights, "w") as h5:
        for k, w in enumerate(network.layers):
            group = h5.create_group(f"layers/{'lstm' if k == 0 else f'lstm_{k}'}/cell/vars")
            for i, array in enumerate((w.kernel, w.recurrent_kernel, w.bias)):
                group[str(i)] = array
        group = h5.create_group("layers/dense/vars")
        group["0"], group["1"] = network.dense_kernel, network.dense_bias
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", json.dumps({"keras_version": "3"}))
        archive.writestr("model.weights.h5", weights.getvalue())
    return path


def open_window(qtbot, network: Network, size: tuple[int, int] | None = None, **options):
    """A MainWindow on ``network``, shown and exposed (``options`` go to MainWindow, e.g. settings)."""
    from lstm_viewer.gui import MainWindow
    win = MainWindow(network, **options)
    qtbot.addWidget(win)
    if size is not None:
        win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    return win


def close_window(win) -> None:
    """Close ``win`` (the one shutdown path) and check that every thread its jobs started has ended.

    ``jobs.threads()`` lists the threads a bounded shutdown left running, so this can fail."""
    win.close()
    left = [thread.objectName() for thread in win.jobs.threads()]
    assert not left, f"threads still running after close: {left}"


def trained_model_path() -> Path:
    """The shipped default model; tests that need a model that can read skip without it."""
    chosen = os.environ.get("LSTM_VIEWER_GUI_TEST_MODEL")   # e.g. a model trained elsewhere
    path = Path(chosen) if chosen else ROOT / "assets" / "default.keras"
    if not path.is_file():
        pytest.skip(f"no trained model at {path} (assets/default.keras not built yet)")
    return path


def stroke(widget, points: list[tuple[float, float]]) -> None:
    """Draw one stroke with real mouse events; points in 0..1 of the widget's square paper."""
    side = min(widget.width(), widget.height())
    left, top = (widget.width() - side) / 2, (widget.height() - side) / 2
    pixels = [QtCore.QPoint(int(left + x * side), int(top + y * side)) for x, y in points]
    QTest.mousePress(widget, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier,
                     pixels[0])
    for a, b in zip(pixels, pixels[1:], strict=False):
        for t in np.linspace(0.25, 1.0, 4):   # intermediate moves, as a real hand gives
            QTest.mouseMove(widget, QtCore.QPoint(int(a.x() + t * (b.x() - a.x())),
                                                  int(a.y() + t * (b.y() - a.y()))))
    QTest.mouseRelease(widget, QtCore.Qt.MouseButton.LeftButton,
                       QtCore.Qt.KeyboardModifier.NoModifier, pixels[-1])


# Digits as strokes in unit coordinates, drawn roughly as a person would.
ONE = [[(0.45, 0.15), (0.5, 0.5), (0.52, 0.85)]]
SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.6, 0.5), (0.45, 0.85)]]
ZERO = [[(0.5, 0.15), (0.3, 0.3), (0.27, 0.55), (0.35, 0.8), (0.5, 0.87), (0.67, 0.78),
         (0.73, 0.5), (0.68, 0.25), (0.5, 0.15)]]


def draw(widget, digit: list[list[tuple[float, float]]]) -> None:
    for points in digit:
        stroke(widget, points)


def blotch_digit(seed: int) -> np.ndarray:
    """A (28, 28) input with random ink in the middle rows: structure for every view, no file."""
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28), np.float32)
    image[5:23, 8:20] = rng.uniform(0, 1, (18, 12)).astype(np.float32)
    return image


def drop_file(window, path) -> None:
    """Drag ``path`` over the window and drop it, as a file manager does (enter, then drop)."""
    from PyQt6 import QtCore, QtGui, QtWidgets
    data = QtCore.QMimeData()
    data.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    qt = QtCore.Qt
    where = QtCore.QPointF(window.rect().center())
    enter = QtGui.QDragEnterEvent(where.toPoint(), qt.DropAction.CopyAction, data,
                                  qt.MouseButton.LeftButton, qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(where, qt.DropAction.CopyAction, data, qt.MouseButton.LeftButton,
                            qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(window, drop)


# --- one panel, no window (napari's QtDims(Dims()) pattern) ---------------------------------------
SHUTDOWN_MS = 5000   # a panel's jobs cancelled at teardown: a limit, not a timing assertion


class PanelHarness:
    """One panel built on a view state of its own, without the window: the state's network and trace
    are written by a real ``Session`` (so the traces are the engine's), and the panel is given a
    ``PanelContext`` whose callables are recorded here.

    - ``panel``: the panel, shown as a top-level widget of ``size`` (unless ``shown=False``);
    - ``state``, ``session``, ``jobs``: the view state, the session writing it, the job runner;
    - ``shown_digits``: every ``show_digit(image28, sentence)`` call, in order (each also makes the
      digit the input, as the window does);
    - ``save_requests``: every ``ask_save_path(title, name, filters)`` call; the answer given is
      ``save_answer`` (``("", "")``: cancelled, unless a test sets a path);
    - ``canvas``, ``drawing``: with ``drawing=True``, a real canvas and ``DrawingInput`` (strokes
      become the input, and the panel hears the drawing's preprocessing steps); else None.
    """

    def __init__(self, factory, network, image=None, *, size=(440, 800), shown: bool = True,
                 drawing: bool = False) -> None:
        from PyQt6 import QtWidgets

        from lstm_viewer.gui.panels import PanelContext
        from lstm_viewer.gui.state.jobs import JobRunner
        from lstm_viewer.gui.state.session import Session
        from lstm_viewer.gui.state.view_state import ViewState

        self.state = ViewState()
        self.jobs = JobRunner()
        self.session = Session(self.state, self.jobs)
        self.shown_digits: list[tuple[np.ndarray, str]] = []
        self.save_requests: list[tuple[str, str, str]] = []
        self.save_answer: tuple[str, str] = ("", "")
        self.canvas = self.drawing = None
        self.session.set_network(network)
        if drawing:
            from lstm_viewer.gui.input.canvas import DrawCanvas
            from lstm_viewer.gui.input.drawing import DrawingInput
            self.canvas = DrawCanvas()
            self.canvas.resize(280, 280)
            self.drawing = DrawingInput(self.canvas, self.session)
            steps_changed = self.drawing.stepsChanged
        else:
            self._no_drawing = _NoDrawing()
            steps_changed = self._no_drawing.stepsChanged
        if image is not None:
            self.session.show_input(image)
        context = PanelContext(state=self.state, jobs=self.jobs, show_digit=self._show_digit,
                               ask_save_path=self._ask_save_path,
                               drawing_steps=lambda: None if self.drawing is None else self.drawing.steps,
                               drawing_steps_changed=steps_changed)
        if isinstance(factory, str):
            from lstm_viewer.gui.panels import PANELS
            spec = next(s for s in PANELS if factory in (s.key, s.object_name))
            factory = spec.build
        self.panel: QtWidgets.QWidget = factory(context)
        self.panel.resize(*size)
        if self.canvas is not None:
            self.canvas.show()
        if shown:
            self.panel.show()

    # What tests read most, as on the window.
    @property
    def network(self):
        return self.state.network

    @property
    def trace(self):
        return self.state.trace

    def show_input(self, image28):
        """A new input, traced by the session (what the window's ``show_input`` does)."""
        return self.session.show_input(image28)

    def _show_digit(self, image28: np.ndarray, sentence: str) -> None:
        self.shown_digits.append((image28, sentence))
        self.session.show_input(image28)

    def _ask_save_path(self, title: str, name: str, filters: str) -> tuple[str, str]:
        self.save_requests.append((title, name, filters))
        return self.save_answer

    def close(self) -> None:
        """Close the panel (and canvas), cancel every job and wait for its thread (bounded)."""
        for widget in (self.panel, self.canvas):
            if widget is not None:
                widget.close()
        assert self.jobs.shutdown(SHUTDOWN_MS), \
            f"threads still running: {[t.objectName() for t in self.jobs.threads()]}"


class _NoDrawing(QtCore.QObject):
    stepsChanged = QtCore.pyqtSignal(object)


def build_panel(qtbot, panel, network, image=None, **options) -> PanelHarness:
    """``panel`` (a ``PanelSpec`` key or objectName, e.g. "unit" or "unitDock", or a factory taking a
    ``PanelContext``) built on ``network`` with ``image`` traced as the input, and no window.
    ``options`` go to ``PanelHarness`` (size, shown, drawing). Closed with the test: its widgets by
    qtbot, its jobs cancelled and waited for before the thread check."""
    harness = PanelHarness(panel, network, image, **options)
    qtbot.addWidget(harness.panel, before_close_func=lambda _widget: harness.close())
    if harness.canvas is not None:
        qtbot.addWidget(harness.canvas)
    if harness.panel.isVisible():
        qtbot.waitExposed(harness.panel)
    return harness
