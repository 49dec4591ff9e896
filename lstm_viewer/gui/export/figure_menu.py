"""The right-click menu of every view and panel: Export as PNG (1×, 2×, 3×) or SVG, Copy to the clipboard,
and an animation of it.

``install_figure_menus(window)`` puts it on the main views (the layers, the softmax, the stack's state,
the input) and on every analysis panel's dock (so a panel built later, or replaced, has it too). A
right-click anywhere in one of them offers the whole view or panel; inside one of its plots (a layer's
column, one plot of a panel) also "Only this plot". pyqtgraph's own plot menu (its ViewBox menu, with
"Export…") is switched off in these views, as the window's plots already have it: one menu, the same
everywhere. Widgets with a menu of their own (a text field, selectable text) keep theirs, and a dock's
title bar keeps the window's list of panels.

The menu's entries are named for scripts and tests: ``figureMenu`` with ``exportPngMenu``
(``exportPng1xAction``…``exportPng3xAction``), ``exportSvgAction``, ``copyFigureAction``,
``animateFigureAction``, and the submenu ``plotFigureMenu`` with the same entries for the plot.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.i18n import tr
from ..panels import PANELS
from ..state.jobs import describe_error
from ..views.layer_view import LayerView
from .figures import (
    CLIPBOARD_SCALE,
    SCALES,
    copy_to_clipboard,
    figure_name,
    view_widget,
    write_png,
    write_svg,
)
from .views import MAIN_VIEWS, view_title


@dataclass(frozen=True)
class Figure:
    """What a menu entry exports: the view's key, its name as shown, the widget, and the plot inside
    the view (its part of the file name; None for the whole view)."""

    key: str
    title: str
    widget: QtWidgets.QWidget
    plot: str | None = None
    only: str = ""   # a plot's submenu ("Only this plot", "Only layer 2")


class FigureMenus(QtCore.QObject):
    """Watches the window's views and panels for a right-click and shows the figure menu."""

    exported = QtCore.pyqtSignal(object)   # the path of a figure just written

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.menu: QtWidgets.QMenu | None = None     # the menu shown last (scripts and tests read it)
        # ``ask_save_path(title, suggested_name, filters) -> (path or "", filter)``: the window's own
        # save dialog (it opens in the folder last answered); a script may put another here.
        self.ask_save_path: Callable[[str, str, str], tuple[str, str]] = window.window_actions.ask_save_path
        self._views: dict[QtWidgets.QWidget, str] = {}
        for key, attribute in MAIN_VIEWS.items():
            self._watch(getattr(window, attribute), key)
        for spec in PANELS:
            self._watch(window.dock(spec.object_name), spec.key)

    def _watch(self, widget: QtWidgets.QWidget, key: str) -> None:
        self._views[widget] = key
        widget.installEventFilter(self)
        widget.destroyed.connect(lambda _=None, w=widget: self._views.pop(w, None))

    # --- the right-click ------------------------------------------------------------------------
    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.ContextMenu:
            return False
        key = self._views.get(watched)
        if key is None:
            return False
        if isinstance(watched, QtWidgets.QDockWidget):
            inside = watched.widget()
            if inside is None or not inside.geometry().contains(event.pos()):
                return False   # the dock's title bar: the window's own menu of panels
        figures = self.figures_at(key, watched, event.pos())
        self.show_menu(figures, event.globalPos())
        event.accept()
        return True

    def figures_at(self, key: str, watched: QtWidgets.QWidget, pos: QtCore.QPoint) -> list[Figure]:
        """The view (or panel) ``key`` and, when ``pos`` (in ``watched``) is inside one of its plots,
        that plot: what the menu offers, the whole first."""
        whole = Figure(key, view_title(key, self.window), view_widget(self.window, key))
        plot = self._plot_at(whole, watched, pos)
        return [whole] if plot is None else [whole, plot]

    def _plot_at(self, whole: Figure, watched: QtWidgets.QWidget, pos: QtCore.QPoint) -> Figure | None:
        chain = []   # from the widget clicked up to the view (not included)
        widget = watched.childAt(pos)
        while widget is not None and widget is not whole.widget and widget is not watched:
            chain.append(widget)
            widget = widget.parentWidget()
        layer = next((w for w in chain if isinstance(w, LayerView)), None)
        if layer is not None:   # a layer's column: its heatmaps, colour bars and curves together
            number = layer.index + 1
            return Figure(whole.key, tr("layer {layer}", layer=number), layer, f"layer{number}",
                          tr("Only layer {layer}", layer=number))
        view = next((w for w in chain if isinstance(w, pg.GraphicsView)), None)
        if view is None:
            return None
        plots = [v for v in _views_in(whole.widget) if v.isVisible()]
        number = plots.index(view) + 1 if view in plots else 1
        return Figure(whole.key, tr("{name}, plot {number}", name=whole.title, number=number), view,
                      f"plot{number}", tr("Only this plot"))

    def show_menu(self, figures: list[Figure], where: QtCore.QPoint) -> QtWidgets.QMenu:
        """The menu for ``figures`` (the view, then the plot if any), popped up at ``where``."""
        for figure in figures:
            _no_plot_menus(figure.widget)
        if self.menu is not None:
            self.menu.close()
        menu = QtWidgets.QMenu(self.window)
        menu.setObjectName("figureMenu")
        menu.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self._add_entries(menu, figures[0], "")
        if len(figures) > 1:
            menu.addSeparator()
            plot_menu = menu.addMenu(figures[1].only)
            plot_menu.setObjectName("plotFigureMenu")
            self._add_entries(plot_menu, figures[1], "Plot")
        menu.addSeparator()
        animate = QtGui.QAction(tr("Export an animation of “{name}”…", name=figures[0].title), menu)
        animate.setObjectName("animateFigureAction")
        animate.setToolTip(tr("The rows 1 to 28 (or the training timeline) as an animated GIF or an MP4"))
        animate.triggered.connect(partial(self.export_animation, figures[0].key))
        menu.addAction(animate)
        self.menu = menu
        menu.destroyed.connect(lambda _=None, m=menu: self._forget_menu(m))
        menu.popup(where)
        return menu

    def _forget_menu(self, menu: QtWidgets.QMenu) -> None:
        if self.menu is menu:
            self.menu = None

    def _add_entries(self, menu: QtWidgets.QMenu, figure: Figure, name_part: str) -> None:
        png = menu.addMenu(tr("Export “{name}” as PNG", name=figure.title))
        png.setObjectName(f"export{name_part}PngMenu")
        size = figure.widget.size()
        for scale in SCALES:
            action = QtGui.QAction(tr("{scale}× ({width} × {height} pixels)…", scale=scale,
                                      width=size.width() * scale, height=size.height() * scale), png)
            action.setObjectName(f"export{name_part}Png{scale}xAction")
            action.triggered.connect(partial(self.export_png, figure, scale))
            png.addAction(action)
        svg = QtGui.QAction(tr("Export “{name}” as SVG…", name=figure.title), menu)
        svg.setObjectName(f"export{name_part}SvgAction")
        svg.setToolTip(tr("A vector drawing: text and lines stay sharp at any size"))
        svg.triggered.connect(partial(self.export_svg, figure))
        copy = QtGui.QAction(tr("Copy “{name}” to the clipboard ({scale}×)", name=figure.title,
                                scale=CLIPBOARD_SCALE), menu)
        copy.setObjectName(f"copy{name_part}FigureAction")
        copy.triggered.connect(partial(self.copy, figure))
        menu.addActions([svg, copy])

    # --- what the entries do -------------------------------------------------------------------
    def export_png(self, figure: Figure, scale: int) -> Path | None:
        """Ask for a file name (one is proposed) and write ``figure`` as a PNG at ``scale``."""
        name, _ = self.ask_save_path(tr("Export “{name}” as PNG", name=figure.title),
                                     figure_name(figure.key, self.window.state, ".png", plot=figure.plot),
                                     tr("PNG images ({patterns})", patterns="*.png"))
        if not name:
            return None
        return self._written(figure, lambda: write_png(figure.widget, name, scale))

    def export_svg(self, figure: Figure) -> Path | None:
        """Ask for a file name and write ``figure`` as an SVG."""
        name, _ = self.ask_save_path(tr("Export “{name}” as SVG", name=figure.title),
                                     figure_name(figure.key, self.window.state, ".svg", plot=figure.plot),
                                     tr("SVG drawings ({patterns})", patterns="*.svg"))
        if not name:
            return None
        return self._written(figure, lambda: write_svg(figure.widget, name, title=figure.title))

    def copy(self, figure: Figure) -> None:
        copy_to_clipboard(figure.widget)
        self.window.statusBar().showMessage(
            tr("Copied “{name}” to the clipboard.", name=figure.title), 4000)

    def export_animation(self, key: str) -> None:
        from .animation_dialog import export_animation
        export_animation(self.window, view=key)

    def _written(self, figure: Figure, write: Callable[[], Path]) -> Path | None:
        try:
            path = write()
        except Exception as exc:
            QtWidgets.QMessageBox.critical(self.window, tr("Export"), describe_error(exc))
            return None
        self.window.statusBar().showMessage(tr("Saved “{name}” as {path}.", name=figure.title, path=path),
                                            6000)
        self.exported.emit(path)
        return path


def install_figure_menus(window) -> FigureMenus:
    """Give every main view and analysis panel of ``window`` the figure menu; keep what it returns
    (it is the window's child either way)."""
    return FigureMenus(window)


def _views_in(widget: QtWidgets.QWidget) -> list[pg.GraphicsView]:
    found = widget.findChildren(pg.GraphicsView)
    return [widget, *found] if isinstance(widget, pg.GraphicsView) else found


def _no_plot_menus(widget: QtWidgets.QWidget) -> None:
    """pyqtgraph's own plot menu off (it would open on the button's release, over this one)."""
    for view in _views_in(widget):
        for item in view.scene().items():
            if isinstance(item, pg.ViewBox) and item.menuEnabled():
                item.setMenuEnabled(False)
