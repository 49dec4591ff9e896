"""The drawing canvas: thick, smooth, anti-aliased marker strokes with the mouse or a pen.

Strokes are kept as point lists in unit coordinates (0..1 across the square paper) so the canvas can
be resized and rendered at any resolution: ``to_array`` renders them into a fixed 280 × 280 grayscale
image for preprocessing, independent of the widget's size on screen.
"""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.i18n import tr
from ..plots import style

PEN_FRACTION = 0.075     # marker width relative to the paper: MNIST-like strokes for a full-size digit
RENDER_SIZE = 280


class DrawCanvas(QtWidgets.QWidget):
    """Square paper to draw a digit on. ``changed`` fires on every new point, ``strokeFinished`` on
    release."""

    changed = QtCore.pyqtSignal()
    strokeFinished = QtCore.pyqtSignal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Expanding)
        self.setCursor(QtCore.Qt.CursorShape.CrossCursor)
        self.setToolTip(tr("Draw a digit with the mouse or a pen.\n"
                           "Ctrl+Z undoes the last stroke, Delete clears."))
        self._strokes: list[list[QtCore.QPointF]] = []
        self._drawing = False
        self._keeping = False   # this canvas asked Qt to keep every mouse move (a stroke is drawn)
        self._band: tuple[float, float] | None = None   # current row's band, unit coordinates

    # --- public -----------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self._strokes

    def clear(self, emit: bool = True) -> None:
        self._strokes.clear()
        self._drawing = False
        self._keep_every_move(False)
        self._band = None
        self.update()
        if emit:
            self.changed.emit()

    def undo(self) -> bool:
        """Remove the last stroke; False when there was none."""
        if not self._strokes:
            return False
        self._strokes.pop()
        self._drawing = False
        self._keep_every_move(False)
        self.update()
        self.changed.emit()
        return True

    def set_band(self, band: tuple[float, float] | None) -> None:
        """Mark the paper band (top, bottom in 0..1) that the current input row was made from."""
        if band != self._band:
            self._band = band
            self.update()

    def band(self) -> tuple[float, float] | None:
        """The paper band marked for the current input row (top, bottom in 0..1), or None."""
        return self._band

    def to_array(self, size: int = RENDER_SIZE) -> np.ndarray:
        """The drawing as a (size, size) uint8 array, black ink on white paper."""
        image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_Grayscale8)
        image.fill(QtGui.QColor("white"))
        painter = QtGui.QPainter(image)
        self._paint_strokes(painter, size, QtGui.QColor("black"))
        painter.end()
        ptr = image.constBits()
        ptr.setsize(image.sizeInBytes())
        rows = np.frombuffer(ptr, dtype=np.uint8).reshape(size, image.bytesPerLine())
        return rows[:, :size].copy()

    # --- geometry -----------------------------------------------------------------------------
    def _paper(self) -> QtCore.QRectF:
        side = min(self.width(), self.height()) - 2
        return QtCore.QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_unit(self, pos: QtCore.QPointF) -> QtCore.QPointF:
        paper = self._paper()
        return QtCore.QPointF((pos.x() - paper.left()) / paper.width(),
                              (pos.y() - paper.top()) / paper.height())

    # --- painting -----------------------------------------------------------------------------
    def _paint_strokes(self, painter: QtGui.QPainter, side: float, colour: QtGui.QColor) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        pen = QtGui.QPen(colour, PEN_FRACTION * side, QtCore.Qt.PenStyle.SolidLine,
                         QtCore.Qt.PenCapStyle.RoundCap, QtCore.Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        for stroke in self._strokes:
            painter.drawPath(_smooth_path(stroke, side))

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        paper = self._paper()
        painter.fillRect(self.rect(), self.palette().color(QtGui.QPalette.ColorRole.Window))
        painter.fillRect(paper, QtGui.QColor("white"))
        if self._band is not None:
            top, bottom = self._band
            band = QtCore.QRectF(paper.left(), paper.top() + top * paper.height(),
                                 paper.width(), max(2.0, (bottom - top) * paper.height()))
            painter.fillRect(band.intersected(paper), QtGui.QColor(217, 72, 15, 45))
        painter.translate(paper.topLeft())
        self._paint_strokes(painter, paper.width(), QtGui.QColor("#111111"))
        painter.resetTransform()
        painter.setPen(QtGui.QPen(QtGui.QColor(style.MUTED), 1))
        painter.drawRect(paper)
        if not self._strokes:
            painter.setPen(QtGui.QColor(style.MUTED))
            painter.drawText(paper, QtCore.Qt.AlignmentFlag.AlignCenter, tr("draw a digit here"))
        painter.end()

    # --- mouse / pen (Qt turns unhandled tablet events into these) ----------------------------
    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._drawing = True
        self._keep_every_move(True)
        self._strokes.append([self._to_unit(event.position())])
        self.update()
        self.changed.emit()

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if not self._drawing or not self._strokes:
            return super().mouseMoveEvent(event)
        point = self._to_unit(event.position())
        last = self._strokes[-1][-1]
        if abs(point.x() - last.x()) + abs(point.y() - last.y()) < 0.002:
            return  # sub-pixel jitter adds nothing but work
        self._strokes[-1].append(point)
        self.update()
        self.changed.emit()

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or not self._drawing:
            return super().mouseReleaseEvent(event)
        self._drawing = False
        self._keep_every_move(False)
        self.strokeFinished.emit()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        self._keep_every_move(False)   # a stroke cut short (the window hidden mid-stroke)
        super().hideEvent(event)

    def _keep_every_move(self, keep: bool) -> None:
        """While a stroke is drawn, every mouse position counts. Qt (on X11) merges mouse moves that
        arrive faster than the window handles them: in a busy moment (a background pass on both
        cores) a stroke's curve became one straight segment. Merging is off only during strokes."""
        if keep == self._keeping:
            return
        self._keeping = keep
        if keep:
            _every_move.hold()
        else:
            _every_move.release()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(300, 300)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width


def _smooth_path(stroke: list[QtCore.QPointF], side: float) -> QtGui.QPainterPath:
    """Quadratic curves through the midpoints between samples: smooth like a marker, no corners."""
    points = [QtCore.QPointF(p.x() * side, p.y() * side) for p in stroke]
    path = QtGui.QPainterPath(points[0])
    if len(points) == 1:
        path.lineTo(points[0] + QtCore.QPointF(0.01, 0.0))   # a dot: a zero-length round-capped line
        return path
    for a, b in zip(points[1:-1], points[2:], strict=True):
        path.quadTo(a, (a + b) / 2.0)
    path.lineTo(points[-1])
    return path


class _EveryMove:
    """Qt's merging of mouse moves is one setting for the whole application: off while any canvas
    draws a stroke, and as it was before once none does."""

    def __init__(self) -> None:
        self._holders = 0
        self._before = True

    def hold(self) -> None:
        attribute = QtCore.Qt.ApplicationAttribute.AA_CompressHighFrequencyEvents
        if self._holders == 0:
            self._before = QtCore.QCoreApplication.testAttribute(attribute)
            QtCore.QCoreApplication.setAttribute(attribute, False)
        self._holders += 1

    def release(self) -> None:
        self._holders -= 1
        if self._holders == 0:
            QtCore.QCoreApplication.setAttribute(
                QtCore.Qt.ApplicationAttribute.AA_CompressHighFrequencyEvents, self._before)


_every_move = _EveryMove()
