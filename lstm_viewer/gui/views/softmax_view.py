"""The softmax: this row's probabilities, the final ones, and the prediction over time (rows × classes)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from ...core.i18n import tr
from ..plots import style
from ..plots.heatmap import heatmap
from ..plots.light_items import BarsItem, StaticTextItem, steady_plot
from ..state.view_state import ViewState

CLASSES = np.arange(10)


def _bars(layout: pg.GraphicsLayout, title: str) -> tuple[pg.PlotItem, BarsItem]:
    plot = steady_plot(layout)
    style.quiet_plot(plot)
    plot.setTitle(title, size="9pt")
    plot.setYRange(0, 1.2, padding=0.0)   # headroom above p = 1 for the row label
    plot.setXRange(-0.6, 9.6, padding=0)
    plot.getAxis("bottom").setTicks([[(k, str(k)) for k in CLASSES]])
    plot.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0, 0.5, 1)]])
    plot.setMaximumHeight(150)
    plot.setMinimumHeight(80)
    bars = BarsItem(len(CLASSES), width=0.7, colour=style.MUTED, highlight=style.ACCENT)
    plot.addItem(bars)
    layout.nextRow()
    return plot, bars


class SoftmaxView(pg.GraphicsLayoutWidget):
    """Three views of the dense softmax head applied to the top layer's h."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        style.tune_view(self)
        self.setObjectName("softmaxView")
        self.setToolTip(tr("softmax(W·h_top + b): the dense head applied to the top layer's h after each "
                           "row.\nThe model's answer is the top class after row 28."))
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.current_plot, self.current_bars = _bars(self.ci, tr("after the current row"))
        # The row number as a text item, not the title: a new title re-lays out the whole scene.
        self.current_text = StaticTextItem(style.ACCENT, anchor=(1, 0))
        self.current_text.setPos(9.6, 1.22)
        self.current_plot.addItem(self.current_text, ignoreBounds=True)
        _, self.final_bars = _bars(self.ci, tr("final, after row 28"))

        self.time_plot = steady_plot(self.ci)
        style.rows_plot(self.time_plot, tr("prediction over time"), tr("class"))
        self.time_plot.getAxis("bottom").setTicks([[(k + 0.5, str(k)) for k in CLASSES]])
        self.time_image = heatmap(self.time_plot, style.SEQUENTIAL, (0.0, 1.0))
        self._time_buffer = np.full((28, 10), np.nan, np.float32)
        self.time_image.setImage(self._time_buffer, autoLevels=False)
        self.time_plot.setRange(xRange=(0, 10), yRange=(0, 28), padding=0)
        self.time_bar = style.colour_bar(style.SEQUENTIAL, (0.0, 1.0), "p")
        self.ci.addItem(self.time_bar)
        self.time_bar.setImageItem(self.time_image)
        self.settled_line = style.row_marker(self.time_plot, style.SETTLED, QtCore.Qt.PenStyle.DashLine)
        self.settled_text = pg.TextItem("", color=style.SETTLED, anchor=(1, 1),
                                        fill=pg.mkBrush(255, 255, 255, 210))   # legible over the heatmap
        self.settled_text.setZValue(10)
        self.time_plot.addItem(self.settled_text)
        self.row_line = style.row_marker(self.time_plot)
        self.time_plot.setLabel("left", tr("row"))
        grid = self.ci.layout
        for row, stretch in ((0, 2), (1, 2), (2, 5)):   # the prediction over time gets the room
            grid.setRowStretchFactor(row, stretch)
        style.settle_scene(self)
        state.events.trace.connect(self._on_trace)
        state.events.row.connect(self._on_row)
        self._on_trace()

    def _on_trace(self) -> None:
        trace = self.state.trace
        self._on_row()
        if trace is None:
            self.final_bars.set_heights(None)
            self.settled_line.hide()
            self.settled_text.setText("")
            return
        self.final_bars.set_heights(trace.probs[-1], highlighted=trace.prediction)
        settled = trace.settled_row()
        # The answer is on top from row settled+1 on: mark the top edge of that row.
        self.settled_line.setPos(settled)
        self.settled_line.show()
        self.settled_text.setText(tr("{digit} on top from row {row}", digit=trace.prediction,
                                     row=settled + 1))
        self.settled_text.setPos(10, settled)

    def _on_row(self) -> None:
        row, trace = self.state.row, self.state.trace
        self.row_line.setPos(row + 1)
        self.current_text.setText(tr("row {row}", row=row + 1))
        if trace is None:
            self.current_bars.set_heights(None)
        else:
            probs = trace.probs[row]
            self.current_bars.set_heights(probs, highlighted=int(np.argmax(probs)))
        # The same trace as last time: its colours are kept, only the rows shown change.
        self.time_image.show_rows(None if trace is None else trace.probs, row, trace)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(300, 700)

