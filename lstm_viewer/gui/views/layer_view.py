"""One LSTM layer: c and h over rows × units (with the current row as curves), or its four gates.

Every item is created once per model; a new trace or row only calls ``setImage``/``setData`` with
fixed levels (no autoLevels, no new items): painting, not data handling, is what a redraw costs.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.i18n import N_, ntr, tr
from ...core.network import GATE_NAMES
from ..plots import style
from ..plots.heatmap import heatmap
from ..plots.light_items import StemsItem, steady_plot
from ..state.view_state import ViewState, published_together

LEFT_AXIS_WIDTH = 36
# Each heatmap's (long, short) title: a narrow column (panels open beside the layers) drops the formula.
GATE_TITLES = {"i": (N_("i · input gate"), N_("i · input gate")),
               "f": (N_("f · forget gate"), N_("f · forget gate")),
               "g": (N_("g · candidate (tanh)"), N_("g · candidate")),
               "o": (N_("o · output gate"), N_("o · output gate"))}


class _Heat:
    """A heatmap plot with its colour bar and, optionally, an x-linked curve of the current row."""

    def __init__(self, layout: pg.GraphicsLayout, titles: tuple[str, str], cmap: pg.ColorMap,
                 levels: tuple[float, float], units: int, curve_colour: str | None) -> None:
        self._levels: tuple[float, float] | None = None
        self.plot = steady_plot(layout)
        style.rows_plot(self.plot, titles[0], "")
        # A narrow column (panels open beside the layers) shows the short one: "h · hidden state".
        self.titles = titles
        self.image = heatmap(self.plot, cmap, levels)
        self.bar = style.colour_bar(cmap, levels)
        layout.addItem(self.bar)
        # Each heatmap owns its buffer: ImageItem keeps a reference to the array it was given.
        self.buffer = np.full((28, units), np.nan, np.float32)
        self.units = units
        self.image.setImage(self.buffer, autoLevels=False)
        self.bar.setImageItem(self.image)
        # The selected unit's column, outlined (hidden while no unit of this layer is selected).
        self.mark = QtWidgets.QGraphicsRectItem(0, 0, 1, 28)
        self.mark.setPen(pg.mkPen(style.ACCENT, width=2, cosmetic=True))
        self.mark.setZValue(5)
        self.mark.hide()
        self.plot.addItem(self.mark)
        self.plot.setRange(xRange=(0, units), yRange=(0, 28), padding=0)
        self.curve_plot = self.curve = None
        if curve_colour is not None:
            layout.nextRow()
            # The curve beneath carries the unit axis; the heatmap's own labels would repeat it.
            self.plot.hideAxis("bottom")
            self.curve_plot = steady_plot(layout)
            style.quiet_plot(self.curve_plot)
            self.curve_plot.setXLink(self.plot)  # a unit's curve point sits under its heatmap column
            self.curve_plot.setMaximumHeight(90)
            width = _stem_width(units)
            zero = self.curve_plot.addLine(y=0, pen=pg.mkPen(style.MUTED, width=width))
            zero.setZValue(1)   # above the stems: it hides their polyline's run along y = 0
            # The current row as stems (one vertical line per unit from 0 to its value): a stem
            # lines up with its heatmap column, and it paints far fewer pixels than a zig-zagging
            # line through 256 alternating values.
            self.curve_plot.disableAutoRange()
            self.curve = StemsItem(units, pg.mkPen(curve_colour, width=width))
            self.curve_plot.addItem(self.curve)
            for plot in (self.plot, self.curve_plot):   # equal axis widths keep the columns aligned
                plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        layout.nextRow()

    def shorten_title(self, short: bool) -> bool:
        """The short or long title; True if it changed."""
        title = self.titles[1 if short else 0]
        if self.plot.titleLabel.text == title:
            return False
        self.plot.setTitle(title, size="9pt")
        return True

    def show(self, values: np.ndarray | None, row: int, source: object = None) -> None:
        """Rows 1..row+1 of ``values`` (28, units), the rest blank; the curve shows row ``row``.

        ``source``: what ``values`` were taken from (the trace, when the units are not reordered);
        the same source as last time means the same values, whose colours are kept.
        """
        self.image.show_rows(values, row, source)
        if self.curve is not None:
            self.curve.set_values(None if values is None else values[row])

    def set_levels(self, levels: tuple[float, float]) -> None:
        if levels == self._levels:
            return   # unchanged (the usual case: limits are rounded): no axis or bar to redo
        self._levels = levels
        self.bar.setLevels(levels)
        low, high = levels
        ticks = [[(v, f"{v:g}") for v in (low, (low + high) / 2, high)]]
        self.bar.axis.setTicks(ticks)
        if self.curve_plot is not None:
            self.curve_plot.setYRange(low, high, padding=0.05)
            self.curve.set_extent(low, high)
            self.curve_plot.getAxis("left").setTicks(ticks)


def _labels_overflow(heats) -> bool:
    """True when a heatmap's unit-axis label is wider than its axis (it would run past the column)."""
    for heat in heats:
        axis = (heat.curve_plot or heat.plot).getAxis("bottom")
        if axis.label is not None and axis.label.boundingRect().width() > axis.width():
            return True
    return False


def _first_layer_role(network) -> str:
    """What the first layer reads, for its tooltip: the pixels, or the pixels scaled."""
    if network is None or network.input_scaling is None:
        return tr("reads the pixels")
    return tr("reads the pixels as {scaling}", scaling=network.describe_scaling())


def _stem_width(units: int) -> int:
    """Stems about as wide as a unit's column on screen (1 px, the fast path, for wide layers)."""
    return 3 if units <= 64 else 2 if units <= 128 else 1


class LayerView(QtWidgets.QWidget):
    """Column for layer ``index`` (0-based) of ``units`` units: a c/h page and a gates page.

    Clicking a heatmap cell selects that unit (``state.selection``, in model terms whatever the
    order shown) and makes the clicked row current; the selected unit's column is outlined in
    every heatmap of its layer. ``hovered`` names the cell under the pointer (for the status bar).
    """

    hovered = QtCore.pyqtSignal(str)

    def __init__(self, state: ViewState, index: int, units: int, layers: int,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.index, self.units = index, units
        role = _first_layer_role(state.network) if index == 0 else tr("reads layer {layer}'s h", layer=index)
        if index == layers - 1:
            role = tr("{role}; its h feeds the softmax", role=role)
        self.setToolTip(ntr("Layer {layer}: {count} LSTM unit, {role}.\n"
                            "Heatmaps: rows read so far × units (blank: rows not read yet).\n"
                            "Curves: the values at the current row.",
                            "Layer {layer}: {count} LSTM units, {role}.\n"
                            "Heatmaps: rows read so far × units (blank: rows not read yet).\n"
                            "Curves: the values at the current row.", units, layer=index + 1, role=role))
        # Short: a long title would set the column's minimum width.
        if index == layers - 1:
            title = ntr("<b>layer {layer}</b> · {count} unit · top",
                        "<b>layer {layer}</b> · {count} units · top", units, layer=index + 1)
        else:
            title = ntr("<b>layer {layer}</b> · {count} unit", "<b>layer {layer}</b> · {count} units", units,
                        layer=index + 1)
        self._stack = QtWidgets.QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)

        self.states = pg.GraphicsLayoutWidget()
        style.tune_view(self.states)
        self.states.ci.setContentsMargins(2, 2, 2, 2)
        self.states.addLabel(title, colspan=2, size="9pt")
        self.states.nextRow()
        self.c = _Heat(self.states.ci, (tr("c · cell state"), tr("c · cell state")), style.DIVERGING, (-1, 1),
                       units, style.C_COLOUR)
        self.h = _Heat(self.states.ci, (tr("h · hidden state = o·tanh(c)"), tr("h · hidden state")),
                       style.DIVERGING, (-1, 1), units, style.H_COLOUR)
        self.h.set_levels((-1.0, 1.0))
        self.c.set_levels((-1.0, 1.0))
        self._stack.addWidget(self.states)
        style.settle_scene(self.states)
        self.states.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.states.scene().sigMouseClicked.connect(self._on_mouse_clicked)

        self._title = title
        self._long_titles_need: dict[tuple[int, bool], float] = {}   # (page, ranked) -> pixels
        self.gates_widget: pg.GraphicsLayoutWidget | None = None   # built on first use: it halves startup
        self.gates: list[_Heat] = []

        self._c_limit = 0.0
        self._order: np.ndarray | None = None
        self._gates_stale = True
        self.set_order_label(False)

    # --- public -----------------------------------------------------------------------------
    def show_trace(self) -> None:
        """New data: widen c's symmetric colour range if this digit needs it; mark gates stale."""
        trace = self.state.trace
        if not self.fix_c_range() and trace is not None:
            # c's colour range only grows (per model): colours mean the same from digit to digit
            # and don't jump while drawing, and an unchanged range costs no axis/bar redraw.
            limit = style.symmetric_limit(trace.c[self.index])
            if limit > self._c_limit:
                self._c_limit = limit
                self.c.set_levels((-limit, limit))
        self._gates_stale = True

    def new_weights(self) -> None:
        """The same architecture with new weights (another snapshot of a history, or another model of
        this shape): the plots stay. A new model starts c's colour range afresh; within a history the
        range stays (then fixed over all snapshots by ``fix_c_range``)."""
        if self.state.history is None:
            self._c_limit = 0.0

    def fix_c_range(self) -> bool:
        """While a training history is shown: c's colour range from every snapshot's c for the digit
        shown (``state.history_pass``), the same at every snapshot. False when there is none."""
        done, state = self.state.history_pass, self.state
        if done is None or state.history is None or done.image is not state.image:
            return False
        limit = style.symmetric_limit(done.c_limits()[self.index:self.index + 1])
        if limit != self._c_limit:
            self._c_limit = limit
            self.c.set_levels((-limit, limit))
        return True

    def c_levels(self) -> tuple[float, float]:
        """c's colour range now (the colour bar's)."""
        return self.c._levels

    def show_row(self) -> None:
        """Show the state after reading rows 1..row+1; units sorted by |h| at this row if asked."""
        row, trace, by_magnitude = self.state.row, self.state.trace, self.state.rank_by_magnitude
        if trace is None:
            self._order = None
            self.c.show(None, row)
            self.h.show(None, row)
        else:
            h_now = trace.h[self.index][row]
            self._order = np.argsort(-np.abs(h_now), kind="stable") if by_magnitude else None
            source = trace if self._order is None else None   # reordered values differ every row
            self.c.show(self._ordered(trace.c[self.index]), row, source)
            self.h.show(self._ordered(trace.h[self.index]), row, source)
        self._gates_stale = True
        if self.gates_visible():
            self._update_gates()
        self.show_selection()

    def show_selection(self) -> None:
        """Outline the selected unit's column (where the current order puts it) in every heatmap."""
        selection = self.state.selection
        column = None
        if selection is not None and selection[0] == self.index and selection[1] < self.units:
            column = int(np.flatnonzero(self.displayed_order() == selection[1])[0])
        for heat in (self.c, self.h, *self.gates):
            if column is None:
                heat.mark.hide()
            else:
                heat.mark.setRect(column, 0, 1, 28)
                heat.mark.show()

    def set_gates_visible(self, visible: bool) -> None:
        if visible and self.gates_widget is None:
            self._build_gates()
        self._stack.setCurrentIndex(1 if visible else 0)
        if visible and self._gates_stale:
            self._update_gates()

    def gates_visible(self) -> bool:
        return self.gates_widget is not None and self._stack.currentIndex() == 1

    def set_order_label(self, by_magnitude: bool) -> None:
        self._by_magnitude = by_magnitude
        self._fit_titles()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_titles()

    def _fit_titles(self) -> None:
        """The long titles and axis label where they fit; short ones in a narrow column, so the heatmaps
        and colour bars stay whole (a layout wider than its view is cut off on the right). The width
        the long ones need is measured once per page and order, not on every resize."""
        for heats, widget in (((self.c, self.h), self.states), (self.gates, self.gates_widget)):
            if widget is None:
                continue
            key = (id(widget), self._by_magnitude)
            if key not in self._long_titles_need:
                self._set_titles(heats, short=False)
                widget.ci.layout.invalidate()   # else the grid answers with its cached minimum
                self._long_titles_need[key] = widget.ci.effectiveSizeHint(
                    QtCore.Qt.SizeHint.MinimumSize).width()
            short = self._long_titles_need[key] > self.width()
            self._apply_titles(heats, widget, short)
            # The grid's minimum leaves out the axis labels: a long one ("units, ranked by |h| at this
            # row") may still be wider than its axis, and would run past the column. Short ones then.
            if not short and _labels_overflow(heats):
                self._apply_titles(heats, widget, short=True)

    def _apply_titles(self, heats, widget: pg.GraphicsLayoutWidget, short: bool) -> None:
        if self._set_titles(heats, short=short):
            # A graphics widget never takes a geometry below its minimum, and the grid's minimum
            # is cached until the layout request the new titles posted is handled: drop it, or the
            # old, wider minimum wins again (seen under X11: layers cut off when a panel opened).
            widget.ci.layout.invalidate()
        # The view may have sized its grid before the titles changed, when its minimum was wider
        # than the view: fit it to the view again (else it stays wider and is cut off).
        widget.ci.setGeometry(widget.range)

    def _set_titles(self, heats, short: bool) -> bool:
        """Long or short titles and unit-axis labels; True if any changed."""
        label = ((tr("units by |h|") if short else tr("units, ranked by |h| at this row"))
                 if self._by_magnitude else tr("unit"))
        changed = False
        for heat in heats:
            changed |= heat.shorten_title(short)
            axis = (heat.curve_plot or heat.plot).getAxis("bottom")
            if axis.labelText != label:
                axis.setLabel(label)
                # pyqtgraph centres an axis label only when the axis is resized: a new text of another
                # width kept the old one's place (the long ranked label started where "unit" had been
                # centred and ran past the column by half its width).
                axis.resizeEvent()
                changed = True
        return changed

    def displayed_order(self) -> np.ndarray:
        """Unit index shown in each column (identity unless sorted by magnitude)."""
        return np.arange(self.units) if self._order is None else self._order

    # --- helpers ------------------------------------------------------------------------------
    def _build_gates(self) -> None:
        self.gates_widget = pg.GraphicsLayoutWidget()
        style.tune_view(self.gates_widget)
        self.gates_widget.ci.setContentsMargins(2, 2, 2, 2)
        self.gates_widget.addLabel(self._title, colspan=2, size="9pt")
        self.gates_widget.nextRow()
        for name in GATE_NAMES:
            cmap, levels = (style.DIVERGING, (-1, 1)) if name == "g" else (style.SEQUENTIAL, (0, 1))
            long, short = GATE_TITLES[name]
            heat = _Heat(self.gates_widget.ci, (tr(long), tr(short)), cmap, levels, self.units, None)
            heat.set_levels(levels)
            self.gates.append(heat)
        self._stack.addWidget(self.gates_widget)
        style.settle_scene(self.gates_widget)
        self.gates_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.gates_widget.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.set_order_label(self._by_magnitude)
        self._gates_stale = True
        self.show_selection()

    def _ordered(self, values: np.ndarray) -> np.ndarray:
        return values if self._order is None else values[:, self._order]

    def _update_gates(self) -> None:
        trace = self.state.trace
        for k, heat in enumerate(self.gates):
            values = None if trace is None else self._ordered(trace.gates[self.index][:, k])
            heat.show(values, self.state.row, trace if self._order is None else None)
        self._gates_stale = False

    def cell_at(self, scene_pos: QtCore.QPointF) -> tuple[str, int, int] | None:
        """(heatmap name, unit in model terms, row) under a scene position, or None."""
        # Only the page on screen: the other page's scene uses the same coordinates.
        names = (list(zip(GATE_NAMES, self.gates, strict=True)) if self.gates_visible()
                 else [("c", self.c), ("h", self.h)])
        for name, heat in names:
            if not heat.plot.sceneBoundingRect().contains(scene_pos):
                continue
            point = heat.plot.vb.mapSceneToView(scene_pos)
            column, row = int(np.floor(point.x())), int(np.floor(point.y()))
            if not (0 <= column < self.units and 0 <= row < 28):
                return None
            return name, int(self.displayed_order()[column]), row
        return None

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        """Hovering a heatmap names the unit, the row and the value under the pointer."""
        cell = None if self.state.trace is None else self.cell_at(scene_pos)
        if cell is None:
            QtWidgets.QToolTip.hideText()
            return
        name, unit, row = cell
        if row > self.state.row:
            text = tr("layer {layer}, unit {unit}, row {row}: not read yet", layer=self.index + 1, unit=unit,
                      row=row + 1)
        else:
            value = self._value(name, row, unit)
            text = tr("layer {layer}, unit {unit}, after row {row}: {name} = {value:+.3f} · click to follow "
                      "this unit", layer=self.index + 1, unit=unit, row=row + 1, name=name, value=value)
        QtWidgets.QToolTip.showText(QtGui.QCursor.pos(), text)
        self.hovered.emit(text)

    def _on_mouse_clicked(self, event) -> None:
        """A click on a cell selects its unit and makes its row the current one."""
        if self.state.trace is None or event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is None:
            return
        _name, unit, row = cell
        with published_together(self.state):   # one consistent state for the views
            self.state.selection = (self.index, unit)
            self.state.row = row
        event.accept()

    def _value(self, name: str, row: int, unit: int) -> float:
        trace, k = self.state.trace, self.index
        if name in ("c", "h"):
            return float(getattr(trace, name)[k][row, unit])
        return float(trace.gates[k][row, GATE_NAMES.index(name), unit])

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(320, 700)
