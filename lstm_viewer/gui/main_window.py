"""The main window: pixels → 28 × 28 input → trace → views, and the row being looked at.

Data flows one way. An input (drawing, sample, image file) becomes a (28, 28) image, the network
traces it once, and every view gets ``show_trace`` (new data) then ``show_row`` (which row to show).
Moving through rows never recomputes anything; it only re-slices the trace.
"""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from ..core.network import Network, Trace
from ..core.preprocess import preprocess
from .background import Jobs
from .canvas import DrawCanvas, row_bands
from .digit_actions import DigitActions
from .file_actions import FileActions
from .input_view import InputView
from .layers_panel import LayersPanel
from .samples import SamplesPanel
from .softmax_view import SoftmaxView
from .state_panel import StatePanel
from .steady_label import steady
from .stepper import StepperBar

LIVE_INTERVAL_MS = 33    # re-trace at most ~30 times a second while drawing


class MainWindow(FileActions, DigitActions, QtWidgets.QMainWindow):
    """``MainWindow(network)`` builds the whole window without dialogs; ``trace`` is what is shown."""

    traceChanged = QtCore.pyqtSignal()
    networkChanged = QtCore.pyqtSignal()

    def __init__(self, network: Network, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.network = network
        self.trace: Trace | None = None
        self.image28: np.ndarray | None = None       # the current input, kept to re-trace on a new model
        self._bands: np.ndarray | None = None
        self._sized = False
        self.jobs = Jobs(self)
        self._build_views()
        self._build_menus()
        self._live_timer = QtCore.QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.timeout.connect(self._retrace_canvas)
        self.canvas.changed.connect(self._on_canvas_changed)
        self.canvas.strokeFinished.connect(self._on_stroke_finished)
        self.stepper.rowChanged.connect(self._show_row)
        self.samples.digitChosen.connect(self._on_digit_chosen)
        self.jobs.busyChanged.connect(self._on_busy_changed)
        self.setAcceptDrops(True)
        self.resize(1600, 1000)
        self.set_network(network)
        self.init_digit_sets()
        self.statusBar().showMessage("Draw a digit, or pick a real one from the samples.", 8000)

    # --- layout -------------------------------------------------------------------------------
    def _build_views(self) -> None:
        self.canvas = DrawCanvas()
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.clear_button.setObjectName("clearButton")
        self.clear_button.setToolTip("Clear the drawing (Delete)")
        self.undo_button = QtWidgets.QPushButton("Undo stroke")
        self.undo_button.setObjectName("undoButton")
        self.undo_button.setToolTip("Remove the last stroke (Ctrl+Z)")
        self.clear_button.clicked.connect(self._on_clear)
        self.undo_button.clicked.connect(self._on_undo)
        self.input_view = InputView()
        self.samples = SamplesPanel()
        self.layers = LayersPanel()
        self.softmax = SoftmaxView()
        self.state_panel = StatePanel()
        self.stepper = StepperBar()
        self.prediction_label = QtWidgets.QLabel("Draw a digit")
        self.prediction_label.setObjectName("predictionLabel")
        self.prediction_label.setToolTip("The top class of the softmax after the current row")
        font = self.prediction_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.prediction_label.setFont(font)
        self.prediction_detail = QtWidgets.QLabel("")
        self.prediction_detail.setObjectName("predictionDetailLabel")
        self.prediction_detail.setWordWrap(True)

        left = QtWidgets.QWidget()
        left_layout = QtWidgets.QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 4, 4)
        left_layout.addWidget(_heading("Draw a digit"))
        left_layout.addWidget(self.canvas, 5)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.undo_button)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.input_view, 3)
        left_layout.addWidget(_heading("Or pick a real MNIST digit"))
        left_layout.addWidget(self.samples, 4)

        right = QtWidgets.QWidget()
        right_layout = QtWidgets.QVBoxLayout(right)
        right_layout.setContentsMargins(4, 4, 4, 4)
        # Held steady: their text changes with every row (see steady_label).
        right_layout.addWidget(steady(self.prediction_label))
        right_layout.addWidget(steady(self.prediction_detail, lines=3))
        right_layout.addWidget(self.softmax, 1)
        right_layout.addWidget(self.state_panel)

        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        for widget, stretch in ((left, 0), (self.layers, 1), (right, 0)):
            splitter.addWidget(widget)
            splitter.setStretchFactor(splitter.count() - 1, stretch)
        left.setMinimumWidth(240)
        right.setMinimumWidth(250)
        self._splitter = splitter
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.stepper)
        self.setCentralWidget(central)
        self.busy = QtWidgets.QProgressBar()
        self.busy.setRange(0, 0)            # indeterminate: "working", no percentage
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.statusBar().addPermanentWidget(self.busy)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.build_file_actions(file_menu)
        edit = self.menuBar().addMenu("&Edit")
        self.undoAction = _action(self, "&Undo stroke", "Ctrl+Z", self._on_undo, "undoAction")
        self.clearAction = _action(self, "&Clear drawing", "Delete", self._on_clear, "clearAction")
        self.clearAction.setShortcuts([QtGui.QKeySequence("Delete"), QtGui.QKeySequence("Backspace")])
        edit.addActions([self.undoAction, self.clearAction])
        view = self.menuBar().addMenu("&View")
        view.addActions([self.layers.gates_action, self.layers.order_action])
        step = self.menuBar().addMenu("&Step")
        step.addActions(self.stepper.make_actions(self))

    # --- the model ----------------------------------------------------------------------------
    def set_network(self, network: Network, name: str | None = None, source_path: str | None = None,
                    keras_model=None, unsaved: bool = False) -> None:
        """Make ``network`` the active model and re-trace the current input with it.

        ``source_path``: the .keras file it came from (default: ``network.metadata['source']``), used
        by Save model as…; ``keras_model``: the Keras model when it was just trained (saved with
        Keras); ``unsaved`` marks the title until it is saved.
        """
        self.network = network
        self.model_name = name or network.name
        self.model_source = source_path or network.metadata.get("source")
        self.keras_model = keras_model
        self.unsaved = unsaved
        self._update_title()
        self.layers.set_units(network.units)
        self.state_panel.set_units(network.units)
        self.show_input(self.image28, keep_canvas=True)
        self.score_digit_sets()
        self.networkChanged.emit()

    def _update_title(self) -> None:
        star = " *" if self.unsaved else ""
        self.setWindowTitle(f"lstm-viewer — {self.model_name}{star} ({self.network.describe()})")

    # --- inputs -------------------------------------------------------------------------------
    def show_input(self, image28: np.ndarray | None, keep_canvas: bool = False) -> None:
        """Trace a (28, 28) input in [0, 1] (None or blank: nothing shown) and refresh every view."""
        if not keep_canvas:
            self._live_timer.stop()         # a pending re-trace of the drawing must not replace this
            if not self.canvas.is_empty():
                self.canvas.clear(emit=False)   # the drawing no longer describes what is shown
            self._bands = None
        blank = image28 is None or not np.any(image28)
        self.image28 = None if blank else np.asarray(image28, dtype=np.float32)
        self.show_trace(None if blank else self.network.trace(self.image28))

    def show_trace(self, trace: Trace | None) -> None:
        """Show an already computed trace in every view (the redraw the benchmark times)."""
        self.trace = trace
        self.input_view.show_image(None if trace is None else trace.image)
        self.layers.show_trace(trace)
        self.softmax.show_trace(trace)
        self.state_panel.show_trace(trace)
        self._show_row(self.stepper.row())
        self.traceChanged.emit()

    def _retrace_canvas(self) -> None:
        self._live_timer.stop()
        if self.canvas.is_empty():
            self._bands = None
            self.show_input(None, keep_canvas=True)
            return
        paper = self.canvas.to_array()
        image28 = preprocess(paper)
        self._bands = row_bands(paper, image28)
        self.show_input(image28, keep_canvas=True)

    def _show_row(self, row: int) -> None:
        self.input_view.show_row(row)
        self.layers.show_row(row)
        self.softmax.show_row(row)
        self.state_panel.show_row(row)
        self.canvas.set_band(None if self._bands is None else tuple(self._bands[row]))
        if self.trace is None:
            self.prediction_label.setText("Draw a digit")
            self.prediction_detail.setText("…or pick a sample. The views fill in as the network "
                                           "reads the rows.")
            return
        probs = self.trace.probs[row]
        top = int(np.argmax(probs))
        self.prediction_label.setText(f"Reads as {top}")
        final = self.trace.prediction
        self.prediction_detail.setText(
            f"p = {probs[top]:.2f} after row {row + 1} of 28 · final answer {final} "
            f"(p = {self.trace.probs[-1, final]:.2f}), on top from row {self.trace.settled_row() + 1}")

    # --- handlers -----------------------------------------------------------------------------
    def _on_canvas_changed(self) -> None:
        if not self._live_timer.isActive():
            self._live_timer.start(LIVE_INTERVAL_MS)

    def _on_stroke_finished(self) -> None:
        self._retrace_canvas()   # the final shape of a stroke is shown at once, not 33 ms later

    def _on_clear(self) -> None:
        self.canvas.clear()
        self._retrace_canvas()
        self.statusBar().showMessage("Cleared.", 2000)

    def _on_undo(self) -> None:
        if self.canvas.undo():
            self._retrace_canvas()
        else:
            self.statusBar().showMessage("Nothing to undo.", 2000)

    def _on_digit_chosen(self, image28: np.ndarray, description: str) -> None:
        self.show_input(image28)
        self.statusBar().showMessage(description, 5000)

    def _on_busy_changed(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self._sized:   # side columns by window width, once; the user's splitter drags win after
            self._sized = self.isVisible()
            side = max(240, min(330, int(0.19 * self.width())))
            self._splitter.setSizes([side, max(400, self.width() - 2 * side), side])

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802
        self.jobs.resume()
        super().showEvent(event)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802
        if not self.finish_saving():
            QtWidgets.QMessageBox.information(
                self, "Still saving", "The model is still being saved. Close again when it is done.")
            event.ignore()
            return
        if not self._may_discard_model():
            event.ignore()
            return
        self.stepper.play_button.setChecked(False)
        self.hide()   # waiting for a stopping thread must not look like a frozen window
        panel = getattr(self, "training_panel", None)   # set by training_panel.open_training_panel
        if panel is not None:
            panel.shutdown(2000)    # cancels a running fit and waits for its thread
        self.jobs.shutdown()    # quit() + wait() every worker thread before Qt tears them down
        super().closeEvent(event)


    def _may_discard_model(self) -> bool:
        """A model trained here and not saved is lost on close: ask first (Save / Discard / Cancel)."""
        if not self.unsaved:
            return True
        buttons = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self, "Unsaved model", f"{self.model_name} was trained here and is not saved. Save it first?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            self.ask_and_save_model(in_background=False)   # the window waits for it, then closes
            return not self.unsaved      # the dialog was cancelled or saving failed: stay open
        return answer == buttons.Discard


def _heading(text: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(f"<b>{text}</b>")
    return label


def _action(parent: QtWidgets.QWidget, text: str, shortcut: str, slot, name: str) -> QtGui.QAction:
    action = QtGui.QAction(text, parent)
    action.setObjectName(name)
    action.setShortcut(QtGui.QKeySequence(shortcut))
    action.triggered.connect(slot)
    parent.addAction(action)
    return action
