"""The main window: composes the view state, the session, the job runner, the views and the menus.

Data flows one way: an input (drawing, sample, image file) goes to the session, which traces it and
writes ``state.image`` and ``state.trace``; every view subscribes to the state fields it shows.
Moving through rows only writes ``state.row``: nothing is recomputed, views re-slice the trace.

Layout: the layer views in the middle (they get the room), the stepper beneath them, and dockable
panels around: input on the left, prediction on the right, training and the analysis panels
docked or tabbed beside them (the analysis panels' docks, Explain menu and columns are built from
the one table ``panels.PANELS``; each panel gets a ``PanelContext``, never the window).
Geometry, panel layout, view options, the last model and the data folder are remembered
(QSettings) when the window is given settings (``run_app`` does).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.errors import UserError
from ...core.i18n import N_, tr
from ...core.network import Network, Trace
from ...core.readers import describe_briefly, describe_model, find_reader
from ..export.figure_menu import install_figure_menus
from ..input.canvas import DrawCanvas
from ..input.digit_library import DigitLibrary
from ..input.digit_picker import DigitPicker
from ..input.drawing import DrawingInput
from ..input.input_view import InputView
from ..panels import PANELS, PanelContext, PanelSpec, panel_spec
from ..state.jobs import JobRunner, describe_error
from ..state.session import Session, history_of
from ..state.view_state import ViewState
from ..views.layers_panel import LayersPanel
from ..views.prediction_header import PredictionHeader
from ..views.softmax_view import SoftmaxView
from ..views.stack_state import StackStatePanel
from ..views.stepper import StepperBar
from .dock_style import kept_icons_style
from .highlight import Highlighter
from .menus import ACTION_NAMES, WindowActions
from .one_repaint import OneRepaint
from .panel_columns import PanelColumns, hide_stray_tab_bars
from .zoom import ZoomControl

PRESENTATION_ZOOM = 1.5   # the least zoom presentation mode shows (a projector's back row)
SHUTDOWN_WAIT_MS = 2000   # closing waits this long for jobs, then leaves (see run_app)
PREDICTION_LEAST_WIDTH = 250   # the side columns' least widths at 100 %; they grow with the zoom
INPUT_LEAST_WIDTH = 240
SOFTMAX_LEAST_HEIGHT = 380   # the two bar plots and the prediction over time, each still legible
TRAINING_WIDTH = 320   # the training panel's column, beside the prediction
LAYOUT_VERSION = 5        # bump when the docks change, so an old saved layout is not applied


class _MenuAction:
    """A window attribute that is the menus' action of the same name (``window.openModelAction``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        assert name in ACTION_NAMES, name
        self.name = name

    def __get__(self, window: MainWindow | None, owner: type) -> QtGui.QAction:
        if window is None:
            return self
        return window.window_actions.actions[self.name]


class MainWindow(QtWidgets.QMainWindow):
    """``MainWindow(network)`` builds the whole window without dialogs; ``state`` is what is shown."""

    # The menus' actions that scripts and tests trigger (menus.ACTION_NAMES).
    openModelAction = _MenuAction()
    openDefaultModelAction = _MenuAction()
    openHistoryModelAction = _MenuAction()
    saveModelAction = _MenuAction()
    openImageAction = _MenuAction()
    exportPngAction = _MenuAction()
    exportAnimationAction = _MenuAction()
    exportTraceAction = _MenuAction()
    trainAction = _MenuAction()
    undoAction = _MenuAction()
    clearAction = _MenuAction()
    inputScalingAction = _MenuAction()
    resetLayoutAction = _MenuAction()
    openLessonAction = _MenuAction()
    lessonsAction = _MenuAction()
    saveSessionAction = _MenuAction()
    openSessionAction = _MenuAction()
    presentationAction = _MenuAction()

    def __init__(self, network: Network, parent: QtWidgets.QWidget | None = None,
                 settings: QtCore.QSettings | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.state = ViewState()
        # Whatever a state change touches is painted in one pass (see one_repaint).
        self.one_repaint = OneRepaint(self)   # held here: psygnal keeps only a weak reference
        self.state.events.connect(self.one_repaint.hold)
        self.jobs = JobRunner(self)
        self.session = Session(self.state, self.jobs, self)
        self.session.settings = settings
        self.training_panel = None      # built on first use (File ▸ Train a model…)
        self.highlighter = Highlighter(self)   # frames around the views a lesson step points at
        self._before_presentation: tuple | None = None   # (window state, layout, zoom) to go back to
        self._escape = QtGui.QAction(self)   # Esc leaves presentation mode (enabled only in it)
        self._escape.setShortcut(QtGui.QKeySequence("Escape"))
        self._escape.setEnabled(False)
        self._escape.triggered.connect(lambda: self._before_presentation and self._leave_presentation())
        self.addAction(self._escape)
        self._escape_paused: list[QtGui.QAction] = []
        self._build_views()
        self.zoom = ZoomControl(self)   # View ▸ Zoom: the remembered factor, before the first paint
        self.zoom.changed.connect(lambda _factor: self.statusBar().showMessage(self.zoom.describe(), 2000))
        self.zoom.changed.connect(self._zoom_side_columns)
        self._zoom_side_columns(self.zoom.factor)
        self.drawing = DrawingInput(self.canvas, self.session, self)
        self.input_view.rowClicked.connect(self.session.toggle_row)
        self.library = DigitLibrary(self.samples, self.session, self)
        self.window_actions = WindowActions(self)
        self._build_docks_menu()
        self._build_explain_menu()
        self._build_compare_menu()
        self.figure_menus = install_figure_menus(self)   # right-click: a figure for slides
        self.session.message.connect(self._show_message)
        self.session.failed.connect(self._show_failure)
        self.model_info = QtWidgets.QLabel()
        self.model_info.setObjectName("modelInfoLabel")
        self.statusBar().addPermanentWidget(self.model_info)
        self.session.modelInfoChanged.connect(self._update_title)
        self.jobs.busyChanged.connect(self.busy.setVisible)
        self.setAcceptDrops(True)
        self.resize(1600, 1000)   # a smaller screen's window manager fits it
        self._default_layout = self.saveState(LAYOUT_VERSION)
        self._restore_settings()
        # A model from a .keras file that keeps its training history opens with it (the timeline).
        source = network.metadata.get("source")
        self.session.set_network(network, history=history_of(Path(source), network) if source else None)
        self.library.load_samples()
        QtCore.QTimer.singleShot(0, lambda: hide_stray_tab_bars(self))
        # Scored a moment later, so the first paint of the window has both cores to itself.
        QtCore.QTimer.singleShot(300, self.library.score_all)
        self.statusBar().showMessage(tr("Draw a digit, or pick a real one from the samples."), 8000)

    # --- layout -------------------------------------------------------------------------------
    def _build_views(self) -> None:
        state = self.state
        self.canvas = DrawCanvas()
        self.clear_button = QtWidgets.QPushButton(tr("Clear"))
        self.clear_button.setObjectName("clearButton")
        self.clear_button.setToolTip(tr("Clear the drawing (Delete)"))
        self.undo_button = QtWidgets.QPushButton(tr("Undo stroke"))
        self.undo_button.setObjectName("undoButton")
        self.undo_button.setToolTip(tr("Remove the last stroke (Ctrl+Z)"))
        self.clear_button.clicked.connect(lambda: self.clearAction.trigger())
        self.undo_button.clicked.connect(lambda: self.undoAction.trigger())
        self.input_view = InputView(state)
        self.samples = DigitPicker()
        self.layers = LayersPanel(state)
        self.header = PredictionHeader(state)
        self.prediction_label, self.prediction_detail = self.header.label, self.header.detail
        self.softmax = SoftmaxView(state)
        self.stack_state = StackStatePanel(state)
        self.stepper = StepperBar(state)

        inputs = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(inputs)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(_heading(tr("Draw a digit")))
        column.addWidget(self.canvas, 5)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.undo_button)
        column.addLayout(buttons)
        column.addWidget(self.input_view, 3)
        self._samples_heading = _heading(tr("Or pick a real MNIST digit"))
        column.addWidget(self._samples_heading)
        column.addWidget(self.samples, 4)
        inputs.setMinimumWidth(INPUT_LEAST_WIDTH)
        self._inputs = inputs

        prediction = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(prediction)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.header)
        column.addWidget(self.softmax, 1)
        column.addWidget(self.stack_state)
        # On a short screen (1280 × 800, or text in a taller script) the column scrolls rather than
        # squeezing the prediction over time to a line: its plots keep a readable least height.
        self.softmax.setMinimumHeight(SOFTMAX_LEAST_HEIGHT)
        inner = self._prediction_inner = prediction
        prediction = self._prediction_area = _scrolling(inner)
        prediction.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        prediction.setMinimumWidth(PREDICTION_LEAST_WIDTH)   # the scroll bar's room taken from inside
        inner.setMinimumWidth(PREDICTION_LEAST_WIDTH - prediction.verticalScrollBar().sizeHint().width())

        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(self.layers, 1)
        layout.addWidget(self.stepper)
        self.setCentralWidget(central)
        self.setDockNestingEnabled(True)
        self.setCorner(QtCore.Qt.Corner.BottomLeftCorner, QtCore.Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        self.input_dock = self.add_panel(tr("Input"), "inputDock", inputs,
                                         QtCore.Qt.DockWidgetArea.LeftDockWidgetArea)
        self.prediction_dock = self.add_panel(tr("Prediction"), "predictionDock", prediction,
                                              QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        # The analysis panels (panels.PANELS), built when first shown (launch pays for none of them;
        # a hidden panel does no work), hidden until asked for (Explain, View ▸ Panels) or until a
        # unit is selected; opened through ``PanelColumns``.
        self._docks: dict[str, QtWidgets.QDockWidget] = {"inputDock": self.input_dock,
                                                         "predictionDock": self.prediction_dock}
        self._panels: dict[str, QtWidgets.QWidget] = {}
        for spec in _placing_order(PANELS):
            self._dock_panel(spec)
        for spec in PANELS:
            self.dock(spec.object_name).hide()
        self.columns = PanelColumns(self, PANELS, self.dock)
        self.layers.hovered.connect(lambda text: self.statusBar().showMessage(text, 4000))
        state.events.selection.connect(self._on_selection)
        self.busy = QtWidgets.QProgressBar()
        self.busy.setRange(0, 0)            # indeterminate: "working", no percentage
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.statusBar().addPermanentWidget(self.busy)

    def add_panel(self, title: str, name: str, widget: QtWidgets.QWidget,
                  area: QtCore.Qt.DockWidgetArea, tab_with: QtWidgets.QDockWidget | None = None
                  ) -> QtWidgets.QDockWidget:
        """Dock ``widget`` as a panel (tabbed with ``tab_with`` when given); listed in View ▸ Panels."""
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setStyle(kept_icons_style())   # its title's icons loaded once, not on every repaint
        dock.setWidget(widget)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        if tab_with is not None:
            self.tabifyDockWidget(tab_with, dock)
        return dock

    def _build_docks_menu(self) -> None:
        """View ▸ Panels: the input, the prediction, then the analysis panels in the table's order."""
        for dock in [self.input_dock, self.prediction_dock, *(self.dock(s.object_name) for s in PANELS)]:
            self.window_actions.panels_menu.addAction(self._menu_action(dock))

    def _menu_action(self, dock: QtWidgets.QDockWidget) -> QtGui.QAction:
        """The dock's View ▸ Panels entry. An analysis panel opens through ``show_panel``, in a column
        that leaves the layers whole (Qt's own toggle would dock it wherever it last was, at any width)."""
        if dock.objectName() not in self._panel_names:
            return dock.toggleViewAction()
        action = QtGui.QAction(dock.windowTitle(), dock)   # dies with its dock (a panel may be replaced)
        action.setCheckable(True)
        action.triggered.connect(lambda checked, d=dock: self.show_panel(d) if checked else d.close())
        dock.visibilityChanged.connect(lambda _visible, d=dock, a=action: a.setChecked(not d.isHidden()))
        return action

    _panel_names = frozenset(spec.object_name for spec in PANELS)

    def _dock_panel(self, spec: PanelSpec) -> None:
        """The dock of ``spec``'s panel, placed as its spec says; the panel is built when first shown."""
        area = (QtCore.Qt.DockWidgetArea.LeftDockWidgetArea if spec.area == "left"
                else QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        how, other = spec.placement.how, self.dock(spec.placement.dock)
        dock = self.add_panel(tr(spec.title), spec.object_name, QtWidgets.QWidget(), area,
                              tab_with=other if how == "tab" else None)
        if how != "tab":
            self.splitDockWidget(other, dock, QtCore.Qt.Orientation.Horizontal if how == "beside"
                                 else QtCore.Qt.Orientation.Vertical)
        self._docks[spec.object_name] = dock
        dock.visibilityChanged.connect(lambda visible, name=spec.object_name: visible and self.panel(name))

    def dock(self, object_name: str) -> QtWidgets.QDockWidget:
        """The dock named ``object_name`` (an analysis panel's, "inputDock" or "predictionDock")."""
        return self._docks[object_name]

    def panel(self, which: str | QtWidgets.QDockWidget) -> QtWidgets.QWidget:
        """The analysis panel in the dock named ``which`` (or in the dock ``which``), built now if it
        was not yet."""
        name = which if isinstance(which, str) else which.objectName()
        if name not in self._panels:
            spec = panel_spec(name)
            widget = spec.build(self._panel_context())
            self._panels[name] = widget
            self.dock(name).setWidget(_scrolling(widget) if spec.scrolling else widget)
        return self._panels[name]

    def put_panel(self, name: str, widget: QtWidgets.QWidget) -> QtWidgets.QDockWidget:
        """Use ``widget`` as the analysis panel of the dock ``name`` instead of building one (a script
        or a test giving the state space a smaller digit set); its dock as placed by the table."""
        spec = panel_spec(name)
        self._panels[name] = widget
        self.dock(name).setWidget(_scrolling(widget) if spec.scrolling else widget)
        return self.dock(name)

    def _panel_context(self) -> PanelContext:
        return PanelContext(state=self.state, jobs=self.jobs, show_digit=self._show_digit,
                            ask_save_path=self.window_actions.ask_save_path,
                            drawing_steps=lambda: self.drawing.steps,
                            drawing_steps_changed=self.drawing.stepsChanged,
                            show_snapshot=self.session.show_snapshot, show_panel=self.show_panel,
                            panel_open=lambda name: not self.dock(name).isHidden(),
                            highlight=self.highlight_views, pin=self.pin,
                            ask_open_path=self.window_actions.ask_open_path)

    # The panels and their docks, as scripts and tests know them.
    @property
    def unit_dock(self) -> QtWidgets.QDockWidget:
        return self.dock("unitDock")

    @property
    def why_dock(self) -> QtWidgets.QDockWidget:
        return self.dock("whyClassDock")

    @property
    def compare_dock(self) -> QtWidgets.QDockWidget:
        return self.dock("compareDock")

    @property
    def importance_dock(self) -> QtWidgets.QDockWidget:
        return self.dock("importanceDock")

    @property
    def preprocess_dock(self) -> QtWidgets.QDockWidget:
        return self.dock("preprocessDock")

    @property
    def statespace_dock(self) -> QtWidgets.QDockWidget:
        return self.dock("stateSpaceDock")

    @property
    def unit_inspector(self):
        return self.panel("unitDock")

    @property
    def why_class(self):
        return self.panel("whyClassDock")

    @property
    def compare_panel(self):
        return self.panel("compareDock")

    @property
    def importance(self):
        return self.panel("importanceDock")

    @property
    def preprocess_panel(self):
        return self.panel("preprocessDock")

    @property
    def statespace(self):
        return self.panel("stateSpaceDock")

    def _on_selection(self, selection) -> None:
        """A newly selected unit brings the inspector into view (it stays where the user put it)."""
        if selection is not None and not self.unit_dock.isVisible():
            self.show_panel(self.unit_dock)

    def _show_digit(self, image28: np.ndarray, message: str) -> None:
        """A digit picked in a panel (the state space's cloud or a neighbour) becomes the input;
        ``message``, a whole sentence, goes to the status bar."""
        self.session.show_input(image28)
        self.statusBar().showMessage(message, 5000)

    def show_panel(self, which: str | QtWidgets.QDockWidget) -> None:
        """Show a panel (its dock, or the dock's objectName) and bring its tab to the front, in a
        column that leaves the layers whole (``panel_columns``)."""
        self.columns.show(self.dock(which) if isinstance(which, str) else which)

    def _zoom_side_columns(self, factor: float) -> None:
        """The input's and the prediction's least widths grow with the text (at 150 % the headline
        and the state panel no longer fit 250 pixels)."""
        scrollbar = self._prediction_area.verticalScrollBar().sizeHint().width()
        self._inputs.setMinimumWidth(round(INPUT_LEAST_WIDTH * factor))
        self._prediction_area.setMinimumWidth(round(PREDICTION_LEAST_WIDTH * factor))
        self._prediction_inner.setMinimumWidth(round(PREDICTION_LEAST_WIDTH * factor) - scrollbar)

    # --- lessons and presentation ---------------------------------------------------------------
    @property
    def lesson_panel(self):
        return self.panel("lessonDock")

    def show_lessons(self) -> None:
        """Help ▸ Lessons: the lesson panel, at the step it was left on (set for it)."""
        first = "lessonDock" not in self._panels
        self.show_panel("lessonDock")
        panel = self.lesson_panel
        if first or not self.highlighter.targets:
            panel.go_to(panel.step_index)

    def open_lesson(self, path: str | Path, step: int = 0) -> bool:
        """File ▸ Open lesson…: show the lesson at ``step``; a bad file is a message, nothing changes."""
        self.show_panel("lessonDock")
        try:
            self.lesson_panel.open_lesson(path, step)
        except UserError as exc:
            self._show_failure(tr("Could not open the lesson"), exc)
            return False
        return True

    def view_widget(self, target: tuple) -> QtWidgets.QWidget | None:
        """The widget a lesson names: ("input",), ("layers",), ("layer", k), ("softmax",), ("state",),
        ("stepper",), ("headline",) or a panel's key; None when this model has no such view."""
        key = target[0]
        if key == "layer":
            views = self.layers.views
            return views[target[1] - 1] if target[1] <= len(views) else None
        fixed = {"input": self.input_view, "layers": self.layers, "softmax": self.softmax,
                 "state": self.stack_state, "stepper": self.stepper, "headline": self.header}
        if key in fixed:
            return fixed[key]
        spec = next((s for s in PANELS if s.key == key), None)
        return None if spec is None else self.dock(spec.object_name)

    def highlight_views(self, targets: list[tuple]) -> None:
        """Frame the views ``targets`` names (and no others); [] clears every frame."""
        widgets = [w for w in (self.view_widget(t) for t in targets) if w is not None]
        self.highlighter.show(widgets)

    def toggle_presentation(self) -> None:
        """View ▸ Presentation mode: full screen, large text, only the views the lesson's step needs;
        again (or Esc) puts the window back as it was."""
        if self._before_presentation is None:
            self._enter_presentation()
        else:
            self._leave_presentation()

    def _enter_presentation(self) -> None:
        self._before_presentation = (self.windowState(), self.saveState(LAYOUT_VERSION), self.zoom.factor,
                                     self.saveGeometry())
        lesson_open = self.lesson_panel_open()
        self._show_only_panels(set(self.lesson_panel.needed_panels()) if lesson_open else set())
        if self.training_panel is not None:
            self.training_dock.hide()
        for widget in (self._samples_heading, self.samples):   # the lesson picks the digits
            widget.hide()
        if lesson_open:   # below the input, not a column of its own: the room is for the views
            lesson = self.dock("lessonDock")
            self.removeDockWidget(lesson)
            self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, lesson)
            self.splitDockWidget(self.input_dock, lesson, QtCore.Qt.Orientation.Vertical)
            lesson.show()
            self.columns.place_in_base(lesson)
            vertical = QtCore.Qt.Orientation.Vertical   # the lesson's text gets room, once full screen
            QtCore.QTimer.singleShot(50, lambda: self.resizeDocks(
                [self.input_dock, lesson], [self.height() // 2, self.height() // 2], vertical))
        if self.zoom.factor < PRESENTATION_ZOOM:
            self.zoom.set_factor(PRESENTATION_ZOOM, remember=False)
        self.showFullScreen()
        self.presentationAction.setChecked(True)
        self.window_actions.fullScreenAction.setEnabled(False)   # Esc or the mode's own key leave it
        # Esc leaves, as in a slide show: the other Esc (clear the selection) waits until then.
        escape = QtGui.QKeySequence("Escape")
        self._escape_paused = [a for a in self.findChildren(QtGui.QAction)
                               if a is not self._escape and a.shortcut() == escape and a.isEnabled()]
        for action in self._escape_paused:
            action.setEnabled(False)
        self._escape.setEnabled(True)
        self.statusBar().showMessage(tr("Presentation mode: Esc or Ctrl+Shift+F to leave."), 5000)
        if lesson_open:
            self._present_step(self.lesson_panel.step_index)
            self.lesson_panel.stepChanged.connect(self._present_step)

    def lesson_panel_open(self) -> bool:
        return "lessonDock" in self._panels and not self.dock("lessonDock").isHidden()

    def _present_step(self, _step: int) -> None:
        """In presentation mode, each lesson step shows its own panels and no others."""
        if self._before_presentation is None:
            return
        needed = set(self.lesson_panel.needed_panels())
        self._show_only_panels(needed)
        # A panel the step opens takes the prediction's column, in front: at the room's text size a
        # column of its own beside the prediction would be too narrow to read (the step frames it).
        right = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
        for spec in PANELS:
            dock = self.dock(spec.object_name)
            if spec.key in needed and not dock.isHidden() and self.dockWidgetArea(dock) == right \
                    and dock not in self.tabifiedDockWidgets(self.prediction_dock):
                self.tabifyDockWidget(self.prediction_dock, dock)
                dock.show()
                dock.raise_()

    def _show_only_panels(self, needed: set[str]) -> None:
        """Hide every analysis panel but the lesson and those ``needed`` (keys of the table)."""
        for spec in PANELS:
            if spec.key not in needed and spec.key != "lesson":
                self.dock(spec.object_name).hide()

    def _leave_presentation(self) -> None:
        window_state, layout, factor, geometry = self._before_presentation
        self._before_presentation = None
        if "lessonDock" in self._panels:
            try:
                self.lesson_panel.stepChanged.disconnect(self._present_step)
            except TypeError:
                pass
        self.zoom.set_factor(factor, remember=False)
        # showNormal first: a window manager keeps a full-screen window full screen on a mere state
        # change (found under openbox); then the size and place it had, and its docks.
        if window_state & QtCore.Qt.WindowState.WindowMaximized:
            self.showMaximized()
        else:
            self.showNormal()
            self.restoreGeometry(geometry)
        self.restoreState(layout, LAYOUT_VERSION)
        for widget in (self._samples_heading, self.samples):
            widget.show()
        if "lessonDock" in self._docks:
            self.columns.place_in_base(self.dock("lessonDock"), False)
        QtCore.QTimer.singleShot(0, lambda: hide_stray_tab_bars(self))
        self.presentationAction.setChecked(False)
        self.window_actions.fullScreenAction.setEnabled(True)
        self._escape.setEnabled(False)
        for action in self._escape_paused:
            action.setEnabled(True)
        self._escape_paused = []

    def _build_explain_menu(self) -> None:
        """Explain: each analysis panel one key away."""
        menu = self.menuBar().addMenu(tr("E&xplain"))
        for spec in PANELS:
            action = QtGui.QAction(tr(spec.menu_text), self)
            action.setObjectName(spec.action_name)
            action.setShortcut(QtGui.QKeySequence(spec.shortcut))
            action.setStatusTip(tr(spec.help_text))
            action.triggered.connect(lambda _=False, name=spec.object_name: self.show_panel(name))
            self.addAction(action)
            menu.addAction(action)
        menu.addSeparator()
        self.restoreInputAction = QtGui.QAction(tr("Restore the &original input"), self)
        self.restoreInputAction.setObjectName("restoreInputAction")
        self.restoreInputAction.setShortcut(QtGui.QKeySequence("Ctrl+Shift+Z"))
        self.restoreInputAction.setToolTip(tr("Undo every what-if edit (rows blanked by clicking the input)"))
        self.restoreInputAction.triggered.connect(self.session.restore_original)
        self.state.events.blanked_rows.connect(lambda rows: self.restoreInputAction.setEnabled(bool(rows)))
        self.restoreInputAction.setEnabled(False)
        self.addAction(self.restoreInputAction)
        menu.addAction(self.restoreInputAction)

    def _build_compare_menu(self) -> None:
        menu = self.menuBar().addMenu(tr("&Compare"))
        self.pinAction = QtGui.QAction(tr("&Pin as A"), self)
        self.pinAction.setObjectName("pinAction")
        self.pinAction.setShortcut(QtGui.QKeySequence("P"))
        self.pinAction.setToolTip(tr("Keep the digit shown now as A; whatever is shown next is B (P)"))
        self.pinAction.triggered.connect(self.pin)
        self.unpinAction = QtGui.QAction(tr("&Unpin"), self)
        self.unpinAction.setObjectName("unpinAction")
        self.unpinAction.setShortcut(QtGui.QKeySequence("Shift+P"))
        self.unpinAction.triggered.connect(lambda: setattr(self.state, "pinned", None))
        for action in (self.pinAction, self.unpinAction):
            self.addAction(action)
            menu.addAction(action)
        self.state.events.pinned.connect(lambda pinned: self.unpinAction.setEnabled(pinned is not None))
        self.unpinAction.setEnabled(False)

    def pin(self) -> None:
        """Compare ▸ Pin as A: the trace shown now becomes A; the comparison panel opens."""
        if self.state.trace is None:
            self.statusBar().showMessage(tr("Nothing to pin: draw or pick a digit first."), 4000)
            return
        self.state.pinned = self.state.trace
        self.show_panel("compareDock")
        if self.state.history is not None and self.state.snapshot is not None:
            self.statusBar().showMessage(tr(
                "Pinned as A, as snapshot {snapshot} of {count} reads it. Move the timeline to compare "
                "the same digit then and now, or draw or pick another digit: it is B.",
                snapshot=self.state.snapshot + 1, count=len(self.state.history)), 8000)
        else:
            self.statusBar().showMessage(tr("Pinned as A. Now draw or pick another digit: it is B."), 6000)

    def reset_layout(self) -> None:
        """Put every panel back where it was when the window opened for the first time."""
        self.restoreState(self._default_layout, LAYOUT_VERSION)
        self.resize(self._default_size())
        self._keep_on_screen()
        self._size_side_panels()
        if self.training_panel is not None:   # built after the default was taken: back below it
            self._place_training_dock()

    def _default_size(self) -> QtCore.QSize:
        """The first window's 1600 × 1000, or as much of it as the screen has room for (a laptop's
        1366 × 768), frame included: resetting the layout must not push the window past the screen."""
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        wanted = QtCore.QSize(1600, 1000)
        if screen is None:
            return wanted
        frame = self.frameGeometry().size() - self.geometry().size()   # title bar and borders
        return wanted.boundedTo(screen.availableGeometry().size() - frame)

    def fit_to_screen(self) -> None:
        """No larger than the screen's free area, frame included, and inside it: ``run_app`` does this
        for the window it opens (on a 1280 × 800 screen it opened at 1600 × 1000, the prediction and the
        stepper off the screen). The frame is known once the window is shown: fitted again then."""
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        # The hidden panels still count in the layout's minimum until it is laid out again: without
        # this a window not yet shown could not be made narrower than 1361 px.
        self.layout().activate()
        frame = self.frameGeometry().size() - self.geometry().size()   # title bar and borders
        size = self.size().boundedTo(screen.availableGeometry().size() - frame)
        if size != self.size():
            self.resize(size)
        self._keep_on_screen()
        if not self.isVisible():
            self._fit_when_shown = True

    def _keep_on_screen(self) -> None:
        """Move the window back inside the screen's free area if a corner is outside it."""
        screen = self.screen()
        if screen is None:
            return
        room, frame = screen.availableGeometry(), self.frameGeometry()
        x = max(room.left(), min(frame.left(), room.right() - frame.width() + 1))
        y = max(room.top(), min(frame.top(), room.bottom() - frame.height() + 1))
        if (x, y) != (frame.left(), frame.top()):
            self.move(x, y)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        columns = getattr(self, "columns", None)   # (not yet while the window is being built)
        if columns is not None:
            columns.window_resized(event.oldSize().width(), event.size().width())

    def _size_side_panels(self) -> None:
        side = max(240, min(330, int(0.19 * self.width())))
        self.resizeDocks([self.input_dock, self.prediction_dock], [side, side],
                         QtCore.Qt.Orientation.Horizontal)

    def show_training_panel(self) -> None:
        """File ▸ Train a model…: the training panel, docked and tabbed with the prediction."""
        if self.training_panel is None:
            from ..training.panel import TrainingPanel  # its module imports the ml layer's config
            self.training_panel = TrainingPanel(self.jobs)
            self.training_panel.modelTrained.connect(self.session.adopt_trained)
            if self.settings is not None:
                self.training_panel.data_edit.setText(str(self.settings.value("data_folder", "") or ""))
            self.training_dock = self.add_panel(tr("Train a model"), "trainingDock", self.training_panel,
                                                QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
            self.window_actions.panels_menu.addAction(self._menu_action(self.training_dock))
            self._place_training_dock()
        self.training_dock.show()
        self.training_dock.raise_()

    def _place_training_dock(self) -> None:
        """Beside the prediction, never over it: the learner watches the answer while a model trains
        (tabbed with the prediction, the panel hid it; below it, it squeezed the prediction's plots).
        A tab of an analysis column open on the right when there is one, else a column of its own
        at the panel's width, right of the prediction."""
        dock = self.training_dock
        if dock.isFloating():
            return
        right = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
        column = next((d for d in (self.dock(spec.object_name) for spec in PANELS)
                       if not d.isHidden() and not d.isFloating() and self.dockWidgetArea(d) == right),
                      None)
        if column is not None:
            self.tabifyDockWidget(column, dock)
            return
        self.splitDockWidget(self.prediction_dock, dock, QtCore.Qt.Orientation.Horizontal)
        dock.show()
        # Once laid out (Qt splits the prediction's width first): the panel's width, from the layers.
        QtCore.QTimer.singleShot(0, lambda: self.resizeDocks(
            [self.prediction_dock, dock], [self.prediction_dock.width(), TRAINING_WIDTH],
            QtCore.Qt.Orientation.Horizontal))

    # --- the automation surface (scripts and tests) -------------------------------------------
    @property
    def trace(self) -> Trace | None:
        return self.state.trace

    @property
    def network(self) -> Network:
        return self.state.network

    @property
    def image28(self) -> np.ndarray | None:
        return self.state.image

    @property
    def unsaved(self) -> bool:
        return self.session.unsaved

    @property
    def model_name(self) -> str:
        return self.session.model_name

    @property
    def model_source(self) -> str | None:
        return self.session.model_source

    def set_network(self, network: Network, **kwargs) -> None:
        self.session.set_network(network, **kwargs)

    def show_input(self, image28: np.ndarray | None) -> None:
        self.session.show_input(image28)

    def show_trace(self, trace: Trace | None) -> None:
        """Show an already computed trace in every view (the redraw the benchmark times)."""
        self.session.show_trace(trace)

    def load_model(self, path: str | Path, options=None) -> None:
        self.session.load_model(path, options)

    def open_image(self, path: str | Path) -> None:
        self.session.open_image(path)

    def save_model_as(self, path: str | Path) -> Path:
        return self.session.save_model_as(path)

    def finish_saving(self, timeout_ms: int = 60_000) -> bool:
        return self.session.finish_saving(timeout_ms)

    def export_trace(self, path: str | Path) -> Path:
        return self.session.export_trace(path)

    def save_session(self, path: str | Path) -> Path:
        """Write what the window shows as a ``.lstmview`` session file (README, "Sessions"); what it
        cannot keep (a model trained here and not saved) is said in the status bar."""
        from .session_io import save
        written, notes = save(self, path)
        message = tr("Saved the session as {path}.", path=written)
        self.statusBar().showMessage(" ".join([message, *notes]), 10000)
        return written

    def open_session(self, path: str | Path) -> bool:
        """Restore a ``.lstmview`` session: its model, input, row, selection, pinned A, options, panels
        and lesson step. What it cannot restore is said in a message; a file that is not a session
        changes nothing. False when nothing was restored."""
        from .session_io import open_session
        try:
            notes = open_session(self, path)
        except UserError as exc:
            self._show_failure(tr("Could not open the session"), exc)
            return False
        if notes:
            QtWidgets.QMessageBox.information(self, tr("Session"), "\n\n".join(notes))
        else:
            self.statusBar().showMessage(tr("Opened the session {name}.", name=Path(path).name), 6000)
        return True

    def export_png(self, path: str | Path) -> Path:
        from ..state import file_ops
        path = Path(file_ops.with_suffix(str(path), ".png"))
        picture = self.grab()
        file_ops.write_atomically(path, lambda tmp: _save_pixmap(picture, tmp))
        return path

    def show_first_sample(self) -> bool:
        """Select the first sample (launch shows a traced digit); False when there are none."""
        self.samples.select_first()
        return self.trace is not None

    # --- messages -----------------------------------------------------------------------------
    def _show_message(self, text: str, timeout_ms: int) -> None:
        if text:
            self.statusBar().showMessage(text, timeout_ms)
        else:
            self.statusBar().clearMessage()

    def _show_failure(self, title: str, error: BaseException) -> None:
        QtWidgets.QMessageBox.critical(self, title, describe_error(error))

    def _update_title(self) -> None:
        star = " *" if self.session.unsaved else ""
        info = describe_model(self.network)
        # The application's name last: window systems append it to a title that does not end with it.
        self.setWindowTitle(f"{self.session.model_name}{star} ({info}) — lstm-viewer")
        self.model_info.setText(describe_briefly(self.network))
        self.model_info.setToolTip(f"{info}\n\n{_model_tooltip(self.network, self.session.model_source)}")

    # --- settings -----------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        settings = self.settings
        if settings is None:
            return
        geometry = settings.value("geometry")
        if isinstance(geometry, QtCore.QByteArray):
            self.restoreGeometry(geometry)
        layout = settings.value("layout")
        if isinstance(layout, QtCore.QByteArray):
            self.restoreState(layout, LAYOUT_VERSION)
        self.state.show_gates = _as_bool(settings.value("show_gates", False))
        self.state.rank_by_magnitude = _as_bool(settings.value("rank_by_magnitude", False))

    def _save_settings(self) -> None:
        settings = self.settings
        if settings is None:
            return
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("layout", self.saveState(LAYOUT_VERSION))
        settings.setValue("show_gates", self.state.show_gates)
        settings.setValue("rank_by_magnitude", self.state.rank_by_magnitude)
        source = self.session.model_source
        if source and not self.session.unsaved and Path(source).is_file():
            settings.setValue("last_model", str(Path(source).resolve()))
        if self.training_panel is not None:   # empty: the default ($LSTM_VIEWER_MNIST, Keras), no override
            if self.training_panel.data_folder():
                settings.setValue("data_folder", self.training_panel.data_folder())
            else:
                settings.remove("data_folder")
        settings.sync()

    # --- events -------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        name = urls[0]
        try:   # by content, as File ▸ Open model… reads it (a few bytes; a TF1 checkpoint's folder too)
            reader, _target = find_reader(name)
        except UserError:
            self.session.open_image(name)   # a picture, or the image reader says what it is not
            return
        self.session.load_model(name)
        if reader.needs_tensorflow:
            self.statusBar().showMessage(tr("{name} is a {format}: reading it with Keras, which takes a few "
                                            "seconds…", name=Path(name).name, format=tr(reader.format)), 8000)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        self.jobs.resume()
        first = not getattr(self, "_shown_once", False)
        self._shown_once = True
        super().showEvent(event)
        if first and (self.settings is None or self.settings.value("layout") is None):
            self._size_side_panels()
        if first:
            QtCore.QTimer.singleShot(0, lambda: hide_stray_tab_bars(self))
        if getattr(self, "_fit_when_shown", False):   # fit_to_screen before the frame was known
            self._fit_when_shown = False
            QtCore.QTimer.singleShot(0, self.fit_to_screen)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        """The one shutdown path: settle the user's model, then cancel every job and wait (bounded)."""
        if not self.session.finish_saving():
            QtWidgets.QMessageBox.information(
                self, tr("Still saving"), tr("The model is still being saved. Close again when it is done."))
            event.ignore()
            return
        if not self._may_stop_training() or not self._may_discard_model():
            event.ignore()
            return
        self.stepper.play_button.setChecked(False)
        self._save_settings()
        self.hide()   # waiting for a stopping thread must not look like a frozen window
        self.jobs.shutdown(SHUTDOWN_WAIT_MS)
        self.session.close()   # the temporary file of a model trained here (asked about above)
        super().closeEvent(event)

    def _may_stop_training(self) -> bool:
        """Quitting while a model trains would throw the run away: ask first, with how far it got
        (Stop and quit / Keep training). Stop cancels the run; closing then waits for it."""
        panel = self.training_panel
        if panel is None or not panel.busy:
            return True
        buttons = QtWidgets.QMessageBox.StandardButton
        text = panel.quit_question()

        def name_the_buttons() -> None:   # the standard box, its two buttons said the panel's way
            box = QtWidgets.QApplication.activeModalWidget()
            if isinstance(box, QtWidgets.QMessageBox) and box.text() == text:
                box.button(buttons.Yes).setText(tr("Stop and quit"))
                box.button(buttons.No).setText(tr("Keep training"))

        QtCore.QTimer.singleShot(0, name_the_buttons)
        answer = QtWidgets.QMessageBox.question(self, tr("Training"), text, buttons.Yes | buttons.No,
                                                buttons.No)
        if answer != buttons.Yes:
            return False
        panel.cancel()
        return True

    def _may_discard_model(self) -> bool:
        """A model trained here and not saved is lost on close: ask first (Save / Discard / Cancel)."""
        if not self.session.unsaved:
            return True
        buttons = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self, tr("Unsaved model"),
            tr("{name} was trained here and is not saved. Save it first?", name=self.session.model_name),
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            self.window_actions.ask_and_save_model(in_background=False)   # the window waits for it
            return not self.session.unsaved    # the dialog was cancelled or saving failed: stay open
        return answer == buttons.Discard


def _model_tooltip(network: Network, source: str | None) -> str:
    """The model information in full: where it came from and what the reader decided."""
    meta = network.metadata
    lines = [tr("{format}: {layers}", format=tr(meta.get('format', 'Keras model')),
                layers=network.describe())]
    if source:
        lines.append(tr("from {source}", source=source))
    if "forget_bias" in meta:   # one number, or one per layer when the cells differ
        value = meta["forget_bias"]
        shown = ", ".join(f"{v:g}" for v in value) if isinstance(value, (tuple, list)) else f"{value:g}"
        lines.append(tr("forget_bias {value} ({source}), added to the f gate's bias: the TF1 cell computes "
                        "f = σ(z_f + forget_bias)", value=shown, source=meta.get('forget_bias_from', '')))
    scaling = {"the file": N_("input: {scaling}, recorded in the file"),
               "you": N_("input: {scaling}, set by you (Model ▸ Input scaling…)"),
               "not recorded": N_("input: {scaling}, not recorded in the file; Model ▸ Input scaling… to "
                                  "change")}
    how = scaling.get(meta.get('scaling_from'), N_("input: {scaling}, as the model was trained"))
    lines.append(tr(how, scaling=network.describe_scaling()))
    head = meta.get("head")
    if head in ("linear", "log_softmax"):
        lines.append(tr("the head gives logits; the app applies the softmax (the same probabilities)"))
    return "\n".join(lines)


def _heading(text: str) -> QtWidgets.QLabel:
    return QtWidgets.QLabel(f"<b>{text}</b>")


def _placing_order(specs: tuple[PanelSpec, ...]) -> list[PanelSpec]:
    """The order the docks are placed in: columns beside a dock first, then the docks below another
    (several below the same dock: the last in the table first, so they stand in the table's order
    beneath it), then tabs: splitting a tabbed dock placed both off the window."""
    beside = [s for s in specs if s.placement.how == "beside"]
    below = [s for s in reversed(specs) if s.placement.how == "below"]
    tabs = [s for s in specs if s.placement.how == "tab"]
    return beside + below + tabs


def _scrolling(widget: QtWidgets.QWidget) -> QtWidgets.QScrollArea:
    area = QtWidgets.QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    # Text wraps to the width; plots hold their minimum width (style.hold_layout_width), so a panel
    # narrower than that scrolls sideways instead of cutting them off.
    area.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setWidget(widget)
    return area


def _as_bool(value) -> bool:
    return value in (True, "true", "1", 1)


def _save_pixmap(picture: QtGui.QPixmap, path: Path) -> None:
    if not picture.save(str(path), "PNG"):
        raise OSError(f"Qt could not write {path}")
