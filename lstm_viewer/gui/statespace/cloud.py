"""The cloud: every test digit's state at one row on the first two principal axes, and one digit's path.

Ten thousand points must move every row within the redraw budget, so the cloud is not a scatter
item of ten thousand symbols: ``CloudPoints`` paints them itself, as one image made with numpy
(a small square per digit in its class's colour, a cross when the network misreads it), redrawn
only when the points or the view's transform change. On top, ``Trail`` paints the nearest
neighbours as rings and the current digit's path over rows 1..t with its current point, large and
labelled (a few dozen shapes: painted directly, cheaper than four pyqtgraph items).

Hovering and clicking find the nearest digit within a few pixels (``point_at``); the panel decides
what that means.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ..plots import style

PATH_COLOUR = "#111111"
PICK_PIXELS = 6          # a point this close to the pointer (in screen pixels) is under it

# Pixel offsets (dy, dx) of one digit's mark: a 3 x 3 square, or a 5 x 5 cross when misread.
_SQUARE = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
_CROSS = ((0, 0),) + tuple((s * d, t * d) for d in (1, 2) for s in (-1, 1) for t in (-1, 1))
_MARGIN = 2              # the widest mark reaches this far from its pixel


def _argb(colour: QtGui.QColor) -> int:
    return 0xFF000000 | (colour.red() << 16) | (colour.green() << 8) | colour.blue()


class CloudPoints(pg.GraphicsObject):
    """Every digit as a mark of its class's colour, painted as one image (see the module's note)."""

    def __init__(self) -> None:
        super().__init__()
        self._positions = np.zeros((0, 2), np.float32)
        self._colours = np.zeros(0, np.uint32)
        self._misread = np.zeros(0, bool)
        self._bounds = QtCore.QRectF(0.0, 0.0, 1.0, 1.0)
        self._version = 0
        self._painted_key = None
        self._image: QtGui.QImage | None = None
        self._pixels: np.ndarray | None = None     # the QImage borrows this memory
        self.renders = 0                           # how many times the image was made (a test reads it)

    def set_digits(self, labels: np.ndarray, misread: np.ndarray) -> None:
        """The classes (colours) and which digits the network gets wrong (crosses)."""
        table = np.array([_argb(QtGui.QColor(c)) for c in style.CLASS_COLOURS], np.uint32)
        dark = np.array([_argb(QtGui.QColor(c).darker(160)) for c in style.CLASS_COLOURS], np.uint32)
        labels = np.asarray(labels, np.intp)
        self._misread = np.asarray(misread, bool)
        self._colours = np.where(self._misread, dark[labels], table[labels])
        self._changed()

    def set_positions(self, positions: np.ndarray) -> None:
        """(n, 2) data coordinates, in the order of the digits given to ``set_digits``."""
        self._positions = positions
        self._changed()

    def set_bounds(self, rect: QtCore.QRectF) -> None:
        """The data rectangle the plot shows: points outside it are not drawn."""
        self.prepareGeometryChange()
        self._bounds = QtCore.QRectF(rect)
        self._changed()

    def positions(self) -> np.ndarray:
        return self._positions

    def _changed(self) -> None:
        self._version += 1
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, painter: QtGui.QPainter, *_args) -> None:
        transform = painter.transform()
        device = painter.device()
        target = transform.mapRect(self._bounds).toAlignedRect().intersected(
            QtCore.QRect(0, 0, device.width(), device.height()))
        if target.isEmpty() or len(self._positions) != len(self._colours):
            return
        key = (self._version, transform.m11(), transform.m12(), transform.m21(), transform.m22(),
               transform.dx(), transform.dy(), target.x(), target.y(), target.width(), target.height())
        if key != self._painted_key:
            self._render(transform, target)
            self._painted_key = key
        painter.save()
        painter.resetTransform()
        painter.drawImage(target.topLeft(), self._image)
        painter.restore()

    def _render(self, transform: QtGui.QTransform, target: QtCore.QRect) -> None:
        """Marks into a transparent ARGB buffer of the target's size: a few numpy passes."""
        width, height = target.width(), target.height()
        x, y = self._positions[:, 0], self._positions[:, 1]
        column = np.floor(transform.m11() * x + transform.m21() * y + (transform.dx() - target.x()))
        row = np.floor(transform.m12() * x + transform.m22() * y + (transform.dy() - target.y()))
        inside = ((column >= _MARGIN) & (column < width - _MARGIN)
                  & (row >= _MARGIN) & (row < height - _MARGIN))
        pixels = np.zeros(height * width, np.uint32)
        where = np.zeros(len(x), np.intp)
        where[inside] = row[inside].astype(np.intp) * width + column[inside].astype(np.intp)
        # Crosses last: a misread digit stays visible on top of the crowd.
        for chosen, offsets in ((inside & ~self._misread, _SQUARE), (inside & self._misread, _CROSS)):
            spots, colours = where[chosen], self._colours[chosen]
            for dy, dx in offsets:
                pixels[spots + (dy * width + dx)] = colours
        self._pixels = pixels
        self._image = QtGui.QImage(pixels.data, width, height, 4 * width,
                                   QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        self.renders += 1


class Trail(pg.GraphicsObject):
    """The current digit's path (rows 1..t), its current point and label, and the neighbour rings.

    Marks have a fixed size on screen: the points are mapped to pixels and drawn there.
    """

    def __init__(self) -> None:
        super().__init__()
        self.path = np.zeros((0, 2))     # (t, 2) data coordinates; the last is the current point
        self.rings = np.zeros((0, 2))    # (k, 2) the nearest digits' points
        self.text = ""                   # the current point's label
        self._bounds = QtCore.QRectF(0.0, 0.0, 1.0, 1.0)
        self._line = pg.mkPen(PATH_COLOUR, width=2)
        self._ring = pg.mkPen(PATH_COLOUR, width=2)
        self._halo = pg.mkPen("w", width=2)
        self._dot = pg.mkBrush(PATH_COLOUR)
        self._now = pg.mkBrush(style.ACCENT)
        self._label_brush = pg.mkBrush(255, 255, 255, 215)
        self._label_pen = pg.mkPen(PATH_COLOUR)
        self._font = style.small_font()
        self._font.setPointSizeF(8.5)

    def set_bounds(self, rect: QtCore.QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = QtCore.QRectF(rect)
        self.update()

    def set_path(self, path: np.ndarray | None, text: str = "") -> None:
        self.path = np.zeros((0, 2)) if path is None else np.asarray(path, np.float64)
        self.text = text if len(self.path) else ""
        self.update()

    def set_rings(self, points: np.ndarray | None) -> None:
        self.rings = np.zeros((0, 2)) if points is None else np.asarray(points, np.float64)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, painter: QtGui.QPainter, *_args) -> None:
        if not len(self.path) and not len(self.rings):
            return
        transform = painter.transform()
        painter.save()
        painter.resetTransform()
        points = [QtCore.QPointF(x, y) for x, y in _to_pixels(transform, self.path)]
        if len(points):
            painter.setPen(self._line)
            painter.drawPolyline(QtGui.QPolygonF(points))
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(self._dot)
            for point in points[:-1]:   # small: no antialiasing needed
                painter.drawRect(QtCore.QRectF(point.x() - 2.0, point.y() - 2.0, 4.0, 4.0))
        # The few round marks that must look round: antialiased.
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.setPen(self._ring)
        for x, y in _to_pixels(transform, self.rings):
            painter.drawEllipse(QtCore.QPointF(x, y), 6.5, 6.5)
        if len(points):
            painter.setPen(self._halo)
            painter.setBrush(self._now)
            painter.drawEllipse(points[-1], 8.0, 8.0)
            if self.text:
                box = self.getViewBox()
                area = (transform.mapRect(box.viewRect()) if box is not None
                        else QtCore.QRectF(points[-1], points[-1]))
                self._label(painter, points[-1], area)
        painter.restore()

    def _label(self, painter: QtGui.QPainter, at: QtCore.QPointF, area: QtCore.QRectF) -> None:
        """The label up and to the right of the current point; flipped to stay inside ``area``."""
        painter.setFont(self._font)
        box = QtCore.QRectF(painter.fontMetrics().boundingRect(self.text).adjusted(-4, -2, 4, 2))
        box.moveBottomLeft(QtCore.QPointF(at.x() + 11, at.y() - 7))
        if box.right() > area.right():
            box.moveRight(at.x() - 11)
        if box.top() < area.top():
            box.moveTop(at.y() + 7)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(self._label_brush)
        painter.drawRect(box)
        painter.setPen(self._label_pen)
        painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignCenter, self.text)


def _to_pixels(transform: QtGui.QTransform, points: np.ndarray) -> np.ndarray:
    """(n, 2) data coordinates to device pixels under ``transform`` (no rotation in plots)."""
    x, y = points[:, 0], points[:, 1]
    return np.column_stack((transform.m11() * x + transform.m21() * y + transform.dx(),
                            transform.m12() * x + transform.m22() * y + transform.dy()))


class CloudView(pg.GraphicsLayoutWidget):
    """The plot: the cloud and, over it, the trail; hover and click signals."""

    hovered = QtCore.pyqtSignal(int)    # the digit under the pointer, or -1
    clicked = QtCore.pyqtSignal(int)    # a digit clicked

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stateSpaceCloud")
        style.tune_view(self)
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.plot = self.addPlot(enableMenu=False)
        style.quiet_plot(self.plot)
        self.plot.getViewBox().setBackgroundColor("#fbfbfb")
        self.plot.disableAutoRange()
        self.points = CloudPoints()
        self.plot.addItem(self.points)
        self.trail = Trail()
        self.trail.setZValue(5)
        self.plot.addItem(self.trail)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        style.settle_scene(self)

    # --- what is shown --------------------------------------------------------------------------
    def set_frame(self, x_range: tuple[float, float], y_range: tuple[float, float],
                  x_title: str, y_title: str) -> None:
        """Fix the plot's range (the same at every row, so movement is the digits' own) and titles."""
        self.plot.setRange(xRange=x_range, yRange=y_range, padding=0.02)
        # A little wider than the range shown (the view box clips its children to its own area).
        width, height = x_range[1] - x_range[0], y_range[1] - y_range[0]
        bounds = QtCore.QRectF(x_range[0] - 0.1 * width, y_range[0] - 0.1 * height, 1.2 * width, 1.2 * height)
        self.points.set_bounds(bounds)
        self.trail.set_bounds(bounds)
        self.plot.setLabel("bottom", x_title)
        self.plot.setLabel("left", y_title)

    def show_path(self, path: np.ndarray | None, text: str = "") -> None:
        """The current digit's points for rows 1..t ((t, 2)); the last one is the current point."""
        self.trail.set_path(path, text)

    def show_rings(self, positions: np.ndarray | None) -> None:
        self.trail.set_rings(positions)

    # --- the pointer ----------------------------------------------------------------------------
    def point_at(self, scene_pos: QtCore.QPointF) -> int | None:
        """The digit drawn nearest ``scene_pos`` within ``PICK_PIXELS``, or None."""
        box = self.plot.getViewBox()
        positions = self.points.positions()
        if len(positions) == 0 or not box.sceneBoundingRect().contains(scene_pos):
            return None
        where = box.mapSceneToView(scene_pos)
        pixel_width, pixel_height = box.viewPixelSize()
        dx = (positions[:, 0] - where.x()) / pixel_width
        dy = (positions[:, 1] - where.y()) / pixel_height
        squared = dx * dx + dy * dy
        nearest = int(np.argmin(squared))
        return nearest if squared[nearest] <= PICK_PIXELS ** 2 else None

    def scene_point(self, x: float, y: float) -> QtCore.QPointF:
        """Where the data point (x, y) is in the scene (for tests and scripts)."""
        return self.plot.getViewBox().mapViewToScene(QtCore.QPointF(x, y))

    def leaveEvent(self, event: QtCore.QEvent) -> None:
        self.hovered.emit(-1)   # the pointer left the plot: no digit is pointed at any more
        super().leaveEvent(event)

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        index = self.point_at(scene_pos)
        self.hovered.emit(-1 if index is None else index)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        index = self.point_at(event.scenePos())
        if index is not None:
            self.clicked.emit(index)
