"""One LSTM layer: c and h over rows × units (with the current row as curves), or its four gates.

Every item is created once per model; a new trace or row only calls ``setImage``/``setData`` with
fixed levels, which keeps a full redraw of a 256-unit layer around a millisecond.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from ..network import GATE_NAMES, Trace
from . import style

GATE_TITLES = {"i": "i · input gate", "f": "f · forget gate", "g": "g · candidate (tanh)",
               "o": "o · output gate"}


class _Heat:
    """A heatmap plot with its colour bar and, optionally, an x-linked curve of the current row."""

    def __init__(self, layout: pg.GraphicsLayout, title: str, cmap: pg.ColorMap,
                 levels: tuple[float, float], units: int, curve_colour: str | None) -> None:
        self.plot = layout.addPlot()
        style.rows_plot(self.plot, title, "")
        self.image = style.heatmap(self.plot, cmap, levels)
        self.bar = style.colour_bar(cmap, levels)
        layout.addItem(self.bar)
        # Each heatmap owns its buffer: ImageItem keeps a reference to the array it was given.
        self.buffer = np.full((28, units), np.nan, np.float32)
        self.units = units
        self.image.setImage(self.buffer, autoLevels=False)
        self.bar.setImageItem(self.image)
        self.plot.setRange(xRange=(0, units), yRange=(0, 28), padding=0)
        self.curve_plot = self.curve = None
        if curve_colour is not None:
            layout.nextRow()
            self.curve_plot = layout.addPlot()
            style.quiet_plot(self.curve_plot)
            self.curve_plot.setXLink(self.plot)  # a unit's curve point sits under its heatmap column
            self.curve_plot.setMaximumHeight(90)
            self.curve_plot.addLine(y=0, pen=pg.mkPen(style.MUTED, width=1))
            self.curve = self.curve_plot.plot(
                np.arange(units + 1), np.zeros(units), stepMode="center",
                pen=pg.mkPen(curve_colour, width=1.2), fillLevel=0,
                brush=pg.mkBrush(curve_colour + "40"))
            self.curve_plot.getAxis("left").setWidth(self.plot.getAxis("left").width())
        layout.nextRow()

    def show(self, values: np.ndarray | None, row: int) -> None:
        """Rows 1..row+1 of ``values`` (28, units), the rest blank; the curve shows row ``row``."""
        if values is None:
            self.buffer.fill(np.nan)
        else:
            style.blank_rows(values, row, self.buffer)
        self.image.setImage(self.buffer, autoLevels=False)
        if self.curve is not None:
            current = np.zeros(self.units, np.float32) if values is None else values[row]
            self.curve.setData(np.arange(self.units + 1), current)

    def set_levels(self, levels: tuple[float, float]) -> None:
        self.bar.setLevels(levels)
        if self.curve_plot is not None:
            self.curve_plot.setYRange(*levels, padding=0.05)


class LayerView(QtWidgets.QWidget):
    """Column for layer ``index`` (0-based) of ``units`` units: a c/h page and a gates page."""

    def __init__(self, index: int, units: int, layers: int,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.index, self.units = index, units
        role = "reads the pixels" if index == 0 else f"reads layer {index}'s h"
        if index == layers - 1:
            role += " · top → softmax"
        title = f"<b>layer {index + 1}</b> · {units} units · {role}"
        self._stack = QtWidgets.QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)

        self.states = pg.GraphicsLayoutWidget()
        self.states.ci.setContentsMargins(2, 2, 2, 2)
        self.states.addLabel(title, colspan=2, size="9pt")
        self.states.nextRow()
        self.c = _Heat(self.states.ci, "c · cell state", style.DIVERGING, (-1, 1), units, style.C_COLOUR)
        self.h = _Heat(self.states.ci, "h · hidden state = o·tanh(c)", style.DIVERGING, (-1, 1), units,
                       style.H_COLOUR)
        self.h.set_levels((-1.0, 1.0))
        self._stack.addWidget(self.states)

        self.gates_widget = pg.GraphicsLayoutWidget()
        self.gates_widget.ci.setContentsMargins(2, 2, 2, 2)
        self.gates_widget.addLabel(title, colspan=2, size="9pt")
        self.gates_widget.nextRow()
        self.gates = []
        for name in GATE_NAMES:
            cmap, levels = (style.DIVERGING, (-1, 1)) if name == "g" else (style.SEQUENTIAL, (0, 1))
            self.gates.append(_Heat(self.gates_widget.ci, GATE_TITLES[name], cmap, levels, units, None))
        self._stack.addWidget(self.gates_widget)

        self._trace: Trace | None = None
        self._row = 27
        self._order: np.ndarray | None = None
        self._gates_stale = True
        self.set_order_label(False)

    # --- public -----------------------------------------------------------------------------
    def show_trace(self, trace: Trace | None) -> None:
        """New data: set c's colour range (symmetric, on this digit's own range) and mark gates stale."""
        self._trace = trace
        if trace is not None:
            limit = style.symmetric_limit(trace.c[self.index])
            self.c.set_levels((-limit, limit))
        self._gates_stale = True

    def show_row(self, row: int, by_magnitude: bool) -> None:
        """Show the state after reading rows 1..row+1; units sorted by |h| at this row if asked."""
        self._row = row
        trace = self._trace
        if trace is None:
            self._order = None
            self.c.show(None, row)
            self.h.show(None, row)
        else:
            h_now = trace.h[self.index, row]
            self._order = np.argsort(-np.abs(h_now), kind="stable") if by_magnitude else None
            self.c.show(self._ordered(trace.c[self.index]), row)
            self.h.show(self._ordered(trace.h[self.index]), row)
        self._gates_stale = True
        if self.gates_visible():
            self._update_gates()

    def set_gates_visible(self, visible: bool) -> None:
        self._stack.setCurrentIndex(1 if visible else 0)
        if visible and self._gates_stale:
            self._update_gates()

    def gates_visible(self) -> bool:
        return self._stack.currentIndex() == 1

    def set_order_label(self, by_magnitude: bool) -> None:
        label = "units, ranked by |h| at this row" if by_magnitude else "unit"
        for heat in self.gates:
            heat.plot.setLabel("bottom", label)
        for heat in (self.c, self.h):
            heat.curve_plot.setLabel("bottom", label)

    def displayed_order(self) -> np.ndarray:
        """Unit index shown in each column (identity unless sorted by magnitude)."""
        return np.arange(self.units) if self._order is None else self._order

    # --- helpers ------------------------------------------------------------------------------
    def _ordered(self, values: np.ndarray) -> np.ndarray:
        return values if self._order is None else values[:, self._order]

    def _update_gates(self) -> None:
        for k, heat in enumerate(self.gates):
            values = None if self._trace is None else self._ordered(self._trace.gates[self.index, :, k])
            heat.show(values, self._row)
        self._gates_stale = False

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802
        return QtCore.QSize(320, 700)
