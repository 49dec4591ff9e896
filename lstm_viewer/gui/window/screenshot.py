"""Take the README screenshot: the real window, a digit drawn with real mouse events, stepped part-way.

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 python -m lstm_viewer.gui.window.screenshot --out docs/screenshot.png [--model M] [--row 15]
    DISPLAY=:99 python -m lstm_viewer.gui.window.screenshot --out docs/unit-inspector.png --digit 7 --row 13 \
        --select 3:18 --panels unit,why
    DISPLAY=:99 python -m lstm_viewer.gui.window.screenshot --out docs/importance.png --digit 7 --row 13 \
        --panels importance
    DISPLAY=:99 python -m lstm_viewer.gui.window.screenshot --out docs/why-this-answer.png --pin-first 7 \
        --digit 1 --row 18 --panels compare
    DISPLAY=:99 LSTM_VIEWER_MNIST=../shared/mnist python -m lstm_viewer.gui.window.screenshot \
        --out docs/statespace.png --digit 3 --row 15 --panels statespace   (waits for the state space)

With ``DISPLAY`` set and ImageMagick's ``import`` installed the whole X screen is captured (what a
user would see); otherwise the window grabs itself.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

from ..panels import PANELS as ALL_PANELS

# Digits as strokes in 0..1 paper coordinates, drawn the way a person draws them.
DIGITS = {
    "3": [[(0.3, 0.2), (0.55, 0.12), (0.7, 0.25), (0.6, 0.45), (0.45, 0.5), (0.62, 0.55),
           (0.72, 0.72), (0.55, 0.88), (0.28, 0.82)]],
    "7": [[(0.25, 0.2), (0.75, 0.2), (0.6, 0.5), (0.45, 0.85)]],
    "4": [[(0.5, 0.12), (0.28, 0.58), (0.75, 0.58)], [(0.62, 0.3), (0.6, 0.9)]],
    "2": [[(0.28, 0.3), (0.45, 0.14), (0.68, 0.2), (0.68, 0.42), (0.3, 0.85), (0.75, 0.85)]],
    "1": [[(0.58, 0.14), (0.52, 0.5), (0.45, 0.86)]],
}
# --panels names: the panels' keys (panels.PANELS), each naming its dock.
PANELS = {spec.key: spec.object_name for spec in ALL_PANELS}


def draw_stroke(canvas, points) -> None:
    """One stroke of real mouse events (press, moves, release) on the canvas."""
    from PyQt6 import QtCore
    from PyQt6.QtTest import QTest

    side = min(canvas.width(), canvas.height())
    left, top = (canvas.width() - side) / 2, (canvas.height() - side) / 2
    pixels = [QtCore.QPoint(int(left + x * side), int(top + y * side)) for x, y in points]
    no_mod = QtCore.Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, QtCore.Qt.MouseButton.LeftButton, no_mod, pixels[0])
    for a, b in zip(pixels, pixels[1:], strict=False):
        for step in range(1, 6):
            t = step / 5
            QTest.mouseMove(canvas, QtCore.QPoint(int(a.x() + t * (b.x() - a.x())),
                                                  int(a.y() + t * (b.y() - a.y()))))
    QTest.mouseRelease(canvas, QtCore.Qt.MouseButton.LeftButton, no_mod, pixels[-1])


def _unit(text: str) -> tuple[int, int]:
    try:
        layer, unit = (int(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LAYER:UNIT, e.g. 3:18") from None
    return layer, unit


def _panel_names(text: str) -> list[str]:
    names = [name for name in text.split(",") if name]
    unknown = [name for name in names if name not in PANELS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown panel {unknown[0]!r}; choose from {', '.join(PANELS)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="PNG to write")
    parser.add_argument("--model", help="a .keras model (default: assets/default.keras)")
    parser.add_argument("--digit", default="3", choices=sorted(DIGITS), help="what to draw (3)")
    parser.add_argument("--row", type=int, default=15, choices=range(1, 29), metavar="1..28",
                        help="1-based row to stop at (15)")
    parser.add_argument("--size", default="1600x1000", help="window size WxH (1600x1000)")
    parser.add_argument("--gates", action="store_true", help="show the gates view")
    parser.add_argument("--pin-first", choices=sorted(DIGITS), metavar="DIGIT",
                        help="draw this digit first and pin it as A (then --digit is B)")
    parser.add_argument("--select", metavar="LAYER:UNIT", type=_unit,
                        help="select a unit (layer 1-based), e.g. 3:18")
    parser.add_argument("--panels", default=[], type=_panel_names,
                        help=f"panels to show, in order, comma-separated: {','.join(PANELS)}")
    parser.add_argument("--lang", choices=["en", "zh_CN"], default="en",
                        help="the window's language (en): zh_CN for README.zh-CN.md's pictures")
    args = parser.parse_args(argv)

    from PyQt6 import QtCore, QtGui, QtWidgets

    app = QtWidgets.QApplication(sys.argv[:1])
    from .language import install_language
    install_language(app, args.lang)
    from ... import load_network
    from ...core.blas import limit_blas_threads
    from .main_window import MainWindow

    limit_blas_threads(1)
    width, height = (int(v) for v in args.size.split("x"))
    window = MainWindow(load_network(args.model))
    window.setGeometry(0, 0, width, height)
    window.show()
    result = {}

    def act() -> None:
        window.activateWindow()
        if args.pin_first:
            for points in DIGITS[args.pin_first]:
                draw_stroke(window.canvas, points)
            window.findChild(QtGui.QAction, "pinAction").trigger()
            window.clear_button.click()
        for points in DIGITS[args.digit]:
            draw_stroke(window.canvas, points)
        window.state.show_gates = args.gates
        window.state.row = args.row - 1
        for name in args.panels:
            window.show_panel(PANELS[name])
        if args.select:
            layer, unit = args.select
            window.state.selection = (layer - 1, unit)
        QtCore.QTimer.singleShot(2500, shoot_when_ready)   # let the sample scoring, jobs and paints settle

    def shoot_when_ready() -> None:
        # The state space first builds (minutes without its disk cache) and projects the row shown.
        if "statespace" in args.panels:
            from ..statespace.panel import StateSpacePanel
            panel = window.findChild(StateSpacePanel)
            if panel is not None and panel.status in ("failed", "cancelled"):
                print(f"the state space was not built ({panel.status_label.text()})", file=sys.stderr)
                window.close()
                app.quit()
                return
            if panel is None or panel.status != "ready" or not panel.showing_row() \
                    or panel.shown_neighbours is None:
                QtCore.QTimer.singleShot(500, shoot_when_ready)
                return
            QtCore.QTimer.singleShot(1000, shoot)   # its last paints
            return
        shoot()

    def shoot() -> None:
        if os.environ.get("DISPLAY") and shutil.which("import"):
            subprocess.run(["import", "-window", "root", "-crop", f"{width}x{height}+0+0", args.out],
                           check=True)
        else:
            window.grab().save(args.out)
        result["text"] = (f"{args.out}: drew {args.digit}, read as {window.trace.prediction}, "
                          f"row {window.state.row + 1}")
        window.close()
        app.quit()

    QtCore.QTimer.singleShot(1500, act)
    app.exec()
    print(result.get("text", "no screenshot taken"))
    status = 0 if result else 1
    if window.jobs.threads():
        # As run_app does: a job still inside a step that cannot be interrupted (a chunk of the state
        # space's first build, on a busy machine) must not meet Python's shutdown (it crashed there).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


if __name__ == "__main__":
    sys.exit(main())
