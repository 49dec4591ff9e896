"""View ▸ Zoom in / Zoom out / Actual size, and View ▸ Full screen: a window readable on a projector.

One factor (80 % to 250 %) scales a whole window's text, plot titles, legends, axes, text items and
markers together, live, remembered in the settings (key ``zoom``). Nothing in the views knows about
it: they build everything at 100 % (9 pt titles, 7.5 pt ticks, fixed axis widths…), and
``apply_zoom(window, factor)`` then scales what they built, generically:

- the window's font (its size only: children without a font of their own inherit it, and the family
  the language chose stays); a child with a size of its own (``WA_SetFont``: the big headline) is
  scaled from its 100 % size, remembered the first time it is seen; windows of the window's own (a
  floating panel, a menu) and widgets with a style sheet (Qt's style sheets stop font propagation:
  the "What am I looking at?" notes) are given the zoomed size themselves;
- text widgets that measured their font once: ``RunText`` (fonts, height, and the budget of its kept
  drawings, which are factor² larger), ``SteadyHolder`` (its fixed height of so many lines), a
  fixed-size QLabel (its size);
- every pyqtgraph view's scene: ``LabelItem`` (titles, legend entries, headings: the same text and
  colour at a scaled size), ``AxisItem`` (tick font, label font, a fixed width or height, the room
  kept for tick text), ``TextItem``, items that paint with a ``_font`` of their own (the softmax's row
  label, the state space's labels), ``ScatterPlotItem`` symbols, ``MarkLine`` pens, and outlines of
  rectangles (the selected unit); a plot's title row grows with its title, a legend's box with its
  entries; a least width (and height) a panel holds its plots at is measured again; in a panel that
  scrolls, a view's minimum, maximum or fixed height scales, so its plots keep their room (elsewhere
  heights stay: the window must not outgrow the screen);
- a layer column's long/short title choice is measured again (``LayerView``).

Each thing remembers its 100 % value and the factor it has (a QGraphicsItem's ``data``, a widget's
dynamic property), so applying a factor twice changes nothing and 100 % gives back the exact sizes.
Whatever is built later (a panel built when first shown, the layers rebuilt for a model of another
shape, the gates page, a panel rebuilding its plots) gets the zoom too: while the factor is not 1, an
application event filter zooms each new widget when Qt polishes it (before its first paint) and a
scene again when one of its layouts asks to be laid out (items were added). ``LabelItem.setText`` is
wrapped so that a view re-setting a title later ("9pt") gets it at the window's factor. At 100 % no
filter is installed: a row step costs exactly what it did.

A widget or item may take part itself: ``zoom_changed(factor)``, if it has one, is called after the
zoom was applied to it. The adapters here for RunText, MarkLine, StaticTextItem and LayerView reach
into a few of their private attributes (their modules are others' to change): such a hook in those
classes would let them go. ``style.small_font()`` stays 7.5 pt on purpose: everything is built at
100 % and scaled here, so a zoom-aware factory would scale its fonts twice.
"""
from __future__ import annotations

import math
import re
import weakref

import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.i18n import tr
from ..plots.legend import fit_legend
from ..plots.light_items import MarkLine, StaticTextItem
from ..plots.style import hold_layout_width
from ..views.layer_view import LayerView
from ..widgets.run_text import RunText
from ..widgets.steady_label import SteadyHolder
from ..widgets.text_widths import TextWidths

STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5)
SETTINGS_KEY = "zoom"
TITLE_ROW = 30          # pyqtgraph's fixed height of a plot's title row, at 100 %
NO_MAXIMUM = 16_777_215  # QWIDGETSIZE_MAX: no maximum set

# Where the 100 % values and the factor applied are kept: a QGraphicsItem's data (kept in C++, so a
# wrapper made again by scene.items() still has them) and a widget's dynamic properties.
_FACTOR, _BASE = 0x5A00, 0x5A01
_W_FACTOR, _W_BASE, _W_APPLIED = "lstmZoomFactor", "lstmZoomBase", "lstmZoomApplied"
_W_TOP_FACTOR, _W_TOP_BASE, _W_SEEN = "lstmZoomWindowFactor", "lstmZoomWindowFont", "lstmZoomSeen"
_W_LINES, _W_FIXED, _W_FIXED_FACTOR = "lstmZoomLines", "lstmZoomFixedSize", "lstmZoomFixedFactor"
_W_HEIGHTS = "lstmZoomHeights"



def _get(item: QtWidgets.QGraphicsItem, key: int):
    return QtWidgets.QGraphicsItem.data(item, key)   # unbound: pyqtgraph items have data() of their own


def _put(item: QtWidgets.QGraphicsItem, key: int, value) -> None:
    QtWidgets.QGraphicsItem.setData(item, key, value)   # (ScatterPlotItem.setData sets its points)


# --- the control: factor, steps, settings, actions ----------------------------------------------------
class ZoomControl(QtCore.QObject):
    """The zoom of ``window``: ``factor`` (1.0 = 100 %), ``zoom_in()``, ``zoom_out()``, ``reset()``,
    ``changed(factor)``; read from and saved to ``settings`` (the window's own by default) under
    ``zoom``. Applied at once to the window and to whatever is built in it later."""

    changed = QtCore.pyqtSignal(float)

    def __init__(self, window: QtWidgets.QWidget, settings: QtCore.QSettings | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings if settings is not None else getattr(window, "settings", None)
        self._factor = 1.0
        self._applied = False   # nothing zoomed yet: at 100 % there is nothing to do
        self._watcher: _Watcher | None = None
        self._actions: list[tuple[QtGui.QAction, QtGui.QAction, QtGui.QAction]] = []
        _install_label_hook()
        self.set_factor(_saved_factor(self.settings), remember=False)

    @property
    def factor(self) -> float:
        return self._factor

    def percent(self) -> int:
        return round(100 * self._factor)

    def zoom_in(self) -> None:
        self.set_factor(next((s for s in STEPS if s > self._factor + 1e-9), STEPS[-1]))

    def zoom_out(self) -> None:
        self.set_factor(next((s for s in reversed(STEPS) if s < self._factor - 1e-9), STEPS[0]))

    def reset(self) -> None:
        self.set_factor(1.0)

    def set_factor(self, factor: float, remember: bool = True) -> None:
        """Zoom to the step nearest ``factor``; saved in the settings unless ``remember`` is False
        (presentation mode zooms for a while: the learner's own zoom is what is remembered)."""
        factor = min(STEPS, key=lambda step: abs(step - factor))
        changed = factor != self._factor
        self._factor = factor
        if factor != 1.0 or self._applied:
            apply_zoom(self.window, factor)
            self._applied = True
        self._watch(factor != 1.0)
        if remember and self.settings is not None:
            self.settings.setValue(SETTINGS_KEY, factor)
        self._update_actions()
        if changed:
            self.changed.emit(factor)

    def describe(self) -> str:
        """The zoom in a short sentence, for the status bar."""
        return tr("Zoom {percent} %", percent=self.percent())

    def actions(self, parent: QtWidgets.QWidget) -> list[QtGui.QAction]:
        """View ▸ Zoom in (Ctrl+= or Ctrl++), Zoom out (Ctrl+-), Actual size (Ctrl+0), in that order;
        objectNames ``zoomInAction``, ``zoomOutAction``, ``zoomResetAction``. Added to ``parent`` (a
        widget) too, so their keys work wherever the actions are shown."""
        made = []
        for text, name, keys, slot in (
                (tr("Zoom &in"), "zoomInAction", ("Ctrl+=", "Ctrl++"), self.zoom_in),
                (tr("Zoom &out"), "zoomOutAction", ("Ctrl+-",), self.zoom_out),
                (tr("&Actual size"), "zoomResetAction", ("Ctrl+0",), self.reset)):
            action = QtGui.QAction(text, parent)
            action.setObjectName(name)
            action.setShortcuts([QtGui.QKeySequence(key) for key in keys])
            action.triggered.connect(slot)
            if isinstance(parent, QtWidgets.QWidget):
                parent.addAction(action)
            made.append(action)
        self._actions.append(tuple(made))
        self._update_actions()
        return made

    def _update_actions(self) -> None:
        tips = (tr("Larger text, plot labels and markers (now {percent} %)", percent=self.percent()),
                tr("Smaller text, plot labels and markers (now {percent} %)", percent=self.percent()),
                tr("Text and plots at their usual size (now {percent} %)", percent=self.percent()))
        enabled = (self._factor < STEPS[-1], self._factor > STEPS[0], self._factor != 1.0)
        for group in list(self._actions):
            try:
                for action, tip, on in zip(group, tips, enabled, strict=True):
                    action.setStatusTip(tip)
                    action.setToolTip(tip)
                    action.setEnabled(on)
            except RuntimeError:   # the actions' parent is gone
                self._actions.remove(group)

    def _watch(self, on: bool) -> None:
        """While the factor is not 1: zoom what is built later (see ``_Watcher``)."""
        app = QtWidgets.QApplication.instance()
        if on and self._watcher is None and app is not None:
            self._watcher = _Watcher(self)
            app.installEventFilter(self._watcher)
        elif not on and self._watcher is not None:
            if app is not None:
                app.removeEventFilter(self._watcher)
            self._watcher.deleteLater()
            self._watcher = None

    # --- called by the watcher ----------------------------------------------------------------
    def owns(self, widget: QtWidgets.QWidget) -> bool:
        """``widget`` is the window or inside it (a floating panel included), not another window."""
        window = self.window
        while widget is not None:
            if widget is window:
                return True
            widget = widget.parentWidget()
        return False

    def polished(self, widget: QtWidgets.QWidget) -> None:
        """A widget about to be shown for the first time (built since the last zoom, maybe): it and
        what it holds (a widget may have been polished before it was put in the window, when its
        parent was not yet the window's)."""
        if self.owns(widget):
            _zoom_widgets([widget, *widget.findChildren(QtWidgets.QWidget)], self._factor, force=False)

    def floated(self, dock: QtWidgets.QDockWidget) -> None:
        """A panel's font changed while it floats: Qt gives a panel that starts floating (a window of its
        own, which the window's font does not reach) the application's font. Zoomed again."""
        wanted = _size_of(QtWidgets.QApplication.font())[0] * self._factor
        if self.owns(dock) and abs(_size_of(dock.font())[0] - wanted) > 1e-6:
            dock.setProperty(_W_TOP_FACTOR, None)   # its font now is the application's: 100 %
            _zoom_widgets([dock, *dock.findChildren(QtWidgets.QWidget)], self._factor, force=True)

    def layout_requested(self, item: QtWidgets.QGraphicsWidget) -> None:
        """A plot layout asks to be laid out: items may have been added to a scene already zoomed."""
        scene = item.scene()
        if scene is None:
            return
        views = scene.views()
        if not views or not self.owns(views[0]):
            return
        held = {id(view): _held(view) for view in views}
        if _zoom_scene(scene, self._factor):
            for view in views:
                if isinstance(view, pg.GraphicsView):
                    _zoom_view_size(view, self._factor, held[id(view)])
                    if isinstance(view.parentWidget(), LayerView):
                        _refit_titles(view.parentWidget())


class _Watcher(QtCore.QObject):
    """The application's event filter while a window is zoomed: a widget polished (about to be shown
    for the first time) in the window is zoomed; a scene whose plot layout asks to be laid out is
    zoomed again (new items get the factor; those that have it are passed over). About 2 µs per event
    of the application, 20-odd events a row step: a few hundredths of a millisecond."""

    def __init__(self, control: ZoomControl) -> None:
        super().__init__(control)
        self._control = weakref.ref(control)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        kind = event.type()
        if kind == QtCore.QEvent.Type.Polish:
            control = self._control()
            if control is not None and isinstance(watched, QtWidgets.QWidget):
                control.polished(watched)
        elif kind == QtCore.QEvent.Type.LayoutRequest:
            control = self._control()
            if control is not None and isinstance(watched, QtWidgets.QGraphicsWidget):
                control.layout_requested(watched)
        elif kind == QtCore.QEvent.Type.FontChange:
            control = self._control()
            if control is not None and isinstance(watched, QtWidgets.QDockWidget) and watched.isWindow():
                control.floated(watched)
        return False


def _saved_factor(settings: QtCore.QSettings | None) -> float:
    if settings is None:
        return 1.0
    try:
        value = float(settings.value(SETTINGS_KEY, 1.0))
    except (TypeError, ValueError):
        return 1.0
    return value if math.isfinite(value) and value > 0 else 1.0


# --- full screen --------------------------------------------------------------------------------------
def full_screen_action(window: QtWidgets.QWidget) -> QtGui.QAction:
    """View ▸ Full screen (F11): checkable; leaving full screen gives back a maximised window if it was
    one, else the window's normal geometry. The check mark follows the window (a window manager may
    end full screen itself)."""
    action = QtGui.QAction(tr("&Full screen"), window)
    action.setObjectName("fullScreenAction")
    action.setCheckable(True)
    action.setShortcuts([QtGui.QKeySequence("F11")])
    tip = tr("Fill the screen with the window (F11 again to leave)")
    action.setStatusTip(tip)
    action.setToolTip(tip)
    follower = _FullScreenFollower(window, action)
    action.toggled.connect(follower.set_full_screen)
    window.installEventFilter(follower)
    window.addAction(action)
    return action


class _FullScreenFollower(QtCore.QObject):
    def __init__(self, window: QtWidgets.QWidget, action: QtGui.QAction) -> None:
        super().__init__(action)
        self._window = window
        self._action = action
        self._was_maximized = False

    def set_full_screen(self, on: bool) -> None:
        window = self._window
        if on == window.isFullScreen():
            return
        if on:
            self._was_maximized = window.isMaximized()
            window.showFullScreen()
        elif self._was_maximized:
            window.showMaximized()
        else:
            window.showNormal()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.WindowStateChange and watched is self._window:
            full = self._window.isFullScreen()
            if self._action.isChecked() != full:
                blocked = self._action.blockSignals(True)
                self._action.setChecked(full)
                self._action.blockSignals(blocked)
        return False


# --- applying a factor ----------------------------------------------------------------------------------
def apply_zoom(window: QtWidgets.QWidget, factor: float) -> None:
    """Scale ``window``'s fonts, plots and markers to ``factor`` of their 100 % sizes (see the module's
    docstring); applying the same factor again changes nothing."""
    _zoom_widgets([window, *window.findChildren(QtWidgets.QWidget)], factor, force=True)


def _zoom_widgets(widgets: list[QtWidgets.QWidget], factor: float, force: bool) -> None:
    """``widgets`` at ``factor``: fonts first (the text widgets measure theirs), then the plots, then
    the layer columns' titles. Unless ``force``, a widget already zoomed to ``factor`` is passed over."""
    todo = [w for w in widgets if force or w.property(_W_SEEN) != factor]
    for widget in todo:
        # A window (the main window, a floating panel, a menu): the main window's font does not reach
        # windows of its own. A panel docked again after floating keeps the font set then, and a
        # widget with a style sheet the one set on it (``_deaf_to_parent_font``): still set.
        if widget.isWindow() or widget.property(_W_TOP_FACTOR) is not None:
            _zoom_top_font(widget, factor)
    for widget in todo:
        _zoom_widget(widget, factor)
    layers = {}
    for widget in todo:
        if isinstance(widget, pg.GraphicsView):
            _zoom_view(widget, factor)
            widget = widget.parentWidget()
        if isinstance(widget, LayerView):
            layers[id(widget)] = widget
    for layer in layers.values():
        _refit_titles(layer)
    for widget in todo:
        widget.setProperty(_W_SEEN, factor)
        _call_hook(widget, factor)


def _call_hook(thing, factor: float) -> None:
    hook = getattr(thing, "zoom_changed", None)
    if callable(hook):
        hook(factor)


# --- widgets ------------------------------------------------------------------------------------------
def _deaf_to_parent_font(widget: QtWidgets.QWidget) -> bool:
    """A widget with no font of its own whose font is not its parent's: one with a style sheet (Qt's
    style sheets stop font propagation: the "What am I looking at?" notes, superqt's QCollapsible)."""
    parent = widget.parentWidget()
    return (parent is not None and not widget.isWindow()
            and not widget.testAttribute(QtCore.Qt.WidgetAttribute.WA_SetFont)
            and _size_of(widget.font()) != _size_of(parent.font()))


def _zoom_top_font(window: QtWidgets.QWidget, factor: float) -> None:
    """The font of a widget the window's font does not reach (the main window itself, a floating panel,
    a menu, a widget with a style sheet): only its size is set, so the family and the rest still come
    from the application's font; at 100 % the font it had before the zoom."""
    if window.property(_W_TOP_FACTOR) == factor:
        return
    if window.property(_W_TOP_FACTOR) is None:   # first zoomed: what it had then is its 100 % font
        window.setProperty(_W_TOP_BASE, QtGui.QFont(window.font()) if window.testAttribute(
            QtCore.Qt.WidgetAttribute.WA_SetFont) else None)
    window.setProperty(_W_TOP_FACTOR, factor)
    base = window.property(_W_TOP_BASE)
    if factor == 1.0:
        window.setFont(base if base is not None else QtGui.QFont())
        return
    font = QtGui.QFont(base) if base is not None else QtGui.QFont()
    size, points = _size_of(base if base is not None else QtWidgets.QApplication.font())
    _set_size(font, size * factor, points)
    window.setFont(font)


def _zoom_widget(widget: QtWidgets.QWidget, factor: float) -> None:
    """One widget: its own font size (if it has one), and the text widgets that measured theirs."""
    if widget.property(_W_TOP_FACTOR) is None:
        if _deaf_to_parent_font(widget):
            _zoom_top_font(widget, factor)
        else:
            _zoom_own_font(widget, factor)
    if isinstance(widget, SteadyHolder):
        _zoom_own_font(widget.label, factor)
        _fit_steady(widget)
    elif isinstance(widget, RunText):
        _refit_run_text(widget)
        # Its kept drawings are factor² larger: as many rows kept as at 100 % (the unit inspector draws
        # the 28 rows ahead; a budget too small for them had it evict and redraw them for ever).
        if factor > 1.0:
            widget.KEPT_BYTES = int(RunText.KEPT_BYTES * factor * factor)
        elif "KEPT_BYTES" in vars(widget):
            del widget.KEPT_BYTES
    elif isinstance(widget, QtWidgets.QLabel):
        _zoom_fixed_label(widget, factor)


def _zoom_own_font(widget: QtWidgets.QWidget, factor: float) -> None:
    """A widget whose font has a size of its own (``setFont``): that size × factor. Its 100 % size is
    the one it had when first seen, or the one its owner set since (a size that is not the one applied
    here)."""
    if not _own_size(widget):
        return
    font = widget.font()
    size, points = _size_of(font)
    applied = widget.property(_W_APPLIED)
    if applied is None or abs(applied - size) > 1e-6:   # first seen, or its owner set a new size
        widget.setProperty(_W_BASE, size)
        widget.setProperty(_W_FACTOR, 1.0)
    if widget.property(_W_FACTOR) == factor and applied is not None:
        return
    target = widget.property(_W_BASE) * factor
    new = QtGui.QFont(font)
    _set_size(new, target, points)
    widget.setFont(new)
    widget.setProperty(_W_FACTOR, factor)
    widget.setProperty(_W_APPLIED, _size_of(widget.font())[0])


def _fit_steady(holder: SteadyHolder) -> None:
    """A SteadyHolder keeps its label at a fixed height of so many text lines: as many lines of the
    label's font now."""
    label = holder.label
    margins = label.contentsMargins()
    extra = margins.top() + margins.bottom() + 4   # as SteadyHolder measures it
    lines = holder.property(_W_LINES)
    if lines is None:   # first seen: its height is of lines at the label's 100 % font
        base = QtGui.QFont(label.font())
        size = label.property(_W_BASE) if label.testAttribute(QtCore.Qt.WidgetAttribute.WA_SetFont) \
            and label.property(_W_BASE) is not None else _size_of(QtWidgets.QApplication.font())[0]
        _set_size(base, size, _size_of(label.font())[1])
        spacing = QtGui.QFontMetrics(base).lineSpacing()
        lines = max(1, round((holder.minimumHeight() - extra) / spacing))
        holder.setProperty(_W_LINES, lines)
    height = lines * label.fontMetrics().lineSpacing() + extra
    if holder.minimumHeight() != height or holder.maximumHeight() != height:
        holder.setFixedHeight(height)
        label.setFixedSize(label.width(), height)


def _refit_run_text(text: RunText) -> None:
    """RunText made its fonts, their widths and its height from its font when built: made again from
    the font it has now (the window's, zoomed), and the text shown drawn again."""
    now, made = text.font(), text._fonts["normal"]
    if _size_of(now) == _size_of(made) and now.family() == made.family():
        return
    lines = max(1, round((text._base_height - 6) / text._line_height))
    text._fonts = text._make_fonts()
    text._widths = {name: TextWidths(font) for name, font in text._fonts.items()}
    text._line_height = max(w.metrics.lineSpacing() for w in text._widths.values())
    text._base_height = int(lines * text._line_height + 6)
    text._forget_kept()
    text.setFixedHeight(text._base_height)
    if text._shown is not None:
        text._shown = text._draw_lines(text._shown.lines)
    text.update()
    text.keptCleared.emit()


def _zoom_fixed_label(label: QtWidgets.QLabel, factor: float) -> None:
    """A text label held at a fixed size measured from its font (the stepper's "row 28 of 28")."""
    if isinstance(label.parentWidget(), SteadyHolder):
        return   # its holder sizes it
    size = label.minimumSize()
    if label.property(_W_FIXED_FACTOR) is None:
        if size != label.maximumSize() or size.isEmpty() or not label.text():
            return   # not a fixed-size text label
        label.setProperty(_W_FIXED, QtCore.QSize(size))
    elif label.property(_W_FIXED_FACTOR) == factor:
        return
    base = label.property(_W_FIXED)
    label.setProperty(_W_FIXED_FACTOR, factor)
    label.setFixedSize(round(base.width() * factor), round(base.height() * factor))


def _refit_titles(layer: LayerView) -> None:
    """A layer column measured once how wide its long titles are: measured again at this size."""
    layer._long_titles_need.clear()
    layer._fit_titles()


# --- plots --------------------------------------------------------------------------------------------
def _zoom_view(view: pg.GraphicsView, factor: float) -> None:
    held = _held(view)
    scene = view.scene()
    if scene is not None:
        _zoom_scene(scene, factor)
    _zoom_view_size(view, factor, held)


def _held(view: pg.GraphicsView) -> tuple[bool, bool]:
    """Whether the view's minimum width and height are its plots' least ones, held by its panel
    (``style.hold_layout_width``): then measured again once the plots are zoomed."""
    layout = getattr(view, "ci", None)
    if not isinstance(layout, pg.GraphicsLayout) or view.minimumWidth() <= 0:
        return False, False
    needed = layout.effectiveSizeHint(QtCore.Qt.SizeHint.MinimumSize)
    frame = 2 * view.frameWidth()
    return (view.minimumWidth() == math.ceil(needed.width()) + frame,
            view.minimumHeight() == math.ceil(needed.height()) + frame)


def _zoom_view_size(view: pg.GraphicsView, factor: float, held: tuple[bool, bool]) -> None:
    """The plots' room: a least width (and height) held by the panel to what its plots need is measured
    again; in a panel that scrolls, a minimum, maximum or fixed height set by its panel is scaled (the
    text grows, the plots keep their room; the panel scrolls). Elsewhere (the input, the prediction)
    heights stay: the window must not outgrow the screen."""
    if held[0]:
        view.ci.layout.invalidate()
        hold_layout_width(view, height=held[1])
    if not _in_scroll_area(view):
        return
    height, top = view.minimumHeight(), view.maximumHeight()
    base = view.property(_W_HEIGHTS)
    if base is None:
        base = (height, top)
        view.setProperty(_W_HEIGHTS, base)
    base_height, base_top = base
    new_height = height if held[1] or base_height <= 0 else round(base_height * factor)
    new_top = round(base_top * factor) if base_top < NO_MAXIMUM else top
    if (new_height, new_top) != (height, top):
        view.setMinimumHeight(new_height)
        view.setMaximumHeight(max(new_top, new_height))


def _in_scroll_area(widget: QtWidgets.QWidget) -> bool:
    widget = widget.parentWidget()
    while widget is not None and not widget.isWindow():
        if isinstance(widget, QtWidgets.QScrollArea):
            return True
        widget = widget.parentWidget()
    return False


def _zoom_scene(scene: QtWidgets.QGraphicsScene, factor: float) -> bool:
    """Every item of ``scene`` at ``factor``; True if any item changed."""
    changed = False
    legends, plots = [], []
    for item in scene.items():
        if _get(item, _FACTOR) == factor:
            continue
        if isinstance(item, pg.LabelItem):
            _zoom_label(item, factor)
        elif isinstance(item, pg.AxisItem):
            _zoom_axis(item, factor)
        elif isinstance(item, pg.TextItem):
            _zoom_text_item(item, factor)
        elif isinstance(item, pg.ScatterPlotItem):
            _zoom_scatter(item, factor)
        elif isinstance(item, MarkLine):
            _zoom_mark_line(item, factor)
        elif isinstance(item, pg.LegendItem):
            legends.append(item)
        elif isinstance(item, pg.PlotItem):
            plots.append(item)
        elif isinstance(item, QtWidgets.QGraphicsRectItem):
            _zoom_outline(item, factor)
        elif isinstance(getattr(item, "_font", None), QtGui.QFont):
            _zoom_painted_text(item, factor)
        else:
            continue
        changed = True
    for plot in plots:   # after their titles: the title row fits the title
        _put(plot, _FACTOR, factor)
        _fit_title_row(plot.titleLabel, factor)
        _call_hook(plot, factor)
    for legend in legends:   # after their labels: the legend's box fits them
        _put(legend, _FACTOR, factor)
        held = legend.minimumSize() == legend.maximumSize()   # a legend in a row of its own
        legend.layout.invalidate()
        legend.layout.activate()
        if held:
            fit_legend(legend)
        else:
            legend.updateSize()
    return changed


def _first_seen(item: QtWidgets.QGraphicsItem, factor: float, base) -> object:
    """The item's 100 % values: ``base()`` taken now the first time it is seen, kept since."""
    if _get(item, _FACTOR) is None:
        _put(item, _BASE, base())
    _put(item, _FACTOR, factor)
    return _get(item, _BASE)


def _zoom_label(label: pg.LabelItem, factor: float) -> None:
    size = _first_seen(label, factor, lambda: label.opts.get("size"))
    if size is None:   # no size of its own: the application font's
        size = f"{_size_of(QtWidgets.QApplication.font())[0]:g}pt"
    label.setText(label.text, size=size)   # scaled by the hook below
    _call_hook(label, factor)


def _zoom_axis(axis: pg.AxisItem, factor: float) -> None:
    tick, label_font, width, height, text_width, text_height = _first_seen(axis, factor, lambda: (
        QtGui.QFont(axis.style["tickFont"]) if axis.style["tickFont"] is not None else None,
        QtGui.QFont(axis.label.font()), axis.fixedWidth, axis.fixedHeight, axis.textWidth,
        axis.textHeight))
    axis.setStyle(tickFont=tick if factor == 1.0 else _scaled_font(tick or QtGui.QFont(), factor))
    axis.label.setFont(_scaled_font(label_font, factor))
    # The room kept for tick text: pyqtgraph grows it as it meets wider text and shrinks it only by
    # steps of 10 px; from the 100 % room scaled, it is measured again at the next paint.
    axis.textWidth, axis.textHeight = round(text_width * factor), round(text_height * factor)
    if width is not None:
        axis.setWidth(round(width * factor))
    if height is not None:
        axis.setHeight(round(height * factor))
    axis.resizeEvent(None)   # places the label for its new size
    axis.update()
    _call_hook(axis, factor)


def _zoom_text_item(item: pg.TextItem, factor: float) -> None:
    font = _first_seen(item, factor, lambda: QtGui.QFont(item.textItem.font()))
    item.setFont(_scaled_font(font, factor))
    _call_hook(item, factor)


def _zoom_scatter(item: pg.ScatterPlotItem, factor: float) -> None:
    size = _first_seen(item, factor, lambda: item.opts["size"])
    item.setSize(size * factor)
    _call_hook(item, factor)


def _zoom_mark_line(line: MarkLine, factor: float) -> None:
    """A MarkLine's pen; its bounding strip (what Qt repaints when it moves) widened with it."""
    width, pad = _first_seen(line, factor, lambda: (line._pen.widthF(), _mark_pad(line)))
    pen = QtGui.QPen(line._pen)
    pen.setWidthF(width * factor)
    line._pen = pen
    bounds = QtCore.QRectF(line._bounds)
    grown = pad * max(factor, 1.0)
    if bounds.width() < bounds.height():   # vertical
        bounds = QtCore.QRectF(-grown, bounds.top(), 2 * grown, bounds.height())
    else:
        bounds = QtCore.QRectF(bounds.left(), -grown, bounds.width(), 2 * grown)
    line.prepareGeometryChange()
    line._bounds = bounds
    line.update()
    _call_hook(line, factor)


def _mark_pad(line: MarkLine) -> float:
    bounds = line._bounds
    return min(bounds.width(), bounds.height()) / 2


def _zoom_outline(item: QtWidgets.QGraphicsRectItem, factor: float) -> None:
    """A rectangle's outline in pixels (the selected unit's column, a blanked row's frame)."""
    width = _first_seen(item, factor, lambda: item.pen().widthF() if item.pen().isCosmetic() else None)
    if width is not None:
        pen = item.pen()
        pen.setWidthF(width * factor)
        item.setPen(pen)


def _zoom_painted_text(item: QtWidgets.QGraphicsItem, factor: float) -> None:
    """An item that paints text in a ``_font`` of its own (StaticTextItem, the state space's labels)."""
    font = _first_seen(item, factor, lambda: QtGui.QFont(item._font))
    item._font = _scaled_font(font, factor)
    if isinstance(item, StaticTextItem):   # its laid-out texts and its box were for the old font
        item._laid_out.clear()
        text, item._text = item._text, None
        item.setText(text)
    item.update()
    _call_hook(item, factor)


def _fit_title_row(title: pg.LabelItem, factor: float) -> None:
    """pyqtgraph holds a plot's title row at 30 px: at 100 % left so; zoomed, 30 px × factor, or the
    title's own height if that is more (two lines)."""
    plot = title.parentItem()
    if not isinstance(plot, pg.PlotItem) or plot.titleLabel is not title or not title.isVisible():
        return
    height = TITLE_ROW if factor == 1.0 else max(round(TITLE_ROW * factor),
                                                  math.ceil(title.itemRect().height()))
    title.setMaximumHeight(height)
    plot.layout.setRowFixedHeight(0, height)


# --- the hook: a title set again by its view keeps the zoom --------------------------------------------
def _install_label_hook() -> None:
    """Wrap ``pg.LabelItem.setText`` (once): on a zoomed label a ``size`` given is its 100 % size, shown
    at the label's factor (a layer column switching to its short titles passes "9pt")."""
    if getattr(pg.LabelItem.setText, "_zoom_hook", False):
        return
    original = pg.LabelItem.setText

    def set_text(self, text, **args):
        factor = _get(self, _FACTOR)
        if factor is not None and "size" in args:
            _put(self, _BASE, args["size"])
            args["size"] = _scaled_css(args["size"], factor)
        original(self, text, **args)
        if factor is not None:
            _fit_title_row(self, factor)

    set_text._zoom_hook = True
    set_text.__wrapped__ = original
    set_text.__doc__ = original.__doc__
    pg.LabelItem.setText = set_text


# --- sizes --------------------------------------------------------------------------------------------
def _own_size(widget: QtWidgets.QWidget) -> bool:
    """The widget was given a font (``WA_SetFont``) of another size than its parent's: a size of its own.
    (PyQt has no ``QFont.resolveMask``: which properties were set is not known, only the result.)"""
    if not widget.testAttribute(QtCore.Qt.WidgetAttribute.WA_SetFont):
        return False
    if widget.property(_W_APPLIED) is not None:
        return True
    parent = widget.parentWidget()
    inherited = parent.font() if parent is not None else QtWidgets.QApplication.font()
    return _size_of(widget.font()) != _size_of(inherited)


def _size_of(font: QtGui.QFont) -> tuple[float, bool]:
    """(size, in points): points when the font is sized in points, else pixels."""
    if font.pointSizeF() > 0:
        return font.pointSizeF(), True
    return float(font.pixelSize()), False


def _set_size(font: QtGui.QFont, size: float, points: bool) -> None:
    if points:
        font.setPointSizeF(size)
    else:
        font.setPixelSize(max(1, round(size)))


def _scaled_font(font: QtGui.QFont, factor: float) -> QtGui.QFont:
    scaled = QtGui.QFont(font)
    if factor != 1.0:
        size, points = _size_of(font)
        _set_size(scaled, size * factor, points)
    return scaled


_CSS_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(pt|px)\s*$")


def _scaled_css(size: str, factor: float) -> str:
    """A CSS font size ("9pt", "12px") × factor; the same string at 100 % (or one not understood)."""
    match = _CSS_SIZE.match(str(size))
    if factor == 1.0 or match is None:
        return size
    value, unit = float(match.group(1)) * factor, match.group(2)
    return f"{round(value)}px" if unit == "px" else f"{value:g}pt"
