"""Help ▸ About: the version, the model shown and where it came from, the MNIST data in use, and the
state-space cache (its folder and size, and a button that clears it: up to 430 MB per 3 × 256 model,
shown nowhere else)."""
from __future__ import annotations

import html
import platform
from pathlib import Path

from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.data import ENV_VAR, resolve_source
from ...core.digits import test_set_source
from ...core.i18n import ntr, tr
from ...core.readers import describe_model
from . import cache

DIRECT = QtCore.Qt.FindChildOption.FindDirectChildrenOnly   # the window's own, not a panel's


def show_about(window: QtWidgets.QMainWindow) -> QtWidgets.QDialog:
    """Help ▸ About: a window (objectName ``aboutDialog``; one per main window, brought up to date
    each time it is shown)."""
    dialog = window.findChild(AboutDialog, "aboutDialog", DIRECT)
    if dialog is None:
        dialog = AboutDialog(window)
    dialog.refresh()
    dialog.show()
    dialog.raise_()
    return dialog


class AboutDialog(QtWidgets.QDialog):
    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("aboutDialog")
        self.setWindowTitle(tr("About lstm-viewer"))
        self.setModal(False)
        layout = QtWidgets.QVBoxLayout(self)
        self.text = _label("aboutText")
        layout.addWidget(self.text)
        self.cache_text = _label("cacheText")
        layout.addWidget(self.cache_text)
        row = QtWidgets.QHBoxLayout()
        self.clear_button = QtWidgets.QPushButton(tr("Clear the state-space cache"))
        self.clear_button.setObjectName("clearCacheButton")
        self.clear_button.setToolTip(tr("Delete the cached state spaces; the State space panel computes "
                                        "them again when it next needs them"))
        self.clear_button.clicked.connect(self.clear_cache)
        self.open_button = QtWidgets.QPushButton(tr("Open the folder"))
        self.open_button.setObjectName("openCacheFolderButton")
        self.open_button.clicked.connect(lambda: QtGui.QDesktopServices.openUrl(
            QtCore.QUrl.fromLocalFile(str(cache.cache_folder()))))
        row.addWidget(self.clear_button)
        row.addWidget(self.open_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.cleared = _label("cacheClearedText")
        layout.addWidget(self.cleared)
        layout.addStretch(1)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(560, 460)

    def refresh(self) -> None:
        """Every line as things are now (the model, the data folder and the cache change)."""
        self.text.setText(about_text(self.window_))
        self.cleared.setText("")
        self._show_cache()

    def _show_cache(self) -> None:
        usage = cache.cache_usage()
        folder = html.escape(str(usage.folder))
        if usage.files:
            text = ntr("<b>State-space cache</b>: {size} in {count} file, in {folder}",
                       "<b>State-space cache</b>: {size} in {count} files, in {folder}", usage.files,
                       size=size_text(usage.size), folder=folder)
        else:
            text = tr("<b>State-space cache</b>: empty ({folder})", folder=folder)
        self.cache_text.setText(text)
        self.clear_button.setEnabled(usage.files > 0)
        self.open_button.setEnabled(usage.folder.is_dir())

    def clear_cache(self) -> tuple[int, int]:
        """The button: remove the cached state spaces and say how much was freed; (bytes, kept)."""
        freed, kept = cache.clear_cache()
        if kept:
            self.cleared.setText(ntr("Freed {size}. {count} file is in use and was kept.",
                                     "Freed {size}. {count} files are in use and were kept.", kept,
                                     size=size_text(freed)))
        else:
            self.cleared.setText(tr("Freed {size}.", size=size_text(freed)))
        self._show_cache()
        return freed, kept


def about_text(window) -> str:
    """The version, the model and the data, as rich text."""
    import lstm_viewer
    session, network = window.session, window.state.network
    lines = [tr("<b>lstm-viewer {version}</b>: watch a stacked LSTM read a handwritten digit one pixel row "
                "at a time.", version=html.escape(str(lstm_viewer.__version__))),
             tr("Python {python} · Qt {qt} · PyQt {pyqt}", python=platform.python_version(),
                qt=QtCore.qVersion(), pyqt=QtCore.PYQT_VERSION_STR)]
    if network is not None:
        lines.append(tr("<b>Model</b>: {name} ({description})", name=html.escape(session.model_name),
                        description=html.escape(describe_model(network))))
        lines.append(_model_source(session))
    lines.append(_data_text(window))
    return "<p>" + "</p><p>".join(lines) + "</p>"


def _model_source(session) -> str:
    from ...core.assets import default_model_path
    source = session.model_source
    if session.unsaved:
        return tr("Trained here and not saved yet (File ▸ Save model as…).")
    if not source:
        return tr("Not read from a file (built in Python).")
    if Path(source).resolve() == default_model_path().resolve():
        return tr("The model shipped with lstm-viewer: {path}", path=html.escape(str(source)))
    return tr("Read from {path}", path=html.escape(str(source)))


def _data_text(window) -> str:
    """Where the full MNIST test set is read from (the samples' test set, the state space), and what
    training reads when the training panel names another folder."""
    chosen = resolve_source(None)
    found = test_set_source()
    if chosen is not None and found is not None:
        text = tr("<b>MNIST data</b>: {path} (from ${variable})", path=html.escape(str(found)),
                  variable=ENV_VAR)
    elif chosen is not None:
        text = tr("<b>MNIST data</b>: ${variable} names {path}, which does not exist; the 1,000 test "
                  "digits shipped with lstm-viewer are used instead.", variable=ENV_VAR,
                  path=html.escape(str(chosen)))
    elif found is not None:
        text = tr("<b>MNIST data</b>: {path} (Keras' download)", path=html.escape(str(found)))
    else:
        text = tr("<b>MNIST data</b>: none found; the 1,000 test digits shipped with lstm-viewer are "
                  "used. Set ${variable} to a folder with the MNIST files (or mnist.npz) to use the "
                  "full test set.", variable=ENV_VAR)
    training = _training_folder(window)
    if training:
        text += " " + tr("Training reads {path} (set in the training panel).", path=html.escape(training))
    return text


def _training_folder(window) -> str:
    panel = getattr(window, "training_panel", None)
    if panel is not None:
        return panel.data_folder()
    settings = getattr(window, "settings", None)
    return str(settings.value("data_folder", "") or "") if settings is not None else ""


def size_text(size: int) -> str:
    """A size as people read it: "430 MB", "3.2 MB", "12 kB", "0 bytes" (decimal units)."""
    if size >= 10**9:
        return tr("{size:.1f} GB", size=size / 10**9)
    if size >= 10 * 10**6:
        return tr("{size:,.0f} MB", size=size / 10**6)
    if size >= 10**6:
        return tr("{size:.1f} MB", size=size / 10**6)
    if size >= 10**3:
        return tr("{size:.0f} kB", size=size / 10**3)
    return ntr("{count} byte", "{count} bytes", size)


def _label(name: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(QtCore.Qt.TextFormat.RichText)
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
