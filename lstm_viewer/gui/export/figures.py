"""One view or panel as a figure: a PNG at 1×, 2× or 3×, an SVG, the clipboard; and the names proposed.

A PNG at 2× is the widget painted again onto an image with twice the pixels (``QWidget.render`` on a
``QImage`` whose device pixel ratio is 2): text, lines and bars are drawn at that resolution, not
enlarged from the screen. Three things in the window keep drawings at the screen's resolution to make
stepping cheap, and would come out enlarged; while a figure is rendered (``export_rendering``):

- the scene items pyqtgraph caches as pixmaps (axes and titles, ``style.settle_scene``) are not cached;
- the axes that keep one drawing per range (``KeptAxisItem``) draw afresh;
- the lines of text drawn once and kept (``RunText``: the unit inspector's equations, the summaries)
  are drawn as text, from their layout.

The same makes an SVG vector through and through (text as text); the heatmaps and the state space's
cloud stay images inside it, as they are on screen. Afterwards everything is as it was (the caches
fill again on the next paint).

File names say what the figure shows: ``lstm-viewer-layers-reads7-row12.png`` (the view, what the
network finally reads the input as, the row), with the unit, ``edited`` for a what-if input and the
training snapshot when they apply.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.atomic import write_atomically
from ...core.errors import UserError
from ...core.i18n import tr
from ..plots.light_items import KeptAxisItem
from ..widgets.run_text import RunText
from .views import MAIN_VIEWS, WINDOW, panel_dock_name, view_keys, view_title  # noqa: F401 (re-exported)

SCALES = (1, 2, 3)
SVG_DPI = 96   # CSS's pixels per inch: an SVG's pixel, and a 1× PNG's
CLIPBOARD_SCALE = 2   # crisp when a slide enlarges it; said in the menu entry
_RENDER_FLAGS = (QtWidgets.QWidget.RenderFlag.DrawWindowBackground
                 | QtWidgets.QWidget.RenderFlag.DrawChildren)


# --- which views there are ---------------------------------------------------------------------
def view_widget(window, key: str, *, as_on_screen: bool = False) -> QtWidgets.QWidget:
    """The widget that ``key`` names in ``window`` (an analysis panel is built if it was not yet).

    ``as_on_screen``: for an analysis panel, what its dock shows (the part of a long panel scrolled
    into view, at the dock's size) rather than the whole panel."""
    if key == WINDOW:
        return window
    if key in MAIN_VIEWS:
        return getattr(window, MAIN_VIEWS[key])
    name = panel_dock_name(key)
    if name is None:
        raise KeyError(key)
    panel = window.panel(name)
    return window.dock(name).widget() if as_on_screen else panel


# --- names ----------------------------------------------------------------------------------
def figure_name(key: str, state, suffix: str, *, plot: str | None = None, row: bool = True) -> str:
    """The file name proposed for a figure of view ``key`` (e.g. "lstm-viewer-layers-reads7-row12.png"):
    the view (and the plot inside it), the selected unit for the unit inspector, the class the network
    finally reads the input as, "edited" for a what-if input, the training snapshot shown, the row."""
    parts = ["lstm-viewer", key]
    if plot:
        parts.append(plot)
    if key == "unit" and state.selection is not None:
        layer, unit = state.selection
        parts.append(f"layer{layer + 1}-unit{unit}")
    if state.trace is not None:
        parts.append(f"reads{state.trace.prediction}")
    if state.blanked_rows:
        parts.append("edited")
    if state.history is not None and state.snapshot is not None:
        parts.append(f"snapshot{state.snapshot + 1}")
    if row:
        parts.append(f"row{state.row + 1}")
    return "-".join(parts) + suffix


def view_file_name(state, suffix: str = ".png") -> str:
    """File ▸ Export view's proposed name: the whole window at this row
    ("lstm-viewer-window-reads7-row12.png")."""
    return figure_name(WINDOW, state, suffix)


def with_suffix(name: str | os.PathLike, suffix: str) -> Path:
    """``name`` ending in ``suffix`` (a save dialog may return a name without it)."""
    name = str(name)
    return Path(name if name.lower().endswith(suffix) else name + suffix)


# --- rendering --------------------------------------------------------------------------------
def render_image(widget: QtWidgets.QWidget, scale: float = 1.0) -> QtGui.QImage:
    """``widget`` painted onto a new image of ``scale`` times its size in pixels (RGB32)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    width, height = widget.width(), widget.height()
    image = QtGui.QImage(max(1, round(width * scale)), max(1, round(height * scale)),
                         QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(widget.palette().color(QtGui.QPalette.ColorRole.Window))
    painter = QtGui.QPainter(image)
    try:
        # At the screen's scale every kept drawing is already exact: drawn as on screen (faster).
        with export_rendering(widget) if scale != 1 else contextlib.nullcontext():
            # QWidget's render (pyqtgraph's views override ``render`` to render their scene).
            QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(), QtGui.QRegion(), _RENDER_FLAGS)
    finally:
        painter.end()
    image.setDevicePixelRatio(1.0)
    return image.convertToFormat(QtGui.QImage.Format.Format_RGB32)


def image_array(image: QtGui.QImage) -> np.ndarray:
    """An image's pixels as a new (height, width, 3) uint8 RGB array."""
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    rows = np.frombuffer(bits, np.uint8).reshape(height, stride)
    return rows[:, :width * 3].reshape(height, width, 3).copy()


def write_png(widget: QtWidgets.QWidget, path: str | os.PathLike, scale: float = 1.0) -> Path:
    """``widget`` as a PNG at ``scale``, written atomically; the path written. Its resolution is
    recorded as ``scale`` × 96 dpi, so a slide program places a 2× figure at the 1× figure's size,
    twice as sharp."""
    image = render_image(widget, scale)
    dots_per_metre = round(SVG_DPI * scale / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    return write_atomically(with_suffix(path, ".png"), lambda tmp: _save_image(image, tmp))


def write_svg(widget: QtWidgets.QWidget, path: str | os.PathLike, title: str = "") -> Path:
    """``widget`` as an SVG of its size (vector: text stays text; images stay images), atomically."""
    from PyQt6.QtSvg import QSvgGenerator

    def write(tmp: Path) -> None:
        generator = QSvgGenerator()
        generator.setFileName(str(tmp))
        generator.setSize(widget.size())
        generator.setViewBox(QtCore.QRect(QtCore.QPoint(0, 0), widget.size()))
        generator.setResolution(SVG_DPI)   # its width and height in mm: one pixel is one CSS pixel
        generator.setTitle(title or "lstm-viewer")
        generator.setDescription(tr("Exported from lstm-viewer"))
        painter = QtGui.QPainter()
        if not painter.begin(generator):
            raise OSError(f"Qt could not write {tmp}")
        try:
            painter.fillRect(QtCore.QRect(QtCore.QPoint(0, 0), widget.size()),
                             widget.palette().color(QtGui.QPalette.ColorRole.Window))
            with export_rendering(widget):
                QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(), QtGui.QRegion(), _RENDER_FLAGS)
        finally:
            painter.end()
        if not tmp.stat().st_size:
            raise OSError(f"Qt could not write {tmp}")

    return write_atomically(with_suffix(path, ".svg"), write)


def copy_to_clipboard(widget: QtWidgets.QWidget, scale: float = CLIPBOARD_SCALE) -> QtGui.QImage:
    """``widget`` at ``scale`` onto the clipboard (as an image); the image."""
    image = render_image(widget, scale)
    QtWidgets.QApplication.clipboard().setImage(image)
    return image


def _save_image(image: QtGui.QImage, path: Path) -> None:
    if not image.save(str(path), "PNG"):
        raise OSError(f"Qt could not write {path}")


# --- rendering at another resolution, or as vectors -----------------------------------------------
@contextlib.contextmanager
def export_rendering(widget: QtWidgets.QWidget) -> Iterator[None]:
    """While the block runs, ``widget`` and everything in it paint at the resolution of the device
    painted on: no cached pixmaps (see the module's note). Everything is put back afterwards."""
    with contextlib.ExitStack() as stack:
        for view in _graphics_views(widget):
            for item in view.scene().items():
                mode = item.cacheMode()
                if mode != QtWidgets.QGraphicsItem.CacheMode.NoCache:
                    item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.NoCache)
                    stack.callback(item.setCacheMode, mode)
                if isinstance(item, KeptAxisItem):
                    stack.enter_context(_axis_drawn_afresh(item))
        for text in _all_of(widget, RunText):
            stack.enter_context(_text_drawn_as_text(text))
        yield


def _graphics_views(widget: QtWidgets.QWidget) -> list[pg.GraphicsView]:
    return _all_of(widget, pg.GraphicsView)


def _all_of(widget: QtWidgets.QWidget, cls: type) -> list:
    found = widget.findChildren(cls)
    return [widget, *found] if isinstance(widget, cls) else found


@contextlib.contextmanager
def _axis_drawn_afresh(axis: KeptAxisItem) -> Iterator[None]:
    """The axis draws itself as any axis does (its kept drawings are at the screen's resolution)."""
    if "paint" in vars(axis):   # already so (an export inside an export)
        yield
        return
    axis.picture = None   # pyqtgraph's one recorded drawing may be of another range
    axis.paint = super(KeptAxisItem, axis).paint   # found before the class's by Qt's virtual call
    try:
        yield
    finally:
        del axis.paint
        axis.picture = None


@contextlib.contextmanager
def _text_drawn_as_text(widget: RunText) -> Iterator[None]:
    """The widget paints its lines as text (at any resolution, and as text in an SVG) instead of its
    kept pixmap. Its layout (``laid_out``) says where each piece goes; fonts and colours are its own."""
    if "paintEvent" in vars(widget):   # already so (an export inside an export)
        yield
        return
    try:
        fonts = widget._make_fonts()   # the widget's four styles, made from its font as it makes them
    except AttributeError:   # a RunText that no longer makes its fonts so: it paints as it always does
        yield
        return

    def paint_as_text(_event: QtGui.QPaintEvent) -> None:
        pieces, _height = widget.laid_out()
        painter = QtGui.QPainter(widget)
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
            palette = widget.palette()
            text_colour = palette.color(QtGui.QPalette.ColorRole.WindowText)
            link_colour = palette.color(QtGui.QPalette.ColorRole.Link)
            baseline = widget.line_height() - QtGui.QFontMetricsF(fonts["normal"]).descent() - 1.0
            for run, text, x, y, _width in pieces:
                painter.setFont(fonts.get(run.style, fonts["normal"]))
                painter.setPen(link_colour if run.style == "link" else text_colour)
                painter.drawText(QtCore.QPointF(x, y + baseline), text)
        finally:
            painter.end()

    widget.paintEvent = paint_as_text
    try:
        yield
    finally:
        del widget.paintEvent


def check_scale(scale: float) -> float:
    """A scale a figure or an animation may use (0.25 to 4), else a ``UserError``."""
    if not 0.25 <= scale <= 4:
        raise UserError(tr("the scale must be between 0.25 and 4, got {scale}", scale=scale))
    return float(scale)
