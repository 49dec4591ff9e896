"""Panels that do no work while hidden, and catch up when shown."""
from __future__ import annotations

from PyQt6 import QtGui, QtWidgets


class RefreshWhenShown(QtWidgets.QWidget):
    """``changed()`` redraws now if the panel is on screen, else marks it stale; showing it catches
    up. Subclasses implement ``refresh()`` (which starts by setting ``self._stale = False``)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._stale = True

    def changed(self, *_args) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError
