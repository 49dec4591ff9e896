"""Train a new model from the window: presets, fields, progress with ETA, live curves, cancel.

The panel is a plain ``QWidget`` (testable on its own with a ``JobRunner``) that the main window puts
in a dock: a dock is not modal, so the learner keeps drawing and stepping with the current model
while the new one trains, and it stays attached to the window instead of getting lost behind it.

Everything here runs on the GUI thread; the work itself runs in a training process (MNIST,
TensorFlow's import, the CLI's own ``training.train``: ``ml.train_process``), followed by a job of the
one runner (``training_job``: progress, cancel, the trained file read back as a ``Network``), so
TensorFlow is never imported in the window's process. The GUI thread only stores each batch's
numbers and redraws at most 10 times a second.
"""
from __future__ import annotations

import os
from typing import Any

from PyQt6 import QtCore, QtGui, QtWidgets
from superqt.utils import qthrottled, signals_blocked

from ...core.data import ENV_VAR, resolve_source
from ...core.i18n import N_, tr
from ...ml.progressbar import format_seconds
from ...ml.training import Progress, TrainConfig
from ..plots import style
from ..state.jobs import Job, JobRunner, describe_error
from .curves import TrainingCurves
from .job import TrainedModel, training_job

# By key (the combo's data); the names shown are PRESET_NAMES', translated.
PRESETS: dict[str, dict[str, Any]] = {
    # Well under a minute on 2 cores; batch 32 at lr 0.01 measured 91% on the test set (batch 64 at
    # 0.003: 74%), enough to read most drawings.
    "quick": dict(layers=1, units=64, keep_prob=1.0, epochs=1, batch_size=32, lr=1e-2, samples=10_000),
    # The original network: 3 stacked LSTMs of 256 units, as the CLI trains it by default.
    "seed": dict(layers=3, units=256, keep_prob=1.0, epochs=1, batch_size=64, lr=1e-3, samples=60_000),
}
CUSTOM = "custom"   # the fields edited by hand
PRESET_NAMES = {"quick": N_("Quick"), "seed": N_("Seed"), CUSTOM: N_("Custom")}
REDRAW_MS = 100   # curves and progress bar at most 10 times a second, however fast batches come
BAR_TEXT_MARGIN = 4   # pixels kept free on each side of the progress bar's text


def default_data_text() -> str:
    """Where MNIST comes from when the data field is empty: ``$LSTM_VIEWER_MNIST``, else Keras."""
    source = resolve_source(None)
    if source is not None:
        return tr("{path} (from ${variable})", path=source, variable=ENV_VAR)
    return tr("Keras cache (downloads when online)")


def rough_time(seconds: float) -> str:
    """A time left as people say it: "40 s", "3 min", "1 h 05 min"; "?" when not known yet."""
    if seconds != seconds:
        return "?"
    seconds = int(round(seconds))
    if seconds < 60:
        return tr("{seconds} s", seconds=seconds)
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return tr("{minutes} min", minutes=minutes)
    return tr("{hours} h {minutes:02d} min", hours=minutes // 60, minutes=minutes % 60)


class TrainingPanel(QtWidgets.QWidget):
    """Fields, Start/Cancel, progress and curves. Emits ``modelTrained`` when a run succeeds."""

    # network, its temporary file (ml.train_process.TrainedFile: Save model as… copies it; whoever
    # keeps it owns it), description, its training history (or None)
    modelTrained = QtCore.pyqtSignal(object, object, str, object)
    busyChanged = QtCore.pyqtSignal(bool)

    def __init__(self, runner: JobRunner, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.runner = runner
        self._worker: Job | None = None
        self._latest: Progress | None = None
        self._applying_preset = False
        self._build_fields()
        self._build_controls()
        # Curves and progress bar drawn at most once per REDRAW_MS, the last batch included.
        self._redraw_soon = qthrottled(self._on_redraw, timeout=REDRAW_MS, leading=False, parent=self)
        self.preset_combo.setCurrentIndex(self.preset_combo.findData("quick"))
        self._on_preset_chosen()

    # --- layout -------------------------------------------------------------------------------
    def _build_fields(self) -> None:
        form = QtWidgets.QFormLayout()
        self.preset_combo = QtWidgets.QComboBox(objectName="presetCombo")
        for key in (*PRESETS, CUSTOM):
            self.preset_combo.addItem(tr(PRESET_NAMES[key]), key)
        self.preset_combo.setToolTip(tr("Quick: 1 × 64 units, 1 epoch on 10,000 digits (under a minute).\n"
                                        "Seed: 3 × 256 units on all 60,000 digits, as in the original."))
        self.preset_combo.currentIndexChanged.connect(self._on_preset_chosen)
        form.addRow(tr("Preset"), self.preset_combo)

        def spin(name: str, low: float, high: float, tip: str, decimals: int = 0,
                 step: float = 1) -> QtWidgets.QAbstractSpinBox:
            box = QtWidgets.QDoubleSpinBox() if decimals else QtWidgets.QSpinBox()
            if decimals:
                box.setDecimals(decimals)
            box.setObjectName(name)
            box.setRange(low, high)
            box.setSingleStep(step)
            box.setToolTip(tip)
            box.valueChanged.connect(self._on_field_edited)
            return box

        self.layersSpin = spin("layersSpin", 1, 16, tr("How many LSTM layers are stacked (the seed has 3)"))
        self.unitsSpin = spin("unitsSpin", 1, 4096, tr("Units (the size of c and h) in every layer"), step=16)
        self.keepProbSpin = spin("keepProbSpin", 0.05, 1.0, tr("Dropout after each layer: the chance a "
                                 "unit's output is kept while training (1 = no dropout)"), 2, 0.05)
        self.epochsSpin = spin("epochsSpin", 1, 100, tr("Passes over the training digits"))
        self.batchSpin = spin("batchSpin", 1, 4096, tr("Digits per training step"), step=16)
        self.lrSpin = spin("lrSpin", 0.00001, 0.5, tr("Adam's learning rate; lower it if the loss "
                           "becomes NaN"), 5, 0.0005)
        self.samplesSpin = spin("samplesSpin", 100, 60_000, tr("How many of the 60,000 training digits "
                                "to learn from (fewer is faster)"), step=1000)
        self.samplesSpin.setGroupSeparatorShown(True)
        for label, box in ((tr("Layers"), self.layersSpin), (tr("Units per layer"), self.unitsSpin),
                           (tr("Keep prob"), self.keepProbSpin), (tr("Epochs"), self.epochsSpin),
                           (tr("Batch size"), self.batchSpin), (tr("Learning rate"), self.lrSpin),
                           (tr("Training digits"), self.samplesSpin)):
            form.addRow(label, box)

        # Empty means the default (``$LSTM_VIEWER_MNIST``, then the Keras cache), shown as the
        # placeholder: the field holds only a folder chosen here, the one the window remembers.
        self.data_edit = QtWidgets.QLineEdit("", objectName="dataEdit")
        self.data_edit.setPlaceholderText(default_data_text())
        self.data_edit.setToolTip(tr("MNIST: a folder with the four IDX files, or an mnist.npz. Empty: "
                                     "${variable}, then the Keras cache (downloading when online)",
                                     variable=ENV_VAR))
        self.browse_button = QtWidgets.QPushButton(tr("Browse…"), objectName="dataBrowseButton")
        self.browse_button.setToolTip(tr("Choose the folder that holds the MNIST IDX files"))
        self.browse_button.clicked.connect(self._on_browse)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.data_edit, 1)
        row.addWidget(self.browse_button)
        form.addRow(tr("MNIST data"), row)
        self._fields = [self.preset_combo, self.layersSpin, self.unitsSpin, self.keepProbSpin,
                        self.epochsSpin, self.batchSpin, self.lrSpin, self.samplesSpin,
                        self.data_edit, self.browse_button]
        self._form = form

    def _build_controls(self) -> None:
        self.start_button = QtWidgets.QPushButton(tr("Train"), objectName="trainStartButton")
        self.start_button.setToolTip(tr("Train a new model with these settings; the current one stays "
                                        "in use until it is done"))
        self.start_button.clicked.connect(lambda _checked=False: self.start())
        self.cancel_button = QtWidgets.QPushButton(tr("Cancel"), objectName="trainCancelButton")
        self.cancel_button.setToolTip(tr("Stop after the current batch and keep the current model"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(lambda _checked=False: self.cancel())
        self.progress_bar = QtWidgets.QProgressBar(objectName="trainProgress")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setToolTip(tr("Progress through all batches of all epochs, and the time left"))
        self._set_bar_text([tr("Not started")])
        self.status_label = QtWidgets.QLabel("", objectName="trainStatusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.curves = TrainingCurves()
        self.test_label = QtWidgets.QLabel(tr("Test accuracy: after the first epoch"),
                                           objectName="testAccuracyLabel")
        self.test_label.setToolTip(tr("Accuracy on the 10,000 test digits the network never trains on"))
        self.test_label.setWordWrap(True)

        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(self._form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.curves, 1)
        layout.addWidget(self.test_label)

    # --- public -------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._worker is not None

    def config(self) -> TrainConfig:
        samples = self.samplesSpin.value()
        return TrainConfig(layers=self.layersSpin.value(), units=self.unitsSpin.value(),
                           keep_prob=round(self.keepProbSpin.value(), 4), epochs=self.epochsSpin.value(),
                           batch_size=self.batchSpin.value(), lr=self.lrSpin.value(),
                           limit=None if samples >= 60_000 else samples)

    def start(self) -> bool:
        """Start training with the fields' settings; False (and a message) when it cannot."""
        if self.busy:
            return False
        config = self.config()
        try:
            config.validate()
        except Exception as exc:
            self._show_status(describe_error(exc), error=True)
            return False
        self.curves.reset(config.epochs)
        self.test_label.setText(tr("Test accuracy: after the first epoch"))
        self._latest = None
        self._set_busy(True)
        self._show_status(tr("Starting…"))
        self.progress_bar.setRange(0, 0)   # "working" until the first batch gives a fraction
        self._worker = self.runner.run(training_job(config, self.data_folder() or None),
                                       key="training", on_progress=self._on_progress,
                                       on_done=self._on_finished, on_error=self._on_errored,
                                       on_cancelled=self._on_cancelled)
        if self._worker is None:   # the window is closing
            self._set_busy(False)
            return False
        return True

    def data_folder(self) -> str:
        """The folder typed or chosen here; "" for the default (the environment, then Keras' cache)."""
        return self.data_edit.text().strip()

    def quit_question(self) -> str:
        """What closing the window asks while this panel trains, with how far it got."""
        p = self._latest
        if p is None or not p.eta == p.eta:   # before the first batch, or no pace yet
            return tr("Training has not reached its first batch yet: stop and quit?")
        return tr("Training is {fraction:.0%} done, {left} left: stop and quit?", fraction=p.fraction,
                  left=rough_time(p.eta))

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.cancel_button.setEnabled(False)
            # Before the first batch the training process is ended at once (inside TensorFlow's import,
            # say, it could not stop by itself): no step to wait for any more.
            self._show_status(tr("Cancelling after the current batch…") if self._latest is not None else
                              tr("Stopping the training process…"))

    # --- handlers -----------------------------------------------------------------------------
    def _on_preset_chosen(self, *_args) -> None:
        preset = PRESETS.get(self.preset_combo.currentData())
        if preset is None:
            return
        self._applying_preset = True
        try:
            for box, key in ((self.layersSpin, "layers"), (self.unitsSpin, "units"),
                             (self.keepProbSpin, "keep_prob"), (self.epochsSpin, "epochs"),
                             (self.batchSpin, "batch_size"), (self.lrSpin, "lr"),
                             (self.samplesSpin, "samples")):
                box.setValue(preset[key])
        finally:
            self._applying_preset = False

    def _on_field_edited(self, *_args) -> None:
        if not self._applying_preset and self.preset_combo.currentData() != CUSTOM:
            with signals_blocked(self.preset_combo):   # edited by hand: no longer a preset
                self.preset_combo.setCurrentIndex(self.preset_combo.findData(CUSTOM))

    def _on_browse(self) -> None:
        start = self.data_folder() or str(resolve_source(None) or os.getcwd())
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, tr("Folder with the MNIST files"), start)
        if folder:
            self.data_edit.setText(folder)

    def _on_progress(self, item: object) -> None:
        # Called for every batch: only store; ``_on_redraw`` draws at most 10 times a second.
        if isinstance(item, str):
            self._set_bar_text([item])
            return
        if not isinstance(item, Progress):
            return
        if item.test_accuracy is not None:
            self.curves.add_test_accuracy(item.epoch, item.test_accuracy)
            epochs = ", ".join(tr("epoch {epoch}: {accuracy:.1%}", epoch=e, accuracy=a)
                               for e, a in self.curves.test_points())
            self.test_label.setText(tr("Test accuracy: {epochs}", epochs=epochs))
        else:
            self.curves.add_batch(item)
        self._latest = item
        self._redraw_soon()

    def _on_redraw(self) -> None:
        self.curves.redraw()
        p = self._latest
        if p is not None:
            if self.progress_bar.maximum() == 0:
                self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(round(1000 * p.fraction)))
            values = dict(fraction=p.fraction, epoch=p.epoch, epochs=p.epochs, batch=p.batch,
                          batches=p.batches, left=rough_time(p.eta))
            # The longest that fits the bar (the full one is its tooltip): the panel may be narrow.
            self._set_bar_text([tr("{fraction:.0%} · epoch {epoch}/{epochs} · batch {batch}/{batches} · "
                                   "{left} left", **values),
                                tr("{fraction:.0%} · epoch {epoch}/{epochs} · {left} left", **values),
                                tr("{fraction:.0%} · {left} left", **values),
                                tr("{fraction:.0%}", **values)])
            if self.cancel_button.isEnabled():
                self._show_status(tr("Training… loss {loss:.3f}, accuracy {accuracy:.1%} (elapsed {elapsed})",
                                     loss=p.loss, accuracy=p.accuracy, elapsed=format_seconds(p.elapsed)))

    def _on_finished(self, result: TrainedModel) -> None:
        self._end_run(tr("Done"))
        self.progress_bar.setValue(1000)
        self._show_status(tr("Done: {model}. It became the active model (Save model as… keeps it).",
                             model=result.description))
        self.modelTrained.emit(result.network, result.file, result.description, result.history)

    def _on_errored(self, error: BaseException) -> None:
        self._end_run(tr("Stopped"))
        self._show_status(tr("Training stopped: {reason}. The current model stays in use.",
                             reason=describe_error(error)),
                          error=True)

    def _on_cancelled(self) -> None:
        self._end_run(tr("Cancelled"))
        self._show_status(tr("Cancelled. The current model stays in use."))

    # --- helpers ------------------------------------------------------------------------------
    def _end_run(self, text: str) -> None:
        self._worker = None
        self._redraw_soon.cancel()
        self._on_redraw()    # the last batches, drawn once more
        if self.progress_bar.maximum() == 0:
            self.progress_bar.setRange(0, 1000)
        self._set_bar_text([f"{text} · {self.progress_bar.value() / 10:.0f}%", text])
        self._set_busy(False)

    def _set_bar_text(self, texts: list[str]) -> None:
        """The first of ``texts`` (longest first) that fits the progress bar, else the last elided;
        the first is the bar's tooltip. Measured on the bar's own font and width."""
        self._bar_texts = texts
        bar = self.progress_bar
        room = max(0, bar.contentsRect().width() - 2 * BAR_TEXT_MARGIN)
        metrics = bar.fontMetrics()
        text = next((t for t in texts if metrics.horizontalAdvance(t) <= room), None)
        if text is None:
            text = metrics.elidedText(texts[-1], QtCore.Qt.TextElideMode.ElideRight, room)
        bar.setFormat(text)   # (Qt would fill in %p, %v and %m: none of the texts has them)
        bar.setToolTip(tr("Progress through all batches of all epochs, and the time left") +
                       (f"\n{texts[0]}" if texts[0] != text else ""))

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._set_bar_text(self._bar_texts)   # the bar's width changed: fit its text again

    def _set_busy(self, busy: bool) -> None:
        for widget in self._fields:
            widget.setEnabled(not busy)
        self.start_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.busyChanged.emit(busy)

    def _show_status(self, text: str, error: bool = False) -> None:
        self.status_label.setStyleSheet(f"color: {style.ACCENT};" if error else "")
        self.status_label.setText(text)
