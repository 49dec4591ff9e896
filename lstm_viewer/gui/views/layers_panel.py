"""All layers side by side (data flows left to right toward the softmax), with the view toggles."""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from ...core.i18n import tr
from ..state.view_state import ViewState
from .layer_view import LayerView

MIN_LAYER_WIDTH = 200   # three layers still fit side by side in a 1280-pixel window


class LayersPanel(QtWidgets.QWidget):
    """One ``LayerView`` per layer, rebuilt when the model changes; toggles for gates and unit order."""

    hovered = QtCore.pyqtSignal(str)   # the cell under the pointer, in words (for the status bar)

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.gates_action = QtGui.QAction(tr("Show &gates (i, f, g, o)"), self)
        self.gates_action.setObjectName("gatesAction")
        self.gates_action.setCheckable(True)
        self.gates_action.setShortcut(QtGui.QKeySequence("G"))
        self.gates_action.setToolTip(tr("Switch every layer between its states (c, h) and its gates (G)"))
        self.order_action = QtGui.QAction(tr("Rank units by |h|"), self)
        self.order_action.setObjectName("orderByMagnitudeAction")
        self.order_action.setCheckable(True)
        self.order_action.setShortcut(QtGui.QKeySequence("M"))
        self.order_action.setToolTip(tr("Order the unit columns by |h| at the current row, largest first "
                                        "(M); otherwise by unit index"))

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QtWidgets.QHBoxLayout()
        heading = QtWidgets.QLabel(tr("<b>Inside the LSTM</b> · rows read so far × units"))
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

        # The actions edit the state; the state drives the views (and the actions' check marks).
        self.gates_action.toggled.connect(lambda on: setattr(state, "show_gates", on))
        self.order_action.toggled.connect(lambda on: setattr(state, "rank_by_magnitude", on))
        state.events.network.connect(self._on_network)
        state.events.trace.connect(self._on_trace)
        state.events.row.connect(self._on_row)
        state.events.show_gates.connect(self._on_gates_changed)
        state.events.rank_by_magnitude.connect(self._on_order_changed)
        state.events.selection.connect(self._on_selection)
        state.events.history_pass.connect(self._on_history_pass)
        for text, key, slot in ((tr("Previous unit"), "[", lambda: self.step_selection(-1)),
                                (tr("Next unit"), "]", lambda: self.step_selection(+1)),
                                (tr("Clear the unit selection"), "Esc", self.clear_selection)):
            action = QtGui.QAction(text, self)
            action.setShortcut(QtGui.QKeySequence(key))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        if state.network is not None:
            self._on_network()

    def _on_network(self) -> None:
        """Build one column per layer (items are created here once, then only updated). New weights
        of the same shape (another snapshot of a training history) keep the columns: they update."""
        network = self.state.network
        units = network.units
        shape = (tuple(units), network.input_scaling)
        if self.views and shape == getattr(self, "_shape", None):
            for view in self.views:
                view.new_weights()
            return
        self._shape = shape
        holder = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.views = [LayerView(self.state, k, u, len(units)) for k, u in enumerate(units)]
        for view in self.views:
            view.hovered.connect(self.hovered)
            view.setMinimumWidth(MIN_LAYER_WIDTH)
            view.set_order_label(self.state.rank_by_magnitude)
            view.set_gates_visible(self.state.show_gates)
            # Each layer at its own width: columns share the room in proportion to their units, so a
            # unit's column is about as wide in every layer (the minimum width still holds).
            row.addWidget(view, view.units)
        old = self._scroll.takeWidget()
        self._scroll.setWidget(holder)
        if old is not None:
            old.deleteLater()

    def width_needed(self) -> int:
        """The least width of this panel that shows every layer side by side without scrolling
        (with room for the vertical scroll bar when it shows, and the panel's own margins)."""
        holder = self._scroll.widget()
        if holder is None:
            return 0
        bar = self._scroll.verticalScrollBar()
        margins = self.layout().contentsMargins()
        return (holder.minimumSizeHint().width() + (bar.sizeHint().width() if bar.isVisible() else 0)
                + margins.left() + margins.right())

    def width_missing(self) -> int:
        """Pixels the layers lack to be shown side by side without scrolling (0 when they fit)."""
        holder = self._scroll.widget()
        if holder is None:
            return 0
        return max(0, holder.minimumSizeHint().width() - self._scroll.viewport().width())

    def _on_trace(self) -> None:
        for view in self.views:
            view.show_trace()
        self._on_row()

    def _on_row(self) -> None:
        for view in self.views:
            view.show_row()

    def _on_history_pass(self) -> None:
        """Every snapshot's c for this digit is known: c's colour range fixed over the history."""
        if any([view.fix_c_range() for view in self.views]):
            self._on_row()

    def _on_selection(self) -> None:
        for view in self.views:
            view.show_selection()

    def step_selection(self, step: int) -> None:
        """``[`` / ``]``: the previous / next unit in the order shown (the first of layer 1 if none)."""
        selection = self.state.selection
        if not self.views:
            return
        if selection is None:
            layer, position = 0, 0
        else:
            layer = selection[0]
            order = self.views[layer].displayed_order()
            position = int(np.flatnonzero(order == selection[1])[0]) + step
            position = max(0, min(len(order) - 1, position))
        self.state.selection = (layer, int(self.views[layer].displayed_order()[position]))

    def clear_selection(self) -> None:
        self.state.selection = None

    def _on_gates_changed(self, visible: bool) -> None:
        _set_checked(self.gates_action, visible)
        first = visible and any(view.gates_widget is None for view in self.views)
        if first:   # the gates plots are built on first use (a fraction of a second)
            QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            for view in self.views:
                view.set_gates_visible(visible)
        finally:
            if first:
                QtWidgets.QApplication.restoreOverrideCursor()

    def _on_order_changed(self, by_magnitude: bool) -> None:
        _set_checked(self.order_action, by_magnitude)
        for view in self.views:
            view.set_order_label(by_magnitude)
        self._on_row()


def _set_checked(action: QtGui.QAction, checked: bool) -> None:
    """Follow the state without echoing the change back to it."""
    with signals_blocked(action):
        action.setChecked(checked)
