"""The drawing as an input: strokes on the canvas become the network's 28 × 28 input, live.

While the pen moves the drawing is re-traced at most ~30 times a second; the end of a stroke is
traced at once. Any other input (a sample, an image file) clears the canvas, since the drawing
no longer describes what is shown; the band of the current row follows ``state.row``.
"""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore

from ..core.preprocess import preprocess
from .canvas import DrawCanvas, row_bands
from .session import Session

LIVE_INTERVAL_MS = 33    # re-trace at most ~30 times a second while drawing


class DrawingInput(QtCore.QObject):
    """Turns the canvas into inputs for the session, and marks the current row on it."""

    def __init__(self, canvas: DrawCanvas, session: Session, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.canvas, self.session, self.state = canvas, session, session.state
        self._bands: np.ndarray | None = None
        self._ours: np.ndarray | None = None     # the input this drawing produced last
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.retrace)
        canvas.changed.connect(self._on_changed)
        canvas.strokeFinished.connect(self.retrace)   # a stroke's final shape at once
        self.state.events.image.connect(self._on_image)
        self.state.events.row.connect(self._show_band)

    def retrace(self) -> None:
        """Preprocess the drawing and make it the input (nothing drawn: nothing shown)."""
        self._timer.stop()
        if self.canvas.is_empty():
            self._bands, self._ours = None, None
            self.session.show_input(None)
        else:
            paper = self.canvas.to_array()
            image28 = preprocess(paper)
            self._bands = row_bands(paper, image28)
            self._ours = image28
            self.session.show_input(image28)
        self._show_band()

    def clear(self) -> None:
        self.canvas.clear()
        self.retrace()

    def undo(self) -> bool:
        if not self.canvas.undo():
            return False
        self.retrace()
        return True

    def _on_changed(self) -> None:
        if not self._timer.isActive():
            self._timer.start(LIVE_INTERVAL_MS)

    def _on_image(self, image) -> None:
        if image is None or image is self._ours:
            return
        # Another input replaced the drawing (the session keeps the array it is given, so
        # identity tells): a pending re-trace must not bring the drawing back.
        self._timer.stop()
        self._bands, self._ours = None, None
        if not self.canvas.is_empty():
            self.canvas.clear(emit=False)
        self._show_band()

    def _show_band(self, *_args) -> None:
        band = None if self._bands is None else tuple(self._bands[self.state.row])
        self.canvas.set_band(band)
