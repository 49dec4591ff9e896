"""The one job runner: every load, save, training run and long computation runs through it.

superqt's workers (``superqt/utils/_qthreading.py``) are the anchor: a job reports progress
(``yielded``), ends with ``returned``, ``errored`` or ``aborted``, and a generator job is an abort
point at every ``yield``. What this adds, each measured to matter here:

- one QThread per job, referenced until the OS thread has really ended (``thread.finished`` comes a
  moment before; dropping the last reference then gives "QThread: Destroyed while thread is still
  running");
- keys: a job started under a key that is still running supersedes it (cancelled, and its late
  result dropped), so a new model's scoring never lands after an older one's;
- ``shutdown``: cancel every job, drop their results, wait (bounded). The window's ``closeEvent``
  is the only caller; nothing here hooks ``aboutToQuit`` or ``atexit``.

A job function takes one argument, its ``JobContext`` (``report(obj)``, ``check()``: the core's one
cancel idiom, raising ``core.cancel.Cancelled``), or is a generator function whose yields are its
progress. Signals reach their receivers on the GUI thread (the runner lives there), so callbacks may
touch widgets. A failed job hands ``on_error`` its exception; where it is shown, ``describe_error``
makes it a sentence.
"""
from __future__ import annotations

import inspect
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PyQt6 import QtCore

from ...core.cancel import Cancelled
from ...core.errors import UserError
from ...ml.training import OUT_OF_MEMORY  # cheap: TensorFlow is imported inside functions only


def describe_error(exc: BaseException) -> str:
    """One sentence in plain words, made where an error is shown (a dialog, a status line): our own
    messages as they are (already translated when raised); a bug said as a bug.

    A bug's type and text mean nothing to a learner ("AttributeError: …"): the sentence says what
    happened to their work, and the details go to stderr (``Job.run`` prints the traceback).
    """
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return OUT_OF_MEMORY
    return ("something went wrong inside lstm-viewer, a bug rather than anything you did; nothing was "
            "changed (the details were printed in the terminal for a bug report)")


class JobContext:
    """What a running job may do: report progress, and stop at its abort points (``check``)."""

    def __init__(self, job: Job) -> None:
        self._job = job

    def report(self, item: Any) -> None:
        self._job.yielded.emit(item)

    def check(self) -> None:
        """Raise ``Cancelled`` when the job was cancelled (an abort point)."""
        if self._job.is_cancelled():
            raise Cancelled()


class Job(QtCore.QObject):
    """One job on its own thread; exactly one of returned / errored / aborted, then ``ended``."""

    started = QtCore.pyqtSignal()
    yielded = QtCore.pyqtSignal(object)     # progress, as the job reports it
    returned = QtCore.pyqtSignal(object)    # the job's result
    errored = QtCore.pyqtSignal(object)     # the exception (describe_error says it where shown)
    aborted = QtCore.pyqtSignal()           # cancelled before it finished
    ended = QtCore.pyqtSignal()             # after any of the three (the thread then quits)

    def __init__(self, function: Callable, key: str | None = None, cancellable: bool = True) -> None:
        super().__init__()
        self._function = function
        self.key = key
        # A job that must run to its end (a save) ignores cancel() and always reports its outcome.
        self.cancellable = cancellable
        # A threading.Event, not a queued signal: the job's thread is busy in the job, with no
        # event loop to deliver a "please stop".
        self._stop = threading.Event()
        self.superseded = False     # replaced by a newer job under the same key: results dropped
        self.thread_id: int | None = None

    def cancel(self) -> None:
        """Ask the job to stop at its next abort point (any thread); no-op if not cancellable."""
        if self.cancellable:
            self._stop.set()

    def is_cancelled(self) -> bool:
        return self._stop.is_set()

    @QtCore.pyqtSlot()
    def run(self) -> None:
        self.thread_id = threading.get_native_id()
        self.started.emit()
        context = JobContext(self)
        try:
            if inspect.isgeneratorfunction(self._function):
                generator = self._function()
                try:
                    result = None
                    while True:
                        context.check()
                        try:
                            context.report(next(generator))
                        except StopIteration as stop:
                            result = stop.value
                            break
                finally:
                    # Stopped at a yield: the generator's own clean-up (``finally``, ``with``) runs
                    # now, on this thread, not whenever and wherever it is garbage collected.
                    generator.close()
            else:
                result = self._function(context)
        except Cancelled:
            self.aborted.emit()
        except BaseException as exc:  # sent to the GUI thread, never lost with the thread
            if not isinstance(exc, UserError):
                traceback.print_exc()   # unexpected: keep the details for a bug report
            self.errored.emit(exc)
        else:
            # A job that ignored a late cancel still counts as cancelled: the user asked.
            self.aborted.emit() if self.is_cancelled() else self.returned.emit(result)
        self.ended.emit()


class JobRunner(QtCore.QObject):
    """Starts jobs on threads, supersedes by key, and shuts them all down on close."""

    busyChanged = QtCore.pyqtSignal(bool)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._threads: dict[QtCore.QThread, Job] = {}
        self._closed = False

    def run(self, function: Callable, *, key: str | None = None,
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            on_progress: Callable[[Any], None] | None = None,
            on_cancelled: Callable[[], None] | None = None,
            cancellable: bool = True) -> Job | None:
        """Run ``function`` off the GUI thread; callbacks run on the GUI thread. None once closed."""
        if self._closed:
            return None
        if key is not None:
            for old in self.jobs(key):
                old.superseded = True
                old.cancel()
        job = Job(function, key, cancellable)
        # Connected before the thread starts, or a quick job's signals would be lost. The
        # lambdas check ``superseded`` when the signal arrives, so a late result is dropped.
        for signal, callback in ((job.returned, on_done), (job.errored, on_error),
                                 (job.yielded, on_progress)):
            if callback is not None:
                signal.connect(lambda value, j=job, c=callback: None if j.superseded else c(value))
        if on_cancelled is not None:
            job.aborted.connect(lambda j=job: None if j.superseded else on_cancelled())
        thread = QtCore.QThread()
        thread.setObjectName(f"lstm-viewer job {key or function.__name__}")
        job.moveToThread(thread)
        thread.started.connect(job.run)
        # Direct: quit() is thread-safe, and the thread should end when the job does.
        job.ended.connect(thread.quit, QtCore.Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self._threads[thread] = job
        if len(self._threads) == 1:
            self.busyChanged.emit(True)
        thread.start()
        return job

    def jobs(self, key: str | None = None) -> list[Job]:
        """Jobs still running (under ``key`` when given)."""
        return [job for thread, job in self._threads.items()
                if thread.isRunning() and (key is None or job.key == key)]

    def is_busy(self) -> bool:
        return bool(self._threads)

    def threads(self) -> list[QtCore.QThread]:
        """Threads not yet ended (also those a bounded shutdown left behind)."""
        return [thread for thread in self._threads if not thread.isFinished()]

    def wait(self, timeout_ms: int) -> bool:
        """Wait for every thread (bounded); True when all have ended."""
        deadline = QtCore.QDeadlineTimer(max(0, timeout_ms))
        for thread in list(self._threads):
            if thread.wait(deadline):
                self._forget(thread)
        return not self._threads

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel every job, drop its result, wait up to ``timeout_ms``; True when all ended.

        A job inside a step that cannot be interrupted (TensorFlow's import, a save) may outlive
        the wait: it stays referenced here, and ``run_app`` leaves the process without waiting.
        """
        self._closed = True
        for job in self._threads.values():
            job.superseded = True
            job.cancel()
        return self.wait(timeout_ms)

    def resume(self) -> None:
        """Accept jobs again (a closed window shown again)."""
        self._closed = False

    @QtCore.pyqtSlot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if thread in self._threads:
            thread.wait()   # ``finished`` comes a moment before the OS thread ends
            self._forget(thread)

    def _forget(self, thread: QtCore.QThread) -> None:
        if self._threads.pop(thread, None) is not None and not self._threads:
            self.busyChanged.emit(False)
