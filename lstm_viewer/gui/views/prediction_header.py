"""The answer in words above the softmax: "Reads as 7", with how sure and since which row."""
from __future__ import annotations

import numpy as np
from PyQt6 import QtWidgets

from ...core.i18n import tr
from ..state.view_state import ViewState
from ..widgets.steady_label import steady


class PredictionHeader(QtWidgets.QWidget):
    """Two labels that follow ``state.trace`` and ``state.row``."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.label = QtWidgets.QLabel(tr("Draw a digit"))
        self.label.setObjectName("predictionLabel")
        self.label.setToolTip(tr("The top class of the softmax after the current row"))
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.label.setFont(font)
        self.detail = QtWidgets.QLabel("")
        self.detail.setObjectName("predictionDetailLabel")
        self.detail.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # Held steady: their text changes with every row (see steady_label). Opaque: the dock under
        # them is then not repainted with them every row (0.3-0.5 ms a row step here).
        for label in (self.label, self.detail):
            label.setAutoFillBackground(True)
        layout.addWidget(steady(self.label))
        layout.addWidget(steady(self.detail, lines=3))
        state.events.trace.connect(self._update)
        state.events.row.connect(self._update)
        self._update()

    def _update(self, *_args) -> None:
        trace, row = self.state.trace, self.state.row
        if trace is None:
            self.label.setText(tr("Draw a digit"))
            self.detail.setText(tr("…or pick a sample. The views fill in as the network reads the rows."))
            return
        probs = trace.probs[row]
        top = int(np.argmax(probs))
        self.label.setText(tr("Reads as {digit}", digit=top))
        final = trace.prediction
        self.detail.setText(tr("p = {p:.2f} after row {row} of 28 · final answer {final} (p = {p_final:.2f}),"
                               " on top from row {since}", p=probs[top], row=row + 1, final=final,
                               p_final=trace.probs[-1, final], since=trace.settled_row() + 1))
