"""Slow motion: the rest of the digit read row by row, each view framed as its numbers change.

For every row: the input's new row, then each layer in turn (layer k+1 reads layer k's new h), then
the softmax and the state. The order is the computation's: the learner's eye follows the data
through the stack, as GAN Lab's slow-motion mode walks its model part by part.
"""
from __future__ import annotations

from collections.abc import Callable

from PyQt6 import QtCore

from ...core.network import ROWS
from ..state.view_state import ViewState

PART_MS = 450   # each part of the stack framed this long: slow enough for a room to follow


class SlowMotion(QtCore.QObject):
    """``start()`` from the row after the current one (from the first if at the last); ``stop()``."""

    finished = QtCore.pyqtSignal()

    def __init__(self, state: ViewState, highlight: Callable[[list[tuple]], None],
                 parent: QtCore.QObject | None = None, part_ms: int = PART_MS) -> None:
        super().__init__(parent)
        self.state, self.highlight = state, highlight
        self._timer = QtCore.QTimer(self, interval=part_ms)
        self._timer.timeout.connect(self._tick)
        self._parts: list[tuple] = []
        self._part = 0

    def is_running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        if self.state.network is None or self.state.trace is None:
            self.finished.emit()
            return
        layers = len(self.state.network.units)
        self._parts = [("input",), *(("layer", k + 1) for k in range(layers)), ("softmax",), ("state",)]
        if self.state.row >= ROWS - 1:
            self.state.row = 0
        else:
            self.state.row += 1
        self._part = 0
        self.highlight([self._parts[0]])
        self._timer.start()

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.finished.emit()

    def _tick(self) -> None:
        self._part += 1
        if self._part == len(self._parts):
            if self.state.row >= ROWS - 1:
                self.stop()
                return
            self.state.row += 1
            self._part = 0
        self.highlight([self._parts[self._part]])
