"""The 28 × 28 input as the network sees it, with the row being read marked and unread rows faded."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtGui, QtWidgets

from . import style
from .view_state import ViewState


class InputView(pg.GraphicsLayoutWidget):
    """Preprocessed digit, ink dark on white like the canvas; rows after the current one are faded."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        style.tune_view(self)
        self.setObjectName("inputView")
        self.setToolTip("The 28×28 input after MNIST-style preprocessing (cropped, scaled to 20×20,\n"
                        "centred by mass). The network reads it one row of 28 pixels per step;\n"
                        "the outlined row is the one just read, faded rows are not read yet.")
        self.setMinimumSize(150, 150)
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.plot = self.addPlot(enableMenu=False)
        style.quiet_plot(self.plot)
        self.plot.setTitle("input (28 × 28)", size="9pt")
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.getAxis("left").setTicks([[(r - 0.5, str(r)) for r in (1, 7, 14, 21, 28)]])
        self.plot.getAxis("bottom").setTicks([[(c + 0.5, str(c + 1)) for c in (0, 13, 27)]])
        self.image = style.heatmap(self.plot, style.INK, (0.0, 1.0))
        self.image.setImage(np.zeros((28, 28), np.float32), autoLevels=False)
        self._fade = QtWidgets.QGraphicsRectItem(0, 0, 28, 0)
        self._fade.setBrush(QtGui.QColor(255, 255, 255, 170))
        self._fade.setPen(pg.mkPen(None))
        self.plot.addItem(self._fade)
        self._cursor = QtWidgets.QGraphicsRectItem(0, 0, 28, 1)
        self._cursor.setPen(pg.mkPen(style.ACCENT, width=2, cosmetic=True))
        self.plot.addItem(self._cursor)
        self.plot.setRange(xRange=(0, 28), yRange=(0, 28), padding=0.02)
        style.settle_scene(self)
        state.events.trace.connect(self._on_trace)
        state.events.row.connect(self._on_row)
        self._on_trace()

    def _on_trace(self) -> None:
        trace = self.state.trace
        self.image.setImage(np.zeros((28, 28), np.float32) if trace is None else trace.image,
                            autoLevels=False)
        self._on_row()

    def _on_row(self) -> None:
        row = self.state.row
        self._cursor.setRect(0, row, 28, 1)
        self._fade.setRect(0, row + 1, 28, 27 - row)
