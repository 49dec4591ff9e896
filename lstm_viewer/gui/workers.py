"""Long jobs (training) in a QThread that report progress and can be cancelled.

The pattern of superqt's ``new_worker_qthread``, with the three thread traps of the design guide
handled in one place:

1. *Destroyed while running*: ``start`` keeps the thread and the worker referenced in a module
   registry until ``thread.finished`` (and a ``wait()`` after it), and ``stop_and_wait`` cancels,
   quits and waits for every job when the window closes.
2. *Widgets from the worker*: a ``Worker`` only emits signals; its receivers live on the GUI thread,
   so Qt queues every call there.
3. *Cancelling*: cooperative; ``cancel()`` sets a flag that the job reads between steps
   (``should_stop()``), or the job raises ``Cancelled`` at a safe point.

The registry is also what the tests' dangling-thread fixture inspects (``live_threads``).
"""
from __future__ import annotations

import atexit
import ctypes
import gc
import importlib
import importlib.util
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Callable, Sequence

from PyQt6 import QtCore

from ..core.errors import UserError

# A job gets ``report(obj)`` (-> ``progress``) and ``should_stop()``; it returns the result.
Job = Callable[[Callable[[Any], None], Callable[[], bool]], Any]


class Cancelled(Exception):
    """Raised by a job (or its ``should_stop`` hook) to stop at once; reported as ``cancelled``."""


def describe_error(exc: BaseException) -> str:
    """One line in plain words: our own messages as they are, anything else with its type."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, MemoryError):
        from ..ml.training import OUT_OF_MEMORY   # cheap: TensorFlow is imported inside functions only
        return OUT_OF_MEMORY
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Worker(QtCore.QObject):
    """Runs ``job(report, should_stop)`` once on its thread; exactly one of finished/errored/cancelled."""

    started = QtCore.pyqtSignal()
    progress = QtCore.pyqtSignal(object)
    finished = QtCore.pyqtSignal(object)    # the job's result
    errored = QtCore.pyqtSignal(str)        # a one-line message for the user
    cancelled = QtCore.pyqtSignal()

    def __init__(self, job: Job, cancellable: bool = True) -> None:
        super().__init__()
        self._job = job
        # A job that must run to its end (a save, a load) ignores cancel() and so always reports
        # finished or errored, also when closing the app cancels every worker.
        self._cancellable = cancellable
        # A threading.Event, not a Qt signal: the worker's thread is busy in the job and has no
        # event loop running to deliver a queued "please stop".
        self._stop = threading.Event()
        self.thread_id: int | None = None   # the OS thread's id once running (diagnostics, tests)

    def cancel(self) -> None:
        """Ask the job to stop at its next check (safe from any thread); no-op if not cancellable."""
        if self._cancellable:
            self._stop.set()

    def should_stop(self) -> bool:
        return self._stop.is_set()

    @QtCore.pyqtSlot()
    def run(self) -> None:
        self.thread_id = threading.get_native_id()
        self.started.emit()
        try:
            result = self._job(self.progress.emit, self.should_stop)
        except Cancelled:
            self.cancelled.emit()
        except BaseException as exc:  # sent to the GUI thread, never lost with the thread
            # (BaseException too: without a terminal signal the thread would never quit.)
            if not isinstance(exc, UserError):
                traceback.print_exc()   # unexpected: keep the details for a bug report
            self.errored.emit(describe_error(exc))
        else:
            # A job that ignored a late cancel still counts as cancelled: the user asked.
            self.cancelled.emit() if self.should_stop() else self.finished.emit(result)


class _Registry(QtCore.QObject):
    """Strong references to every started (thread, worker) until the thread has really ended."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[QtCore.QThread, Worker] = {}

    @QtCore.pyqtSlot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if thread in self.jobs:
            # ``finished`` is emitted a moment before the OS thread ends; wait for that before
            # the last Python reference goes, or Qt aborts with "Destroyed while still running".
            thread.wait()
            del self.jobs[thread]


_registry: _Registry | None = None


def _get_registry() -> _Registry:
    global _registry
    if _registry is None:
        _registry = _Registry()
        # The last line of defence when a close timed out (a job between two checks): the app's
        # event loop does not end, and Python does not begin to exit, before every job has.
        # aboutToQuit comes first: handlers that a still-running import registers with atexit
        # while atexit is already running are skipped by CPython (h5py's then segfaults at exit).
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_wait_at_exit)
        atexit.register(_wait_at_exit)
    return _registry


def start(worker: Worker,
          on_thread_finished: Callable[[QtCore.QThread], None] | None = None) -> QtCore.QThread:
    """Move ``worker`` to a new QThread and start it. Call from the GUI thread.

    Connect to the worker's signals before calling this, or a quick job's first signals are lost;
    ``on_thread_finished(thread)`` is connected here for the same reason (before the start).
    """
    registry = _get_registry()
    thread = QtCore.QThread()
    thread.setObjectName(f"lstm-viewer worker {len(registry.jobs) + 1}")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    for done in (worker.finished, worker.errored, worker.cancelled):
        # Direct: quit() is thread-safe and the thread should end as soon as the job does, not
        # when the GUI thread gets round to a queued call.
        done.connect(thread.quit, QtCore.Qt.ConnectionType.DirectConnection)
    # No ``thread.finished -> deleteLater`` (the C++ idiom): thread and worker are owned by Python,
    # and deleteLater freed the worker under a receiver still disconnecting from it (a segfault in
    # pytest-qt's waitSignal). Dropping the registry's references after the thread has ended
    # frees both on the GUI thread instead.
    thread.finished.connect(registry._on_thread_finished)
    if on_thread_finished is not None:
        thread.finished.connect(lambda: on_thread_finished(thread))
    registry.jobs[thread] = worker
    thread.start()
    return thread


def live_threads() -> list[QtCore.QThread]:
    """Threads started here that are still running (for shutdown and the tests' fixture)."""
    if _registry is None:
        return []
    return [thread for thread in _registry.jobs if thread.isRunning()]


def live_workers() -> list[Worker]:
    """The workers of ``live_threads()``."""
    return [] if _registry is None else [w for t, w in _registry.jobs.items() if t.isRunning()]


def stop_and_wait(timeout_ms: int = 3000) -> bool:
    """Cancel every job, then quit and wait for its thread; True when all ended within the time.

    For the window's ``closeEvent``. A thread still busy after ``timeout_ms`` (a job between two
    checks, e.g. importing TensorFlow, which cannot be interrupted) stays referenced, and the
    application's ``aboutToQuit`` (then ``atexit``) waits for it: the process exits later, but
    cleanly, and Python never destroys a running QThread.
    """
    if _registry is None:
        return True
    for worker in list(_registry.jobs.values()):
        worker.cancel()
    deadline = QtCore.QDeadlineTimer(max(0, timeout_ms))
    all_done = True
    for thread in list(_registry.jobs):
        thread.quit()
        if thread.wait(deadline):
            _registry.jobs.pop(thread, None)
        else:
            all_done = False
    return all_done


def _wait_at_exit() -> None:
    if _registry is not None and _registry.jobs:
        if not stop_and_wait(120_000):
            print("lstm-viewer: a worker thread did not stop", file=sys.stderr)


def quiet_import(modules: Sequence[str], preload: Sequence[str] = ()) -> None:
    """Import big packages on a worker thread without freezing the GUI thread. Call it from the worker.

    A worker holding the GIL stalls the GUI thread as surely as work on the GUI thread does, and
    importing TensorFlow holds it in two long stretches (measured on 2 busy cores):

    - ``dlopen`` of its shared libraries: CPython keeps the GIL while it loads an extension, and
      ``libtensorflow_cc.so`` takes 0.5 s. ``preload`` (paths inside the first package) are loaded
      first through a ctypes foreign call, which releases the GIL; the import then finds them loaded.
      RTLD_LOCAL, as Python itself uses: RTLD_GLOBAL would let TensorFlow's bundled BoringSSL
      symbols capture ``_hashlib``'s (a crash).
    - the cyclic garbage collector: the import makes ~440,000 objects and every full collection
      walks all of them (pauses growing to 270 ms). It is paused during the import, and what the
      import made is frozen (``gc.freeze``) so that later collections skip it.
    """
    if all(name in sys.modules for name in modules):
        # Imported earlier (by the CLI path, a test, a notebook) without freezing: freeze now, or
        # the next full collection walks TensorFlow's objects while the window waits for the GIL.
        gc.freeze()
        return
    if preload:
        _preload_without_gil(modules[0], preload)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _preload_without_gil(package: str, libraries: Sequence[str]) -> None:
    """dlopen ``libraries`` (paths inside ``package``) through ctypes, which releases the GIL.

    Best effort, Linux only: when anything is missing the import simply loads them itself.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return
        folder = Path(list(spec.submodule_search_locations)[0])
        dlopen = ctypes.CDLL(None).dlopen
        dlopen.restype = ctypes.c_void_p
        dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
        for name in libraries:
            if (folder / name).is_file():
                dlopen(os.fsencode(folder / name), os.RTLD_NOW | os.RTLD_LOCAL)
    except (AttributeError, OSError, ImportError, ValueError):
        pass
