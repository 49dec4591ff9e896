"""Labels whose text changes every row without re-laying out the window.

``QLabel.setText`` calls ``updateGeometry()``, which makes the parent layout recompute the size hints
of the whole column (rich text and word wrap are laid out again: about a millisecond per frame) and
can move the plots beside it, unless the label's minimum and maximum sizes are equal. So the label
lives in a holder that takes part in the layout and pins the label to exactly its own size.
"""
from __future__ import annotations

from PyQt6 import QtCore, QtGui, QtWidgets


class SteadyHolder(QtWidgets.QWidget):
    """Holds ``label`` at a fixed height of ``lines`` text lines and whatever width the layout gives."""

    def __init__(self, label: QtWidgets.QLabel, lines: int = 1) -> None:
        super().__init__()
        self.label = label
        label.setParent(self)
        margin = label.contentsMargins()
        height = lines * label.fontMetrics().lineSpacing() + margin.top() + margin.bottom() + 4
        self.setFixedHeight(height)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        label.setFixedSize(label.sizeHint().width(), height)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        self.label.setFixedSize(event.size())
        super().resizeEvent(event)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(self.label.sizeHint().width(), self.height())


def steady(label: QtWidgets.QLabel, lines: int = 1) -> SteadyHolder:
    """The widget to put in a layout in place of ``label``."""
    return SteadyHolder(label, lines)
