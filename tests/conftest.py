"""Shared fixtures: where MNIST is, small models trained once per session, and the test hygiene.

Hygiene (with ``[tool.pytest.ini_options]`` in pyproject.toml: Qt warnings and our own Python
warnings fail a test):

- the tests never read or write the user's settings or caches: ``XDG_CONFIG_HOME`` and
  ``XDG_CACHE_HOME`` point into a folder made for this run (QSettings, platformdirs);
- every test fails that leaves a QThread running (``_dangling_qthreads``, as napari's conftest);
- a test that needs TensorFlow is skipped, not errored, where it is not installed.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import traceback
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Set before anything can ask for these paths (Qt and platformdirs read them once), and inherited
# by the subprocesses some tests start. XDG_RUNTIME_DIR too: without it Qt warns at startup.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="lstm-viewer-tests-"))
for _name, _sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"),
                    ("XDG_RUNTIME_DIR", "runtime")):
    os.environ[_name] = str(_SESSION_HOME / _sub)
    (_SESSION_HOME / _sub).mkdir(mode=0o700)


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)


# --- leaked threads ---------------------------------------------------------------------------
THREAD_GRACE_MS = 5000   # a thread told to quit a moment ago may still be winding down
_LEAKED_THREADS: list = []   # kept referenced forever: destroying a running QThread aborts the process


def _where_started() -> str:
    """Who started the thread: the innermost caller in the project (past the job runner) and the
    test line that led to it."""
    ours = [frame for frame in traceback.extract_stack()[:-2]
            if (f"{os.sep}lstm_viewer{os.sep}" in frame.filename
                or f"{os.sep}tests{os.sep}" in frame.filename)
            and not frame.filename.endswith(("conftest.py", f"gui{os.sep}jobs.py"))]
    if not ours:
        return "an unknown place"
    places = [ours[-1]] + [frame for frame in ours[:-1] if frame.filename.endswith(".py")
                           and f"{os.sep}tests{os.sep}" in frame.filename][-1:]
    return " from ".join(f"{Path(f.filename).name}:{f.lineno} ({f.name})" for f in places)


@pytest.fixture(autouse=True)
def _dangling_qthreads(monkeypatch, request):
    """Fail a test that leaves a QThread running (napari's ``_dangling_qthreads``): every
    ``QThread.start`` is recorded, and at teardown (after pytest-qt has closed the test's
    widgets) each recorded thread must have finished."""
    try:
        from PyQt6 import QtCore
    except ImportError:   # no Qt: no threads to watch
        yield
        return

    started: list[tuple[QtCore.QThread, str]] = []   # strong references: see _LEAKED_THREADS
    base_start = QtCore.QThread.start

    def start_and_record(self, *args, **kwargs):
        started.append((self, _where_started()))
        return base_start(self, *args, **kwargs)

    monkeypatch.setattr(QtCore.QThread, "start", start_and_record)
    yield
    deadline = QtCore.QDeadlineTimer(THREAD_GRACE_MS)
    running = []
    for thread, where in started:
        try:
            if not thread.wait(deadline):
                running.append((thread, where))
        except RuntimeError:   # its C++ object is gone, so it is not running
            pass
    if running:
        _LEAKED_THREADS.extend(thread for thread, _ in running)
        pytest.fail("the test left QThreads running (cancel the job and wait for it, or close "
                    "the window that owns it):\n" + "\n".join(
                        f"  {thread.objectName() or 'a QThread'} started at {where}"
                        for thread, where in running), pytrace=False)


@pytest.fixture
def no_hard_exit(monkeypatch):
    """``run_app`` leaves with ``os._exit`` when a job outlives the window's close: inside pytest
    that would end the whole run with no summary, so here it fails the test instead."""
    def refuse(status: int) -> None:
        raise AssertionError(f"run_app called os._exit({status}): a job outlived the window's close")
    monkeypatch.setattr(os, "_exit", refuse)


# --- TensorFlow -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def tensorflow_installed() -> None:
    """Skip where TensorFlow is not installed, without importing it: importing it here, on the
    GUI thread, would change what the tests of training in a job see (TensorFlow already loaded)."""
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed")


# --- data and models --------------------------------------------------------------------------
def _mnist_path() -> Path | None:
    chosen = os.environ.get("LSTM_VIEWER_MNIST") or str(ROOT.parent / "shared" / "mnist")
    return Path(chosen) if Path(chosen).exists() else None


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    path = _mnist_path()
    if path is None:
        pytest.skip("MNIST not found: set LSTM_VIEWER_MNIST")
    return path


@pytest.fixture(scope="session")
def mnist(mnist_path):
    from lstm_viewer.core.data import load_mnist
    return load_mnist(mnist_path)


@pytest.fixture(scope="session")
def trained_model_path(tmp_path_factory, mnist) -> Path:
    """A small model trained with the project's own training function (a few seconds)."""
    pytest.importorskip("tensorflow")
    from lstm_viewer.ml.training import TrainConfig, save_model, train
    result = train(TrainConfig(layers=2, units=32, epochs=1, limit=3000, batch_size=64, lr=3e-3,
                               seed=3), mnist)
    return save_model(result.model, tmp_path_factory.mktemp("models") / "small.keras")


@pytest.fixture(scope="session")
def functional_model_path(tmp_path_factory, trained_model_path) -> Path:
    """The trained model rebuilt as a functional Keras model (one chain: the direct reader reads it)."""
    keras = pytest.importorskip("keras")
    seq = keras.saving.load_model(trained_model_path)
    inputs = keras.Input((28, 28))
    x = inputs
    for layer in seq.layers:
        x = layer(x)
    path = tmp_path_factory.mktemp("functional") / "functional.keras"
    keras.Model(inputs, x).save(path)
    return path


@pytest.fixture(scope="session")
def legacy_h5_model_path(tmp_path_factory, trained_model_path) -> Path:
    """The trained model saved as a Keras 2 HDF5 file: a file only Keras reads."""
    keras = pytest.importorskip("keras")
    path = tmp_path_factory.mktemp("legacy") / "legacy.h5"
    keras.saving.load_model(trained_model_path).save(path)
    return path


def randomised_keras_model(layers: int = 2, units: int = 16, seed: int = 0, keep_prob: float = 1.0):
    """An untrained model with all weights (biases too) random, so every term of the LSTM matters."""
    pytest.importorskip("tensorflow")
    from lstm_viewer.ml.training import TrainConfig, build_model
    model = build_model(TrainConfig(layers=layers, units=units, seed=seed, keep_prob=keep_prob))
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    return model


@pytest.fixture(scope="session")
def random_model_path(tmp_path_factory) -> Path:
    pytest.importorskip("tensorflow")
    from lstm_viewer.ml.training import save_model
    return save_model(randomised_keras_model(layers=3, units=24, keep_prob=0.8),
                      tmp_path_factory.mktemp("random") / "random.keras")
