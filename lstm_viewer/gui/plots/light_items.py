"""Plot items made for redrawing every frame: stems (the current row's units), curves (the unit
inspector's), lines marking a row, and bars (the panels' shares, and the softmax as a special case).

pyqtgraph's PlotCurveItem and BarGraphItem are general: each ``setData`` rebuilds a path or a
picture, recomputes data bounds and tells the view box, which costs about a millisecond per item
per frame here. These items know their x positions and their extent up front, keep their values in
numpy, and paint in one or two QPainter calls: a new frame is "write the numbers, ``update()``".
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui


class StemsItem(pg.GraphicsObject):
    """One vertical stem per unit, from 0 to its value, at x = unit + 0.5.

    The stems are one polyline 0 → value → 0 per unit, held in a QPolygonF whose memory numpy
    writes into directly, so a frame costs no Python loop and one ``drawPolyline``. The polyline
    also runs along y = 0 from stem to stem: the plot's zero line, drawn above it as wide as a
    stem, covers that (and with it stems shorter than half a stem's width). A bevel join turns each
    stem's tip without a spike past its value, so the stems stay inside the item's bounds.
    """

    def __init__(self, units: int, pen: QtGui.QPen) -> None:
        super().__init__()
        self._polygon = pg.functions.create_qpolygonf(3 * units)
        self._points = pg.functions.ndarray_from_qpolygonf(self._polygon)   # (3 units, 2) view
        self._points[:, 0] = np.repeat(np.arange(units) + 0.5, 3)
        self._points[:, 1] = 0.0
        self._pen = QtGui.QPen(pen)
        self._pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
        self._pen.setJoinStyle(QtCore.Qt.PenJoinStyle.BevelJoin)
        self._bounds = QtCore.QRectF(0.0, -1.0, float(units), 2.0)

    def set_values(self, values: np.ndarray | None) -> None:
        """Stem heights, one per unit (None: all zero)."""
        heights = self._points[1::3, 1]
        heights[:] = 0.0 if values is None else values
        self._cover(float(heights.min()), float(heights.max()))
        self.update()

    def set_extent(self, low: float, high: float) -> None:
        """The y range the stems are expected to span (the plot's range): the item's bounds."""
        self._cover(low, high)

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the stems' tops: unit + 0.5 and its value."""
        return self._points[1::3, 0].copy(), self._points[1::3, 1].copy()

    def _cover(self, low: float, high: float) -> None:
        bounds = self._bounds
        if low < bounds.top() or high > bounds.bottom():
            self.prepareGeometryChange()   # only when growing: Qt must repaint the larger area
            top, bottom = min(low, bounds.top()), max(high, bounds.bottom())
            self._bounds = QtCore.QRectF(bounds.left(), top, bounds.width(), bottom - top)

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        painter.setPen(self._pen)
        painter.drawPolyline(self._polygon)


class CurvesItem(pg.GraphicsObject):
    """A few curves over the same x positions, each one ``drawPolyline`` with its own pen.

    For the unit inspector's six curves (i, f, g, o, c, h over the rows), which all change with
    each new unit: as PlotCurveItems each ``setData`` rebuilt a path and re-measured the data's
    bounds several times per unit (about 3 ms here). The points live in QPolygonFs that numpy
    writes into; the bounds are the x span and the y extent the owner sets (the plot's range).
    """

    def __init__(self, x: np.ndarray, pens: list[QtGui.QPen]) -> None:
        super().__init__()
        self._pens = [QtGui.QPen(pen) for pen in pens]
        self._polygons = [pg.functions.create_qpolygonf(len(x)) for _ in pens]
        self._points = [pg.functions.ndarray_from_qpolygonf(polygon) for polygon in self._polygons]
        for points in self._points:
            points[:, 0] = x
            points[:, 1] = 0.0
        self._shown = [True] * len(pens)
        # Half a unit beyond the first and last x: the pens' caps reach past the points, and the
        # item is drawn into a cached pixmap of its bounds.
        self._bounds = QtCore.QRectF(float(np.min(x)) - 0.5, -1.0, float(np.ptp(x)) + 1.0, 2.0)

    def set_curves(self, values: list[np.ndarray]) -> None:
        """One array of y values per curve (in the pens' order)."""
        for points, ys in zip(self._points, values, strict=True):
            points[:, 1] = ys
        self.update()

    def set_extent(self, low: float, high: float) -> None:
        """The y range the curves span (the plot's range): the item's bounds."""
        bounds = QtCore.QRectF(self._bounds.left(), low, self._bounds.width(), high - low)
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds

    def data(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of curve ``index``."""
        points = self._points[index]
        return points[:, 0].copy(), points[:, 1].copy()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def set_shown(self, index: int, shown: bool) -> None:
        """Show or hide curve ``index`` (a click on its legend entry)."""
        if self._shown[index] != shown:
            self._shown[index] = shown
            self.update()

    def shown(self, index: int) -> bool:
        return self._shown[index]

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        for pen, polygon, shown in zip(self._pens, self._polygons, self._shown, strict=True):
            if shown:
                painter.setPen(pen)
                painter.drawPolyline(polygon)


class MarkLine(pg.GraphicsObject):
    """A horizontal or vertical line across a plot at one value: the current row, the settled row.

    pg.InfiniteLine fits itself to the view's rectangle on every move (view rectangle, pixel
    vectors, a new bounding rectangle: Python called from Qt, several lines per row step). This line
    is simply longer than any of our plots (the view box clips it) and moves as any Qt item does.
    Its bounding rectangle is ``pad`` data units thick on each side of the line: Qt repaints only
    that strip around a moved line, so it must cover the pen (1.5 px); a row is at least 7 px tall
    in every plot that marks one.
    """

    LENGTH = 1e4   # data units either way: longer than any axis of ours (rows, classes, units)

    def __init__(self, pen: QtGui.QPen, vertical: bool = False, pad: float = 0.25) -> None:
        super().__init__()
        self._pen = QtGui.QPen(pen)
        self._vertical = vertical
        self._value = 0.0
        far = self.LENGTH
        if vertical:
            self._line = QtCore.QLineF(0.0, -far, 0.0, far)
            self._bounds = QtCore.QRectF(-pad, -far, 2 * pad, 2 * far)
        else:
            self._line = QtCore.QLineF(-far, 0.0, far, 0.0)
            self._bounds = QtCore.QRectF(-far, -pad, 2 * far, 2 * pad)

    def setPos(self, value: float) -> None:
        """Move the line to x = value (vertical) or y = value (horizontal)."""
        value = float(value)
        if value != self._value:
            self._value = value
            super().setPos(QtCore.QPointF(value, 0.0) if self._vertical else QtCore.QPointF(0.0, value))

    def value(self) -> float:
        return self._value

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange=None) -> None:
        return None   # never part of a view's auto range (it is "infinite")

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        painter.setPen(self._pen)
        painter.drawLine(self._line)


class StaticTextItem(pg.GraphicsObject):
    """A line of plain text anchored at a point of a plot, in screen pixels, that changes often.

    What ``pg.TextItem`` shows for plain text, without its QGraphicsTextItem, which lays a text
    document out on every ``setText``. Each text is laid out once (QStaticText) and kept.
    ``anchor`` (ax, ay): the point of the text's box placed at the item's position, (0, 0) its top
    left, (1, 0) its top right.
    """

    def __init__(self, colour: str, anchor: tuple[float, float] = (0.0, 0.0)) -> None:
        super().__init__()
        self.setFlag(self.GraphicsItemFlag.ItemIgnoresTransformations)   # pixels, upright
        self._pen = pg.mkPen(colour)
        self._font = QtGui.QFont()
        self._anchor = anchor
        self._laid_out: dict[str, QtGui.QStaticText] = {}
        self._text = ""
        self._rect = QtCore.QRectF()

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        size = self._static(text).size()
        rect = QtCore.QRectF(-self._anchor[0] * size.width(), -self._anchor[1] * size.height(),
                             size.width(), size.height())
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.update()

    def text(self) -> str:
        return self._text

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        if self._text:
            painter.setFont(self._font)
            painter.setPen(self._pen)
            painter.drawStaticText(self._rect.topLeft(), self._static(self._text))

    def _static(self, text: str) -> QtGui.QStaticText:
        static = self._laid_out.get(text)
        if static is None:
            if len(self._laid_out) > 256:
                self._laid_out.clear()
            static = self._laid_out[text] = laid_out_once(text, self._font)
        return static


def laid_out_once(text: str, font: QtGui.QFont) -> QtGui.QStaticText:
    """``text`` as plain text laid out in ``font``, to be drawn again and again without new layout."""
    static = QtGui.QStaticText(text)
    static.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    static.prepare(QtGui.QTransform(), font)
    return static


class SignedBarsItem(pg.GraphicsObject):
    """Bars from 0 to each height (either sign) at x = first, first + 1, …, each in one of a few
    colours, optionally with a short label beside each bar's base on the side away from the bar.

    The panels that redraw these every row set a y range that holds every row (``set_extent``), so
    a new row is "write the numbers, ``update()``": no picture rebuilt (BarGraphItem), no axis ticks
    changed (the labels would re-lay out an axis each row), no view-box bounds recomputed.
    """

    LABEL_GAP = 2.0   # pixels between the zero line and a label

    def __init__(self, count: int, width: float, colours: list[str], first: float = 0.0,
                 label_colour: str = "#444444") -> None:
        super().__init__()
        self._x = first + np.arange(count, dtype=float)
        self._heights = np.zeros(count)
        self._colour = np.zeros(count, int)
        self._labels: list[str] | None = None
        self._width = width
        self._brushes = [pg.mkBrush(c) for c in colours]
        self._label_pen = pg.mkPen(label_colour)
        # label -> laid out, width, font
        self._texts: dict[str, tuple[QtGui.QStaticText, float, QtGui.QFont]] = {}
        self._bounds = QtCore.QRectF(self._x[0] - width / 2, -1.0, count - 1 + width, 2.0)

    def set_bars(self, heights: np.ndarray | None, colours: np.ndarray | None = None,
                 labels: list[str] | None = None) -> None:
        """Heights (None: all zero; fewer than the bars: the first ones), each bar's index into the
        colours, and labels (or None)."""
        n = 0 if heights is None else len(heights)
        self._heights[:n] = 0.0 if heights is None else heights
        self._heights[n:] = 0.0
        self._colour[:] = 0
        if colours is not None:
            self._colour[:n] = colours
        self._labels = labels
        self.update()

    def heights(self) -> np.ndarray:
        """Every bar's height (0 for bars not given)."""
        return self._heights.copy()

    def colours(self) -> np.ndarray:
        return self._colour.copy()

    def labels(self) -> list[str] | None:
        return None if self._labels is None else list(self._labels)

    def set_extent(self, low: float, high: float) -> None:
        """The y range the bars (and their labels) may use: the plot's range."""
        self.prepareGeometryChange()
        self._bounds = QtCore.QRectF(self._bounds.left(), low, self._bounds.width(), high - low)

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def broken(self) -> list[int]:
        """The bars taller than the extent: drawn to its edge, broken, with their value written."""
        low, high = self._bounds.top(), self._bounds.bottom()
        return [k for k, height in enumerate(self._heights.tolist()) if height > high or height < low]

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        half = self._width / 2
        broken = self.broken()
        for k, (x, height, colour) in enumerate(zip(self._x, self._heights, self._colour, strict=True)):
            if height and k not in broken:
                painter.setBrush(self._brushes[colour])
                painter.drawRect(QtCore.QRectF(x - half, 0.0, self._width, float(height)))
        if broken or self._labels:
            self._paint_in_pixels(painter, broken)

    def _paint_in_pixels(self, painter: QtGui.QPainter, broken: list[int]) -> None:
        transform = painter.transform()
        if transform.type().value > QtGui.QTransform.TransformationType.TxScale.value:
            return   # rotated or sheared: never in our plots
        painter.resetTransform()
        if broken:
            self._paint_broken(painter, transform, broken)
        if self._labels:
            self._paint_labels(painter, transform)
        painter.setTransform(transform)

    def _paint_broken(self, painter: QtGui.QPainter, transform: QtGui.QTransform, broken: list[int]) -> None:
        """A bar beyond the extent: from zero to the extent's edge in two pieces, a slanted gap between
        them near the edge (the scale's break), and its value written just inside the gap, so that one
        bar far taller than the others leaves them readable. In device pixels: the gap has a size on
        screen, whatever the scale."""
        sx, sy, zero = transform.m11(), transform.m22(), transform.dy()
        low, high = self._bounds.top(), self._bounds.bottom()
        tall = painter.fontMetrics().height()
        point = QtCore.QPointF
        for k in broken:
            height = float(self._heights[k])
            edge = zero + sy * (high if height > 0 else low)   # the extent's edge on screen
            inward = 1.0 if edge < zero else -1.0               # on screen, from the edge towards zero
            cut = edge + inward * max(0.18 * abs(zero - edge), 8.0)
            left = self._x[k] * sx + transform.dx() - abs(sx) * self._width / 2
            right = left + abs(sx) * self._width
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(self._brushes[self._colour[k]])
            # The slanted gap: 4 px at each side, its lower side 4 px lower on the left than the right.
            painter.drawPolygon(QtGui.QPolygonF([point(left, edge), point(right, edge),
                                                 point(right, cut - 5.0 * inward),
                                                 point(left, cut - 1.0 * inward)]))
            painter.drawPolygon(QtGui.QPolygonF([point(left, cut + 3.0 * inward),
                                                 point(right, cut - 1.0 * inward),
                                                 point(right, zero), point(left, zero)]))
            text, width = self._laid_out(bar_value(height), painter.font())
            painter.setPen(self._label_pen)
            top = cut + 4.0 if inward > 0 else cut - 4.0 - tall
            painter.drawStaticText(point((left + right) / 2 - width / 2, top), text)

    def _paint_labels(self, painter: QtGui.QPainter, transform: QtGui.QTransform) -> None:
        # Text is drawn in device pixels (the view's y axis may be scaled or flipped). When a name is
        # wider than its bar's slot every name is shortened to its number ("u177" -> "177"), so they
        # read alike; a number that still does not fit is left out: clipped, it would show another
        # unit's number. Each text is laid out once (QStaticText): names change places, not spelling.
        painter.setPen(self._label_pen)
        tall = painter.fontMetrics().height()
        # A scale and a shift: a bar's centre x and the zero line's y on screen, computed directly
        # (mapping two points per label through the QTransform was most of this method's time).
        sx, sy, zero = transform.m11(), transform.m22(), transform.dy()
        centres = self._x * sx + transform.dx()
        room = abs(sx) - 2.0
        font = painter.font()
        fitted = fit_labels(self._labels, room, lambda text: self._laid_out(text, font)[1])
        below, above = zero + self.LABEL_GAP, zero - self.LABEL_GAP - tall
        for centre, height, label in zip(centres.tolist(), self._heights.tolist(), fitted, strict=False):
            if label is None:
                continue
            text, width = self._laid_out(label, font)
            # A bar that goes up on screen has its label under the zero line, and the other way round.
            painter.drawStaticText(QtCore.QPointF(centre - width / 2, below if height * sy < 0 else above),
                                   text)

    def _laid_out(self, label: str, font: QtGui.QFont) -> tuple[QtGui.QStaticText, float]:
        kept = self._texts.get(label)
        if kept is None or kept[2] != font:
            if len(self._texts) > 2048:
                self._texts.clear()
            width = QtGui.QFontMetricsF(font).horizontalAdvance(label)
            kept = self._texts[label] = (laid_out_once(label, font), width, font)
        return kept[0], kept[1]


def bar_value(value: float) -> str:
    """A broken bar's value, signed: two significant digits below 10 (+0.042, -0.66, +9.6), whole above."""
    if abs(value) >= 9.95:
        return f"{value:+.0f}"
    return f"{value:+.2g}" if abs(value) < 0.995 else f"{value:+.1f}"


def fit_labels(labels: list[str], room: float, width_of) -> list[str | None]:
    """The bar labels to draw in slots ``room`` pixels wide: all as given when they all fit, else all
    shortened to their numbers ("u177" -> "177", so they read alike), and None for any still too wide."""
    shorten = any(width_of(label) > room for label in labels if label.lstrip("u") != label)
    texts = [label.lstrip("u") if shorten else label for label in labels]
    return [text if width_of(text) <= room else None for text in texts]


class BarsItem(SignedBarsItem):
    """Probabilities: bars from 0 to each height (within [0, 1]) at x = 0 … n-1, one highlighted."""

    def __init__(self, count: int, width: float, colour: str, highlight: str) -> None:
        super().__init__(count, width, [colour, highlight])
        self.set_extent(0.0, 1.0)
        self._highlighted: int | None = None

    def set_heights(self, heights: np.ndarray | None, highlighted: int | None = None) -> None:
        self._highlighted = highlighted
        marked = None if highlighted is None else np.arange(len(self._heights)) == highlighted
        self.set_bars(heights, marked)

    def highlighted(self) -> int | None:
        return self._highlighted


class SteadyAxisItem(pg.AxisItem):
    """An axis that answers Qt's bounding-rectangle questions from a kept rectangle.

    Qt asks every visible axis for its bounding rectangle two or three times per repaint of its
    view (to cull it, to place its cached drawing), and pyqtgraph computes it anew in Python each
    time: about 80 calls per row step in the main window. The rectangle depends only on the axis's
    size and on a few settings (tick length, label overlap, grid), so it is kept until one changes.
    """

    def __init__(self, *args, **kwargs) -> None:
        self._bounds: QtCore.QRectF | None = None
        super().__init__(*args, **kwargs)

    def boundingRect(self) -> QtCore.QRectF:
        if self.grid is not False:
            return super().boundingRect()   # it then spans the linked view too: not kept
        if self._bounds is None:
            self._bounds = super().boundingRect()
        return self._bounds

    def resizeEvent(self, ev=None) -> None:
        self._bounds = None
        super().resizeEvent(ev)


def _forgetting_first(base: type, name: str, forget):
    """``base.<name>``, calling ``forget(axis)`` first: a setter that drops what an axis kept."""
    def setter(self, *args, **kwargs):
        forget(self)
        return getattr(base, name)(self, *args, **kwargs)
    setter.__name__ = name
    return setter


# What changes the bounding rectangle other than the size (resizeEvent) forgets the kept one.
for _name in ("setStyle", "setGrid", "linkToView"):
    setattr(SteadyAxisItem, _name,
            _forgetting_first(pg.AxisItem, _name, lambda axis: setattr(axis, "_bounds", None)))


def steady_axes() -> dict[str, SteadyAxisItem]:
    """``axisItems`` for a new plot: the left and bottom axes (the ones shown) as SteadyAxisItems."""
    return {"left": SteadyAxisItem("left"), "bottom": SteadyAxisItem("bottom")}


def without_si_prefixes(plot: pg.PlotItem) -> pg.PlotItem:
    """``plot``, none of whose four axes (hidden ones too) rescales its numbers by an SI prefix.

    An axis with the prefix on lays its label out as HTML (``QGraphicsTextItem.setHtml``) on every
    range change, shown or hidden: four or five times per row step in the main window. Our axes have
    no units to prefix, and a prefix with no label to show it would scale the tick numbers silently.
    """
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).enableAutoSIPrefix(False)
    return plot


def steady_plot(layout, **kwargs) -> pg.PlotItem:
    """``layout.addPlot(**kwargs)`` for the window's panels: steady axes, no menu, no SI prefixes."""
    return without_si_prefixes(layout.addPlot(enableMenu=False, axisItems=steady_axes(), **kwargs))


class KeptAxisItem(SteadyAxisItem):
    """An axis that keeps its last few drawings, one per range and size, as pixmaps.

    A panel whose y range moves in 1-2-5 steps shows the same handful of ranges again and again
    while the learner steps; pyqtgraph lays out and draws the ticks anew for each (about 6 ms here
    for one axis). Kept drawings make a range seen before a blit.
    """

    KEPT = 16

    def __init__(self, *args, **kwargs) -> None:
        self._kept: dict[tuple, QtGui.QPixmap] = {}
        super().__init__(*args, **kwargs)

    def drawings_kept(self) -> int:
        return len(self._kept)

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        if painter.worldTransform().type().value > QtGui.QTransform.TransformationType.TxTranslate.value:
            super().paint(painter, option, widget)   # scaled (never in our layouts): drawn as usual
            return
        ratio = painter.device().devicePixelRatioF()
        # Drawn from a whole device pixel, so lines fall on the same pixels as when drawn directly.
        rect = self.boundingRect()
        corner = painter.worldTransform().map(rect.topLeft()) * ratio   # in device pixels
        shift = QtCore.QPointF(corner.x() - np.floor(corner.x()), corner.y() - np.floor(corner.y())) / ratio
        origin = rect.topLeft() - shift
        key = (tuple(self.range), rect.width(), rect.height(), ratio, round(shift.x(), 3),
               round(shift.y(), 3))
        pixmap = self._kept.pop(key, None)
        if pixmap is None:
            pixmap = self._draw(origin, rect.size() + QtCore.QSizeF(1.0, 1.0), ratio, option, widget)
        self._kept[key] = pixmap   # newest last
        while len(self._kept) > self.KEPT:
            del self._kept[next(iter(self._kept))]
        painter.drawPixmap(origin, pixmap)

    def _draw(self, origin: QtCore.QPointF, size: QtCore.QSizeF, ratio: float, option,
              widget) -> QtGui.QPixmap:
        pixmap = QtGui.QPixmap(max(1, int(np.ceil(size.width() * ratio))),
                               max(1, int(np.ceil(size.height() * ratio))))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(pixmap)
        try:
            painter.translate(-origin)
            self.picture = None   # pyqtgraph's own single cached picture: drawn afresh for this key
            super().paint(painter, option, widget)
        finally:
            painter.end()
        return pixmap


# Whatever changes an axis's drawing other than its range and size forgets the kept drawings (so the
# key need not list every attribute pyqtgraph reads).
for _name in ("setPen", "setTextPen", "setStyle", "setTicks", "setTickFont", "setTickSpacing",
              "setTickDensity", "setScale", "setLogMode"):
    setattr(KeptAxisItem, _name, _forgetting_first(SteadyAxisItem, _name, lambda axis: axis._kept.clear()))
