"""Training from the panel, timed as a user sees it: wall time of a preset and the GUI thread's stalls.

Runs the real panel (offscreen) with a preset, clicks Train, and records when each phase began
(loading MNIST, importing TensorFlow, building the model, first batch, last batch, done), the test
accuracy, and the longest gap between ticks of a 10 ms timer on the GUI thread, per phase: the
wall-clock gap, and the part of it this process can be blamed for (``StallProbe``; it was an
assertion in tests/test_training_panel.py, under 100 ms, before timings moved out of the tests).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_training_gui.py [--preset Quick] [--data PATH]

Run it in a fresh process: the first training in a process includes TensorFlow's import. The load
average is printed because on a busy machine the scheduler alone makes gaps of 100-200 ms.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import threading
import time
from pathlib import Path

from PyQt6 import QtCore, QtWidgets


class StallProbe:
    """A 10 ms QTimer on the GUI thread that records, per phase, the longest gap between its ticks.

    ``gaps`` are plain wall-clock gaps. On this 2-core machine, loaded by other processes, the
    scheduler alone makes gaps of 200 ms with no training at all (measured), so ``ours`` bounds
    the part of a gap this process can be blamed for twice from above with Linux schedstat:
    (a) the gap minus the time the GUI thread was runnable but waiting for a CPU, and (b) the CPU
    time the GUI thread and the job threads used during the gap (a job holding the GIL is on a CPU
    or preempted by someone else). Both bounds over-count (a job running without the GIL counts in
    b; a job preempted while holding it counts in a), neither misses a stall this code causes. Off
    Linux both equal the gap.
    """

    def __init__(self, runner, phase: list[str]) -> None:
        self.runner, self.phase = runner, phase
        self.gui_tid = threading.get_native_id()
        self.gaps: dict[str, float] = {}
        self.ours: dict[str, float] = {}
        self._last_time: float | None = None
        self._last_stats: dict[int, tuple[float, float]] = {}
        self.timer = QtCore.QTimer()
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_tick)
        self.timer.start(10)

    @staticmethod
    def _schedstat(tid: int) -> tuple[float, float] | None:
        """(seconds on a CPU, seconds runnable but waiting for one) of a thread of this process."""
        try:
            on_cpu, waiting = Path(f"/proc/self/task/{tid}/schedstat").read_text().split()[:2]
            return int(on_cpu) / 1e9, int(waiting) / 1e9
        except (OSError, ValueError):
            return None

    def _on_tick(self) -> None:
        now = time.perf_counter()
        tids = [self.gui_tid] + [job.thread_id for job in self.runner.jobs() if job.thread_id]
        stats = {tid: self._schedstat(tid) for tid in tids}
        if self._last_time is not None:
            gap = now - self._last_time
            ours = gap
            if all(stats.values()):
                last = self._last_stats
                # A thread seen for the first time counts with all its CPU time so far.
                cpu = sum(on - last.get(tid, (0.0, 0.0))[0] for tid, (on, _) in stats.items())
                gui_waiting = stats[self.gui_tid][1] - last.get(self.gui_tid, (0.0, 0.0))[1]
                ours = min(gap, gap - gui_waiting, 0.010 + cpu)
            name = self.phase[0]
            self.gaps[name] = max(self.gaps.get(name, 0.0), gap)
            self.ours[name] = max(self.ours.get(name, 0.0), ours)
        self._last_time = now
        self._last_stats = {tid: value for tid, value in stats.items() if value}

    def stop(self) -> None:
        self.timer.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="Quick", help="Quick or Seed (default: Quick)")
    parser.add_argument("--data", default=os.environ.get("LSTM_VIEWER_MNIST"),
                        help="MNIST folder or mnist.npz (default: $LSTM_VIEWER_MNIST)")
    parser.add_argument("--samples", type=int, help="override the preset's number of digits")
    args = parser.parse_args()

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    from lstm_viewer.gui.state.jobs import JobRunner
    from lstm_viewer.gui.training.panel import TrainingPanel
    from lstm_viewer.ml.training import Progress

    runner = JobRunner()
    panel = TrainingPanel(runner)
    panel.preset_combo.setCurrentText(args.preset)
    if args.samples:
        panel.samplesSpin.setValue(args.samples)
    if args.data:
        panel.data_edit.setText(args.data)
    panel.show()

    t0 = time.perf_counter()
    phase = ["starting"]
    marks: list[tuple[str, float]] = []
    result: list[str] = []

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

    probe = StallProbe(runner, phase)
    panel.modelTrained.connect(on_trained)
    # An error or a cancel ends the run too; the quit is queued so that a success is recorded first.
    panel.busyChanged.connect(lambda busy: None if busy else QtCore.QTimer.singleShot(0, app.quit))

    def start() -> None:
        if not panel.start():
            app.quit()
            return
        runner.jobs("training")[0].yielded.connect(on_progress)

    QtCore.QTimer.singleShot(0, start)
    app.exec()
    probe.stop()
    runner.shutdown(30_000)

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
    print("longest gap between 10 ms GUI ticks, by phase (wall clock; of it, at most this process's "
          "threads running):")
    for name, gap in probe.gaps.items():
        print(f"  {gap * 1000:6.0f} ms  {probe.ours[name] * 1000:6.0f} ms  {name}")
    worst = max(probe.ours.values(), default=0.0)
    print(f"longest stall this process can be blamed for: {worst * 1000:.0f} ms "
          f"({'under' if worst < 0.100 else 'OVER'} the 100 ms the tests used to assert)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
