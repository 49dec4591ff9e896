"""A text progress bar with ETA for the terminal (one line redrawn), or plain lines when piped."""
from __future__ import annotations

import sys

from .training import Progress


def format_seconds(seconds: float) -> str:
    if seconds != seconds:  # NaN: no pace yet
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


class TextProgress:
    """Call with each ``Progress``; epochs' test accuracy gets a line of its own."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_step = -1

    def __call__(self, p: Progress) -> None:
        if p.test_accuracy is not None:
            self._end_line()
            self.stream.write(f"epoch {p.epoch}/{p.epochs}: loss {p.loss:.4f}  accuracy {p.accuracy:.4f}  "
                              f"test accuracy {p.test_accuracy:.4f}  ({format_seconds(p.elapsed)})\n")
            self.stream.flush()
            return
        if self.interactive:
            filled = int(self.width * p.fraction)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {p.fraction:5.1%}  epoch {p.epoch}/{p.epochs} batch "
                              f"{p.batch}/{p.batches}  loss {p.loss:.4f}  acc {p.accuracy:.4f}  "
                              f"ETA {format_seconds(p.eta)}")
            self.stream.flush()
            return
        step = int(p.fraction * 20)  # piped: a line every 5%
        if step != self._last_step:
            self._last_step = step
            self.stream.write(f"{p.fraction:5.1%}  epoch {p.epoch}/{p.epochs} batch {p.batch}/{p.batches}"
                              f"  loss {p.loss:.4f}  acc {p.accuracy:.4f}  ETA {format_seconds(p.eta)}\n")
            self.stream.flush()

    def _end_line(self) -> None:
        if self.interactive:
            self.stream.write("\n")
