"""The 28 × 28 input as the network sees it, with the row being read marked and unread rows faded."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.i18n import ntr, tr
from ..plots import style
from ..plots.heatmap import heatmap
from ..plots.light_items import steady_plot
from ..state.view_state import ViewState


class InputView(pg.GraphicsLayoutWidget):
    """Preprocessed digit, ink dark on white like the canvas; rows after the current one are faded.

    What-if: clicking a row asks to blank it (``rowClicked``; clicking it again restores it). Blanked
    rows are marked, and the title says the input is edited.
    """

    rowClicked = QtCore.pyqtSignal(int)

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        style.tune_view(self)
        self.setObjectName("inputView")
        self.setToolTip(tr("The 28×28 input after MNIST-style preprocessing (cropped, scaled to 20×20,\n"
                           "centred by mass). The network reads it one row of 28 pixels per step;\n"
                           "the outlined row is the one just read, faded rows are not read yet.\n"
                           "What if: click a row to blank it (click again to restore it)."))
        self.setMinimumSize(150, 150)
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.plot = steady_plot(self)
        style.quiet_plot(self.plot)
        self.plot.setTitle(tr("input (28 × 28)"), size="9pt")
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.getAxis("left").setTicks([[(r - 0.5, str(r)) for r in (1, 7, 14, 21, 28)]])
        self.plot.getAxis("bottom").setTicks([[(c + 0.5, str(c + 1)) for c in (0, 13, 27)]])
        self.image = heatmap(self.plot, style.INK, (0.0, 1.0))
        self.image.setImage(np.zeros((28, 28), np.float32), autoLevels=False)
        self._fade = QtWidgets.QGraphicsRectItem(0, 0, 28, 0)
        self._fade.setBrush(QtGui.QColor(255, 255, 255, 170))
        self._fade.setPen(pg.mkPen(None))
        self.plot.addItem(self._fade)
        self._cursor = QtWidgets.QGraphicsRectItem(0, 0, 28, 1)
        self._cursor.setPen(pg.mkPen(style.ACCENT, width=2, cosmetic=True))
        self.plot.addItem(self._cursor)
        self.plot.setRange(xRange=(0, 28), yRange=(0, 28), padding=0.02)
        self._edits: list[QtWidgets.QGraphicsRectItem] = []
        style.settle_scene(self)
        self.scene().sigMouseClicked.connect(self._on_clicked)
        state.events.trace.connect(self._on_trace)
        state.events.row.connect(self._on_row)
        state.events.blanked_rows.connect(self._on_edits)
        self._on_trace()

    def _on_trace(self) -> None:
        trace = self.state.trace
        self.image.setImage(np.zeros((28, 28), np.float32) if trace is None else trace.image,
                            autoLevels=False)
        self._on_row()

    def _on_edits(self, *_args) -> None:
        """Mark each blanked row with a dashed frame; say "edited" in the title."""
        for item in self._edits:
            self.plot.removeItem(item)
        self._edits = []
        for row in self.state.blanked_rows:
            item = QtWidgets.QGraphicsRectItem(0, row, 28, 1)
            item.setPen(pg.mkPen(style.H_COLOUR, width=1, style=QtCore.Qt.PenStyle.DashLine, cosmetic=True))
            item.setBrush(QtGui.QColor(28, 126, 214, 40))
            self.plot.addItem(item)
            self._edits.append(item)
        rows = self.state.blanked_rows
        self.plot.setTitle(tr("input (28 × 28)") if not rows else
                           ntr("input, edited: {count} row blanked", "input, edited: {count} rows blanked",
                               len(rows)), size="9pt")

    def _on_clicked(self, event) -> None:
        if self.state.image is None or event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        point = self.plot.vb.mapSceneToView(event.scenePos())
        row = int(np.floor(point.y()))
        if 0 <= point.x() < 28 and 0 <= row < 28:
            self.rowClicked.emit(row)
            event.accept()

    def _on_row(self) -> None:
        row = self.state.row
        self._cursor.setRect(0, row, 28, 1)
        self._fade.setRect(0, row + 1, 28, 27 - row)
