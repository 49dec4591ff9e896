"""``lstm-viewer animate IMAGE --out read.gif|read.mp4 [--model M] [--view window|PANEL] [--fps F]
[--scale S]``

The row-by-row read of a digit image as an animated GIF or an MP4, made by the real window (1600 ×
1000, offscreen: ``QT_QPA_PLATFORM=offscreen`` unless the variable is set, so no display is needed and
the frames do not depend on the screen). ``--view``: ``window`` (default), ``layers``, ``softmax``,
``state``, ``input`` or an analysis panel's key (``unit``, ``why``, ``importance``…); ``--select
LAYER:UNIT`` selects a unit first (the inspector and the heatmaps follow it). Bad input is
one line on stderr and exit status 2, as for every command.

Importing this module imports no Qt: the command line builds its parser from ``add_parser``.
Standalone: ``python -m lstm_viewer.gui.export.animate_command IMAGE --out read.gif``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ...core.errors import UserError
from .views import WINDOW, format_of, panel_dock_name, view_keys

WINDOW_SIZE = (1600, 1000)
SETTLE_S = 0.5          # the window's first moments (the samples' scoring starts after 300 ms)
IDLE_TIMEOUT_S = 120.0  # at most this long for the window's background work (a panel's own pass)


def _number_between(low: float, high: float, what: str, example: str):
    """An argparse type: a number from ``low`` to ``high`` (``what`` names its unit in the error)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {example}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}{what}, got {text}")
        return value
    return parse


_fps = _number_between(0.1, 30, " frames a second", "a number of frames a second")
_scale = _number_between(0.25, 4, "", "a number such as 1 or 2")


def _mean_std(text: str) -> tuple[float, float]:
    try:
        mean, std = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MEAN,STD such as 0.1307,0.3081, got {text!r}") from None
    if not (abs(mean) < float("inf") and 0 < std < float("inf")):
        raise argparse.ArgumentTypeError(f"needs a finite mean and a positive STD, got {text!r}")
    return mean, std


def _unit(text: str) -> tuple[int, int]:
    try:
        layer, unit = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LAYER:UNIT such as 3:18, got {text!r}") from None
    if layer < 1 or unit < 0:
        raise argparse.ArgumentTypeError(f"layers count from 1 and units from 0, got {text!r}")
    return layer, unit


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def add_parser(commands) -> argparse.ArgumentParser:
    """The ``animate`` command, added to the command line's subparsers."""
    animate = commands.add_parser(
        "animate", help="write the row-by-row read of a digit image as an animated GIF or an MP4")
    animate.add_argument("image", metavar="IMAGE", help="a PNG or JPEG digit")
    animate.add_argument("--out", required=True, metavar="FILE",
                         help="the .gif or .mp4 to write (replaced only by a complete new file)")
    animate.add_argument("--model", dest="sub_model", metavar="M",
                         help="the model (any format lstm-viewer reads; default: the shipped model)")
    animate.add_argument("--forget-bias", dest="sub_model_forget_bias", type=_number, metavar="F",
                         help="TF1 checkpoints: the constant the cells add to f")
    animate.add_argument("--normalize", dest="sub_model_normalize", type=_mean_std, metavar="MEAN,STD",
                         help="the first layer reads (x - MEAN) / STD")
    animate.add_argument("--view", default=WINDOW, choices=view_keys(), metavar="VIEW",
                         help=f"what to show: {', '.join(view_keys())} (default: the whole window)")
    animate.add_argument("--select", type=_unit, metavar="LAYER:UNIT",
                         help="select a unit first (layer from 1, unit as the window numbers it), e.g. "
                              "3:18: the unit inspector follows it")
    animate.add_argument("--fps", type=_fps, default=4.0, help="rows a second (4)")
    animate.add_argument("--scale", type=_scale, default=1.0,
                         help="pixels per screen pixel: 2 for a crisp slide (1)")
    return animate


def run(args) -> int:
    """Write the animation ``args`` ask for; 0, or a ``UserError`` for bad input."""
    from ...core.atomic import check_can_write
    from ...core.preprocess import load_image, preprocess

    out = Path(args.out)
    format_of(out)
    check_can_write(out)
    image = preprocess(load_image(args.image))
    if not image.any():
        raise UserError(f"{args.image}: no ink found: the page looks blank; there is nothing to read")
    network = _load_network(args)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6 import QtWidgets

    from ...core.blas import limit_blas_threads
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    limit_blas_threads(1)
    # The window through the package's public name: the window's module imports this folder's menus.
    from .. import MainWindow
    from .animation import FrameMaker, export_now

    window = MainWindow(network)   # no settings: nothing of the user's is read or changed
    try:
        window.resize(*WINDOW_SIZE)
        window.show()
        window.show_input(image)
        if args.select is not None:
            _select(window, args.select)
        dock = panel_dock_name(args.view)
        if dock is not None:
            window.show_panel(dock)
        _settle(app, window)
        maker = FrameMaker(window, args.view, scale=args.scale)
        written = export_now(maker, out, args.fps)
        width, height = maker.frame_size()
        print(f"{written}: {maker.count} frames of {width} × {height} pixels at {args.fps:g} frames a "
              f"second, {written.stat().st_size / 1e6:.1f} MB")
    finally:
        window.close()
    if window.jobs.threads():   # as run_app: a job stuck in a step that cannot be interrupted
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def _load_network(args):
    from ... import load_network

    def pick(name: str):
        value = getattr(args, f"sub_model_{name}", None)
        return value if value is not None else getattr(args, f"model_{name}", None)

    chosen = getattr(args, "sub_model", None) or getattr(args, "model", None)
    if chosen:
        return load_network(chosen, forget_bias=pick("forget_bias"), normalize=pick("normalize"))
    return load_network(None)


def _select(window, chosen: tuple[int, int]) -> None:
    layer, unit = chosen
    try:
        window.state.selection = (layer - 1, unit)
    except ValueError as exc:
        raise UserError(f"--select {layer}:{unit}: {exc}") from None


def _settle(app, window) -> None:
    """Let the window start and finish its background work (a panel's pass over the input), so the
    frames show it done and no busy indicator."""
    start = time.monotonic()
    while True:
        app.processEvents()
        elapsed = time.monotonic() - start
        if elapsed >= SETTLE_S and not window.jobs.is_busy():
            break
        if elapsed >= IDLE_TIMEOUT_S:
            print("lstm-viewer: note: the window was still working after "
                  f"{IDLE_TIMEOUT_S:.0f} s; the frames show it as it was", file=sys.stderr)
            break
        time.sleep(0.01)
    app.processEvents()


class _OneLineParser(argparse.ArgumentParser):
    """Bad options are one line on stderr, as the command line's own parser says them."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: list[str] | None = None) -> int:
    """``python -m lstm_viewer.gui.export.animate_command IMAGE --out …``: the command alone."""
    parser = _OneLineParser(prog="lstm-viewer")
    add_parser(parser.add_subparsers(dest="command", parser_class=_OneLineParser))
    args = parser.parse_args(["animate", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run(args)
    except UserError as exc:
        print(f"lstm-viewer: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
