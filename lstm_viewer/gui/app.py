"""``run_app``: the QApplication, the model, the window. Used by ``lstm-viewer`` with no command."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..core.errors import UserError


def run_app(model_path: str | Path | None = None) -> int:
    """Open the window on ``model_path`` (the default model when None); the exit status.

    A model that cannot be loaded is reported in a dialog and on stderr, and the status is 2. A file
    only Keras reads is loaded after the window opens (see ``launch_model``): if that fails, the
    window says so in a dialog and keeps the default model, like File ▸ Open model….
    """
    from PyQt6 import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("lstm-viewer")
    app.setApplicationDisplayName("lstm-viewer")
    from .blas import limit_blas_threads
    limit_blas_threads(1)

    try:
        network, pending = launch_model(model_path)
    except UserError as exc:
        print(f"lstm-viewer: error: {exc}", file=sys.stderr)
        hint = "" if model_path else "\n\nOpen another model with: lstm-viewer --model PATH"
        QtWidgets.QMessageBox.critical(None, "lstm-viewer: cannot open the model", f"{exc}{hint}")
        return 2

    from .main_window import MainWindow
    window = MainWindow(network)
    window.show_first_sample()       # a traced digit from the first second, not an empty window
    window.show()
    # Connected before any worker registers its own aboutToQuit wait, so it runs first.
    app.aboutToQuit.connect(_leave_if_a_worker_is_stuck)
    if pending is not None:
        window.load_model(pending)   # in a worker, with the busy indicator; a failure is a dialog
    return app.exec()


def launch_model(model_path: str | Path | None):
    """The network to open the window with, and a model still to load (or None).

    Read on the GUI thread on purpose: nothing to show before it, and the direct reader is fast.
    A file only Keras can read (TensorFlow: seconds to import) is not read here: the window opens
    with the default model and loads that file in a worker, as File ▸ Open model… does.
    """
    from ..core.kerasfile import UnknownLayout, default_model_path, read_keras_file
    path = Path(model_path) if model_path else default_model_path()
    try:
        return read_keras_file(path), None
    except UnknownLayout:
        if path == default_model_path():
            raise
        return read_keras_file(default_model_path()), path


def _leave_if_a_worker_is_stuck() -> None:
    """Exit now when a worker outlived the window's close (it waited 2 s for each).

    Such a worker is inside a step that cannot be interrupted (TensorFlow's import, the first
    batch's graph compile, a test-set load); waiting would keep a closed app's process alive for
    seconds more. Nothing of the user's is in it (closing first waits for a model being saved, see
    ``finish_saving``), and skipping interpreter shutdown also skips the exit handlers that crash
    while an import is half done.
    """
    from . import workers
    if workers.live_threads():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

