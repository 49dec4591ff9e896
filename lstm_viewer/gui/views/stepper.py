"""Stepping through the 28 rows: slider, Previous/Next, Play/Pause with a speed, and the actions for keys.

The current row lives in the view state (``state.row``). Buttons, keys, the play timer and the slider
write it there; the slider and its label follow it (the slider blocks its own signal while it does).
"""
from __future__ import annotations

from PyQt6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from ...core.i18n import ntr, tr
from ..state.view_state import ViewState

ROWS = 28
SLIDER_PIXELS_PER_ROW = 4   # the slider's least width: a row a few pixels apart, still hit by a drag
SPEEDS = ((1, 1000), (2, 500), (4, 250), (8, 125), (16, 62))   # (rows a second, interval in ms)


class StepperBar(QtWidgets.QWidget):
    """Row controls. ``row()`` is 0-based (0..27); labels show it 1-based as a learner counts rows."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        self.prev_button = self._button("◀", "prevRowButton", tr("Previous row (Left)"))
        self.play_button = self._button(tr("▶ Play"), "playButton", tr("Play / Pause (Space)"))
        self.play_button.setCheckable(True)
        # Wide enough for either text shown (Play / Pause), in the language shown.
        metrics = self.play_button.fontMetrics()
        self.play_button.setMinimumWidth(max(80, 24 + max(metrics.horizontalAdvance(text)
                                                           for text in (tr("▶ Play"), tr("❚❚ Pause")))))
        self.next_button = self._button("▶", "nextRowButton", tr("Next row (Right)"))
        # The arrows need no button of the style's 80-pixel text width: that room goes to the slider.
        arrows = max(metrics.horizontalAdvance(text) for text in ("◀", "▶")) + 24
        for button in (self.prev_button, self.next_button):
            button.setFixedWidth(max(arrows, button.sizeHint().height()))
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setObjectName("rowSlider")
        self.slider.setRange(0, ROWS - 1)
        self.slider.setValue(state.row)
        self.slider.setPageStep(7)
        self.slider.setTickPosition(QtWidgets.QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(7)
        self.slider.setToolTip(tr("The row the network has just read (Home / End: first / last row)"))
        # Never squeezed to its handle by the labels beside it (a narrow middle column in Chinese).
        self.slider.setMinimumWidth(max(self.slider.sizeHint().width(), SLIDER_PIXELS_PER_ROW * ROWS))
        self.row_label = QtWidgets.QLabel()
        self.row_label.setObjectName("rowLabel")
        self.row_label.setAutoFillBackground(True)   # opaque: a new row repaints it, not the bar under it
        # Fixed in both directions: a new text then never re-lays out the window.
        widest = tr("row {row} of {rows}", row=ROWS, rows=ROWS)   # as shown, in the language shown
        self.row_label.setFixedSize(self.row_label.fontMetrics().horizontalAdvance(widest) + 12,
                                    self.row_label.sizeHint().height())
        self.speed = QtWidgets.QComboBox()
        self.speed.setObjectName("speedCombo")
        self.speed.setToolTip(tr("Playback speed"))
        for rate, interval in SPEEDS:
            self.speed.addItem(ntr("{count} row/s", "{count} rows/s", rate), interval)
        self.speed.setCurrentIndex(2)
        for widget in (self.prev_button, self.play_button, self.next_button):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.row_label)
        layout.addWidget(self.speed)

        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._on_tick)
        self.prev_button.clicked.connect(self.step_back)
        self.next_button.clicked.connect(self.step_forward)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.speed.currentIndexChanged.connect(self._on_speed_changed)
        self.slider.valueChanged.connect(self.set_row)
        state.events.row.connect(self._on_row)
        self._on_row(state.row)

    def _button(self, text: str, name: str, tip: str) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)  # keep Space for Play, not "click focused"
        return button

    # --- public -----------------------------------------------------------------------------
    def row(self) -> int:
        return self.state.row

    def set_row(self, row: int) -> None:
        self.state.row = max(0, min(ROWS - 1, row))

    def step_back(self) -> None:
        self.set_row(self.row() - 1)

    def step_forward(self) -> None:
        self.set_row(self.row() + 1)

    def first(self) -> None:
        self.set_row(0)

    def last(self) -> None:
        self.set_row(ROWS - 1)

    def toggle_play(self) -> None:
        self.play_button.toggle()

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def make_actions(self, parent: QtWidgets.QWidget) -> list[QtGui.QAction]:
        """Window-wide key actions (Left/Right, Home/End, Space), for the Step menu."""
        actions = []
        for text, key, slot in ((tr("Previous row"), "Left", self.step_back),
                                (tr("Next row"), "Right", self.step_forward),
                                (tr("First row"), "Home", self.first),
                                (tr("Last row"), "End", self.last),
                                (tr("Play / Pause"), "Space", self.toggle_play)):
            action = QtGui.QAction(text, parent)
            action.setShortcut(QtGui.QKeySequence(key))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            parent.addAction(action)
            actions.append(action)
        return actions

    # --- handlers -----------------------------------------------------------------------------
    def _on_row(self, row: int) -> None:
        with signals_blocked(self.slider):
            self.slider.setValue(row)
        self.row_label.setText(tr("row {row} of {rows}", row=row + 1, rows=ROWS))

    def _on_play_toggled(self, playing: bool) -> None:
        if playing:
            if self.row() == ROWS - 1:
                self.set_row(0)   # Play at the end starts over, as a video player does
            self._timer.start(self.speed.currentData())
        else:
            self._timer.stop()
        self.play_button.setText(tr("❚❚ Pause") if playing else tr("▶ Play"))

    def _on_tick(self) -> None:
        if self.row() >= ROWS - 1:
            self.play_button.setChecked(False)
            return
        self.step_forward()

    def _on_speed_changed(self, _index: int) -> None:
        if self._timer.isActive():
            self._timer.setInterval(self.speed.currentData())
