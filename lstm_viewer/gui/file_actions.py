"""The window's File menu: open/save models, open an image, export the view and the trace, train.

Each action has a dialog-free method (``load_model``, ``save_model_as``, ``export_png``,
``export_trace``) that scripts and tests call; the ``_on_*`` handlers only add the file dialog.
"""
from __future__ import annotations

from pathlib import Path

from PyQt6 import QtCore, QtGui, QtWidgets

from ..core.errors import UserError
from . import file_ops
from .workers import describe_error

MODEL_FILTER = "Keras models (*.keras);;All files (*)"


class FileActions:
    """Mixin for ``MainWindow`` (uses ``self.network``, ``self.trace``, ``self.jobs``, ``set_network``)."""

    def build_file_actions(self, menu: QtWidgets.QMenu) -> None:
        self._saving: _Save | None = None   # a save in progress
        def action(text: str, shortcut: str | None, slot, name: str, tip: str) -> QtGui.QAction:
            act = QtGui.QAction(text, self)
            act.setObjectName(name)
            if shortcut:
                act.setShortcut(QtGui.QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            self.addAction(act)
            menu.addAction(act)
            return act

        self.openModelAction = action("&Open model…", "Ctrl+O", self._on_open_model, "openModelAction",
                                      "Open a .keras LSTM model")
        self.saveModelAction = action("&Save model as…", "Ctrl+S", self._on_save_model,
                                      "saveModelAction", "Save the current model as a .keras file")
        menu.addSeparator()
        self.openImageAction = action("Open &image…", "Ctrl+I", self._on_open_image, "openImageAction",
                                      "Read a digit from a PNG or JPEG file")
        self.exportPngAction = action("&Export view as PNG…", "Ctrl+E", self._on_export_png,
                                      "exportPngAction", "Save a picture of the window")
        self.exportTraceAction = action("Export &trace as .npz…", "Ctrl+Shift+E", self._on_export_trace,
                                        "exportTraceAction",
                                        "Save image, h, c, gates and probs (as `inspect --out`)")
        menu.addSeparator()
        self.trainAction = action("&Train a model…", "Ctrl+T", self._on_train, "trainAction",
                                  "Train a new LSTM on MNIST")
        menu.addSeparator()
        action("&Quit", "Ctrl+Q", self.close, "quitAction", "Close the window")

    # --- dialog-free --------------------------------------------------------------------------
    def load_model(self, path: str | Path) -> None:
        """Open ``path`` in a worker thread; on error a dialog, and the current model stays."""
        path = Path(path)
        self.openModelAction.setEnabled(False)
        self.statusBar().showMessage(f"Opening {path.name}…")
        self.jobs.start(lambda: _load_model(path), self._on_model_loaded, self._on_model_failed)

    def save_model_as(self, path: str | Path) -> Path:
        """Save the current model now: Keras saves a trained one, a model from a file is copied."""
        path = Path(file_ops.with_suffix(str(path), ".keras"))
        if self.keras_model is not None:
            _save_keras(self.keras_model, path)
        elif self.model_source:
            file_ops.copy_model(self.model_source, path)
        else:
            raise UserError("this model has no file and no Keras model to save from")
        self._mark_saved(path)
        return path

    def start_saving_model(self, path: str | Path) -> None:
        """Save a model trained in the app in a worker thread (Keras takes 0.3–0.6 s for 3 × 256)."""
        path = Path(file_ops.with_suffix(str(path), ".keras"))
        save = _Save(self.keras_model, path)
        worker = self.jobs.start(save.run, lambda _: self._after_saving(), lambda _: self._after_saving())
        if worker is None:
            return   # the window is closing
        save.thread = worker.thread()
        self._saving = save
        self.saveModelAction.setEnabled(False)
        self.statusBar().showMessage(f"Saving {path.name}…")

    def finish_saving(self, timeout_ms: int = 60_000) -> bool:
        """Wait for a save in progress and apply its outcome; False if it is still running."""
        save = self._saving
        if save is None:
            return True
        if not save.thread.wait(timeout_ms):
            return False
        self._after_saving()
        return True

    def _after_saving(self) -> None:
        """Apply a finished save's outcome, once (from its signal or from ``finish_saving``)."""
        save = self._saving
        if save is None or not save.done:
            return
        self._saving = None
        self.saveModelAction.setEnabled(True)
        if save.error is not None:
            self.statusBar().clearMessage()
            QtWidgets.QMessageBox.critical(self, "Could not save the model", save.error)
            return
        if self.keras_model is save.model:     # not replaced by another model meanwhile
            self._mark_saved(save.path)
        self.statusBar().showMessage(f"Saved the model as {save.path}.", 6000)

    def _mark_saved(self, path: Path) -> None:
        self.model_source, self.model_name, self.unsaved = str(path), path.name, False
        self._update_title()

    def export_png(self, path: str | Path) -> Path:
        path = Path(file_ops.with_suffix(str(path), ".png"))
        picture = self.grab()
        file_ops.write_atomically(path, lambda tmp: _save_pixmap(picture, tmp))
        return path

    def export_trace(self, path: str | Path) -> Path:
        if self.trace is None:
            raise UserError("nothing to export: draw or pick a digit first")
        return file_ops.save_trace(self.trace, file_ops.with_suffix(str(path), ".npz"))

    # --- handlers -----------------------------------------------------------------------------
    def _on_open_model(self) -> None:
        name, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open model", self._folder(), MODEL_FILTER)
        if name:
            self.load_model(name)

    def _on_model_loaded(self, network) -> None:
        self.openModelAction.setEnabled(True)
        self.set_network(network)
        self.statusBar().showMessage(f"Opened {self.model_name}: {network.describe()}.", 6000)

    def _on_model_failed(self, message: str) -> None:
        self.openModelAction.setEnabled(True)
        self.statusBar().showMessage("The model could not be opened; the current model stays.", 6000)
        QtWidgets.QMessageBox.critical(self, "Could not open the model", message)

    def _on_save_model(self) -> None:
        self.ask_and_save_model(in_background=True)

    def ask_and_save_model(self, in_background: bool) -> None:
        """Save model as…: a file dialog, then the save (a trained model's in a worker if asked)."""
        if self._saving is not None:
            self.statusBar().showMessage("Still saving the model…", 4000)
            return
        name, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save model as", str(Path(self._folder()) / self.model_name), MODEL_FILTER)
        if not name:
            return
        if in_background and self.keras_model is not None:
            self.start_saving_model(name)
        else:
            self._report(lambda: self.save_model_as(name), "Saved the model as {}.")

    def _on_open_image(self) -> None:
        name, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open a digit image", self._folder(), "Images (*.png *.jpg *.jpeg *.bmp *.gif)")
        if name:
            self._report(lambda: self.open_image(name), "Showing {}.")

    def open_image(self, path: str | Path) -> Path:
        from ..core.preprocess import load_image, preprocess
        self.show_input(preprocess(load_image(path)))
        return Path(path)

    def _on_export_png(self) -> None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export view as PNG", self._folder(),
                                                        "PNG images (*.png)")
        if name:
            self._report(lambda: self.export_png(name), "Saved the view as {}.")

    def _on_export_trace(self) -> None:
        if self.trace is None:
            self.statusBar().showMessage("Nothing to export: draw or pick a digit first.", 4000)
            return
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export trace", self._folder(),
                                                        "NumPy archives (*.npz)")
        if name:
            self._report(lambda: self.export_trace(name), "Saved the trace as {}.")

    def _on_train(self) -> None:
        """Hook for the training panel (issue 5): ``training_panel.open_training_panel(window)``."""
        try:
            from . import training_panel
        except ImportError:
            self.statusBar().showMessage("Training from the window is not available yet; use "
                                         "`lstm-viewer train --out model.keras`.", 8000)
            return
        training_panel.open_training_panel(self)

    # --- drag and drop: a .keras opens the model, an image is read as a digit ----------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        if urls[0].lower().endswith(".keras"):
            self.load_model(urls[0])
        else:
            self._report(lambda: self.open_image(urls[0]), "Showing {}.")

    # --- helpers ------------------------------------------------------------------------------
    def _folder(self) -> str:
        return str(Path(self.model_source).parent) if self.model_source else str(Path.cwd())

    def _report(self, work, done: str) -> None:
        """Run a quick file operation; success in the status bar, failure in a dialog."""
        try:
            path = work()
        except Exception as exc:
            QtWidgets.QMessageBox.critical(self, "lstm-viewer", describe_error(exc))
        else:
            self.statusBar().showMessage(done.format(path), 6000)


class _Save:
    """A save of a Keras model in a worker: what, where, and how it ended (written by the worker
    before it signals, read on the GUI thread after)."""

    def __init__(self, model, path: Path) -> None:
        self.model, self.path = model, path
        self.thread: QtCore.QThread | None = None
        self.done = False
        self.error: str | None = None

    def run(self) -> None:
        try:
            _save_keras(self.model, self.path)
        except BaseException as exc:   # every way out must leave an outcome for the GUI thread
            self.error = describe_error(exc)
        self.done = True


def _save_keras(model, path: Path) -> None:
    from ..ml.training import save_model   # imports TensorFlow: only after training in the app
    save_model(model, path)


def _load_model(path: Path):
    """Load a model off the GUI thread; ``Network`` refuses any the views cannot show (UserError)."""
    from .. import load_network   # numpy + h5py; Keras only for unusual files
    return load_network(path)


def _save_pixmap(picture: QtGui.QPixmap, path: Path) -> None:
    if not picture.save(str(path), "PNG"):
        raise OSError(f"Qt could not write {path}")
