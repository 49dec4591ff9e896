"""Training in a child process (``ml.train_process``, issue 24 point 8): progress, cancel, errors, a
child that dies, no orphan; and the trained model's temporary file in the session (Save model as…
copies it; it is deleted when replaced, when saved, and at close).

Real trainings are 1 × 8 units on 1,000 digits (TensorFlow's import in each child takes most of their
time). The children's entries replaced here are functions of this module: "spawn" imports them by
name in the child, where a monkeypatch of the parent would not reach.
"""
from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lstm_viewer.core.cancel import Cancelled
from lstm_viewer.core.errors import UnsupportedModel, UserError
from lstm_viewer.ml import train_process
from lstm_viewer.ml.train_process import BUILDING, IMPORTING, LOADING, Stopped, TrainedFile, train_in_process
from lstm_viewer.ml.training import Progress, TrainConfig, TrainingError

ROOT = Path(__file__).resolve().parent.parent
TINY = TrainConfig(layers=1, units=8, epochs=1, limit=1000, batch_size=64, lr=3e-3, history=6)
LONG = TrainConfig(layers=1, units=8, epochs=1, limit=20_000, batch_size=32, lr=3e-3)   # 625 batches
EXIT_TIMEOUT_S = 240   # a process still running by then hangs (not a timing assertion)


class Run:
    """One ``train_in_process`` call's phases and progress, and a ``check`` that cancels on demand."""

    def __init__(self, cancel_when=None) -> None:
        self.phases: list[str] = []
        self.progress: list[Progress] = []
        self.cancel_when = cancel_when or (lambda run: False)

    def check(self) -> None:
        if self.cancel_when(self):
            raise Cancelled()

    def __call__(self, config: TrainConfig, data, target: Path):
        return train_in_process(config, None if data is None else str(data), target, self.phases.append,
                                self.progress.append, self.check)


@pytest.fixture
def target(tmp_path) -> Path:
    return tmp_path / "trained.keras"


def ended(pid: int) -> bool:
    """True when ``pid`` is no process any more (waited for a little: an orphan would stay)."""
    import time
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return not Path(f"/proc/{pid}").exists()


def no_children_left() -> bool:
    import multiprocessing
    return multiprocessing.active_children() == []


# --- a run, a cancel -------------------------------------------------------------------------------
def test_a_training_process_reports_and_writes_the_model_with_its_history(mnist_path, target,
                                                                         tensorflow_installed):
    """Phases in order, every batch's Progress then the epoch's test accuracy, and the file: the
    model and its history, read with numpy, the last snapshot the model itself. TensorFlow is not
    imported here by it."""
    from lstm_viewer import load_network
    from lstm_viewer.core.history import load_history
    tensorflow_before = "tensorflow" in sys.modules
    run = Run()
    outcome = run(TINY, mnist_path, target)
    assert run.phases == [LOADING, IMPORTING, BUILDING]
    batches = [p for p in run.progress if p.test_accuracy is None]
    assert [p.batch for p in batches] == list(range(1, 17)) and batches[-1].batches == 16   # 1000 / 64
    assert run.progress[-1].test_accuracy is not None
    assert outcome.path == target and outcome.digits == 1000 and outcome.has_history
    assert outcome.test_accuracy == run.progress[-1].test_accuracy and outcome.seconds > 0
    assert [p.test_accuracy for p in outcome.history] == [outcome.test_accuracy]
    network, history = load_network(target), load_history(target)
    assert network.units == [8] and history.steps[0] == 0 and history.steps[-1] == 16
    np.testing.assert_array_equal(history.network(-1).layers[0].kernel, network.layers[0].kernel)
    assert ("tensorflow" in sys.modules) == tensorflow_before
    assert no_children_left()


def test_cancel_stops_the_process_within_a_batch(mnist_path, target, tensorflow_installed):
    """A cancel after 3 batches: the child stops by itself at its next batch's end (not terminated),
    long before the end; nothing is reported after the cancel, and no file is written."""
    run = Run(cancel_when=lambda run: len(run.progress) >= 3)
    with pytest.raises(Stopped) as stopped:
        run(LONG, mnist_path, target)
    assert len(run.progress) == 3
    assert not stopped.value.terminated and stopped.value.last is not None
    assert 3 <= stopped.value.last.batch < 625 / 2
    assert not target.exists() and no_children_left()


def test_cancel_inside_the_import_terminates_the_process(mnist_path, target, tensorflow_installed):
    """Before the first batch (TensorFlow's import cannot be interrupted) the child is terminated at
    once, without waiting for it."""
    run = Run(cancel_when=lambda run: IMPORTING in run.phases)
    with pytest.raises(Stopped) as stopped:
        run(TINY, mnist_path, target)
    assert stopped.value.terminated and stopped.value.last is None
    assert run.phases == [LOADING, IMPORTING] and run.progress == []
    assert no_children_left()


# --- errors --------------------------------------------------------------------------------------
def test_a_wrong_data_path_is_the_loaders_sentence_before_any_import(tmp_path, target):
    run = Run()
    with pytest.raises(UserError) as error:
        run(TINY, tmp_path / "no-mnist-here", target)
    assert "not found" in str(error.value) and "no-mnist-here" in str(error.value)
    assert IMPORTING not in run.phases   # said before TensorFlow's import
    assert no_children_left()


def test_a_bad_setting_needs_no_process(target):
    with pytest.raises(UserError, match="units must be"):
        Run()(TrainConfig(units=0), None, target)


def _replace_training(raising) -> None:
    """In the child: its training replaced by one that raises ``raising()``; then the real entry."""
    def train(*_args, **_kwargs):
        raise raising()
    train_process._train = train


def diverging_child(*args) -> None:
    _replace_training(lambda: TrainingError("training diverged (the loss became NaN): try a smaller "
                                            "learning rate"))
    train_process._child_main(*args)


def unsupported_child(*args) -> None:
    _replace_training(lambda: UnsupportedModel("a UserError subclass, with its sentence"))
    train_process._child_main(*args)


def out_of_memory_child(*args) -> None:
    _replace_training(MemoryError)
    train_process._child_main(*args)


def buggy_child(*args) -> None:
    _replace_training(lambda: ValueError("a bug in the child"))
    train_process._child_main(*args)


def exiting_child(*_args) -> None:
    os._exit(3)


def crashing_child(*_args) -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))   # a crash, but no core file left behind
    os.kill(os.getpid(), signal.SIGSEGV)


@pytest.mark.parametrize("child, kind, sentence", [
    (diverging_child, TrainingError, "training diverged (the loss became NaN): try a smaller learning rate"),
    (unsupported_child, UnsupportedModel, "a UserError subclass, with its sentence"),
    (out_of_memory_child, MemoryError, ""),
])
def test_errors_in_the_child_are_the_same_type_and_sentence(monkeypatch, target, child, kind, sentence):
    from lstm_viewer.gui.state.jobs import describe_error
    monkeypatch.setattr(train_process, "_child_main", child)
    with pytest.raises(kind) as error:
        Run()(TINY, None, target)
    assert type(error.value) is kind and str(error.value) == sentence
    if kind is MemoryError:
        assert "out of memory" in describe_error(error.value)
    else:
        assert describe_error(error.value) == sentence
    assert no_children_left()


def test_a_bug_in_the_child_is_a_bug_with_its_traceback(monkeypatch, target):
    from lstm_viewer.gui.state.jobs import describe_error
    monkeypatch.setattr(train_process, "_child_main", buggy_child)
    with pytest.raises(train_process.TrainingProcessFailed) as error:
        Run()(TINY, None, target)
    assert "ValueError: a bug in the child" in str(error.value) and "Traceback" in str(error.value)
    assert "a bug rather than anything you did" in describe_error(error.value)


@pytest.mark.parametrize("child, words", [(exiting_child, "ended unexpectedly (exit status 3)"),
                                          (crashing_child, "stopped by signal 11 (SIGSEGV)")])
def test_a_child_that_ends_without_a_word_is_one_sentence(monkeypatch, target, child, words):
    monkeypatch.setattr(train_process, "_child_main", child)
    with pytest.raises(UserError, match=r"the training process .*") as error:
        Run()(TINY, None, target)
    assert words in str(error.value)
    assert no_children_left()


def test_a_killed_child_is_one_sentence(mnist_path, target):
    """Killed (the out-of-memory killer's SIGKILL) while it loads: said in plain words, no hang."""
    import multiprocessing

    def kill(run) -> bool:
        if run.phases and not getattr(run, "killed", False):
            run.killed = True
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)
        return False

    with pytest.raises(UserError) as error:
        Run(cancel_when=kill)(TINY, mnist_path, target)
    assert "was killed" in str(error.value) and "memory" in str(error.value)
    assert no_children_left()


def test_the_child_ends_when_its_parent_dies(tmp_path, mnist_path, tensorflow_installed):
    """A parent gone without stopping it (os._exit, a crash): the child leaves by itself, at once,
    even inside TensorFlow's import. The parent script is unguarded: the child does not run it."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import os, multiprocessing, threading
        from pathlib import Path
        from lstm_viewer.ml.train_process import IMPORTING, train_in_process
        from lstm_viewer.ml.training import TrainConfig
        print("PARENT STARTED", flush=True)

        def phase(name):
            if name == IMPORTING:
                print("CHILD", *[c.pid for c in multiprocessing.active_children()], flush=True)
                os._exit(0)

        train_in_process(TrainConfig(layers=1, units=8, limit=1000), {str(mnist_path)!r},
                         Path({str(tmp_path / "m.keras")!r}), phase, lambda p: None, lambda: None)
    """))
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, text=True, capture_output=True,
                          timeout=EXIT_TIMEOUT_S)
    lines = done.stdout.splitlines()
    assert lines.count("PARENT STARTED") == 1, done.stdout
    pid = int(next(line for line in lines if line.startswith("CHILD")).split()[1])
    assert ended(pid), "the training process outlived its parent"


# --- the temporary file --------------------------------------------------------------------------
def test_a_trained_file_is_deleted_when_discarded_or_dropped():
    kept = TrainedFile("a.keras")
    kept.path.write_bytes(b"model")
    kept.discard()
    assert kept.discarded and not kept.path.parent.exists()
    kept.discard()   # once
    dropped = TrainedFile("b.keras")
    folder = dropped.path.parent
    assert folder.is_dir() and folder.name.startswith("lstm-viewer-trained-")
    del dropped
    gc.collect()
    assert not folder.exists()


@pytest.fixture
def session(qtbot):
    from gui_support import random_network
    from lstm_viewer.gui.state.jobs import JobRunner
    from lstm_viewer.gui.state.session import Session
    from lstm_viewer.gui.state.view_state import ViewState
    runner = JobRunner()
    session = Session(ViewState(), runner)
    session.set_network(random_network([8]))
    yield session
    assert runner.shutdown(30_000)


def trained_here(session, name: str = "trained-2x64.keras"):
    """A model "trained here": the shipped history model, copied to a TrainedFile, adopted."""
    from lstm_viewer import load_network
    from lstm_viewer.core.assets import history_model_path
    from lstm_viewer.core.history import load_history
    trained = TrainedFile(name)
    shutil.copyfile(history_model_path(), trained.path)
    network = load_network(trained.path)
    network.metadata.pop("source")
    session.adopt_trained(network, trained, "a model trained here", load_history(trained.path))
    return trained


def test_save_as_copies_the_trained_file_with_its_history_then_deletes_it(session, tmp_path):
    from lstm_viewer.core.assets import history_model_path
    from lstm_viewer.core.history import load_history
    trained = trained_here(session)
    assert session.trained is trained and session.unsaved and session.model_source is None
    assert session.saves_in_background()   # a copy of maybe hundreds of MB: in a job
    session.show_snapshot(3)   # the model is saved, not the snapshot shown
    saved = session.save_model_as(tmp_path / "kept")
    assert saved == tmp_path / "kept.keras" and saved.read_bytes() == history_model_path().read_bytes()
    assert len(load_history(saved)) == len(session.history)
    assert not session.unsaved and session.model_source == str(saved) and session.trained is None
    assert trained.discarded
    assert not session.saves_in_background()   # now a .keras file opened: copied on the spot


def test_replacing_a_trained_model_deletes_its_file(session):
    from gui_support import random_network
    trained = trained_here(session)
    session.set_input_scaling((0.1307, 0.3081))   # the same model, read another way: the file stays
    assert session.trained is trained and not trained.discarded
    assert session.saves_in_background()   # now converted by Keras, in a job
    session.set_input_scaling(None)
    session.set_network(random_network([8], seed=2))
    assert session.trained is None and trained.discarded


def test_a_trained_file_replaced_during_its_save_is_deleted_when_the_save_ends(session, qtbot, tmp_path,
                                                                             monkeypatch):
    import threading

    from gui_support import random_network
    from lstm_viewer.gui.state import file_ops
    release, copied = threading.Event(), []
    copy = file_ops.copy_model

    def slow_copy(source, target):
        release.wait(10)
        copied.append(Path(source).read_bytes()[:2])
        return copy(source, target)

    monkeypatch.setattr(file_ops, "copy_model", slow_copy)
    trained = trained_here(session)
    session.start_saving_model(tmp_path / "kept.keras")
    assert session.is_saving()
    session.set_network(random_network([8], seed=2))   # replaced while the save reads the file
    assert trained.path.is_file() and not trained.discarded
    release.set()
    qtbot.waitUntil(lambda: not session.is_saving(), timeout=30_000)
    assert copied == [b"PK"] and (tmp_path / "kept.keras").is_file()
    assert trained.discarded and not trained.path.parent.exists()
    assert session.model_source != str(tmp_path / "kept.keras")   # saved, but not the model now


def test_closing_deletes_the_trained_file(session):
    trained = trained_here(session)
    session.close()
    assert trained.discarded and session.trained is None
    assert session.unsaved   # closing asked first; a window shown again still knows it is not saved
