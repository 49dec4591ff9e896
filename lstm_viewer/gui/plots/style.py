"""The look shared by every view: colour maps, colours and small pyqtgraph factories.

One place for these so that the same quantity looks the same everywhere (h is always blue-white-red
on [-1, 1], probabilities always the same sequential map) and so that every heatmap is built the fast
way (``heatmap.py``: an ``ImageItem`` created once, fixed levels, no autoLevels).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from .light_items import KeptAxisItem, MarkLine, without_si_prefixes

# No antialiasing in the plots: heatmaps don't need it and it doubles the cost of painting curves.
pg.setConfigOptions(background="w", foreground="#333333", antialias=False, imageAxisOrder="row-major")

ACCENT = "#d9480f"        # the model's answer, the current row
MUTED = "#adb5bd"
C_COLOUR = "#e8590c"      # cell state c in curves
H_COLOUR = "#1c7ed6"      # hidden state h in curves
BLANK = "#e9ecef"         # where rows after the current one would be: visibly "not read yet"
SETTLED = "#2b8a3e"
# Ten distinct colours (matplotlib's tab10), digit k in CLASS_COLOURS[k]: one table for every panel.
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")

# Diverging (ColorBrewer RdBu reversed): negative blue, zero near-white, positive red.
DIVERGING = pg.ColorMap(
    np.linspace(0.0, 1.0, 7),
    [(33, 102, 172), (103, 169, 207), (209, 229, 240), (247, 247, 247),
     (253, 219, 199), (239, 138, 98), (178, 24, 43)])
# Sequential for values in [0, 1] (probabilities, sigmoid gates): white to deep purple.
SEQUENTIAL = pg.ColorMap(
    np.linspace(0.0, 1.0, 5),
    [(255, 255, 255), (218, 218, 235), (158, 154, 200), (106, 81, 163), (63, 0, 125)])
INK = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (17, 17, 17)])   # 0 paper, 1 ink: as drawn


def tune_view(view: pg.GraphicsView) -> None:
    """Settings that make a view cheap to repaint every frame.

    Nothing in our plots is antialiased, so Qt need not pad every dirty region for it. One
    rectangle around what changed is repainted rather than a precise region: with heatmaps and
    curves changing together the two cover nearly the same pixels, and the rectangle is about 10%
    faster per frame (measured, alternating the two modes in one process). The background is a plain
    fill: pyqtgraph keeps it as a pixmap copied under every repaint, and filling is cheaper (a plain
    row step 2-7% faster at p50, alternating in one process).
    """
    view.setOptimizationFlag(
        QtWidgets.QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
    view.setViewportUpdateMode(QtWidgets.QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
    view.setCacheMode(QtWidgets.QGraphicsView.CacheModeFlag.CacheNone)
    passer = _PassWheel(view)
    view.viewport().installEventFilter(passer)
    view.installEventFilter(passer)   # the viewport's parent: it would hand the event to the scene again


class _PassWheel(QtCore.QObject):
    """Our plots never zoom, yet a view box takes every wheel event: over a plot, the panel around
    it would not scroll. Filtered out and left unaccepted, the event goes on to the parent widgets
    (Qt offers an unaccepted wheel event to each parent in turn), and the scroll area scrolls."""

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.Wheel:
            return False
        event.ignore()   # it arrives accepted: Qt passes on only an event left unaccepted
        return True


def settle_scene(view: pg.GraphicsView) -> None:
    """Make a finished scene cheap to repaint.

    Axes and texts become cached pixmaps: they are repainted with every frame (their rectangles
    touch the plots) but rarely change, and a blit is far cheaper than drawing tick text again.
    Pure containers (plots, layouts, labels' frames, view boxes without a border) paint nothing
    themselves; flagged so, Qt stops asking them (Python code, called from C++) for their bounding
    rectangle and paint on every paint: the view boxes alone were about 7% of a row step.
    """
    for item in view.scene().items():
        if isinstance(item, (pg.AxisItem, QtWidgets.QGraphicsTextItem)):
            item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        if type(item) in _CONTAINERS or (isinstance(item, pg.ViewBox) and not _has_border(item)):
            item.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)


def hold_layout_width(view: pg.GraphicsLayoutWidget, *, height: bool = False) -> None:
    """Give a plot layout's view the layout's minimum width (and height, if asked) as its own.

    pyqtgraph's views ask for no minimum size, so a panel narrower than its plots' titles and axes
    need drew them past its right edge, cut off; held so, a narrow panel's scroll area shows a scroll
    bar instead. Call it once the view is on screen (before, the layout's own margins are not yet
    counted: 299 px for 329 here), and again after a title changes (a title's width is its plot's
    minimum)."""
    needed = view.ci.effectiveSizeHint(QtCore.Qt.SizeHint.MinimumSize)
    frame = 2 * view.frameWidth()
    view.setMinimumWidth(int(np.ceil(needed.width())) + frame)
    if height:
        view.setMinimumHeight(int(np.ceil(needed.height())) + frame)


def _has_border(view_box: pg.ViewBox) -> bool:
    """A view box paints only its border (pyqtgraph makes "no border" a pen that draws nothing)."""
    pen = view_box.border
    return pen is not None and pen.style() != QtCore.Qt.PenStyle.NoPen


# pyqtgraph classes without a paint method of their own (checked in pyqtgraph 0.14).
_CONTAINERS = (pg.PlotItem, pg.GraphicsLayout, pg.LabelItem, pg.ColorBarItem)


def symmetric_limit(values: np.ndarray, floor: float = 0.5) -> float:
    """A round symmetric colour limit for ``values``: steps of 0.5 (of 1 from 4 up) so colours and
    colour-bar labels don't change with every small difference between digits."""
    top = float(np.max(np.abs(values))) if values.size else 0.0
    step = 0.5 if top < 4.0 else 1.0
    return max(floor, float(np.ceil(top / step) * step))


def rows_plot(plot: pg.PlotItem, title: str, columns_label: str) -> None:
    """Style a rows × columns heatmap plot: row 1 at the top (reading order), no mouse zooming."""
    plot.setTitle(title, size="9pt")
    plot.invertY(True)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.getViewBox().setBackgroundColor(BLANK)
    plot.getAxis("left").setTicks([[(r - 0.5, str(r)) for r in (1, 7, 14, 21, 28)]])
    if columns_label:
        plot.setLabel("bottom", columns_label)
    _plain_axes(plot)


def steady_y_axis(plot: pg.PlotItem, width: int) -> None:
    """A left axis that new ranges do not re-lay out: a fixed width, plain numbers (0.05, not
    "50" with "×0.001" in a label that changes with the range), and its drawings kept per range
    (a range shown before is a blit)."""
    old = plot.getAxis("left")
    axis = KeptAxisItem("left")
    plot.setAxisItems({"left": axis})
    if old.labelText:
        axis.setLabel(old.labelText, old.labelUnits, old.labelUnitPrefix, **old.labelStyle)
    axis.setWidth(width)
    axis.enableAutoSIPrefix(False)


def _plain_axes(plot: pg.PlotItem) -> None:
    without_si_prefixes(plot)   # they re-render the axis label's HTML on every range change
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).setStyle(tickFont=small_font())


def colour_bar(cmap: pg.ColorMap, levels: tuple[float, float], label: str = "") -> pg.ColorBarItem:
    bar = pg.ColorBarItem(values=levels, colorMap=cmap, width=10, interactive=False,
                          colorMapMenu=False, label=label)
    # ColorBarItem frames the gradient with three empty axes; a view box border draws the same
    # frame as one rectangle, and each axis is one more item to visit on every repaint.
    for side in ("left", "top", "bottom"):
        bar.hideAxis(side)
    bar.getViewBox().setBorder(pg.mkPen(pg.getConfigOption("foreground")))
    _plain_axes(bar)
    bar.axis.setWidth(34)
    return bar


def quiet_plot(plot: pg.PlotItem) -> None:
    """A plot the learner reads but doesn't pan or zoom by accident."""
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    _plain_axes(plot)


def small_font() -> QtGui.QFont:
    font = QtGui.QFont()
    font.setPointSizeF(7.5)
    return font


def row_marker(plot: pg.PlotItem, colour: str = ACCENT, style=QtCore.Qt.PenStyle.SolidLine,
               vertical: bool = False):
    """A line across ``plot`` to mark a row (positioned at the row's edge by the caller with
    ``setPos``): horizontal where rows go down the plot, vertical where they go along it."""
    line = MarkLine(pg.mkPen(colour, width=1.5, style=style), vertical=vertical)
    plot.addItem(line)
    return line


def blank_rows(values: np.ndarray, row: int, out: np.ndarray | None = None) -> np.ndarray:
    """Copy of ``values`` (rows × columns) with rows after ``row`` set to NaN (drawn blank)."""
    out = np.array(values, dtype=np.float32, copy=True) if out is None else out
    if out is not values:
        out[...] = values
    out[row + 1:] = np.nan
    return out


def nice_ceiling(value: float) -> float:
    """The smallest of 0 and 1, 2, 5 × 10^k at or above ``value`` (≥ 0): plot ranges in these steps
    change only when the data crosses one, so an axis is re-drawn now and then, not every frame."""
    if value <= 0:
        return 0.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power
