"""Training from the panel, timed as a user sees it: wall time of a preset and the GUI thread's stalls.

Runs the real panel (offscreen) with a preset, clicks Train, and records when each phase began
(loading MNIST, importing TensorFlow, building the model, first batch, last batch, done), the test
accuracy, and the longest gap between ticks of a 10 ms timer on the GUI thread, per phase.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_training_gui.py [--preset Quick] [--data PATH]

Run it in a fresh process: the first training in a process includes TensorFlow's import. The load
average is printed because on a busy machine the scheduler alone makes gaps of 100-200 ms.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

from PyQt6 import QtCore, QtWidgets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="Quick", help="Quick or Seed (default: Quick)")
    parser.add_argument("--data", default=os.environ.get("LSTM_VIEWER_MNIST"),
                        help="MNIST folder or mnist.npz (default: $LSTM_VIEWER_MNIST)")
    parser.add_argument("--samples", type=int, help="override the preset's number of digits")
    args = parser.parse_args()

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    from lstm_viewer.gui.training_panel import TrainingPanel
    from lstm_viewer.ml.training import Progress

    panel = TrainingPanel()
    panel.preset_combo.setCurrentText(args.preset)
    if args.samples:
        panel.samplesSpin.setValue(args.samples)
    if args.data:
        panel.data_edit.setText(args.data)
    panel.show()

    t0 = time.perf_counter()
    phase = ["starting"]
    marks: list[tuple[str, float]] = []
    gaps: dict[str, float] = {}
    last = [None]
    result: list[str] = []

    def on_tick() -> None:
        now = time.perf_counter()
        if last[0] is not None:
            gaps[phase[0]] = max(gaps.get(phase[0], 0.0), now - last[0])
        last[0] = now

    def on_progress(item: object) -> None:
        name = item if isinstance(item, str) else None
        if isinstance(item, Progress) and item.test_accuracy is None:
            if item.batch == 1 and item.epoch == 1:
                name = "batches"
            elif item.batch == item.batches and item.epoch == item.epochs:
                name = "test pass"
        if name and name != phase[0]:
            phase[0] = name
            marks.append((name, time.perf_counter() - t0))

    def on_trained(network, keras_model, description: str) -> None:
        marks.append(("done", time.perf_counter() - t0))
        result.append(description)
        app.quit()

    probe = QtCore.QTimer()
    probe.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    probe.timeout.connect(on_tick)
    probe.start(10)
    panel.modelTrained.connect(on_trained)
    # An error or a cancel ends the run too; the quit is queued so that a success is recorded first.
    panel.busyChanged.connect(lambda busy: None if busy else QtCore.QTimer.singleShot(0, app.quit))

    def start() -> None:
        if not panel.start():
            app.quit()
            return
        panel._worker.progress.connect(on_progress)

    QtCore.QTimer.singleShot(0, start)
    app.exec()
    probe.stop()
    panel.shutdown(30_000)

    config = panel.config()
    print(f"{platform.node()}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}")
    print(f"preset {args.preset}: {config.layers} × {config.units}, {config.epochs} epoch(s), "
          f"{config.limit or 60_000:,} digits, batch {config.batch_size}, lr {config.lr}")
    if not result:
        print(f"no model: {panel.status_label.text()}")
        return 1
    print(result[0])
    for name, at in marks:
        print(f"  {at:6.1f} s  {name}")
    print(f"wall time from Train to the model: {marks[-1][1]:.1f} s")
    print("longest gap between 10 ms GUI ticks, by phase:")
    for name, gap in gaps.items():
        print(f"  {gap * 1000:6.0f} ms  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
