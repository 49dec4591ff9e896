"""Where an analysis panel opens and how wide, so that the layers keep room to stand side by side.

The window has a column of docks on each side of the layers: the input on the left, the prediction on
the right. An analysis panel opens as a column beside one of them, or as a tab in a column already
open. Left to Qt, a new column takes its width from the layers (at 1600 pixels they scrolled sideways
and lost their colour bars), and a closed column's width goes to the column left standing. Here:

- a panel opens at its preferred width, or narrower when the layers would not fit beside it;
- the input column narrows toward its minimum while the layers or the new column still lack room;
- a panel that would open a second analysis column in a window too narrow for it joins the column
  on the prediction's side as a tab (a right-hand panel takes in the open left-hand ones instead);
- a panel with no room even for a first column (a 1280-pixel screen, large text) joins its base
  column (the prediction, or the input) as a tab, and so do the panels placed below it; the lesson
  stands below the input instead, both in sight;
- when the last panel on a side closes, the base column gets back the width it had before;
- a tab shows its panel's whole name: five or six tabs in one column scroll (the arrows at the tab
  bar's end) rather than each shrinking to "单…" or "Un…", a name no one can read.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable

from PyQt6 import QtCore, QtWidgets, sip

from ..panels import PanelSpec

# Each panel's preferred width, height share and tab partner are in its PanelSpec (panels.PANELS):
# the state space and "why this class" open below the unit inspector (both on screen), the state
# space's cloud, neighbours and map with more than the half Qt would give it, the class bars less;
# below the inspector there is room for one of them: the second to open joins the first as a tab
# (stacked three high, the inspector kept a quarter of a 1000-pixel window).
LEAST_WIDTH = 300   # narrower than this a panel is not worth a column of its own: it becomes a tab

LEFT = QtCore.Qt.DockWidgetArea.LeftDockWidgetArea
HORIZONTAL = QtCore.Qt.Orientation.Horizontal
VERTICAL = QtCore.Qt.Orientation.Vertical
# A lesson talks about the other panels: it shares a column with one (split, both in sight), never
# a tab that would hide it or the panel its step just opened.
LESSON = "lessonDock"


class PanelColumns:
    """Opens the window's analysis panels (``specs``; each dock found by ``dock(object_name)``, looked
    up each time, so a dock replaced later is the one handled) in columns that leave the layers whole."""

    def __init__(self, window: QtWidgets.QMainWindow, specs: tuple[PanelSpec, ...],
                 dock: Callable[[str], QtWidgets.QDockWidget]) -> None:
        self.window = window
        self._specs = {spec.object_name: spec for spec in specs}
        self._dock = dock
        self._base_widths: dict[QtWidgets.QDockWidget, int] = {}   # input / prediction, before a panel
        self._watched: weakref.WeakSet[QtWidgets.QDockWidget] = weakref.WeakSet()
        self._given: weakref.WeakKeyDictionary[QtWidgets.QDockWidget, int] = weakref.WeakKeyDictionary()
        # Panels placed in a base column (presentation mode's lesson, below the input): no column
        # of their own, so they neither take a column's width nor join another's.
        self._in_base: weakref.WeakSet[QtWidgets.QDockWidget] = weakref.WeakSet()
        # The width each open column should have: what it was given, or what the learner dragged it
        # to (a dock resized while the window kept its width); a smaller window squeezing it does not
        # count, so a larger one can give it back (window_grew).
        self._wanted: weakref.WeakKeyDictionary[QtWidgets.QDockWidget, int] = weakref.WeakKeyDictionary()
        self._window_width = window.width()
        self._resizes = _DockResizes(self)
        window.installEventFilter(self._resizes)   # the tab bars Qt makes for tabbed docks
        self._watch()

    @property
    def panels(self) -> list[QtWidgets.QDockWidget]:
        return [self._dock(name) for name in self._specs]

    def _watch(self) -> None:
        for dock in self.panels:
            if dock not in self._watched:
                self._watched.add(dock)
                dock.installEventFilter(self._resizes)
                # Looked at once the event has run its course: Qt hides a dock on its way to floating,
                # which is not a closing.
                dock.visibilityChanged.connect(
                    lambda visible, d=dock: visible or QtCore.QTimer.singleShot(
                        0, lambda: self._on_hidden(d)))
                dock.topLevelChanged.connect(lambda floating, d=dock: floating or self._on_docked_again(d))

    def show(self, dock: QtWidgets.QDockWidget) -> None:
        """Show ``dock`` and bring its tab to the front; a new column gets a width that fits."""
        window = self.window
        self._watch()
        if not dock.isHidden() or dock.isFloating():
            dock.show()
            dock.raise_()
            return
        placement = self._specs[dock.objectName()].placement
        above = self._dock(placement.dock) if placement.how == "below" else None
        base = self._side(dock)[0]
        if above is not None and _in_a_column(above) and base in window.tabifiedDockWidgets(above):
            # Below a panel that had no room for a column and became a tab of the base column: a tab
            # too (Qt cannot split a tab: shown, it opened a column of its own beside the layers).
            window.tabifyDockWidget(above, dock)
            dock.show()
            dock.raise_()
            return
        partner = self._tab_partner(dock)
        if partner is not None:
            window.tabifyDockWidget(partner, dock)
            dock.show()
            dock.raise_()
            self._give_height(dock)
            return
        base, mine = self._side(dock)
        sharing = self._lesson_column_partner(dock, mine)
        if sharing is not None:   # the lesson's column holds the panels of this side, as tabs
            window.tabifyDockWidget(sharing, dock)
            dock.show()
            dock.raise_()
            return
        widths: dict[QtWidgets.QDockWidget, int] = {}
        if not any(_in_a_column(p) for p in mine):    # it opens a column
            across = self._open_across(dock)
            if across and self._spare(beside=across[0]) < LEAST_WIDTH:
                if window.dockWidgetArea(across[0]) != LEFT or base is window.input_dock:
                    if dock.objectName() == LESSON:
                        self._lesson_above(dock, across[0])
                    elif across[0].objectName() == LESSON:   # a panel below the lesson, not over it
                        window.splitDockWidget(across[0], dock, VERTICAL)
                    else:
                        window.tabifyDockWidget(across[0], dock)
                    dock.show()
                    dock.raise_()
                    return
                # A right-hand panel: the left-hand ones join its column; the input gets its width back.
                self._base_widths.setdefault(base, base.width())
                dock.show()
                for panel in across:
                    if panel.objectName() == LESSON:   # above the panel it opened, in its column
                        self._lesson_above(panel, dock)
                        # Two panels now stand right of the layers: the prediction at its least.
                        widths[base] = base.minimumSizeHint().width()
                    else:
                        window.tabifyDockWidget(dock, panel)
                widths[window.input_dock] = self._base_widths.pop(window.input_dock,
                                                                  window.input_dock.width())
            elif not across and self._spare(beside=None) < LEAST_WIDTH:
                # No room for a column even with the input at its least (a 1280-pixel screen, large
                # text): else the layers, the top one first, would scroll out of sight. A tab in the
                # base column, which then takes what the layers can spare; the lesson, which talks
                # about the input, below it instead.
                self._base_widths[base] = base.width()   # given back when its last panel closes
                if dock.objectName() == LESSON:
                    window.splitDockWidget(base, dock, VERTICAL)
                else:
                    window.tabifyDockWidget(base, dock)
                dock.show()
                dock.raise_()
                QtCore.QTimer.singleShot(0, lambda: self._widen_tabs(dock))
                return
            else:
                self._base_widths[base] = base.width()
        dock.show()
        dock.raise_()
        spare = self._spare(beside=self._first_open_across(dock))
        widths[dock] = self._column_width(dock, spare)
        if window.input_dock in widths:   # its earlier width, as far as the new column leaves room
            least = window.input_dock.minimumSizeHint().width()
            widths[window.input_dock] = min(widths[window.input_dock], least + max(0, spare - widths[dock]))
        window.resizeDocks(list(widths), list(widths.values()), HORIZONTAL)
        self._given[dock] = self._wanted[dock] = widths[dock]
        self._give_height(dock)
        # Once the new column is laid out: room for it and for the layers, from the input column.
        QtCore.QTimer.singleShot(0, lambda: self._make_room(dock, widths[dock]))

    def _lesson_above(self, lesson: QtWidgets.QDockWidget, panel: QtWidgets.QDockWidget) -> None:
        """The lesson joins ``panel``'s column, above it. Split from the lesson's side, taken out of
        its own column first: a panel placed in a tab group (the inspector shares one with Compare)
        would take the lesson in as one more tab."""
        window = self.window
        window.removeDockWidget(lesson)
        window.addDockWidget(window.dockWidgetArea(panel), lesson, HORIZONTAL)
        lesson.show()
        window.splitDockWidget(lesson, panel, VERTICAL)

    def _lesson_column_partner(self, dock: QtWidgets.QDockWidget,
                               mine: list[QtWidgets.QDockWidget]) -> QtWidgets.QDockWidget | None:
        """When the lesson has joined a column on ``dock``'s side (no room for two), the panel it
        shares that column with: ``dock`` becomes its tab rather than one more column."""
        lesson = next((p for p in mine if p.objectName() == LESSON and _in_a_column(p)), None)
        if lesson is None or dock is lesson:
            return None
        return next((p for p in mine if p is not lesson and p is not dock and _in_a_column(p)), None)

    def place_in_base(self, dock: QtWidgets.QDockWidget, placed: bool = True) -> None:
        """``dock`` now stands in a base column (True) or in a column of its own again (False)."""
        if placed:
            self._in_base.add(dock)
        else:
            self._in_base.discard(dock)

    def window_resized(self, old_width: int, new_width: int) -> None:
        """The window's new width is known (after Qt resized the docks for it). Growing, a column
        squeezed while the window was smaller gets its width back, once the docks are laid out."""
        self._window_width = new_width
        if 0 < old_width < new_width:
            QtCore.QTimer.singleShot(0, self._window_grew)

    def dock_resized(self, dock: QtWidgets.QDockWidget) -> None:
        """A dock's width changed: by the learner's hand or another panel if the window kept its width."""
        if self.window.width() == self._window_width and _in_a_column(dock) and dock in self._wanted:
            self._wanted[dock] = dock.width()

    def _window_grew(self) -> None:
        """A growing window's width goes to the layers alone (Qt's choice): a column squeezed when the
        window was small stayed squeezed when it was made large again. Each open column narrower than
        it should be (``_wanted``) gets its width back, as far as the layers keep room side by side."""
        window = self.window
        if sip.isdeleted(window):
            return
        surplus = window.layers.width() - window.layers.width_needed()
        columns: dict[int, QtWidgets.QDockWidget] = {}
        for dock in self.panels:   # one dock per column: tabs share their column's width
            if _in_a_column(dock) and dock in self._wanted:
                columns.setdefault(dock.geometry().x(), dock)
        for dock in columns.values():
            lacking = self._wanted[dock] - dock.width()
            if lacking > 0 and surplus > 0:
                grow = min(lacking, surplus)
                surplus -= grow
                window.resizeDocks([dock], [dock.width() + grow], HORIZONTAL)

    # --- helpers ------------------------------------------------------------------------------
    def _give_height(self, dock: QtWidgets.QDockWidget) -> None:
        share = self._specs[dock.objectName()].height_share
        if share is not None:   # above or below another panel: its own share of the column's height
            self.window.resizeDocks([dock], [int(share * self.window.height())],
                                    QtCore.Qt.Orientation.Vertical)

    def _tab_partner(self, dock: QtWidgets.QDockWidget) -> QtWidgets.QDockWidget | None:
        """The open, docked panel that ``dock`` shares a tab with (``shares_tab_with``), if any, on its
        side."""
        name = self._specs[dock.objectName()].shares_tab_with
        partner = next((p for p in self.panels if p.objectName() == name), None)
        if partner is None or not _in_a_column(partner) \
                or self.window.dockWidgetArea(partner) != self.window.dockWidgetArea(dock):
            return None
        return partner

    def _side(self, dock: QtWidgets.QDockWidget) -> tuple[QtWidgets.QDockWidget, list[QtWidgets.QDockWidget]]:
        """The base column on ``dock``'s side (input or prediction) and the panels docked on that side."""
        window = self.window
        area = window.dockWidgetArea(dock)
        base = window.input_dock if area == LEFT else window.prediction_dock
        return base, [p for p in self.panels if window.dockWidgetArea(p) == area and p not in self._in_base]

    def _open_across(self, dock: QtWidgets.QDockWidget) -> list[QtWidgets.QDockWidget]:
        """The panels docked and shown on the other side of the layers from ``dock``, the ones on
        screen first (a tab behind another keeps the width it last had)."""
        mine = self._side(dock)[1]
        open_ = [p for p in self.panels if p not in mine and _in_a_column(p) and p not in self._in_base]
        return sorted(open_, key=lambda p: p.visibleRegion().isEmpty())

    def _first_open_across(self, dock: QtWidgets.QDockWidget) -> QtWidgets.QDockWidget | None:
        across = self._open_across(dock)
        return across[0] if across else None

    def _column_width(self, dock: QtWidgets.QDockWidget, spare: int) -> int:
        """The panel's preferred width, as far as ``spare`` allows, and never under LEAST_WIDTH."""
        return max(LEAST_WIDTH, min(self._specs[dock.objectName()].preferred_width, spare))

    def _spare(self, beside: QtWidgets.QDockWidget | None) -> int:
        """The width left for one more analysis column with the input and the layers at their least, and
        the prediction and ``beside`` (an open panel across, if any) as wide as they are."""
        window = self.window
        prediction = window.prediction_dock   # (never narrowed here: as wide as it is)
        taken = (window.input_dock.minimumSizeHint().width()
                 + max(prediction.width(), prediction.minimumSizeHint().width())
                 + window.layers.width_needed() + _margins(window.centralWidget())
                 + 6 * window.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_DockWidgetSeparatorExtent))
        if beside is not None:
            width = beside.width()
            if width < LEAST_WIDTH:   # not laid out yet (opened a moment ago): the width it was given
                width = self._given.get(beside, width)
            taken += max(width, beside.minimumSizeHint().width())
        return window.width() - taken

    def _widen_tabs(self, dock: QtWidgets.QDockWidget) -> None:
        """A panel put in its base column for want of room: the column as wide as the layers can
        spare, up to the panel's preferred width."""
        window = self.window
        if sip.isdeleted(window) or sip.isdeleted(dock) or not _in_a_column(dock):
            return
        surplus = window.layers.width() - window.layers.width_needed()
        width = min(self._specs[dock.objectName()].preferred_width, dock.width() + max(0, surplus))
        if width > dock.width():
            window.resizeDocks([dock], [width], HORIZONTAL)
            self._given[dock] = self._wanted[dock] = width

    def _on_docked_again(self, dock: QtWidgets.QDockWidget) -> None:
        """A floating panel docked again gets a column width that fits, as when it first opened, and
        joins its ``shares_tab_with`` partner as a tab if that one is open on the same side."""
        def fit() -> None:
            if sip.isdeleted(self.window) or not _in_a_column(dock):
                return
            partner = self._tab_partner(dock)
            if partner is not None and partner not in self.window.tabifiedDockWidgets(dock):
                self.window.tabifyDockWidget(partner, dock)
                dock.raise_()
                return
            width = self._column_width(dock, self._spare(beside=self._first_open_across(dock)))
            self.window.resizeDocks([dock], [width], HORIZONTAL)
            QtCore.QTimer.singleShot(0, lambda: self._make_room(dock, width))
        QtCore.QTimer.singleShot(0, fit)

    def _make_room(self, column: QtWidgets.QDockWidget, width: int) -> None:
        """Narrow the input column toward its minimum while the layers would scroll sideways or the new
        ``column`` got less than its ``width`` (Qt takes a new column's room from wherever it can)."""
        window = self.window
        if sip.isdeleted(window):
            return
        dock = window.input_dock
        short_by = max(window.layers.width_missing(), 0 if column.isHidden() else width - column.width())
        if short_by <= 0 or not _in_a_column(dock):
            return
        spare = dock.width() - dock.minimumSizeHint().width()
        if spare > 0:
            self._base_widths.setdefault(dock, dock.width())   # given back when no panel is open
            # The prediction column is named too, at its width: else Qt takes the new column's room
            # from it rather than from the layers' share.
            keep = window.prediction_dock
            window.resizeDocks([dock, keep, column],
                               [dock.width() - min(spare, short_by), keep.width(), width], HORIZONTAL)

    def _on_hidden(self, dock: QtWidgets.QDockWidget) -> None:
        """A closed panel's width goes back to the layers, not to the column beside it."""
        if sip.isdeleted(self.window) or sip.isdeleted(dock) or dock.isFloating():
            return   # the window is being destroyed, or the panel floats (not closed)
        base, mine = self._side(dock)
        if not dock.isHidden() or any(_in_a_column(p) for p in mine):
            return   # only behind another tab, or other panels still stand on this side
        widths = {base: self._base_widths.pop(base, None)}
        if not any(_in_a_column(p) for p in self.panels):
            # No panel left anywhere: the input column, narrowed to make room, gets its width back too.
            widths[self.window.input_dock] = self._base_widths.pop(self.window.input_dock, None)
        widths = {d: w for d, w in widths.items() if w is not None and _in_a_column(d)}
        if widths:
            self.window.resizeDocks(list(widths), list(widths.values()), HORIZONTAL)
        QtCore.QTimer.singleShot(0, lambda: sip.isdeleted(self.window) or hide_stray_tab_bars(self.window))


class _DockResizes(QtCore.QObject):
    """Tells the columns when a panel's dock was resized."""

    def __init__(self, columns: PanelColumns) -> None:
        super().__init__(columns.window)
        self._columns = weakref.ref(columns)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        columns = self._columns()
        if event.type() == QtCore.QEvent.Type.Resize and columns is not None \
                and isinstance(watched, QtWidgets.QDockWidget):
            columns.dock_resized(watched)
        elif event.type() == QtCore.QEvent.Type.ChildPolished and isinstance(watched, QtWidgets.QMainWindow):
            tabs = event.child()
            if isinstance(tabs, QtWidgets.QTabBar):
                whole_tab_names(tabs)
        return False


def hide_stray_tab_bars(window: QtWidgets.QMainWindow) -> None:
    """Hide the main window's tab bars whose panels are all closed. Qt leaves the bar of a tab group
    whose docks were hidden at start shown (Unit inspector | Compare A/B), stacked above the docks:
    it showed over the softmax plots in screenshots and animations. Qt shows a bar again itself when
    its group needs one."""
    shown = {dock.windowTitle() for dock in window.findChildren(QtWidgets.QDockWidget)
             if not dock.isHidden() and not dock.isFloating()}
    direct = QtCore.Qt.FindChildOption.FindDirectChildrenOnly
    for bar in window.findChildren(QtWidgets.QTabBar, options=direct):
        if bar.isVisible() and not any(bar.tabText(i) in shown for i in range(bar.count())):
            bar.hide()


def whole_tab_names(tabs: QtWidgets.QTabBar) -> None:
    """Tabs that keep their whole names and scroll when they do not all fit. Qt makes the tab bars of
    docked panels eliding, so that every tab stays in view: with five panels in a 300-pixel column each
    kept a character and "…". Polished, the bar is about to be shown; Qt set its elide mode already."""
    tabs.setElideMode(QtCore.Qt.TextElideMode.ElideNone)
    tabs.setUsesScrollButtons(True)


def _in_a_column(dock: QtWidgets.QDockWidget) -> bool:
    """Shown (perhaps as a tab behind another) and docked, not floating: it takes a column's width."""
    return not dock.isHidden() and not dock.isFloating()


def _margins(widget: QtWidgets.QWidget | None) -> int:
    """The left and right margins of ``widget``'s layout (0 without one)."""
    layout = None if widget is None else widget.layout()
    if layout is None:
        return 0
    margins = layout.contentsMargins()
    return margins.left() + margins.right()
