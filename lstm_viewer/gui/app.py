"""``run_app``: the QApplication, the model, the window. Used by ``lstm-viewer`` with no command."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UserError


def run_app(model_path: str | Path | None = None) -> int:
    """Open the window on ``model_path`` (the default model when None); the exit status.

    A model that cannot be loaded is reported in a dialog and on stderr, and the status is 2.
    """
    from PyQt6 import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("lstm-viewer")
    app.setApplicationDisplayName("lstm-viewer")
    from .blas import limit_blas_threads
    limit_blas_threads(1)

    from ..kerasfile import default_model_path, load_network
    path = Path(model_path) if model_path else default_model_path()
    try:
        # On the GUI thread on purpose: nothing to show before it, and the direct reader is fast.
        network = load_network(path)
    except UserError as exc:
        print(f"lstm-viewer: error: {exc}", file=sys.stderr)
        hint = "" if model_path else "\n\nOpen another model with: lstm-viewer --model PATH"
        QtWidgets.QMessageBox.critical(None, "lstm-viewer: cannot open the model", f"{exc}{hint}")
        return 2

    from .main_window import MainWindow
    window = MainWindow(network)
    window.show_first_sample()       # a traced digit from the first second, not an empty window
    window.show()
    return app.exec()
