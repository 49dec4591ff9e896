"""Paint every view a state change touched in one pass, instead of once per plot.

Each pyqtgraph plot is a QGraphicsScene, and Qt makes a scene that has processed its changed items
"immediately dispatch all pending update requests" of its view's window (qgraphicsscene.cpp): the
whole window's dirty region is painted and flushed to the screen at once, once per scene. A row
step touches about seven scenes (the layer views, the prediction, the panels on screen), so the
window was painted and flushed seven times per step, each flush a copy of the whole window.

While a state change is being shown, the window's update requests are held back; once every posted
event of normal priority has run (every scene has marked its dirty region), one update request
paints them all. Held requests are never lost: the release is a posted event, and it always sends
one request (a window with nothing dirty paints nothing).
"""
from __future__ import annotations

from PyQt6 import QtCore, QtWidgets

_RELEASE = QtCore.QEvent.Type(QtCore.QEvent.registerEventType())


class OneRepaint(QtCore.QObject):
    """Hold a window's update requests from ``hold()`` until the posted events behind it have run."""

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._holding = False
        window.installEventFilter(self)

    def is_holding(self) -> bool:
        """True while the window's update requests are held back (until the release paints them)."""
        return self._holding

    def hold(self, *_args) -> None:
        if self._holding:
            return
        self._holding = True
        # Low priority: delivered after the scenes' own posted calls, whenever they were posted.
        QtCore.QCoreApplication.postEvent(self, QtCore.QEvent(_RELEASE),
                                          QtCore.Qt.EventPriority.LowEventPriority.value)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if self._holding and watched is self._window and event.type() == QtCore.QEvent.Type.UpdateRequest:
            return True   # painted with the others at the release
        return False

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == _RELEASE:
            self._holding = False
            QtCore.QCoreApplication.sendEvent(self._window, QtCore.QEvent(QtCore.QEvent.Type.UpdateRequest))
            return True
        return super().event(event)
