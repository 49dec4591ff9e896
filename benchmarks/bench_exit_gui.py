"""How soon the app is gone after its window is closed, while a training job runs.

Two cases, each in a fresh process (offscreen), timed from the moment ``close()`` is called to the
process's exit:

- training: the window closed after ~1 s of batches (the job stops at the next batch);
- importing: the app (``run_app``) closed 1.5 s after Train, while the job still imports TensorFlow,
  which cannot be interrupted: closing waits ``SHUTDOWN_WAIT_MS`` (2 s), then ``run_app`` leaves.

These were assertions in tests/test_training_panel.py (under 3 s) before timings moved out of the
tests; the tests still check that both exits are clean.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_exit_gui.py [--data PATH] [--repeats N]
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 3.0

TRAINING = """
    import sys
    sys.path.insert(0, "tests")
    from PyQt6 import QtCore, QtWidgets
    app = QtWidgets.QApplication(sys.argv[:1])
    # Quitting while training asks first: answer "Stop and quit".
    QtWidgets.QMessageBox.question = lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Yes
    from gui_support import random_network
    from lstm_viewer.gui import MainWindow

    window = MainWindow(random_network([8]))
    window.show()
    window.trainAction.trigger()
    p = window.training_panel
    p.data_edit.setText(DATA)
    p.layersSpin.setValue(1); p.unitsSpin.setValue(16)
    p.samplesSpin.setValue(20000); p.batchSpin.setValue(32)

    def close():
        print("CLOSING", flush=True)
        window.close()

    def watch():
        if p.curves.batches_shown() > 0:
            poll.stop()
            QtCore.QTimer.singleShot(1000, close)

    poll = QtCore.QTimer(); poll.timeout.connect(watch); poll.start(20)
    p.start()
    app.exec()
"""

IMPORTING = """
    import sys
    from PyQt6 import QtCore, QtWidgets
    app = QtWidgets.QApplication(sys.argv[:1])
    # Quitting while training asks first: answer "Stop and quit".
    QtWidgets.QMessageBox.question = lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Yes
    from lstm_viewer.gui import app as gui_app
    from lstm_viewer.gui.window.main_window import MainWindow

    def go():
        window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
        window.trainAction.trigger()
        panel = window.training_panel
        panel.data_edit.setText(DATA)
        panel.layersSpin.setValue(1); panel.unitsSpin.setValue(8)
        panel.start()
        def close():
            print("CLOSING", "tensorflow" in sys.modules, flush=True)
            window.close()
        QtCore.QTimer.singleShot(1500, close)

    QtCore.QTimer.singleShot(200, go)
    sys.exit(gui_app.run_app(None))
"""


def seconds_to_exit(code: str, data: str, folder: Path) -> tuple[float, int, str]:
    """(seconds from CLOSING to the exit, exit status, what was printed at CLOSING)."""
    script = folder / "case.py"
    script.write_text(textwrap.dedent(code).replace("DATA", repr(data)))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="2",
               XDG_CONFIG_HOME=str(folder))   # run_app's settings: not the user's
    process = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    closing = None
    for line in process.stdout:
        if line.startswith("CLOSING"):
            closing, at = line.strip(), time.perf_counter()
            break
    status = process.wait(timeout=600)
    if closing is None:
        return float("nan"), status, "never closed"
    return time.perf_counter() - at, status, closing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("LSTM_VIEWER_MNIST"),
                        help="MNIST folder or mnist.npz (default: $LSTM_VIEWER_MNIST)")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    if not args.data:
        print("set LSTM_VIEWER_MNIST or pass --data")
        return 2
    print(f"{platform.node()}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name, code in (("close while training", TRAINING), ("close while importing TF", IMPORTING)):
            for _ in range(args.repeats):
                seconds, status, closing = seconds_to_exit(code, args.data, Path(folder))
                worst = max(worst, seconds)
                print(f"{name:<28} exit {seconds:5.2f} s after close (status {status}; {closing})")
    print(f"load average after: {os.getloadavg()[0]:.1f}; budget {BUDGET_S:g} s: "
          f"{'ok' if worst < BUDGET_S else 'OVER'}")
    return 0 if worst < BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
