"""Run one blocking function (load a model, load and score the test set) in a QThread.

The pattern of superqt's ``new_worker_qthread``: the worker only emits signals (``returned`` with the
result or ``errored`` with a one-line message); thread and worker stay referenced by the ``Jobs``
registry until the thread has finished, so Qt never destroys a running thread; ``Jobs.shutdown``
quits and waits for them all when the window closes.
"""
from __future__ import annotations

from typing import Any, Callable

from PyQt6 import QtCore

from ..errors import UserError


def describe_error(exc: BaseException) -> str:
    """One line for the user: our own messages as they are, anything else with its type."""
    if isinstance(exc, UserError):
        return str(exc)
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Worker(QtCore.QObject):
    returned = QtCore.pyqtSignal(object)
    errored = QtCore.pyqtSignal(str)
    finished = QtCore.pyqtSignal()

    def __init__(self, function: Callable[[], Any]) -> None:
        super().__init__()
        self._function = function

    @QtCore.pyqtSlot()
    def run(self) -> None:
        try:
            result = self._function()
        except Exception as exc:  # reported to the GUI thread, never lost in the worker
            self.errored.emit(describe_error(exc))
        else:
            self.returned.emit(result)
        finally:
            self.finished.emit()


class Jobs(QtCore.QObject):
    """Running background jobs; ``busyChanged(bool)`` drives the busy indicator."""

    busyChanged = QtCore.pyqtSignal(bool)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[int, tuple[QtCore.QThread, Worker]] = {}
        # Threads still running after a timed-out shutdown: referenced until the process ends.
        self._stragglers: list[tuple[QtCore.QThread, Worker]] = []
        self._next_id = 0
        self._closed = False

    def start(self, function: Callable[[], Any], on_result: Callable[[Any], None],
              on_error: Callable[[str], None]) -> Worker | None:
        """Run ``function()`` off the GUI thread; the callbacks run on the GUI thread.

        After ``shutdown`` nothing starts (None): a late timer must not leave a thread running
        in a window that is being destroyed.
        """
        if self._closed:
            return None
        thread = QtCore.QThread()
        worker = Worker(function)
        worker.moveToThread(thread)
        job_id, self._next_id = self._next_id, self._next_id + 1
        self._running[job_id] = (thread, worker)
        # Queued into the GUI thread because this object lives there.
        worker.returned.connect(on_result, QtCore.Qt.ConnectionType.QueuedConnection)
        worker.errored.connect(on_error, QtCore.Qt.ConnectionType.QueuedConnection)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        thread.finished.connect(lambda: self._on_thread_finished(job_id))
        thread.start()
        if len(self._running) == 1:
            self.busyChanged.emit(True)
        return worker

    def resume(self) -> None:
        """Accept jobs again (a closed window that is shown again)."""
        self._closed = False

    def is_busy(self) -> bool:
        return bool(self._running)

    def has_running_threads(self) -> bool:
        """True while a thread of ours still runs (after ``shutdown`` too, if it timed out)."""
        return any(thread.isRunning() for thread, _ in self._stragglers + list(self._running.values()))

    def shutdown(self, timeout_ms: int = 2000) -> None:
        """Quit and wait for every thread (a running load cannot be interrupted; it is short)."""
        self._closed = True
        for thread, worker in list(self._running.values()):
            # Results that arrive now would land in a window that is going away: drop them.
            for signal in (worker.returned, worker.errored, thread.finished):
                try:
                    signal.disconnect()
                except TypeError:
                    pass
            thread.quit()
            if not thread.wait(timeout_ms):
                self._stragglers.append((thread, worker))   # keep it referenced while it runs
        was_busy = bool(self._running)
        self._running.clear()
        if was_busy:
            self.busyChanged.emit(False)

    def _on_thread_finished(self, job_id: int) -> None:
        entry = self._running.pop(job_id, None)
        if entry is not None:
            # ``finished`` is emitted just before the thread really ends: wait for that before the
            # last reference goes, or Qt aborts with "Destroyed while thread is still running".
            entry[0].wait()
        if not self._running:
            self.busyChanged.emit(False)
