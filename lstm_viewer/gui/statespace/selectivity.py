"""Class selectivity: each class's mean h at the current row, 10 classes x the layer's units.

Units can be shown in their own order or grouped by the class whose digits drive them highest
(their preferred class), most selective first within a group; selectivity is the preferred class's
mean h minus the mean over the other classes. Clicking a column selects that unit (in model terms,
whatever the order on screen); hovering names it and its numbers.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.i18n import N_, tr
from ...core.network import CLASSES
from ..plots import style
from ..plots.heatmap import heatmap
from ..widgets.steady_label import steady

ORDERS = (N_("unit order"), N_("by preferred class"))   # the combo's items, by index


def preferred_order(means: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For class means (10, units): (order, preferred class, selectivity), each per unit.

    ``order`` groups units by preferred class (0 first), most selective first, ties by unit index.
    A class with no digits (NaN row) is left out of both the preference and the comparison.
    """
    units = np.arange(means.shape[1])
    preferred = np.nanargmax(means, axis=0)
    top = means[preferred, units]
    present = np.isfinite(means).sum(axis=0)
    others = (np.nansum(means, axis=0) - top) / np.maximum(present - 1, 1)
    selectivity = (top - others).astype(np.float64)
    order = np.lexsort((units, -selectivity, preferred))
    return order, preferred, selectivity


class SelectivityView(QtWidgets.QWidget):
    """The 10 x units heatmap of class means at one row, its unit order, hover text and clicks."""

    unitClicked = QtCore.pyqtSignal(int)    # a unit of the layer shown, in model terms

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("selectivityView")
        self.means: np.ndarray | None = None        # (10, units) shown, in model order
        self.order: np.ndarray | None = None        # the unit shown in each column
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QtWidgets.QHBoxLayout()
        self.title = QtWidgets.QLabel()
        self.title.setObjectName("selectivityTitle")
        top.addWidget(steady(self.title), 1)
        top.addWidget(QtWidgets.QLabel(tr("units")))
        self.order_combo = QtWidgets.QComboBox()
        self.order_combo.setObjectName("selectivityOrderCombo")
        self.order_combo.addItems([tr(order) for order in ORDERS])
        self.order_combo.setCurrentIndex(1)   # grouped: which units care about which class, at a glance
        self.order_combo.setToolTip(tr("Units in their own order, or grouped by the class they respond to "
                                       "most (most selective first)"))
        top.addWidget(self.order_combo)
        layout.addLayout(top)

        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setObjectName("selectivityPlot")
        style.tune_view(self.plots)
        self.plots.setFixedHeight(190)
        self.plots.ci.setContentsMargins(2, 2, 2, 2)
        self.plot = self.plots.addPlot(enableMenu=False)
        style.rows_plot(self.plot, "", tr("unit"))
        self.plot.getAxis("left").setTicks([[(k + 0.5, str(k)) for k in range(CLASSES)]])
        self.plot.setLabel("left", tr("class"))
        self.heat = heatmap(self.plot, style.DIVERGING, (-1.0, 1.0))
        self.bar = style.colour_bar(style.DIVERGING, (-1.0, 1.0), tr("mean h"))
        self.plots.addItem(self.bar)
        self.groups = GroupMarks()
        self.groups.setZValue(4)
        self.plot.addItem(self.groups)
        self.mark = QtWidgets.QGraphicsRectItem(0, 0, 1, CLASSES)
        self.mark.setPen(pg.mkPen(style.ACCENT, width=2, cosmetic=True))
        self.mark.setZValue(5)
        self.mark.setVisible(False)
        self.plot.addItem(self.mark)
        layout.addWidget(self.plots)
        self.info = QtWidgets.QLabel(tr("Point at a column to read a unit; click it to open it in the "
                                        "unit inspector."))
        self.info.setObjectName("selectivityInfo")
        layout.addWidget(steady(self.info))
        style.settle_scene(self.plots)
        self.plots.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plots.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._limit = None
        self._layout = None
        self._ranked: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._selected: int | None = None

    def by_preference(self) -> bool:
        return self.order_combo.currentIndex() == 1

    @property
    def preferred(self) -> np.ndarray | None:
        """Each unit's preferred class at the row shown (worked out when first asked)."""
        return None if self.means is None else self._ranking()[1]

    @property
    def selectivity(self) -> np.ndarray | None:
        return None if self.means is None else self._ranking()[2]

    def _ranking(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._ranked is None:
            self._ranked = preferred_order(self.means)
        return self._ranked

    def show_means(self, means: np.ndarray, limit: float, title: str) -> None:
        """Class means (10, units) at the current row, coloured on [-limit, limit]."""
        self.means, self._ranked = means, None
        units = means.shape[1]
        grouped = self.by_preference()
        self.order = self._ranking()[0] if grouped else np.arange(units)
        self.heat.setImage(np.ascontiguousarray(means[:, self.order], np.float32), autoLevels=False)
        self.groups.set_groups(self._ranking()[1][self.order] if grouped else None)
        if (units, grouped) != self._layout:
            self._layout = (units, grouped)
            self._lay_out(units, grouped)
        if limit != self._limit:
            self._limit = limit
            self.heat.setLevels((-limit, limit))
            self.bar.setLevels((-limit, limit))
        self.title.setText(title)
        self.show_selection(self._selected)

    def _lay_out(self, units: int, grouped: bool) -> None:
        """Range, ticks and titles: set when the units or the order change, not every row (a new
        axis costs a repaint of its text)."""
        # Grouped: one more band under the classes, where each group is labelled with its class.
        self.plot.setRange(xRange=(0, units), yRange=(0, CLASSES + (1 if grouped else 0)), padding=0)
        axis = self.plot.getAxis("bottom")
        axis.setTicks([[]] if grouped else [_unit_ticks(units)])
        self.plot.setLabel("bottom", tr("units, grouped by the class they prefer") if grouped else tr("unit"))

    def clear(self, title: str) -> None:
        self.means = self.order = self._ranked = None
        self.heat.setImage(np.full((CLASSES, 1), np.nan, np.float32), autoLevels=False)
        self.groups.set_groups(None)
        self.mark.setVisible(False)
        self.title.setText(title)

    def show_selection(self, unit: int | None) -> None:
        """Frame the column of ``unit`` (a unit of the layer shown), or nothing."""
        self._selected = unit
        if unit is None or self.order is None or unit >= len(self.order):
            self.mark.setVisible(False)
            return
        column = int(np.flatnonzero(self.order == unit)[0])
        self.mark.setRect(column, 0, 1, CLASSES)
        self.mark.setVisible(True)

    def unit_at(self, scene_pos: QtCore.QPointF) -> int | None:
        """The unit (model terms) whose column is under ``scene_pos``, or None."""
        if self.order is None or not self.plot.vb.sceneBoundingRect().contains(scene_pos):
            return None
        where = self.plot.vb.mapSceneToView(scene_pos)
        column, row = int(np.floor(where.x())), int(np.floor(where.y()))
        if not (0 <= column < len(self.order) and 0 <= row < CLASSES):
            return None
        return int(self.order[column])

    def column_centre(self, unit: int) -> QtCore.QPointF:
        """The scene position of the middle of ``unit``'s column (for tests and scripts)."""
        column = int(np.flatnonzero(self.order == unit)[0])
        return self.plot.vb.mapViewToScene(QtCore.QPointF(column + 0.5, CLASSES / 2))

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        unit = self.unit_at(scene_pos)
        if unit is None:
            return
        cls = int(self.preferred[unit])
        self.info.setText(tr("unit {unit} prefers {digit}: mean h {mean:+.2f}, {above:+.2f} above the rest "
                             "· click to inspect", unit=unit, digit=cls, mean=self.means[cls, unit],
                             above=self.selectivity[unit]))

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        unit = self.unit_at(event.scenePos())
        if unit is not None:
            self.unitClicked.emit(unit)


class GroupMarks(pg.GraphicsObject):
    """Grouped by preferred class: a line between groups and each group's class beneath it.

    Painted directly (a few lines and digits): cheaper than new axis ticks at every row.
    """

    def __init__(self) -> None:
        super().__init__()
        self.groups: np.ndarray | None = None    # the preferred class of each column
        self._font = style.small_font()

    def set_groups(self, groups: np.ndarray | None) -> None:
        self.prepareGeometryChange()
        self.groups = groups
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        columns = 1 if self.groups is None else len(self.groups)
        return QtCore.QRectF(0.0, 0.0, float(columns), CLASSES + 1.0)

    def paint(self, painter: QtGui.QPainter, *_args) -> None:
        if self.groups is None or not len(self.groups):
            return
        transform = painter.transform()
        starts = np.flatnonzero(np.diff(self.groups)) + 1
        edges = np.concatenate(([0], starts, [len(self.groups)]))
        x = transform.m11() * edges + transform.dx()
        top, bottom = transform.m22() * 0 + transform.dy(), transform.m22() * CLASSES + transform.dy()
        label = transform.m22() * (CLASSES + 0.5) + transform.dy()
        painter.save()
        painter.resetTransform()
        painter.setPen(pg.mkPen("#333333", width=1))
        for edge in x[1:-1]:
            painter.drawLine(QtCore.QPointF(edge, top), QtCore.QPointF(edge, bottom))
        painter.setFont(self._font)
        for k in range(len(edges) - 1):
            if x[k + 1] - x[k] >= 7:   # room for a digit
                box = QtCore.QRectF(x[k], label - 8, x[k + 1] - x[k], 16)
                painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignCenter, str(self.groups[edges[k]]))
        painter.restore()


def _unit_ticks(units: int) -> list[tuple[float, str]]:
    """About eight ticks, each in the middle of its unit's column."""
    step = next((s for s in (1, 2, 4, 8, 16, 32, 64, 128) if units / s <= 9), 256)
    return [(k + 0.5, str(k)) for k in range(0, units, step)]
