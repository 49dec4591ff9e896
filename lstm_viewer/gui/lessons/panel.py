"""The lesson panel: a lesson's steps one at a time, each setting the window for what it says.

Back and Next move through the steps; each step sets the input, the row, the panels, the selection
and the views framed (``core.lessons``' directives, applied by ``apply_step``), and shows its text
with the model's own numbers filled in (``live``). A step may give the learner something to do
(``@task``): the panel ticks it when the window shows it done. Slow motion reads the rest of the
digit row by row and frames each view as its numbers change (``slow_motion``).
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets
from superqt.utils import qdebounced

from ...core import digits
from ...core.errors import UserError
from ...core.i18n import tr
from ...core.lessons import Lesson, Step, builtin_lessons, fill_live_fields, load_lesson
from ..panels import PANELS
from ..state.jobs import describe_error
from .live import live_values
from .slow_motion import SlowMotion

if TYPE_CHECKING:
    from ..panels import PanelContext

LESSON_FILTER_PATTERNS = "*.md *.markdown *.txt"
_PANEL_DOCKS = {spec.key: spec.object_name for spec in PANELS}


def lesson_filter() -> str:
    return tr("Lessons ({patterns})", patterns=LESSON_FILTER_PATTERNS) + ";;" + tr("All files (*)")


def build_panel(context: PanelContext) -> LessonPanel:
    return LessonPanel(context)


class LessonPanel(QtWidgets.QWidget):
    """One lesson at a time; ``open_lesson(path, step)``, ``go_to(step)``, ``step_index``."""

    stepChanged = QtCore.pyqtSignal(int)

    def __init__(self, context: PanelContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonPanel")
        self.context, self.state = context, context.state
        self.lesson: Lesson | None = None
        self.lesson_path: Path | None = None
        self.step_index = 0
        self._stepped_for = None          # the trace whose row-by-row stepping is cached
        self._stepped = None

        self.chooser = QtWidgets.QComboBox()
        self.chooser.setObjectName("lessonChooser")
        self.chooser.setToolTip(tr("The lessons shipped with lstm-viewer, and those you opened"))
        self.chooser.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.open_button = QtWidgets.QPushButton(tr("Open…"))
        self.open_button.setObjectName("lessonOpenButton")
        self.open_button.setToolTip(tr("Open a lesson file (Markdown with a few directives: README, "
                                       "“Lessons”)"))
        self.progress = QtWidgets.QLabel()
        self.progress.setObjectName("lessonProgressLabel")
        self.text = QtWidgets.QTextBrowser()
        self.text.setObjectName("lessonText")
        self.text.setOpenLinks(False)
        self.text.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.task = QtWidgets.QLabel()
        self.task.setObjectName("lessonTaskLabel")
        self.task.setWordWrap(True)
        self.notice = QtWidgets.QLabel()   # what a step asked of this model that it cannot do
        self.notice.setObjectName("lessonNoticeLabel")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #c92a2a;")
        self.notice.hide()
        self.back_button = QtWidgets.QPushButton(tr("◀ Back"))
        self.back_button.setObjectName("lessonBackButton")
        self.back_button.setToolTip(tr("The previous step (Alt+Left)"))
        self.back_button.setShortcut(QtGui.QKeySequence("Alt+Left"))
        self.next_button = QtWidgets.QPushButton(tr("Next ▶"))
        self.next_button.setObjectName("lessonNextButton")
        self.next_button.setToolTip(tr("The next step (Alt+Right)"))
        self.next_button.setShortcut(QtGui.QKeySequence("Alt+Right"))
        self.play_button = QtWidgets.QPushButton(tr("Slow motion"))
        self.play_button.setObjectName("lessonPlayButton")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip(tr("Read the rest of the digit row by row, slowly, framing each view "
                                       "as its numbers change"))

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.chooser, 1)
        top.addWidget(self.open_button)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.next_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.task)
        layout.addLayout(buttons)

        self.slow_motion = SlowMotion(self.state, self._highlight, self)
        self.slow_motion.finished.connect(self._on_slow_motion_finished)
        self.back_button.clicked.connect(lambda: self.go_to(self.step_index - 1))
        self.next_button.clicked.connect(lambda: self.go_to(self.step_index + 1))
        self.play_button.toggled.connect(self._on_play_toggled)
        self.open_button.clicked.connect(self._on_open)
        self.chooser.activated.connect(self._on_chosen)
        self._refresh_text = qdebounced(self._show_text, timeout=40)
        for event in (self.state.events.trace, self.state.events.row, self.state.events.selection,
                      self.state.events.network):
            event.connect(self._refresh_text)
        for event in (self.state.events.row, self.state.events.selection, self.state.events.show_gates):
            event.connect(self._check_task)
        self._task_poll = QtCore.QTimer(self, interval=300)   # a panel task: no state field to watch
        self._task_poll.timeout.connect(self._check_task)

        for path in builtin_lessons():
            self._add_choice(path)
        if self.chooser.count():
            self.open_lesson(self.chooser.itemData(0), apply=False)

    # --- public -----------------------------------------------------------------------------
    def open_lesson(self, lesson: str | Path | Lesson, step: int = 0, apply: bool = True) -> None:
        """Show ``lesson`` (a file, or one already read) at ``step`` (0-based); a bad file raises
        ``UserError`` and leaves the lesson shown as it was."""
        if isinstance(lesson, Lesson):
            read, path = lesson, None
        else:
            path = Path(lesson)
            read = load_lesson(path)
        self.slow_motion.stop()
        self.lesson, self.lesson_path = read, path
        if path is not None:
            index = self.chooser.findData(path)
            if index < 0:
                self._add_choice(path, read.title)
                index = self.chooser.count() - 1
            self.chooser.setCurrentIndex(index)
        self.step_index = -1
        self.go_to(step, apply=apply)

    def go_to(self, step: int, apply: bool = True) -> None:
        """Step ``step`` (0-based, clamped to the lesson): set the window for it and show its text."""
        if self.lesson is None:
            return
        step = max(0, min(len(self.lesson.steps) - 1, int(step)))
        self.slow_motion.stop()
        self.step_index = step
        current = self.lesson.steps[step]
        if apply:
            self._apply(current)
        self.progress.setText(tr("<b>{lesson}</b> · step {step} of {steps}",
                                 lesson=html.escape(self.lesson.title), step=step + 1,
                                 steps=len(self.lesson.steps)))
        self.back_button.setEnabled(step > 0)
        self.next_button.setEnabled(step < len(self.lesson.steps) - 1)
        self._show_text()
        self._check_task()
        self.stepChanged.emit(step)

    @property
    def current_step(self) -> Step | None:
        return None if self.lesson is None else self.lesson.steps[self.step_index]

    def needed_panels(self) -> list[str]:
        """The panel keys the current step opens (presentation mode shows only these)."""
        step = self.current_step
        return [] if step is None else [d.args[0] for d in step.all("panel")]

    def task_done(self) -> bool | None:
        """Whether the current step's task is done (None: the step has none)."""
        step = self.current_step
        task = None if step is None else step.first("task")
        if task is None:
            return None
        kind, value = task.args
        if kind == "row":
            return self.state.row == value - 1
        if kind == "select":
            return self.state.selection is not None and self.state.selection[0] == value - 1
        if kind == "gates":
            return self.state.show_gates == (value == "on")
        return self.context.panel_open is not None and self.context.panel_open(_PANEL_DOCKS[value])

    # --- applying a step ----------------------------------------------------------------------
    def _apply(self, step: Step) -> None:
        problems = []
        for directive in step.directives:
            name, args = directive.name, directive.args
            if name == "input":
                problems += self._show_input(*args)
            elif name == "gates":
                self.state.show_gates = args[0] == "on"
            elif name == "row":
                self.state.row = args[0] - 1
            elif name == "select":
                problems += self._select(*args)
            elif name == "panel" and self.context.show_panel is not None:
                self.context.show_panel(_PANEL_DOCKS[args[0]])
            elif name == "pin" and self.context.pin is not None:
                self.context.pin()
        self._highlight([d.args for d in step.all("highlight")])
        self.notice.setText("\n".join(problems))
        self.notice.setVisible(bool(problems))

    def _show_input(self, kind: str, value: int) -> list[str]:
        found = _shipped_digit(kind, value)
        if found is None:
            if kind == "test":
                return [tr("Test digit {index} is not among the digits shipped with the app.", index=value)]
            return [tr("No shipped sample of class {digit}.", digit=value)]
        image, index = found
        self.context.show_digit(image, tr("Showing MNIST test digit {index} for the lesson.", index=index))
        return []

    def _select(self, layer: int, unit) -> list[str]:
        network, trace = self.state.network, self.state.trace
        if network is None or layer > len(network.units):
            return [tr("This model has {count} layers: the step's layer {layer} is not there.",
                       count=0 if network is None else len(network.units), layer=layer)]
        if unit == "strongest":
            if trace is None:
                return []
            unit = int(np.argmax(np.abs(trace.h[layer - 1][self.state.row])))
        if unit >= network.units[layer - 1]:
            return [tr("Layer {layer} has {count} units: unit {unit} is not there.", layer=layer,
                       count=network.units[layer - 1], unit=unit)]
        self.state.selection = (layer - 1, unit)
        return []

    def _highlight(self, targets: list[tuple]) -> None:
        if self.context.highlight is not None:
            self.context.highlight(targets)

    # --- the text and the task ----------------------------------------------------------------
    def _show_text(self) -> None:
        step = self.current_step
        if step is None:
            self.text.setMarkdown(tr("No lesson is open."))
            return
        trace = self.state.trace
        if trace is not self._stepped_for:   # the seed's identity, stepped once per input and model
            self._stepped_for = trace
            self._stepped = None if trace is None else self.state.network.step_through_rows(trace.image)
        values = live_values(self.state, self._stepped)
        scroll = self.text.verticalScrollBar().value()
        self.text.setMarkdown(f"### {step.title}\n\n" + fill_live_fields(step.text, values))
        self.text.verticalScrollBar().setValue(scroll)

    def _check_task(self, *_args) -> None:
        step = self.current_step
        task = None if step is None else step.first("task")
        if task is None:
            self.task.setText("")
            self._task_poll.stop()
            return
        if task.args[0] == "panel":
            self._task_poll.start()
        done = self.task_done()
        self.task.setText(tr("✓ Done. Press Next ▶ when you are ready.") if done else _task_text(*task.args))
        if done:
            self._task_poll.stop()

    # --- lessons to choose from ------------------------------------------------------------------
    def _add_choice(self, path: Path, title: str | None = None) -> None:
        if title is None:
            try:
                title = load_lesson(path).title
            except UserError:
                title = path.stem
        self.chooser.addItem(title, path)

    def _on_chosen(self, index: int) -> None:
        path = self.chooser.itemData(index)
        if path is None or path == self.lesson_path:
            return
        try:
            self.open_lesson(path)
        except UserError as exc:
            QtWidgets.QMessageBox.warning(self, tr("Could not open the lesson"), describe_error(exc))

    def _on_open(self) -> None:
        if self.context.ask_open_path is None:
            return
        path = self.context.ask_open_path(tr("Open a lesson"), lesson_filter())
        if not path:
            return
        try:
            self.open_lesson(path)
        except UserError as exc:
            QtWidgets.QMessageBox.warning(self, tr("Could not open the lesson"), describe_error(exc))

    # --- slow motion ------------------------------------------------------------------------------
    def _on_play_toggled(self, playing: bool) -> None:
        if playing:
            self.slow_motion.start()
        else:
            self.slow_motion.stop()

    def _on_slow_motion_finished(self) -> None:
        self.play_button.setChecked(False)
        step = self.current_step
        self._highlight([] if step is None else [d.args for d in step.all("highlight")])


def _task_text(kind: str, value) -> str:
    """The learner's task in words (what ``@task`` asks), to be ticked when done."""
    if kind == "row":
        return tr("☐ Your turn: step to row {row} (← →).", row=value)
    if kind == "select":
        return tr("☐ Your turn: click a unit of layer {layer}.", layer=value)
    if kind == "gates":
        if value == "on":
            return tr("☐ Your turn: show the gates (G).")
        return tr("☐ Your turn: hide the gates (G).")
    title = next((tr(spec.title) for spec in PANELS if spec.key == value), value)
    return tr("☐ Your turn: open “{panel}” (Explain menu).", panel=title)


def _shipped_digit(kind: str, value: int) -> tuple[np.ndarray, int] | None:
    """(image in [0, 1], its MNIST test index) of the shipped digit a directive names, or None."""
    sets = [s for s in (digits.load_samples(), digits.offline_test_digits()) if s is not None]
    for digit_set in sets:
        if kind == "test":
            found = np.flatnonzero(digit_set.ids == value)
        else:
            found = np.flatnonzero(digit_set.labels == value)
        if found.size:
            k = int(found[0])
            return digit_set.image(k), int(digit_set.ids[k])
    return None
