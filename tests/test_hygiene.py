"""The test hygiene itself (conftest.py and ``[tool.pytest.ini_options]``) does what it says:
our own warnings are errors, settings and caches stay out of the user's home, and a test that
leaves a QThread running fails."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run_as(module: str, code: str) -> None:
    """Run ``code`` as if it were in ``module`` (warnings are attributed by the caller's module)."""
    exec(compile(code, f"<{module}>", "exec"), {"__name__": module})


def test_a_warning_from_our_own_code_is_an_error():
    with pytest.raises(UserWarning, match="ours"):
        _run_as("lstm_viewer.gui.some_view", "import warnings; warnings.warn('ours')")
    with pytest.raises(RuntimeWarning, match="divide by zero"):   # numpy's, raised in our code
        _run_as("lstm_viewer.core.network", "import numpy as np; np.log(np.zeros(1))")


def test_a_warning_from_someone_elses_code_stays_a_warning():
    with pytest.warns(UserWarning, match="theirs"):
        _run_as("pyqtgraph.some_module", "import warnings; warnings.warn('theirs')")
    with warnings.catch_warnings(record=True):
        _run_as("not_lstm_viewer", "import warnings; warnings.warn('theirs')")   # no error


def test_settings_and_caches_stay_out_of_the_users_home(qapp):
    import platformdirs
    from PyQt6 import QtCore
    config, cache = Path(os.environ["XDG_CONFIG_HOME"]), Path(os.environ["XDG_CACHE_HOME"])
    assert config.is_dir() and cache.is_dir() and config.parent == cache.parent
    assert not config.is_relative_to(Path.home() / ".config")
    # What run_app uses when given no settings, and where the app's caches go.
    assert Path(QtCore.QSettings("lstm-viewer", "lstm-viewer").fileName()).is_relative_to(config)
    assert Path(platformdirs.user_cache_dir("lstm-viewer")).is_relative_to(cache)


def test_a_test_that_leaves_a_qthread_running_fails(tmp_path):
    """The conftest's leaked-thread check, run on three small tests in a fresh pytest."""
    folder = tmp_path / "tests"        # the check names places in folders called tests/
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "conftest.py", folder / "conftest.py")
    (folder / "test_leak.py").write_text(textwrap.dedent("""
        import threading
        from PyQt6 import QtCore

        release = threading.Event()
        kept = []

        class Held(QtCore.QThread):
            def run(self):
                release.wait(120)

        def test_leaves_a_thread_running():
            kept.append(Held())
            kept[-1].start()

        def test_releases_it():
            release.set()
            assert kept[0].wait(120_000)

        def test_waits_for_its_own_thread():
            kept.append(Held())
            kept[-1].start()
            assert kept[-1].wait(120_000)
    """))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                           "no:randomly", str(folder)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    out = done.stdout
    assert "3 passed, 1 error" in out, out[-3000:]
    assert "ERROR at teardown of test_leaves_a_thread_running" in out, out[-3000:]
    assert "the test left QThreads running" in out and "test_leak.py:14" in out, out[-3000:]
