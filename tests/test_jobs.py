"""The one job runner (``gui/jobs.py``): progress and results on the GUI thread, cancel at abort
points, supersede by key with late results dropped, a bounded shutdown, errors as one line.

No TensorFlow and no window: jobs here are small functions held at ``threading.Event``s, so every
interleaving is set by the test, not by the clock.
"""
from __future__ import annotations

import threading

import pytest

from lstm_viewer.core.cancel import Cancelled
from lstm_viewer.core.errors import UserError
from lstm_viewer.gui.state.jobs import JobRunner, describe_error
from lstm_viewer.ml.training import OUT_OF_MEMORY

WAIT_MS = 30_000                # waitUntil's limit: generous, the machine may be busy
HOLD_S = WAIT_MS / 1000         # how long a held job waits for the test to release it


class Recorder(list):
    """A signal's emissions (or a callback's calls), as tuples of their arguments."""

    def __init__(self, signal=None) -> None:
        super().__init__()
        if signal is not None:
            signal.connect(self)

    def __call__(self, *args) -> None:
        self.append(args)


@pytest.fixture
def runner(qtbot):
    runner = JobRunner()
    yield runner
    assert runner.shutdown(WAIT_MS), [t.objectName() for t in runner.threads()]


def test_a_job_reports_progress_then_its_result_on_the_gui_thread(qtbot, runner):
    gui = threading.get_ident()
    seen = []

    def count(context):
        for i in range(3):
            context.report(i)
        return "done"

    job = runner.run(count, on_progress=lambda i: seen.append(("progress", i, threading.get_ident())),
                     on_done=lambda r: seen.append(("done", r, threading.get_ident())))
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=WAIT_MS)
    assert [(kind, value) for kind, value, _ in seen] == [("progress", 0), ("progress", 1),
                                                         ("progress", 2), ("done", "done")]
    assert {ident for *_, ident in seen} == {gui}                  # callbacks on the GUI thread
    assert job.thread_id is not None and job.thread_id != threading.get_native_id()  # work off it


def test_a_generator_job_yields_progress_and_stops_at_the_next_yield_when_cancelled(qtbot, runner):
    reached, cleaned_up_on = [], []
    held = threading.Event()

    def count():
        try:
            for i in range(1000):
                reached.append(i)
                if i == 3:
                    held.wait(HOLD_S)     # the test cancels while the job is inside step 3
                yield i
            return "finished"
        finally:
            cleaned_up_on.append(threading.get_native_id())

    progress, done, cancelled = Recorder(), Recorder(), Recorder()
    job = runner.run(count, on_progress=progress, on_done=done, on_cancelled=cancelled)
    qtbot.waitUntil(lambda: reached[-1:] == [3], timeout=WAIT_MS)
    job.cancel()
    held.set()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=WAIT_MS)
    assert reached == [0, 1, 2, 3]             # not one step after the yield that followed cancel
    assert [args[0] for args in progress] == [0, 1, 2, 3] and done == [] and cancelled == [()]
    assert cleaned_up_on == [job.thread_id]    # the generator was closed, on the job's thread


def test_a_job_that_checks_stops_with_aborted_and_no_result(qtbot, runner):
    """A job calling ``check`` ends as aborted, never as returned, and its thread is counted until
    it has really ended."""
    started = threading.Event()

    def poll(context):
        started.set()
        while True:
            context.check()          # raises Cancelled once the job is cancelled
            started.wait(0.005)
        return "never"

    done, cancelled = Recorder(), Recorder()
    job = runner.run(poll, on_done=done, on_cancelled=cancelled)
    assert started.wait(HOLD_S)
    assert runner.jobs() == [job] and len(runner.threads()) == 1 and runner.is_busy()
    job.cancel()
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=WAIT_MS)
    assert cancelled == [()] and done == [] and runner.threads() == [] and runner.jobs() == []


@pytest.mark.parametrize("cancellable", [True, False])
def test_a_job_under_a_running_key_supersedes_it_and_the_late_result_is_dropped(qtbot, runner,
                                                                                cancellable):
    release = threading.Event()

    def old(_context):
        release.wait(HOLD_S)     # ignores cancel: comes back late, with a result
        return "old"

    results, cancelled = Recorder(), Recorder()
    first = runner.run(old, key="score", cancellable=cancellable, on_done=results,
                       on_cancelled=cancelled)
    returned, aborted = Recorder(first.returned), Recorder(first.aborted)
    other = runner.run(lambda _context: "other key", key="open", on_done=results)
    second = runner.run(lambda _context: "new", key="score", on_done=results)
    assert first.superseded and not second.superseded and not other.superseded
    assert first.is_cancelled() == cancellable     # a job that must finish is not cancelled
    qtbot.waitUntil(lambda: len(results) == 2, timeout=WAIT_MS)
    assert sorted(args[0] for args in results) == ["new", "other key"]
    assert first in runner.jobs("score")          # still running: only superseded
    release.set()
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=WAIT_MS)
    # The old job did finish (cancelled or with its result), and nothing of it reached the callbacks.
    assert (aborted, returned) == (([()], []) if cancellable else ([], [("old",)]))
    assert sorted(args[0] for args in results) == ["new", "other key"] and cancelled == []


def test_shutdown_is_bounded_and_says_when_a_job_did_not_stop(qtbot, runner):
    release = threading.Event()

    def stubborn(_context):
        release.wait(HOLD_S)     # inside a step that cannot be interrupted (an import, a save)
        return "late"

    results = Recorder()
    runner.run(stubborn, on_done=results, on_cancelled=results)
    assert runner.shutdown(100) is False                 # came back while the job still runs
    assert [t.objectName() for t in runner.threads()] == ["lstm-viewer job stubborn"]
    assert runner.run(lambda _context: "after", on_done=results) is None   # closed: no new jobs
    release.set()
    assert runner.wait(WAIT_MS) and runner.threads() == []
    qtbot.wait(50)                                       # deliver anything queued
    assert results == []                                 # the late result was dropped
    runner.resume()                                      # a window shown again takes jobs again
    runner.run(lambda _context: "after", on_done=results)
    qtbot.waitUntil(lambda: results == [("after",)], timeout=WAIT_MS)


def test_shutdown_cancels_jobs_that_check_and_waits_for_them(qtbot, runner):
    def poll(context):
        try:
            while True:
                context.check()
                threading.Event().wait(0.005)
        except Cancelled:
            return "stopped politely"   # a cancelled job reports ``aborted``, not this

    cancelled = Recorder()
    jobs = [runner.run(poll, key=f"job {k}", on_cancelled=cancelled) for k in range(3)]
    aborted = [Recorder(job.aborted) for job in jobs]
    returned = [Recorder(job.returned) for job in jobs]
    assert runner.shutdown(WAIT_MS) is True and runner.threads() == []
    qtbot.wait(50)
    assert aborted == [[()]] * 3 and returned == [[]] * 3
    assert cancelled == []          # shutdown drops every outcome: the window is going away


def test_busy_changes_once_when_the_first_job_starts_and_once_when_the_last_ends(qtbot, runner):
    busy = Recorder(runner.busyChanged)
    for k in range(3):
        runner.run(lambda _context, k=k: k)
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=WAIT_MS)
    assert busy == [(True,), (False,)]


BUG = ("something went wrong inside lstm-viewer, a bug rather than anything you did; nothing was "
       "changed (the details were printed in the terminal for a bug report)")


@pytest.mark.parametrize("error, expected", [
    (UserError("MNIST data not found at /nowhere"), "MNIST data not found at /nowhere"),
    (ValueError("bad value\nin a second line"), BUG),
    (RuntimeError(), BUG),
    (MemoryError(), OUT_OF_MEMORY),
])
def test_errors_come_back_as_one_line(qtbot, runner, capsys, error, expected):
    def fail(_context):
        raise error

    errors, done = Recorder(), Recorder()
    runner.run(fail, on_error=errors, on_done=done)
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT_MS)
    # The exception itself travels; it becomes a sentence where it is shown.
    assert errors == [(error,)] and done == [] and "\n" not in describe_error(errors[0][0])
    assert describe_error(error) == expected
    # A bug's traceback goes to stderr for a report; the user's own mistakes need none.
    assert ("Traceback" in capsys.readouterr().err) == (not isinstance(error, UserError))


def test_a_generator_job_raising_cancelled_itself_is_aborted(qtbot, runner):
    def give_up():
        yield 1
        raise Cancelled()

    cancelled, done = Recorder(), Recorder()
    runner.run(give_up, on_cancelled=cancelled, on_done=done)
    qtbot.waitUntil(lambda: bool(cancelled), timeout=WAIT_MS)
    assert done == []
