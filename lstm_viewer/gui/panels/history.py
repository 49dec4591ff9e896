"""The training history's timeline: scrub or play through the snapshots kept while the model trained.

Moving the slider makes that snapshot's weights the model of every view (``context.show_snapshot``,
the session's ``show_snapshot``): the layers, the softmax, the inspector and the other panels follow,
with the same input, row, selection and pinned A. The panel shows the training loss and the probe
accuracy against batches seen (log scale: the snapshots are log-spaced) with the current snapshot
marked, and this digit's probability of each class at every snapshot (snapshots × classes, from one
batched pass over all snapshots: ``state.history_pass``), the final answer's column outlined.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from ...core.i18n import N_, tr
from ..plots import style
from ..plots.heatmap import heatmap
from ..plots.light_items import MarkLine, steady_plot
from ..state.view_state import ViewState
from ..widgets.help_note import help_note
from ..widgets.steady_label import steady

if TYPE_CHECKING:
    from . import PanelContext

# Snapshots a second while playing, as (label, milliseconds between snapshots).
SPEEDS = ((N_("1 a second"), 1000), (N_("2 a second"), 500), (N_("4 a second"), 250),
          (N_("8 a second"), 125), (N_("15 a second"), 67))
DEFAULT_SPEED = 2   # 4 a second: the shipped history's 29 snapshots in about 7 s
LOSS_COLOUR, ACCURACY_COLOUR = "#c92a2a", "#2b8a3e"
SCRUB_KEYS = (QtCore.Qt.Key.Key_Left, QtCore.Qt.Key.Key_Right, QtCore.Qt.Key.Key_Up, QtCore.Qt.Key.Key_Down,
              QtCore.Qt.Key.Key_Home, QtCore.Qt.Key.Key_End, QtCore.Qt.Key.Key_PageUp,
              QtCore.Qt.Key.Key_PageDown)

HELP = N_("""<p>While the model trained, its weights were kept at moments along the way: a
<b>snapshot</b> before the first update (the random start), then more and more sparsely (most change
happens early), and the final weights. Move the slider (or press ← →, or Space to play) and every view
of the window shows the network <i>as it was then</i>, reading the same digit: the layers' heatmaps
turn from noise into structure as it learns.</p>
<p>The curves are the training loss (red, falling) and the accuracy on the first 1,000 test digits
(green, rising) against the batches of 100 digits seen so far, on a log scale; the orange line is the
snapshot shown. The grid below is this digit's probability of each class (columns 0–9) at every
snapshot (rows, the first at the top): dark where the network is sure. The outlined column is the
final model's answer, the outlined row the snapshot shown. The cell state c keeps one colour range
over the whole history, so a colour means the same value at every step.</p>""")

NO_HISTORY = N_("This model has no training history. To watch a network learn, train one here "
                "(File ▸ Train a model…: it keeps snapshots of its weights as it trains), or open the "
                "one shipped with lstm-viewer: File ▸ Open the model with a training history.")


class HistoryPanel(QtWidgets.QWidget):
    """A slider over the snapshots, play/pause and speed, the curves and this digit's answers."""

    def __init__(self, state: ViewState, show_snapshot, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._show_snapshot = show_snapshot
        self.setObjectName("historyPanel")
        self._built_for = None      # the history the curves were drawn for
        self.probabilities: np.ndarray | None = None   # (snapshots, 10): what the grid shows
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        self.empty_label = QtWidgets.QLabel(tr(NO_HISTORY))
        self.empty_label.setObjectName("historyEmptyLabel")
        self.empty_label.setWordWrap(True)
        layout.addWidget(self.empty_label)

        self.status = QtWidgets.QLabel()
        self.status.setObjectName("historyStatus")
        self.status.setWordWrap(True)
        self.status_holder = steady(self.status, lines=3)
        layout.addWidget(self.status_holder)

        controls = QtWidgets.QHBoxLayout()
        self.play_button = QtWidgets.QPushButton(tr("▶ Play"))
        self.play_button.setObjectName("historyPlayButton")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip(tr("Play through the snapshots, from the start if at the end (Space)"))
        self.play_button.toggled.connect(self._on_play_toggled)
        controls.addWidget(self.play_button)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setObjectName("historySlider")
        self.slider.setToolTip(tr("Which snapshot of the training every view shows (← → step one)"))
        self.slider.setTickPosition(QtWidgets.QSlider.TickPosition.TicksBelow)
        self.slider.setPageStep(1)
        self.slider.setTracking(True)
        self.slider.valueChanged.connect(self._on_slider)
        controls.addWidget(self.slider, 1)
        self.speed_box = QtWidgets.QComboBox()
        self.speed_box.setObjectName("historySpeedBox")
        self.speed_box.setToolTip(tr("How many snapshots a second while playing"))
        for text, interval in SPEEDS:
            self.speed_box.addItem(tr(text), interval)
        self.speed_box.setCurrentIndex(DEFAULT_SPEED)
        self.speed_box.currentIndexChanged.connect(self._on_speed)
        controls.addWidget(self.speed_box)
        self.controls = QtWidgets.QWidget()
        self.controls.setLayout(controls)
        controls.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.controls)
        layout.addWidget(help_note(tr("What am I looking at?"), tr(HELP)))

        self.plots = pg.GraphicsLayoutWidget()
        style.tune_view(self.plots)
        self.plots.setMinimumHeight(420)
        layout.addWidget(self.plots, 1)
        self._build_plots()
        style.settle_scene(self.plots)

        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._on_tick)

        state.events.history.connect(self._on_history)
        state.events.snapshot.connect(self._on_snapshot)
        state.events.history_pass.connect(self._on_pass)
        state.events.trace.connect(self._show_status)
        self._on_history()

    # --- building -----------------------------------------------------------------------------
    def _build_plots(self) -> None:
        ci = self.plots.ci
        self.loss_plot = steady_plot(ci, row=0, col=0)
        self.accuracy_plot = steady_plot(ci, row=1, col=0)
        for plot, title, colour in ((self.loss_plot, tr("training loss"), LOSS_COLOUR),
                                    (self.accuracy_plot, tr("accuracy on 1,000 test digits"),
                                     ACCURACY_COLOUR)):
            style.quiet_plot(plot)
            plot.setTitle(title, size="9pt", color=colour)
            plot.setLogMode(x=True, y=False)
            plot.getAxis("left").setWidth(40)
            plot.setMaximumHeight(150)
        self.accuracy_plot.setLabel("bottom", tr("1 + batches seen (log scale)"))
        self.loss_plot.hideAxis("bottom")
        self.accuracy_plot.setXLink(self.loss_plot)
        self.accuracy_plot.setYRange(0.0, 1.0, padding=0.02)
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen(LOSS_COLOUR, width=2), connect="finite")
        self.accuracy_curve = self.accuracy_plot.plot([], [], pen=pg.mkPen(ACCURACY_COLOUR, width=2))
        self.markers = []
        for plot in (self.loss_plot, self.accuracy_plot):
            marker = MarkLine(pg.mkPen(style.ACCENT, width=1.5), vertical=True, pad=0.02)
            plot.addItem(marker)
            self.markers.append(marker)

        self.grid_plot = steady_plot(ci, row=2, col=0)
        style.rows_plot(self.grid_plot, tr("this digit's answer at each snapshot"), tr("class"))
        self.grid_plot.getAxis("bottom").setTicks([[(k + 0.5, str(k)) for k in range(10)]])
        self.grid_plot.setLabel("left", tr("snapshot"))
        self.grid_plot.getAxis("left").setWidth(40)
        self.grid = heatmap(self.grid_plot, style.SEQUENTIAL, (0.0, 1.0))
        self.grid_bar = style.colour_bar(style.SEQUENTIAL, (0.0, 1.0), tr("probability"))
        self.grid_bar.setImageItem(self.grid)
        ci.addItem(self.grid_bar, row=2, col=1)
        self.answer_mark = QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
        self.answer_mark.setPen(pg.mkPen(style.SETTLED, width=2, cosmetic=True))
        self.answer_mark.setZValue(5)
        self.answer_mark.hide()
        self.grid_plot.addItem(self.answer_mark)
        self.current_mark = QtWidgets.QGraphicsRectItem(0, 0, 10, 1)
        self.current_mark.setPen(pg.mkPen(style.ACCENT, width=2, cosmetic=True))
        self.current_mark.setZValue(6)
        self.grid_plot.addItem(self.current_mark)
        ci.layout.setRowStretchFactor(2, 2)

    # --- following the state ------------------------------------------------------------------
    def _on_history(self, *_args) -> None:
        history = self.state.history
        has = history is not None
        self.play_button.setChecked(False)
        self.empty_label.setVisible(not has)
        for widget in (self.status_holder, self.controls, self.plots):
            widget.setVisible(has)
        if not has:
            self._built_for = None
            return
        if self._built_for is not history:
            count = len(history)
            with signals_blocked(self.slider):
                self.slider.setRange(0, count - 1)
            x = history.steps + 1.0
            self.loss_curve.setData(x, history.loss)
            self.accuracy_curve.setData(x, history.accuracy)
            finite = history.loss[np.isfinite(history.loss)]
            top = float(finite.max()) if finite.size else 1.0
            self.loss_plot.setYRange(0.0, style.nice_ceiling(top) if top > 0 else 1.0, padding=0.02)
            for plot in (self.loss_plot, self.accuracy_plot):
                plot.setXRange(0.0, float(np.log10(x[-1])), padding=0.02)
            self.grid_plot.setRange(xRange=(0, 10), yRange=(0, count), padding=0)
            self.grid.setImage(np.full((count, 10), np.nan, np.float32), autoLevels=False)
            self.probabilities = None
            self.answer_mark.hide()
            self._built_for = history
        self._on_snapshot()
        self._on_pass()

    def _on_snapshot(self, *_args) -> None:
        history, index = self.state.history, self.state.snapshot
        if history is None or index is None:
            return
        with signals_blocked(self.slider):
            self.slider.setValue(index)
        x = float(np.log10(history.steps[index] + 1.0))
        for marker in self.markers:
            marker.setPos(x)
        self.current_mark.setRect(0, index, 10, 1)
        self._show_status()

    def _on_pass(self, *_args) -> None:
        history, done = self.state.history, self.state.history_pass
        if history is None:
            return
        if done is None or len(done.probs) != len(history):
            self.probabilities = None
            self.grid.setImage(np.full((len(history), 10), np.nan, np.float32), autoLevels=False)
            self.answer_mark.hide()
        else:
            self.probabilities = done.probs
            self.grid.setImage(done.probs, autoLevels=False)
            answer = int(np.argmax(done.probs[-1]))
            self.answer_mark.setRect(answer, 0, 1, len(history))
            self.answer_mark.show()
        self._show_status()

    def _show_status(self, *_args) -> None:
        history, index, trace = self.state.history, self.state.snapshot, self.state.trace
        if history is None or index is None:
            return
        loss = history.loss[index]
        text = tr("Snapshot {number} of {count}: after {batches} batches ({epochs} epochs). "
                  "Loss {loss}, accuracy on the probe digits {accuracy}.",
                  number=index + 1, count=len(history), batches=f"{int(history.steps[index]):,}",
                  epochs=f"{float(history.epochs[index]):.2f}",
                  loss="–" if not np.isfinite(loss) else f"{float(loss):.3f}",
                  accuracy=f"{float(history.accuracy[index]):.1%}")
        if trace is not None:
            answer = trace.prediction
            text += " " + tr("This digit reads as <b>{answer}</b> (p = {p}).", answer=answer,
                             p=f"{float(trace.probs[-1, answer]):.2f}")
        self.status.setText(text)

    # --- the controls -------------------------------------------------------------------------
    def _on_slider(self, value: int) -> None:
        if self.state.history is not None and self._show_snapshot is not None:
            self._show_snapshot(int(value))

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def toggle_play(self) -> None:
        if self.state.history is not None:
            self.play_button.toggle()

    def _on_play_toggled(self, playing: bool) -> None:
        history = self.state.history
        if playing and history is not None:
            if self.state.snapshot == len(history) - 1:
                self.slider.setValue(0)   # Play at the end starts over
            self._timer.start(self.speed_box.currentData())
        else:
            self._timer.stop()
        self.play_button.setText(tr("❚❚ Pause") if self._timer.isActive() else tr("▶ Play"))

    def _on_tick(self) -> None:
        history = self.state.history
        if history is None or self.state.snapshot is None or self.state.snapshot >= len(history) - 1:
            self.play_button.setChecked(False)
            return
        self.slider.setValue(self.state.snapshot + 1)
        if self.state.snapshot >= len(history) - 1:
            self.play_button.setChecked(False)

    def _on_speed(self, _index: int) -> None:
        if self._timer.isActive():
            self._timer.setInterval(self.speed_box.currentData())

    # --- keys ---------------------------------------------------------------------------------
    def event(self, event: QtCore.QEvent) -> bool:
        # Space and the slider's keys are the window's shortcuts too (play rows, step rows): inside
        # this panel they are its own (the slider steps snapshots, Space plays them).
        if event.type() == QtCore.QEvent.Type.ShortcutOverride:
            key = event.key()
            if key == QtCore.Qt.Key.Key_Space or (key in SCRUB_KEYS and self.slider.hasFocus()):
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_Space and not event.isAutoRepeat():
            self.toggle_play()
            event.accept()
            return
        super().keyPressEvent(event)


def build_panel(context: PanelContext) -> HistoryPanel:
    return HistoryPanel(context.state, context.show_snapshot)
