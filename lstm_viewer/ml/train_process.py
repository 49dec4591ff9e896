"""Training in a child process: the window's process never imports TensorFlow.

Why: imported in the window's process, even on a worker thread, TensorFlow froze the window for
0.6–0.8 s the first time (its ``ml_dtypes`` C extension initialises for ~0.65 s holding the GIL,
which no thread can avoid), and its threads and memory then stayed there for good. Here a child
started with multiprocessing's "spawn" loads MNIST (numpy), imports TensorFlow the quiet way, runs
the one training path (``training.train``, as the CLI's ``train`` does in its own process) and
writes the trained model, with its history, to a ``.keras`` file the parent named. The parent reads
that file with the numpy reader.

Parent → child: the arguments, and an ``Event`` that asks the child to stop (its ``check`` reads it,
so training stops within a batch). Child → parent, through a queue, tuples: ``("phase", name)``,
``("progress", Progress)``, then exactly one of ``("done", Outcome)``, ``("cancelled", last Progress)``,
``("error", exception)`` (a ``UserError``, ``TrainingError`` included, or ``MemoryError``: the same
type and sentence in the parent) or ``("bug", traceback text)``. A child that ends without one of
these (killed, crashed) is one sentence (``UserError``), never a hang.

No orphan: the parent stops the child on every way out of ``train_in_process`` (the event, then
SIGTERM after ``STOP_GRACE_S``, or at once before the first batch, then SIGKILL); the child ends
itself when the parent's process is gone (it watches the parent's sentinel), and is a daemon
(multiprocessing ends it at the parent's exit).
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import queue as queue_module
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import types
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..core.cancel import Cancelled, check_event
from ..core.errors import UserError
from ..core.i18n import tr
from .training import Progress, TrainConfig

# What the child is doing before its first batch (the panel says each in words).
LOADING, IMPORTING, BUILDING = "loading MNIST", "importing TensorFlow", "building the model"

POLL_S = 0.05          # how often the parent looks for a cancel, or a child that died, between messages
STOP_GRACE_S = 1.0     # a stopped child's time to end on its own (within a batch) before SIGTERM
KILL_GRACE_S = 0.5     # then SIGTERM's, before SIGKILL


@dataclass
class Outcome:
    """What a finished training sends back (the model itself is in the file at ``path``)."""

    path: Path                     # the trained model, with its history when one was kept
    test_accuracy: float | None
    seconds: float                 # training's own time, as ``TrainResult.seconds``
    history: list[Progress]        # one entry per finished epoch
    digits: int                    # training digits used
    has_history: bool              # the file keeps the snapshots (``core.history.load_history``)


class Stopped(Cancelled):
    """The training process was stopped on a cancel. ``last``: the last ``Progress`` it made (None
    before its first batch, or when it had to be terminated); ``terminated``: it was ended rather
    than stopping by itself (before its first batch, or not within ``STOP_GRACE_S``)."""

    def __init__(self, last: Progress | None = None, terminated: bool = False) -> None:
        super().__init__()
        self.last, self.terminated = last, terminated


class TrainingProcessFailed(RuntimeError):
    """Something unexpected went wrong inside the training process (a bug): its traceback is the text."""


class TrainedFile:
    """The temporary ``.keras`` file of a model trained in a child process, in a folder of its own.

    Whoever holds it owns it: ``discard()`` removes the folder; so does dropping the last reference
    (a result nobody took), and at the latest Python's exit.
    """

    def __init__(self, name: str) -> None:
        folder = Path(tempfile.mkdtemp(prefix="lstm-viewer-trained-"))
        self.path = folder / name
        self._finalizer = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)

    def discard(self) -> None:
        """Remove the file and its folder now (once; later calls do nothing)."""
        self._finalizer()

    @property
    def discarded(self) -> bool:
        return not self._finalizer.alive

    def __repr__(self) -> str:
        return f"TrainedFile({str(self.path)!r}{', discarded' if self.discarded else ''})"


def train_in_process(config: TrainConfig, data_path: str | None, target: Path,
                     on_phase: Callable[[str], None], on_progress: Callable[[Progress], None],
                     check: Callable[[], None]) -> Outcome:
    """Train in a child process; call it on a worker thread (it blocks until the child has ended).

    ``on_phase`` gets LOADING, IMPORTING, BUILDING; ``on_progress`` every ``Progress`` of
    ``training.train``; ``check()`` is called between messages (at least every ``POLL_S``): once it
    raises ``Cancelled`` the child is asked to stop, nothing more is reported, and ``Stopped`` (a
    ``Cancelled``) is raised when the child has ended: by itself within a batch, or terminated after
    ``STOP_GRACE_S``; before its first batch it is terminated at once (loading MNIST, importing
    TensorFlow and building the model cannot be interrupted, and there is nothing yet to finish
    cleanly). The model is written to ``target`` (a ``.keras`` name in a folder the caller
    owns). Errors are raised as the child raised them: ``UserError`` (``TrainingError`` too) and
    ``MemoryError`` with the child's sentence, anything else as ``TrainingProcessFailed`` with the
    child's traceback; a child that ended without a word is a ``UserError`` saying how it ended.
    """
    config.validate()   # a bad setting needs no process
    from ..core.blas import blas_threads
    from ..core.i18n import current_language

    context = multiprocessing.get_context("spawn")
    messages, stop = context.Queue(), context.Event()
    process = context.Process(target=_child_main, name="lstm-viewer training", daemon=True,
                              args=(config, data_path, Path(target), messages, stop, current_language(),
                                    blas_threads()))
    with _parent_main_hidden():
        process.start()
    grace = STOP_GRACE_S
    try:
        return _follow(process, messages, stop, on_phase, on_progress, check)
    except Stopped as stopped:
        if stopped.terminated:
            grace = 0.0   # it had its chance to stop while _follow waited
        raise
    finally:
        _stop(process, stop, grace)
        messages.close()


def _follow(process, messages, stop, on_phase, on_progress, check) -> Outcome:
    stopping_since: float | None = None
    training = False   # a batch has been reported: the child stops by itself at the next one
    while True:
        try:
            message = _next_message(process, messages)
        except UserError:
            if stopping_since is None:
                raise
            raise Stopped(terminated=True) from None   # ended some other way while it was stopping
        if message is not None:
            kind, *rest = message
            if kind == "done":
                if stopping_since is not None:
                    raise Stopped()   # finished as it was asked to stop: the caller drops the file
                return rest[0]
            if kind == "cancelled":
                raise Stopped(rest[0])
            if kind == "error":
                raise rest[0]
            if kind == "bug":
                raise TrainingProcessFailed(rest[0])
            if stopping_since is None:   # nothing is reported once a cancel was asked for
                if kind == "phase":
                    on_phase(rest[0])
                elif kind == "progress":
                    training = True
                    on_progress(rest[0])
        if stopping_since is None:
            try:
                check()
            except Cancelled:
                stop.set()
                if not training:
                    raise Stopped(terminated=True) from None   # nothing to wait for: ended now
                stopping_since = time.monotonic()
        elif time.monotonic() - stopping_since > STOP_GRACE_S:
            raise Stopped(terminated=True)   # a batch longer than the grace (a big model, a busy machine)


def _next_message(process, messages) -> tuple | None:
    """The child's next message, or None after POLL_S without one; a child that has ended without
    its last word is one sentence."""
    try:
        return messages.get(timeout=POLL_S)
    except queue_module.Empty:
        pass
    if process.is_alive():
        return None
    try:   # ended: what it sent before its exit is in the pipe already
        return messages.get(timeout=POLL_S)
    except queue_module.Empty:
        raise UserError(_ended_unexpectedly(process.exitcode)) from None


def _ended_unexpectedly(code: int | None) -> str:
    if code is not None and code < 0:
        if -code == getattr(signal, "SIGKILL", None):
            return tr("the training process was killed (the system does this when memory runs out)")
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "?"
        return tr("the training process was stopped by signal {number} ({name})", number=-code, name=name)
    return tr("the training process ended unexpectedly (exit status {code})", code=code)


def _stop(process, stop, grace: float) -> None:
    """End the child (asked, then SIGTERM, then SIGKILL) and release it; returns once it has ended."""
    if process.is_alive():
        stop.set()
        process.join(grace)
    if process.is_alive():
        process.terminate()
        process.join(KILL_GRACE_S)
    if process.is_alive():
        process.kill()
        process.join()
    process.close()


@contextmanager
def _parent_main_hidden() -> Iterator[None]:
    """Start the child without the parent's ``__main__``.

    "spawn" runs the parent's main script again in the child (as ``__mp_main__``) so that functions
    defined there can be unpickled. The child needs nothing from it (its entry is this module's), and
    a script that opens the window at its top level, unguarded by ``if __name__ == "__main__"``, would
    open a second window in the child. So while ``start`` prepares the child's start-up data (a few
    milliseconds, on this thread), ``__main__`` is an empty module: the child runs no main at all.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


# --- the child ----------------------------------------------------------------------------------
def _child_main(config: TrainConfig, data_path: str | None, target: Path, messages, stop, language: str,
                blas: int | None) -> None:
    """The child's entry (spawn imports it by name): train, send the outcome, leave."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl+C in the terminal is the window's to handle
    _end_with_parent()
    last: list[Progress] = []

    def send(message: tuple) -> None:
        if message[0] == "progress":
            last[:] = message[1:]
        messages.put(message)

    try:
        from ..core.i18n import install_translation
        install_translation(language)   # errors in the window's language
        if blas is not None:
            from ..core.blas import limit_blas_threads
            limit_blas_threads(blas)    # as in the window's process (the app keeps BLAS to one thread)
        outcome = _train(config, data_path, target, send, check_event(stop))
        message: tuple = ("done", outcome)
    except Cancelled:
        message = ("cancelled", last[0] if last else None)
    except BaseException as exc:   # every way out sends its last word
        message = _error_message(exc)
    messages.put(message)
    messages.close()
    messages.join_thread()   # flushed to the pipe before leaving
    sys.stdout.flush()
    sys.stderr.flush()
    # Without Python's teardown: TensorFlow's threads and atexit hooks can take seconds to end.
    os._exit(0)


def _train(config: TrainConfig, data_path: str | None, target: Path, send: Callable[[tuple], None],
           check: Callable[[], None]) -> Outcome:
    from ..core.data import resolve_source
    from . import training
    from .datasets import load_mnist
    from .tf_import import TF_LIBRARIES, quiet_import

    if resolve_source(data_path) is None:   # the Keras cache/download imports TensorFlow first
        send(("phase", IMPORTING))
        quiet_import(("tensorflow", "keras"), TF_LIBRARIES)
    send(("phase", LOADING))
    data = load_mnist(data_path)
    check()
    send(("phase", IMPORTING))
    quiet_import(("tensorflow", "keras"), TF_LIBRARIES)
    check()
    send(("phase", BUILDING))
    # ``train`` catches the Cancelled of ``check`` in its Keras callback and stops within one batch
    # (the end-of-epoch test pass too), returning ``cancelled=True``.
    result = training.train(config, data, lambda progress: send(("progress", progress)), check)
    if result.cancelled:
        raise Cancelled()
    training.save_model(result.model, target, history=result.snapshots)
    return Outcome(path=Path(target), test_accuracy=result.test_accuracy, seconds=result.seconds,
                   history=result.history, digits=min(config.limit or len(data.x_train), len(data.x_train)),
                   has_history=result.snapshots is not None)


def _error_message(exc: BaseException) -> tuple:
    """("error", exc) for what the parent shows as it is, ("bug", its traceback) for the rest."""
    if isinstance(exc, (UserError, MemoryError)):
        try:
            copy = pickle.loads(pickle.dumps(exc))
            if type(copy) is type(exc) and str(copy) == str(exc):
                return ("error", copy)
        except Exception:   # noqa: BLE001  (an exception class pickle cannot rebuild: say it plainly)
            pass
        return ("error", UserError(str(exc)) if isinstance(exc, UserError) else MemoryError())
    text = "".join(traceback.format_exception(exc))
    return ("bug", f"in the training process:\n{text}")


def _end_with_parent() -> None:
    """Leave at once when the parent's process is gone (killed, crashed, or left with ``os._exit``)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()   # returns when the parent's end of the start-up pipe closes: it has gone
        os._exit(1)

    threading.Thread(target=watch, name="lstm-viewer parent watch", daemon=True).start()
