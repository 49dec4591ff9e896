"""The drawing as an input: strokes on the canvas become the network's 28 × 28 input, live.

While the pen moves the drawing is re-traced at most ~30 times a second; the end of a stroke is
traced at once, with the preprocessing options of the view state (``centring``, ``shift``); a change
of option traces the drawing again. Any other input (a sample, an image file) clears the canvas, since
the drawing no longer describes what is shown; the band of the current row follows ``state.row``.
"""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore
from superqt.utils import qthrottled

from ...core.preprocess import PreprocessSteps, preprocess_steps
from ..state.session import Session
from .canvas import DrawCanvas

LIVE_INTERVAL_MS = 33    # re-trace at most ~30 times a second while drawing


class DrawingInput(QtCore.QObject):
    """Turns the canvas into inputs for the session, and marks the current row on it."""

    stepsChanged = QtCore.pyqtSignal(object)   # the drawing's PreprocessSteps, or None

    def __init__(self, canvas: DrawCanvas, session: Session, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.canvas, self.session, self.state = canvas, session, session.state
        self._bands: np.ndarray | None = None
        self._ours: np.ndarray | None = None     # the input this drawing produced last
        self.steps: PreprocessSteps | None = None
        # While drawing, re-trace at most once per LIVE_INTERVAL_MS (the latest drawing).
        self._retrace_soon = qthrottled(self.retrace, timeout=LIVE_INTERVAL_MS, leading=False, parent=self)
        canvas.changed.connect(self._retrace_soon)
        canvas.strokeFinished.connect(self.retrace)   # a stroke's final shape at once
        self.state.events.image.connect(self._on_image)
        self.state.events.row.connect(self._show_band)
        self.state.events.centring.connect(self._on_options)
        self.state.events.shift.connect(self._on_options)

    def retrace(self) -> None:
        """Preprocess the drawing and make it the input (nothing drawn: nothing shown)."""
        self._retrace_soon.cancel()
        if self.canvas.is_empty():
            self._bands, self._ours, self.steps = None, None, None
            self.session.show_input(None)
        else:
            paper = self.canvas.to_array()
            self.steps = preprocess_steps(paper, self.state.centring, self.state.shift)
            self._bands = row_bands(self.steps, paper.shape[0])
            self._ours = self.steps.final
            self.session.show_input(self._ours)
        self.stepsChanged.emit(self.steps)
        self._show_band()

    def clear(self) -> None:
        self.canvas.clear()
        self.retrace()

    def undo(self) -> bool:
        if not self.canvas.undo():
            return False
        self.retrace()
        return True

    def _on_options(self, *_args) -> None:
        if not self.canvas.is_empty() and self._ours is not None:
            self.retrace()

    def _on_image(self, image) -> None:
        if image is None or self.session.original is self._ours:
            return   # ours (perhaps with what-if edits), or nothing
        # Another input replaced the drawing (the session keeps the array it is given, so
        # identity tells): a pending re-trace must not bring the drawing back.
        self._retrace_soon.cancel()
        self._bands, self._ours, self.steps = None, None, None
        if not self.canvas.is_empty():
            self.canvas.clear(emit=False)
        self.stepsChanged.emit(None)
        self._show_band()

    def _show_band(self, *_args) -> None:
        band = None if self._bands is None else tuple(self._bands[self.state.row])
        self.canvas.set_band(band)


def row_bands(steps: PreprocessSteps, paper_rows: int) -> np.ndarray | None:
    """Where each of the 28 input rows came from on the paper: (28, 2) top/bottom in 0..1, or None.

    Inverts the preprocessing's steps: the crop (its first row on the paper, its height) was scaled
    to ``fitted``'s height, placed at row ``top`` of the 28 × 28 field and moved ``shift`` rows.
    """
    if steps.fitted.size == 0:
        return None
    rows = np.flatnonzero(steps.ink.any(axis=1))
    first = 0 if steps.centring == "none" else int(rows[0])
    pixels_per_row = steps.crop.shape[0] / steps.fitted.shape[0]
    edges = first + (np.arange(29) - steps.top - steps.shift) * pixels_per_row
    edges = np.clip(edges / paper_rows, 0.0, 1.0)
    return np.stack([edges[:-1], edges[1:]], axis=1)
