"""``run_app``: the QApplication, the model, the window. Used by ``lstm-viewer`` with no command."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..core.errors import UserError


def run_app(model_path: str | Path | None = None, settings=None, options: dict | None = None,
            language: str | None = None, session: str | Path | None = None) -> int:
    """Open the window on ``model_path`` (else the last model used, else the default); the exit status.

    A model that cannot be opened never stops the window: it opens with the default model and says
    why in a dialog. A file only Keras reads is loaded after the window opens (see ``launch_model``).
    ``options``: ``forget_bias`` and ``normalize`` for ``model_path`` (the command line's).
    ``language``: 'zh_CN' or 'en' (the command line's --lang), else the one chosen in View ▸ Language,
    else the system's (``choose_language``).
    """
    from PyQt6 import QtCore

    from ..core.readers import ReadOptions
    from .qapp import get_qapp

    app = get_qapp()   # named as the app, numpy's BLAS on one thread (the notebook's show() too)
    if settings is None:
        settings = QtCore.QSettings("lstm-viewer", "lstm-viewer")
    from .window.language import NO_CJK_FONT, choose_language, find_cjk_font, install_language
    language = choose_language(language, settings)
    install_language(app, language)   # before anything says a sentence: the model's errors too
    no_font = language != "en" and find_cjk_font() is None
    if no_font:
        print(f"lstm-viewer: {NO_CJK_FONT}", file=sys.stderr)
    remembered = None if model_path else settings.value("last_model") or None
    read_options = ReadOptions(**(options or {})) if model_path else ReadOptions()

    network, pending, problem = launch_model(model_path or remembered, read_options)
    if problem is not None and not model_path:
        problem = None   # the remembered model is gone or broken: the default, without a fuss
    if problem is not None:
        print(f"lstm-viewer: error: {problem}", file=sys.stderr)

    from ..core.i18n import tr
    from .window.main_window import MainWindow
    window = MainWindow(network, settings=settings)
    window.fit_to_screen()           # a screen smaller than the window's 1600 × 1000: inside it
    window.show_first_sample()       # a traced digit from the first second, not an empty window
    window.show()
    if problem is not None:
        QtCore.QTimer.singleShot(0, lambda: window.session.failed.emit(
            tr("Could not open the model"),
            UserError(tr("{problem}\n\nThe default model is open instead.", problem=problem))))
    if no_font:   # once, after the window's own first message
        QtCore.QTimer.singleShot(0, lambda: window.statusBar().showMessage(NO_CJK_FONT, 30000))
    if pending is not None:
        window.load_model(pending, read_options)   # in a job, with the busy indicator; a failure is a dialog
    if session is not None:   # `lstm-viewer FILE.lstmview`, once the window is up
        QtCore.QTimer.singleShot(0, lambda: window.open_session(session))
    status = app.exec()
    if window.jobs.threads():
        # Closing cancelled every job and waited (bounded); one is still inside a step that cannot
        # be interrupted (TensorFlow's import, a first graph compile). Nothing of the user's is in
        # it (closing waits for a save), so leave now rather than keep a closed app alive.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


def launch_model(model_path: str | Path | None, options=None):
    """(network to open the window with, a model still to load or None, an error sentence or None).

    Read on the GUI thread on purpose: nothing to show before it, and the direct readers are fast.
    A file only Keras can read (TensorFlow: seconds to import) is not read here: the window opens
    with the default model and loads that file in a job, as File ▸ Open model… does. A file that
    cannot be opened at all gives the default model and the reason.
    """
    from ..core.assets import default_model_path
    from ..core.errors import UnknownLayout
    from ..core.readers import ReadOptions, find_reader, read_model
    options = options or ReadOptions()
    default = default_model_path()
    path = Path(model_path) if model_path else default
    try:
        if find_reader(path)[0].needs_tensorflow:
            raise UnknownLayout("read by Keras")
        return read_model(path, options), None, None
    except UnknownLayout:
        if path == default:
            raise
        return read_model(default), path, None
    except UserError as exc:
        if path == default:
            raise
        return read_model(default), None, str(exc)
