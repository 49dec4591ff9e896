"""What View ▸ Zoom costs: a row step of the main window (3 × 256) at 100 % with and without the zoom
module (its ``LabelItem.setText`` hook and View ▸ Full screen's filter on the window), with its
application event filter forced on at 100 % (the filter alone), and at 150 % and 200 %; and the time
one zoom step takes to apply to the whole window.

Each mode is timed in blocks of rows, the modes taking turns block after block in one process, so a
busy machine inflates them alike (GUIDE: ratios measured in one run). A row step is
``state.row = r`` then ``processEvents()`` (update and paint), as in ``bench_gui``. Twice: the layers,
softmax and stack state only; then with the unit inspector and "why this class" open.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_zoom.py [--rounds N] [--block N]

Measured here (2 cores, offscreen, 1600 × 1000, default 3 × 256 model, other sessions running: load
0.5-1), two runs: row-step p95 at 100 % without / with the zoom module 5.33 / 5.39 ms and 4.84 / 5.43 ms
(layers and prediction), 8.48 / 8.86 ms and 9.31 / 7.46 ms (with the inspector and "why" open); p50s
differ by up to ±20 % either way between runs, the noise of the machine: at 100 % the module adds no
work to a row step. At 150 % and 200 % p95 5.2-9.6 ms, within the 16 ms budget; 35 events a row step
pass the zoom's application filter (about 2 µs each), no plot layout asks to be laid out. A zoom step
takes 130-200 ms (the whole window laid out and painted again).
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

BUDGET_MS = 16.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--block", type=int, default=30, help="row steps per block")
    parser.add_argument("--size", default="1600x1000")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import pyqtgraph as pg
    from PyQt6 import QtCore, QtWidgets
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from bench_gui import _digits, _network, _rows

    from lstm_viewer.core.blas import limit_blas_threads
    from lstm_viewer.gui import MainWindow
    from lstm_viewer.gui.window.zoom import ZoomControl, _FullScreenFollower, full_screen_action
    limit_blas_threads(1)

    load_before = f"{os.getloadavg()[0]:.2f}"
    network, source = _network(None)
    window = MainWindow(network)
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    deadline = time.perf_counter() + 0.5
    while time.perf_counter() < deadline or window.jobs.is_busy():
        app.processEvents()
        time.sleep(0.01)
    window.show_trace(network.trace(_digits(1)[0]))
    app.processEvents()

    original_set_text = pg.LabelItem.setText
    zoom = ZoomControl(window)          # at 100 %: no event filter, nothing applied
    hooked_set_text = pg.LabelItem.setText
    # View ▸ Full screen follows the window's state through an event filter on the window alone.
    follower = full_screen_action(window).findChild(_FullScreenFollower)
    state = window.state

    class Count(QtCore.QObject):
        """Events the application delivers, and plot layouts asking to be laid out, per row step."""
        events = layouts = 0

        def eventFilter(self, watched, event) -> bool:
            Count.events += 1
            if event.type() == QtCore.QEvent.Type.LayoutRequest and isinstance(watched,
                                                                              QtWidgets.QGraphicsWidget):
                Count.layouts += 1
            return False

    def set_mode(mode: str) -> None:
        bare = mode == "100 %, no zoom module"
        pg.LabelItem.setText = original_set_text if bare else hooked_set_text
        window.removeEventFilter(follower)
        if not bare:
            window.installEventFilter(follower)
        factor = {"150 %": 1.5, "200 %": 2.0}.get(mode, 1.0)
        if zoom.factor != factor:
            zoom.set_factor(factor, remember=False)
        zoom._watch(factor != 1.0 or mode == "100 %, filter forced on")
        # A new size redraws the inspector's kept text in the background: let it end first.
        deadline = time.perf_counter() + 0.3
        while time.perf_counter() < deadline or (
                "unitDock" in window._panels and window.unit_inspector.is_drawing_ahead()):
            app.processEvents()
            time.sleep(0.005)

    modes = ("100 %, no zoom module", "100 %, ZoomControl", "100 %, filter forced on", "150 %", "200 %")
    rng = np.random.default_rng(7)

    def run(label: str) -> dict[str, list[float]]:
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        for _round in range(args.rounds):
            for k in rng.permutation(len(modes)):   # a new order each round: none always follows a zoom
                mode = modes[k]
                set_mode(mode)
                rows = _rows(rng, args.block + 5)
                for r in rows[:5]:   # warm-up: the first paints at a new size build caches
                    state.row = r
                    app.processEvents()
                for r in rows[5:]:
                    start = time.perf_counter()
                    state.row = r
                    app.processEvents()
                    times[mode].append((time.perf_counter() - start) * 1000.0)
        print(f"\nrow step, {label}       wall p50    p95    max   (ms; {args.rounds} blocks of "
              f"{args.block} per mode, taking turns in a new order each round)")
        base = np.percentile(times[modes[0]], 50)
        for mode in modes:
            values = np.asarray(times[mode])
            p50, p95 = np.percentile(values, 50), np.percentile(values, 95)
            print(f"  {mode:<28}{p50:7.2f}{p95:7.2f}{values.max():7.2f}   p50 × {p50 / base:.2f}   "
                  f"{'ok' if p95 < BUDGET_MS else 'OVER'}")
        return times

    run("layers + prediction")
    window.show_panel(window.unit_dock)
    window.show_panel(window.why_dock)
    state.selection = (len(network.units) - 1, 0)
    deadline = time.perf_counter() + 0.5
    while time.perf_counter() < deadline or window.unit_inspector.is_drawing_ahead():
        app.processEvents()
        time.sleep(0.01)
    run("+ unit inspector, why")

    # Events per row step at 150 %: what the filter sees.
    set_mode("150 %")
    counter = Count()
    app.installEventFilter(counter)
    for r in _rows(rng, 50):
        state.row = r
        app.processEvents()
    app.removeEventFilter(counter)
    print(f"\nat 150 %: {Count.events / 50:.1f} events a row step through the application's filters, "
          f"{Count.layouts / 50:.2f} plot layouts asking to be laid out (a scene looked at again)")

    # One zoom step applied to the whole window (fonts, every scene, the layout that follows).
    print("\nzoom step (apply + the window laid out and painted)")
    for factor in (1.1, 1.25, 1.5, 2.0, 2.5, 1.0):
        start = time.perf_counter()
        zoom.set_factor(factor, remember=False)
        app.processEvents()
        print(f"  to {round(factor * 100)} %: {(time.perf_counter() - start) * 1000.0:7.1f} ms")

    print(f"\nmodel: {network.describe()} ({source}); window {width}x{height}; "
          f"{platform.machine()}, {os.cpu_count()} cores, Qt platform {app.platformName()}")
    print(f"load average before/after: {load_before} / {os.getloadavg()[0]:.2f}")
    window.close()
    return 0


if __name__ == "__main__":
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    raise SystemExit(main())
