"""The QApplication, made one way for the app (``run_app``) and the notebook (``show()``): named as
the app, numpy's BLAS on one thread, and inside IPython or Jupyter Qt's event loop integrated."""
from __future__ import annotations

import sys

from PyQt6 import QtCore, QtWidgets

APP_NAME = "lstm-viewer"
KERNEL_WAKE_MS = 50   # in Jupyter: how often Qt's loop hands back to the kernel (see _keep_kernel_awake)
_app: QtWidgets.QApplication | None = None   # the application made here, kept: Qt's must outlive its windows
_wake_timer: QtCore.QTimer | None = None   # inside a Jupyter kernel (see _keep_kernel_awake)


def get_qapp() -> QtWidgets.QApplication:
    """The QApplication (made here, named as the app names it, if there is none yet), with numpy's
    BLAS on one thread (see ``core.blas``) and, inside IPython or Jupyter, Qt's event loop
    integrated (``%gui qt6``) so the window stays live between cells."""
    global _app
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = _app = QtWidgets.QApplication(sys.argv[:1] or [APP_NAME])
        app.setApplicationName(APP_NAME)
        app.setApplicationDisplayName(APP_NAME)
        app.setOrganizationName(APP_NAME)
    from ..core.blas import limit_blas_threads
    limit_blas_threads(1)
    _enable_ipython_gui()
    return app


def _ipython_shell():
    """The running IPython shell (terminal or kernel), or None; IPython is never imported here."""
    ipython = sys.modules.get("IPython")
    return None if ipython is None else ipython.get_ipython()


def _ipython_loop_active() -> bool:
    """True when IPython runs Qt's event loop between cells (``%gui qt`` or ``qt6``)."""
    shell = _ipython_shell()
    return shell is not None and str(getattr(shell, "active_eventloop", None) or "").startswith("qt")


def _enable_ipython_gui() -> bool:
    """Inside IPython: ``%gui qt6`` unless a Qt loop is already integrated. False outside IPython.

    Called after the QApplication exists: the kernel's integration then adopts it instead of making
    its own (``ipykernel.eventloops.make_qt_app_for_kernel``)."""
    shell = _ipython_shell()
    if shell is None:
        return False
    if not _ipython_loop_active():
        shell.enable_gui("qt6")
    _keep_kernel_awake(shell)
    return True


def _keep_kernel_awake(shell) -> None:
    """Inside a Jupyter kernel: hand back to the kernel every ``KERNEL_WAKE_MS`` while Qt's loop runs.

    ipykernel runs Qt's loop until its shell socket signals a new message. A request that arrives
    while the kernel is between two turns of that loop is read by the kernel's own loop but not yet
    handled, and never signals again: the next cell then waits until something else wakes the
    kernel (seen here with ipykernel 7 about one time in three when cells follow each other, as
    "Run all" and nbclient run them; ipykernel issue #559). Leaving Qt's loop now and then lets the
    kernel handle what it has read; it re-enters the loop at once (about 1 ms a turn)."""
    global _wake_timer
    kernel = getattr(shell, "kernel", None)
    app = getattr(kernel, "app", None)
    loop = getattr(app, "qt_event_loop", None)
    if loop is None or _wake_timer is not None:
        return

    def wake() -> None:
        if getattr(app, "_in_event_loop", False) and loop.isRunning():
            loop.quit()

    _wake_timer = QtCore.QTimer(app)
    _wake_timer.setInterval(KERNEL_WAKE_MS)
    _wake_timer.timeout.connect(wake)
    _wake_timer.start()
