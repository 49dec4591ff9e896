"""The window's menus and actions: each handler asks for a file name (or nothing) and hands the work
to the session; outcomes come back as the session's signals, shown by the window.

The actions scripts and tests trigger by name are ``ACTION_NAMES``: ``WindowActions.actions`` holds
them, and the window shows each as an attribute of its own (``window.openModelAction``)."""
from __future__ import annotations

from pathlib import Path

from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.assets import default_model_path
from ...core.i18n import tr
from ...core.readers import dialog_filter
from ..export.animation_dialog import export_animation
from ..export.figures import view_file_name
from ..help.menu import add_help_actions
from ..state.jobs import describe_error
from .language import language_menu
from .zoom import full_screen_action


def save_model_filter() -> str:
    return tr("Keras models ({patterns})", patterns="*.keras") + ";;" + tr("All files (*)")
# The actions of the automation surface (their objectNames, and the window's attributes of these names).
ACTION_NAMES = ("openModelAction", "openDefaultModelAction", "openHistoryModelAction", "saveModelAction",
                "openImageAction", "exportPngAction", "exportAnimationAction", "exportTraceAction",
                "trainAction", "undoAction", "clearAction",
                "inputScalingAction", "resetLayoutAction", "openLessonAction", "lessonsAction",
                "saveSessionAction", "openSessionAction", "presentationAction")
IMAGE_PATTERNS = "*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp"


def session_filter() -> str:
    return tr("lstm-viewer sessions ({patterns})", patterns="*.lstmview") + ";;" + tr("All files (*)")


def image_filter() -> str:
    return tr("Images ({patterns})", patterns=IMAGE_PATTERNS) + ";;" + tr("All files (*)")


class WindowActions(QtCore.QObject):
    """Builds the menu bar of ``window`` and holds its actions (objectNames are the automation surface)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.state = window.state
        self.last_folder: str | None = None   # where the last file dialog was answered
        self.actions: dict[str, QtGui.QAction] = {}   # by objectName: every action made here
        bar = window.menuBar()

        file_menu = bar.addMenu(tr("&File"))
        self.openModelAction = self._add(file_menu, tr("&Open model…"), "Ctrl+O", self._on_open_model,
                                         "openModelAction", tr("Open an LSTM model: Keras (.keras, .h5), "
                                                               "a TensorFlow 1 checkpoint, PyTorch (.pt, "
                                                               ".pth, .ckpt) or .safetensors"))
        self.openDefaultModelAction = self._add(
            file_menu, tr("Open the &default model"), None, self.session.load_default_model,
            "openDefaultModelAction", tr("Go back to the model shipped with lstm-viewer"))
        self.openHistoryModelAction = self._add(
            file_menu, tr("Open the model with a training &history"), None, self._on_open_history_model,
            "openHistoryModelAction", tr("Open the small model shipped with its training history (2 × 64): "
                                         "watch it learn in the Training history panel"))
        self.saveModelAction = self._add(file_menu, tr("&Save model as…"), "Ctrl+S", self._on_save_model,
                                         "saveModelAction", tr("Save the current model as a .keras file "
                                                               "(a PyTorch or TF1 model is converted "
                                                               "exactly)"))
        file_menu.addSeparator()
        self.openImageAction = self._add(file_menu, tr("Open &image…"), "Ctrl+I", self._on_open_image,
                                         "openImageAction", tr("Read a digit from an image file"))
        self.exportPngAction = self._add(file_menu, tr("&Export view as PNG…"), "Ctrl+E",
                                         self._on_export_png, "exportPngAction",
                                         tr("Save a picture of the window"))
        self.exportAnimationAction = self._add(
            file_menu, tr("Export &animation…"), "Ctrl+Alt+E", lambda: export_animation(window),
            "exportAnimationAction", tr("Save the row-by-row read (or the training timeline) as an animated "
                                        "GIF or an MP4"))
        self.exportTraceAction = self._add(file_menu, tr("Export &trace as .npz…"), "Ctrl+Shift+E",
                                           self._on_export_trace, "exportTraceAction",
                                           tr("Save image, h, c, gates and probs (as `inspect --out`)"))
        file_menu.addSeparator()
        self.openSessionAction = self._add(file_menu, tr("Open sess&ion…"), "Ctrl+Shift+O",
                                           self._on_open_session, "openSessionAction",
                                           tr("Open a saved view (.lstmview): model, input, row, selection, "
                                              "panels and lesson step"))
        self.saveSessionAction = self._add(file_menu, tr("Save session &as…"), "Ctrl+Shift+S",
                                           self._on_save_session, "saveSessionAction",
                                           tr("Save what the window shows as a small file to share "
                                              "(.lstmview)"))
        self.openLessonAction = self._add(file_menu, tr("Open &lesson…"), None, self._on_open_lesson,
                                          "openLessonAction", tr("Open a lesson file (Markdown with a few "
                                                                 "directives) in the lesson panel"))
        file_menu.addSeparator()
        self.trainAction = self._add(file_menu, tr("&Train a model…"), "Ctrl+T", window.show_training_panel,
                                     "trainAction", tr("Train a new LSTM on MNIST"))
        file_menu.addSeparator()
        self._add(file_menu, tr("&Quit"), "Ctrl+Q", window.close, "quitAction", tr("Close the window"))

        edit = bar.addMenu(tr("&Edit"))
        self.undoAction = self._add(edit, tr("&Undo stroke"), "Ctrl+Z", self._on_undo, "undoAction",
                                    tr("Remove the last stroke"))
        self.clearAction = self._add(edit, tr("&Clear drawing"), "Delete", self._on_clear, "clearAction",
                                     tr("Clear the drawing"))
        self.clearAction.setShortcuts([QtGui.QKeySequence("Delete"), QtGui.QKeySequence("Backspace")])

        model_menu = bar.addMenu(tr("&Model"))
        self.inputScalingAction = self._add(
            model_menu, tr("&Input scaling…"), None, self._on_input_scaling, "inputScalingAction",
            tr("What the first layer reads: [0, 1] or (x − mean) / std (remembered per file)"))

        self.view_menu = bar.addMenu(tr("&View"))
        self.view_menu.addActions([window.layers.gates_action, window.layers.order_action])
        self.view_menu.addSeparator()
        self.panels_menu = self.view_menu.addMenu(tr("&Panels"))
        self.view_menu.addMenu(language_menu(self.view_menu, window.settings))
        self.resetLayoutAction = self._add(self.view_menu, tr("&Reset layout"), None, window.reset_layout,
                                           "resetLayoutAction", tr("Put every panel back where it started"))
        self.view_menu.addSeparator()
        self.view_menu.addActions(window.zoom.actions(window))   # Zoom in, Zoom out, Actual size
        self.fullScreenAction = full_screen_action(window)       # F11
        self.view_menu.addAction(self.fullScreenAction)
        self.presentationAction = self._add(
            self.view_menu, tr("&Presentation mode"), "Ctrl+Shift+F", window.toggle_presentation,
            "presentationAction", tr("Full screen, large text, and only the views the lesson's step needs "
                                     "(Esc to leave)"))
        self.presentationAction.setCheckable(True)

        step = bar.addMenu(tr("&Step"))
        step.addActions(window.stepper.make_actions(window))

        self.help_menu = bar.addMenu(tr("&Help"))
        self.lessonsAction = self._add(self.help_menu, tr("&Lessons"), "F1", window.show_lessons,
                                       "lessonsAction", tr("A guided walk through the window: the seed's "
                                                           "lesson on the state of a stacked LSTM"))
        self.actions.update(add_help_actions(window, self.help_menu))

        self.session.loadingChanged.connect(lambda busy: self.openModelAction.setEnabled(not busy))
        self.session.loadingChanged.connect(lambda busy: self.openDefaultModelAction.setEnabled(not busy))
        self.session.loadingChanged.connect(lambda busy: self.openHistoryModelAction.setEnabled(not busy))
        self.session.modelInfoChanged.connect(
            lambda: self.inputScalingAction.setEnabled(self.session.can_set_input_scaling()))
        self.session.savingChanged.connect(lambda busy: self.saveModelAction.setEnabled(not busy))

    def _add(self, menu: QtWidgets.QMenu, text: str, shortcut: str | None, slot, name: str,
             tip: str) -> QtGui.QAction:
        action = QtGui.QAction(text, self.window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        self.window.addAction(action)
        menu.addAction(action)
        self.actions[name] = action
        return action

    # --- handlers -----------------------------------------------------------------------------
    def _on_open_model(self) -> None:
        name = self.ask_open_path(tr("Open model"), dialog_filter())
        if name:
            self.session.load_model(name)

    def _on_open_history_model(self) -> None:
        """The shipped history model, and the timeline to scrub through it."""
        self.session.load_history_model()
        self.window.show_panel("historyDock")

    def _on_save_model(self) -> None:
        self.ask_and_save_model(in_background=True)

    def ask_and_save_model(self, in_background: bool) -> None:
        """Save model as…: a file dialog, then the save (a trained model's in a job if asked)."""
        if self.session.is_saving():
            self.window.statusBar().showMessage(tr("Still saving the model…"), 4000)
            return
        name, _ = self.ask_save_path(tr("Save model as"), _keras_name(self.session.model_name),
                                     save_model_filter())
        if not name:
            return
        if in_background and self.session.saves_in_background():
            self.session.start_saving_model(name)
        else:
            self.report(lambda: self.session.save_model_as(name),
                        lambda path: tr("Saved the model as {path}.", path=path))

    def _on_open_session(self) -> None:
        name = self.ask_open_path(tr("Open session"), session_filter())
        if name:
            self.window.open_session(name)

    def _on_save_session(self) -> None:
        name, _ = self.ask_save_path(tr("Save session as"), "lesson-view.lstmview", session_filter())
        if name:
            try:
                self.window.save_session(name)   # says where, and what a session cannot keep
            except Exception as exc:
                QtWidgets.QMessageBox.critical(self.window, tr("Save session"), describe_error(exc))

    def _on_open_lesson(self) -> None:
        from ..lessons.panel import lesson_filter
        name = self.ask_open_path(tr("Open a lesson"), lesson_filter())
        if name:
            self.window.open_lesson(name)

    def ask_open_path(self, title: str, filters: str) -> str:
        """An open dialog in ``folder()``: the answer or "" (its folder remembered)."""
        name, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, title, self.folder(), filters)
        return self.answered(name)

    def _on_input_scaling(self) -> None:
        from .input_scaling_dialog import ask_input_scaling
        network = self.state.network
        answer = ask_input_scaling(self.window, network.input_scaling)
        if answer is None:
            return
        scaling, = answer
        try:
            self.session.set_input_scaling(scaling)
        except Exception as exc:
            QtWidgets.QMessageBox.critical(self.window, tr("Input scaling"), describe_error(exc))

    def _on_open_image(self) -> None:
        name = self.ask_open_path(tr("Open a digit image"), image_filter())
        if name:
            self.session.open_image(name)

    def _on_export_png(self) -> None:
        name, _ = self.ask_save_path(tr("Export view as PNG"), view_file_name(self.state),
                                     tr("PNG images ({patterns})", patterns="*.png"))
        if name:
            self.report(lambda: self.window.export_png(name),
                        lambda path: tr("Saved the view as {path}.", path=path))

    def _on_export_trace(self) -> None:
        if self.state.trace is None:
            self.window.statusBar().showMessage(tr("Nothing to export: draw or pick a digit first."), 4000)
            return
        name, _ = self.ask_save_path(tr("Export trace"), "",
                                     tr("NumPy archives ({patterns})", patterns="*.npz"))
        if name:
            self.report(lambda: self.session.export_trace(name),
                        lambda path: tr("Saved the trace as {path}.", path=path))

    def _on_clear(self) -> None:
        self.window.drawing.clear()
        self.window.statusBar().showMessage(tr("Cleared."), 2000)

    def _on_undo(self) -> None:
        if not self.window.drawing.undo():
            self.window.statusBar().showMessage(tr("Nothing to undo."), 2000)

    # --- helpers ------------------------------------------------------------------------------
    def folder(self) -> str:
        """Where a file dialog opens: the folder of the last answered one; else the model's folder;
        else the home folder. Never the shipped model's folder, inside the installed package."""
        source = self.session.model_source
        for candidate in (self.last_folder, str(Path(source).parent) if source else None):
            if candidate and Path(candidate).is_dir() and not _is_package_folder(candidate):
                return candidate
        return str(Path.home())

    def ask_save_path(self, title: str, suggested_name: str, filters: str) -> tuple[str, str]:
        """A save dialog opening in ``folder()`` with ``suggested_name``: (the answer or "", the filter
        chosen); the answer's folder is remembered."""
        name, chosen = QtWidgets.QFileDialog.getSaveFileName(
            self.window, title, str(Path(self.folder()) / suggested_name), filters)
        return self.answered(name), chosen

    def answered(self, name: str) -> str:
        """Remember the folder of a dialog's answer (none for a cancelled dialog); returns ``name``."""
        if name:
            self.last_folder = str(Path(name).parent)
        return name

    def report(self, work, done) -> None:
        """Run a quick file operation; success in the status bar (``done(path)``, the sentence), failure in
        a dialog."""
        try:
            path = work()
        except Exception as exc:
            QtWidgets.QMessageBox.critical(self.window, "lstm-viewer", describe_error(exc))
        else:
            self.window.statusBar().showMessage(done(path), 6000)


def _keras_name(model_name: str) -> str:
    """The Save dialog's proposed name: the model's, ending in .keras ('model.pth' -> 'model.keras')."""
    stem = Path(model_name).stem if Path(model_name).suffix else model_name
    return f"{stem or 'model'}.keras"


def _is_package_folder(folder: str) -> bool:
    return Path(folder).resolve() == default_model_path().resolve().parent
