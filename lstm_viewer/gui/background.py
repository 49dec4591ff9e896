"""The window's short background jobs (load a model, load and score the test set).

A thin layer over ``workers``: each job is a ``workers.Worker`` on its own thread, so the one
registry there keeps every thread referenced until it has ended, and closing the app waits for all
of them in one place. What this adds is the window's view of its jobs: callbacks on the GUI thread,
``busyChanged`` for the busy indicator, and ``shutdown`` that drops the results of jobs still
running when the window closes.
"""
from __future__ import annotations

from typing import Any, Callable

from PyQt6 import QtCore

from . import workers


class Jobs(QtCore.QObject):
    """Running background jobs; ``busyChanged(bool)`` drives the busy indicator."""

    busyChanged = QtCore.pyqtSignal(bool)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[QtCore.QThread, workers.Worker] = {}
        self._closed = False

    def start(self, function: Callable[[], Any], on_result: Callable[[Any], None],
              on_error: Callable[[str], None]) -> workers.Worker | None:
        """Run ``function()`` off the GUI thread; the callbacks run on the GUI thread.

        After ``shutdown`` nothing starts (None): a late timer must not leave a thread running
        in a window that is being destroyed.
        """
        if self._closed:
            return None
        # Not cancellable: a load or a save runs to its end and always reports its outcome.
        worker = workers.Worker(lambda _report, _should_stop: function(), cancellable=False)
        # Queued into the GUI thread because this object lives there.
        worker.finished.connect(on_result, QtCore.Qt.ConnectionType.QueuedConnection)
        worker.errored.connect(on_error, QtCore.Qt.ConnectionType.QueuedConnection)
        thread = workers.start(worker, self._on_thread_finished)
        self._running[thread] = worker
        if len(self._running) == 1:
            self.busyChanged.emit(True)
        return worker

    def resume(self) -> None:
        """Accept jobs again (a closed window that is shown again)."""
        self._closed = False

    def is_busy(self) -> bool:
        return bool(self._running)

    def threads(self) -> list[QtCore.QThread]:
        """The threads of the jobs still counted as running."""
        return list(self._running)

    def shutdown(self, timeout_ms: int = 2000) -> None:
        """Drop the results of running jobs, then wait up to ``timeout_ms`` for each thread.

        A load cannot be interrupted; one that outlives the wait stays in ``workers``' registry,
        which keeps it referenced until it ends (and the app's exit hook knows about it).
        """
        self._closed = True
        for thread, worker in list(self._running.items()):
            # Results that arrive now would land in a window that is going away.
            for signal in (worker.finished, worker.errored):
                try:
                    signal.disconnect()
                except TypeError:
                    pass
            thread.quit()
            thread.wait(timeout_ms)
        was_busy = bool(self._running)
        self._running.clear()
        if was_busy:
            self.busyChanged.emit(False)

    def _on_thread_finished(self, thread: QtCore.QThread) -> None:
        if self._running.pop(thread, None) is not None and not self._running:
            self.busyChanged.emit(False)
