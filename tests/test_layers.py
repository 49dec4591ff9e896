"""The layers of the README's "Architecture", enforced: import-linter's contracts in pyproject.toml
(core and analyses without Qt or TensorFlow, ml without Qt, the view state without Qt, no cycles)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    pytest.importorskip("importlinter")
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "lint-imports is not installed (pip install -e '.[test]')"
    done = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_importing_the_core_and_the_view_state_loads_neither_qt_nor_tensorflow():
    code = ("import sys; import lstm_viewer, lstm_viewer.core.kerasfile, lstm_viewer.core.preprocess, "
            "lstm_viewer.analysis, lstm_viewer.gui.state.view_state; "
            "bad = [m for m in ('PyQt6', 'tensorflow', 'keras', 'pyqtgraph') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
