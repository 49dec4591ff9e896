"""The nearest test digits as a strip of thumbnails, each with its label and distance; click to load.

Also ``thumbnail``: a test digit as a small picture, ink dark on white paper as the app draws inputs.
"""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.i18n import tr
from ..plots import style

THUMB = 44          # pixels
ICONS_KEPT = 512    # thumbnails kept for reuse (about 8 kB each)


def as_unit_image(image: np.ndarray) -> np.ndarray:
    """A test digit as the app's input: (28, 28) float32 in [0, 1] (uint8 digits are divided by 255)."""
    if image.dtype == np.uint8:
        return image.astype(np.float32) / np.float32(255.0)
    return np.asarray(image, np.float32)


def thumbnail(image: np.ndarray, size: int = THUMB) -> QtGui.QPixmap:
    """``image`` (28, 28) uint8 or floats in [0, 1] as a ``size`` x ``size`` picture, ink dark."""
    paper = np.ascontiguousarray(255 - np.round(as_unit_image(image) * 255.0).astype(np.uint8))
    picture = QtGui.QImage(paper.data, 28, 28, 28, QtGui.QImage.Format.Format_Grayscale8).copy()
    return QtGui.QPixmap.fromImage(picture).scaled(
        size, size, QtCore.Qt.AspectRatioMode.KeepAspectRatio,
        QtCore.Qt.TransformationMode.FastTransformation)


class NeighbourStrip(QtWidgets.QWidget):
    """``count`` buttons, each a test digit's thumbnail with "label · distance" under it."""

    clicked = QtCore.pyqtSignal(int)   # the index of the digit clicked

    def __init__(self, count: int = 8, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("neighbourStrip")
        self.indices: list[int] = []
        # A grid with as many columns as the width holds (one row of 8 needs 478 px; a 440-px
        # column gets two rows of 4 rather than thumbnails cut off on the right).
        self._grid = QtWidgets.QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self._grid.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        # Our minimum, not its.
        self._grid.setSizeConstraint(QtWidgets.QLayout.SizeConstraint.SetNoConstraint)
        self._columns = 0
        self.buttons: list[QtWidgets.QToolButton] = []
        self._shown: list[tuple[int, str, str] | None] = [None] * count   # per button: what it shows
        self._icons: dict[int, QtGui.QIcon] = {}
        self._icons_for: np.ndarray | None = None
        for k in range(count):
            button = QtWidgets.QToolButton()
            button.setObjectName(f"neighbourButton{k}")
            button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QtCore.QSize(THUMB, THUMB))
            button.setAutoRaise(True)
            button.setFixedSize(THUMB + 14, THUMB + 26)
            button.clicked.connect(lambda _=False, slot=k: self._on_clicked(slot))
            button.setEnabled(False)
            self.buttons.append(button)
        self._arrange(count)

    def _arrange(self, columns: int) -> None:
        columns = max(1, min(columns, len(self.buttons)))
        if columns == self._columns:
            return
        self._columns = columns
        for k, button in enumerate(self.buttons):
            self._grid.addWidget(button, k // columns, k % columns)   # (moves a button already placed)

    def columns(self) -> int:
        return self._columns

    def minimumSizeHint(self) -> QtCore.QSize:
        button = self.buttons[0].size()
        rows = -(-len(self.buttons) // self._columns)
        return QtCore.QSize(button.width(), rows * button.height() + (rows - 1) * self._grid.spacing())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        step = self.buttons[0].width() + self._grid.spacing()
        before = self._columns
        self._arrange((event.size().width() + self._grid.spacing()) // step)
        if self._columns != before:
            self.updateGeometry()   # one row more or fewer: a new height
        super().resizeEvent(event)

    def show_digits(self, indices: np.ndarray, distances: np.ndarray, images: np.ndarray,
                    labels: np.ndarray, predictions: np.ndarray, where: tuple[int, int] | None) -> None:
        """The digits ``indices`` (nearest first) with their distances; ``where``: the (row, layer) of
        the states compared (0-based)."""
        self.indices = [int(i) for i in indices]
        for k, button in enumerate(self.buttons):
            if k >= len(self.indices):
                if self._shown[k] is not None:
                    button.setIcon(QtGui.QIcon())
                    button.setText("")
                    button.setToolTip("")
                    button.setEnabled(False)
                    self._shown[k] = None
                continue
            index = self.indices[k]
            label, read = int(labels[index]), int(predictions[index])
            text = f"{label} · {distances[k]:.2f}"
            if self._shown[k] == (index, text, where):
                continue   # stepping often keeps a neighbour: no new picture, no repaint
            if self._shown[k] is None or self._shown[k][0] != index:
                button.setIcon(self._icon(images, index))
                palette = button.palette()
                colour = QtGui.QColor(style.CLASS_COLOURS[label])
                palette.setColor(QtGui.QPalette.ColorRole.ButtonText, colour)
                button.setPalette(palette)
            button.setText(text)
            row, layer = where
            if read == label:
                tip = tr("Test digit {index:,}: a {label}. Its h is {distance:.3f} away from this digit's h "
                         "at row {row} of layer {layer}. Click to load it.", index=index, label=label,
                         distance=distances[k], row=row + 1, layer=layer + 1)
            else:
                tip = tr("Test digit {index:,}: a {label}, which the network reads as {read}. Its h is "
                         "{distance:.3f} away from this digit's h at row {row} of layer {layer}. Click to "
                         "load it.", index=index, label=label, read=read, distance=distances[k], row=row + 1,
                         layer=layer + 1)
            button.setToolTip(tip)
            button.setEnabled(True)
            self._shown[k] = (index, text, where)

    def _icon(self, images: np.ndarray, index: int) -> QtGui.QIcon:
        """Thumbnails are kept (a few hundred): stepping back and forth meets the same digits."""
        if self._icons_for is not images:
            self._icons, self._icons_for = {}, images
        icon = self._icons.get(index)
        if icon is None:
            if len(self._icons) >= ICONS_KEPT:
                self._icons.clear()
            icon = self._icons[index] = QtGui.QIcon(thumbnail(images[index]))
        return icon

    def clear(self) -> None:
        self.show_digits(np.zeros(0, int), np.zeros(0), np.zeros((0, 28, 28)), np.zeros(0, int),
                         np.zeros(0, int), None)

    def _on_clicked(self, slot: int) -> None:
        if slot < len(self.indices):
            self.clicked.emit(self.indices[slot])
