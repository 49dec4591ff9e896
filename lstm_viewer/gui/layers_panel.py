"""All layers side by side (data flows left to right toward the softmax), with the view toggles."""
from __future__ import annotations

from PyQt6 import QtCore, QtGui, QtWidgets

from ..core.network import Trace
from .layer_view import LayerView

MIN_LAYER_WIDTH = 200   # three layers still fit side by side in a 1280-pixel window


class LayersPanel(QtWidgets.QWidget):
    """One ``LayerView`` per layer, rebuilt when the model changes; toggles for gates and unit order."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.gates_action = QtGui.QAction("Show &gates (i, f, g, o)", self)
        self.gates_action.setObjectName("gatesAction")
        self.gates_action.setCheckable(True)
        self.gates_action.setShortcut(QtGui.QKeySequence("G"))
        self.gates_action.setToolTip("Switch every layer between its states (c, h) and its gates (G)")
        self.order_action = QtGui.QAction("Rank units by |h|", self)
        self.order_action.setObjectName("orderByMagnitudeAction")
        self.order_action.setCheckable(True)
        self.order_action.setShortcut(QtGui.QKeySequence("M"))
        self.order_action.setToolTip("Order the unit columns by |h| at the current row, largest first "
                                     "(M); otherwise by unit index")

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QtWidgets.QHBoxLayout()
        heading = QtWidgets.QLabel("<b>Inside the LSTM</b> · rows read so far × units")
        bar.addWidget(heading)
        bar.addStretch(1)
        for action in (self.gates_action, self.order_action):
            button = QtWidgets.QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
            bar.addWidget(button)
        layout.addLayout(bar)
        self._scroll = QtWidgets.QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout.addWidget(self._scroll, 1)
        self.views: list[LayerView] = []
        self._row = 27

        self.gates_action.toggled.connect(self._on_gates_toggled)
        self.order_action.toggled.connect(self._on_order_toggled)

    def set_units(self, units: list[int]) -> None:
        """Build one column per layer (items are created here once, then only updated)."""
        holder = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.views = [LayerView(k, u, len(units)) for k, u in enumerate(units)]
        for view in self.views:
            view.setMinimumWidth(MIN_LAYER_WIDTH)
            view.set_order_label(self.order_action.isChecked())
            view.set_gates_visible(self.gates_action.isChecked())
            row.addWidget(view, 1)
        old = self._scroll.takeWidget()
        self._scroll.setWidget(holder)
        if old is not None:
            old.deleteLater()

    def show_trace(self, trace: Trace | None) -> None:
        for view in self.views:
            view.show_trace(trace)

    def show_row(self, row: int) -> None:
        self._row = row
        by_magnitude = self.order_action.isChecked()
        for view in self.views:
            view.show_row(row, by_magnitude)

    def _on_gates_toggled(self, visible: bool) -> None:
        first = visible and any(view.gates_widget is None for view in self.views)
        if first:   # the gates plots are built on first use (a fraction of a second)
            QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            for view in self.views:
                view.set_gates_visible(visible)
        finally:
            if first:
                QtWidgets.QApplication.restoreOverrideCursor()

    def _on_order_toggled(self, by_magnitude: bool) -> None:
        for view in self.views:
            view.set_order_label(by_magnitude)
        self.show_row(self._row)
