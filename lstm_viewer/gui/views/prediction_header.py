"""The answer in words above the softmax: "So far 2 · final 3", with how sure and since which row.

The headline names both the guess after the rows read so far and the model's final answer: shown alone,
the current row's guess ("Reads as 2" at row 12 of a 3) was read by a room as the answer. After the
last row they are the same, and the headline says "Final answer: 3".
"""
from __future__ import annotations

import numpy as np
from PyQt6 import QtWidgets

from ...core.i18n import tr
from ..state.view_state import LAST_ROW, ViewState
from ..widgets.steady_label import steady


class PredictionHeader(QtWidgets.QWidget):
    """Two labels that follow ``state.trace`` and ``state.row``."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.label = QtWidgets.QLabel(tr("Draw a digit"))
        self.label.setObjectName("predictionLabel")
        self.label.setToolTip(tr("So far: the top class of the softmax after the rows read up to the current "
                                 "one. Final: the top class after all 28 rows, the model's answer."))
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
        top, final = int(np.argmax(probs)), trace.prediction
        if row == LAST_ROW:
            self.label.setText(tr("Final answer: {final}", final=final))
            self.detail.setText(tr("p = {p:.2f} after all 28 rows; on top from row {since}.",
                                   p=trace.probs[-1, final], since=trace.settled_row() + 1))
            return
        self.label.setText(tr("So far {now} · final {final}", now=top, final=final))
        self.detail.setText(tr("So far {now} (p = {p:.2f}) after row {row} of 28; final {final} "
                               "(p = {p_final:.2f}), on top from row {since}.", now=top,
                               p=probs[top], row=row + 1, final=final, p_final=trace.probs[-1, final],
                               since=trace.settled_row() + 1))
