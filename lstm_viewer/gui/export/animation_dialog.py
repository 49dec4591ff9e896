"""File ▸ Export animation…: what to show, what moves, how fast and how large; then a file name.

What is shown: the whole window, a main view (the layers, the softmax, the stack's state, the input)
or one of the analysis panels open now. What moves: the rows 1 → 28 (the read of the input shown), or
the training timeline when the model has a history (every snapshot, at the row shown). The format
follows the file's suffix (.gif or .mp4; the dialog's choice proposes it). The export itself is
``animation.AnimationExport``: progress, Cancel, atomic file, the user's row shown again.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PyQt6 import QtWidgets

from ...core.i18n import ntr, tr
from ..state.jobs import describe_error
from .animation import (
    CAPTION_HEIGHT,
    DEFAULT_FPS,
    MAX_FPS,
    ROWS_KIND,
    TIMELINE_KIND,
    AnimationExport,
    FrameMaker,
    animation_name,
)
from .figures import SCALES, view_widget
from .views import MAIN_VIEWS, WINDOW, format_of, panel_dock_name, view_keys, view_title

SUFFIXES = (".gif", ".mp4")   # the format combo's entries, in order


@dataclass(frozen=True)
class AnimationChoice:
    view: str        # "window", a main view's key or a panel's
    kind: str        # "rows" or "timeline"
    fps: float
    scale: int
    suffix: str      # ".gif" or ".mp4"


class AnimationDialog(QtWidgets.QDialog):
    """The choices of an animation (``choice()``); the file name is asked for after it."""

    def __init__(self, window, view: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.setObjectName("animationDialog")
        self.setWindowTitle(tr("Export animation"))
        form = QtWidgets.QFormLayout(self)

        self.view_combo = QtWidgets.QComboBox()
        self.view_combo.setObjectName("animationViewCombo")
        for key in shown_views(window):
            self.view_combo.addItem(view_title(key, window), key)
        if view is not None and self.view_combo.findData(view) >= 0:
            self.view_combo.setCurrentIndex(self.view_combo.findData(view))
        form.addRow(tr("Show"), self.view_combo)

        self.kind_combo = QtWidgets.QComboBox()
        self.kind_combo.setObjectName("animationKindCombo")
        self.kind_combo.addItem(tr("The rows 1 → 28, as the network reads them"), ROWS_KIND)
        history = window.state.history
        if history is not None:
            self.kind_combo.addItem(ntr("The training timeline ({count} snapshot)",
                                        "The training timeline ({count} snapshots)", len(history)),
                                    TIMELINE_KIND)
        form.addRow(tr("Moving through"), self.kind_combo)

        self.fps_spin = QtWidgets.QDoubleSpinBox()
        self.fps_spin.setObjectName("animationFpsSpin")
        self.fps_spin.setRange(0.5, MAX_FPS)
        self.fps_spin.setDecimals(1)
        self.fps_spin.setSingleStep(1.0)
        self.fps_spin.setValue(DEFAULT_FPS)
        self.fps_spin.setSuffix(tr(" frames a second"))
        form.addRow(tr("Speed"), self.fps_spin)

        self.scale_combo = QtWidgets.QComboBox()
        self.scale_combo.setObjectName("animationScaleCombo")
        for scale in SCALES:
            self.scale_combo.addItem(tr("{scale}× the screen's pixels", scale=scale), scale)
        form.addRow(tr("Size"), self.scale_combo)

        self.format_combo = QtWidgets.QComboBox()
        self.format_combo.setObjectName("animationFormatCombo")
        self.format_combo.addItem(tr("Animated GIF (.gif): plays in slides and web pages"))
        self.format_combo.addItem(tr("MP4 video (.mp4): smaller, sharper, needs a video player"))
        for index, suffix in enumerate(SUFFIXES):   # by suffix, never by the text shown
            self.format_combo.setItemData(index, suffix)
        form.addRow(tr("Format"), self.format_combo)

        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("animationSummary")
        self.summary.setWordWrap(True)
        form.addRow(self.summary)

        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText(tr("Export…"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for combo in (self.view_combo, self.kind_combo, self.scale_combo):
            combo.currentIndexChanged.connect(self._update_summary)
        self.fps_spin.valueChanged.connect(self._update_summary)
        self._update_summary()

    def choice(self) -> AnimationChoice:
        return AnimationChoice(view=self.view_combo.currentData(), kind=self.kind_combo.currentData(),
                               fps=float(self.fps_spin.value()), scale=int(self.scale_combo.currentData()),
                               suffix=self.format_combo.currentData())

    def _update_summary(self, *_args) -> None:
        choice = self.choice()
        count = len(self.window.state.history) if choice.kind == TIMELINE_KIND else 28
        width, height = self._frame_size(choice)
        self.summary.setText(ntr("{count} frame of {width} × {height} pixels, {seconds} s.",
                                 "{count} frames of {width} × {height} pixels, {seconds} s.", count,
                                 width=width, height=height, seconds=f"{count / choice.fps:.1f}"))

    def _frame_size(self, choice: AnimationChoice) -> tuple[int, int]:
        dock = panel_dock_name(choice.view)
        if dock is not None and self.window.dock(dock).isHidden():
            return 0, 0
        widget = view_widget(self.window, choice.view, as_on_screen=True)
        caption = CAPTION_HEIGHT if (choice.view != WINDOW or choice.kind == TIMELINE_KIND) else 0
        return widget.width() * choice.scale, (widget.height() + caption) * choice.scale


def shown_views(window) -> list[str]:
    """The window, the main views, then the analysis panels open now (in the table's order)."""
    keys = [WINDOW, *MAIN_VIEWS]
    for key in view_keys():
        dock = panel_dock_name(key)
        if dock is not None and not window.dock(dock).isHidden():
            keys.append(key)
    return keys


def export_animation(window, view: str | None = None) -> AnimationExport | None:
    """File ▸ Export animation…: the dialog, a file name, then the export (returned; None when the user
    cancelled a dialog or the file name cannot be written)."""
    dialog = AnimationDialog(window, view)
    try:
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        choice = dialog.choice()
    finally:
        dialog.deleteLater()
    filters = {".gif": tr("Animated GIF ({patterns})", patterns="*.gif"),
               ".mp4": tr("MP4 video ({patterns})", patterns="*.mp4")}
    ordered = [filters[choice.suffix]] + [text for suffix, text in filters.items() if suffix != choice.suffix]
    name, chosen = window.window_actions.ask_save_path(
        tr("Export animation"), animation_name(choice.view, window.state, choice.kind, choice.suffix),
        ";;".join(ordered))
    if not name:
        return None
    path = Path(name)
    if not path.suffix:   # no suffix typed: the format of the filter chosen
        suffix = next((s for s, text in filters.items() if text == chosen), choice.suffix)
        path = path.with_name(path.name + suffix)
    try:
        format_of(path)
        export = AnimationExport(window, FrameMaker(window, choice.view, choice.kind, choice.scale), path,
                                 choice.fps)
    except Exception as exc:
        QtWidgets.QMessageBox.critical(window, tr("Export animation"), describe_error(exc))
        return None
    export.ended.connect(lambda outcome, e=export: _report(window, e, outcome))
    export.start()
    return export


def _report(window, export: AnimationExport, outcome) -> None:
    if outcome.error is not None:
        QtWidgets.QMessageBox.critical(window, tr("Export animation"), describe_error(outcome.error))
    else:
        window.statusBar().showMessage(export.describe(), 8000)
    export.deleteLater()

