"""Frames drawn around views the learner should look at (a lesson step's ``@highlight``, slow motion).

A frame is a transparent widget over the target, in the target's own window (a floating dock is a
window of its own), that lets every mouse event through and follows the target as it moves, resizes,
hides or dies. Nothing in the target is changed: no stylesheet, no relayout, no repaint of its plots.
"""
from __future__ import annotations

from PyQt6 import QtCore, QtGui, QtWidgets

COLOUR = QtGui.QColor("#f08c00")   # an amber a projector shows, distinct from the views' orange row line
WIDTH = 4
MARGIN = 3


class _Frame(QtWidgets.QWidget):
    def __init__(self, target: QtWidgets.QWidget) -> None:
        super().__init__(target.window())
        self.setObjectName("highlightFrame")
        self.target = target
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self._follow()

    def _follow(self) -> None:
        target = self.target
        if not target.isVisible() or target.window() is not self.parentWidget():
            self.hide()
            return
        top_left = target.mapTo(self.parentWidget(), QtCore.QPoint(0, 0))
        rect = QtCore.QRect(top_left, target.size()).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        self.setGeometry(rect.intersected(self.parentWidget().rect()))
        self.show()
        self.raise_()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtGui.QPen(COLOUR, WIDTH))
        painter.drawRoundedRect(QtCore.QRectF(self.rect()).adjusted(WIDTH / 2, WIDTH / 2, -WIDTH / 2,
                                                                     -WIDTH / 2), 6, 6)


class Highlighter(QtCore.QObject):
    """``show([widget, …])`` frames those widgets (and no others); ``clear()`` removes every frame."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._frames: list[_Frame] = []
        self._retrack = QtCore.QTimer(self, singleShot=True, interval=0)
        self._retrack.timeout.connect(self._follow_all)

    @property
    def targets(self) -> list[QtWidgets.QWidget]:
        return [frame.target for frame in self._frames]

    def show(self, widgets: list[QtWidgets.QWidget]) -> None:
        self.clear()
        for widget in widgets:
            frame = _Frame(widget)
            self._frames.append(frame)
            # Every ancestor up to the window: a dock moved or a splitter dragged moves the target.
            watched = widget
            while watched is not None and not watched.isWindow():
                watched.installEventFilter(self)
                watched = watched.parentWidget()
            widget.destroyed.connect(self._drop_dead)

    def clear(self) -> None:
        for frame in self._frames:
            watched = frame.target
            try:
                while watched is not None and not watched.isWindow():
                    watched.removeEventFilter(self)
                    watched = watched.parentWidget()
            except RuntimeError:   # the target died with its panel
                pass
            frame.deleteLater()
        self._frames = []

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in (QtCore.QEvent.Type.Move, QtCore.QEvent.Type.Resize, QtCore.QEvent.Type.Show,
                            QtCore.QEvent.Type.Hide, QtCore.QEvent.Type.ParentChange):
            self._retrack.start()   # once, after the layout settles
        return False

    def _follow_all(self) -> None:
        for frame in self._frames:
            try:
                frame._follow()
            except RuntimeError:
                pass

    def _drop_dead(self) -> None:
        alive = []
        for frame in self._frames:
            try:
                frame.target.objectName()
                alive.append(frame)
            except RuntimeError:
                frame.deleteLater()
        self._frames = alive
