"""A few lines of lightly styled text that change every row, drawn once per row and kept.

A rich-text QLabel lays its HTML out as a QTextDocument on every ``setText``: for the unit inspector's
twenty lines of equations that measured 11–16 ms per row on the project's machine, the largest part
of a row step. Here a line is a list of runs, each plain text in one of four styles (normal, bold,
small, link), drawn with one ``drawText`` per run (neighbouring runs of one style merged) into a
pixmap that is kept under a key (for the inspector: trace, unit, row). Showing a row seen before is
one ``drawPixmap``; ``prerender`` lets the owner draw the other rows while the window is idle. A run
that does not fit wraps, at a space inside it if it has one. Links are runs with a target: clicking
one emits ``linkActivated(target)``.
"""
from __future__ import annotations

import string
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from PyQt6 import QtCore, QtGui, QtWidgets

from .text_widths import TextWidths

WRAP_INDENT = 14.0   # pixels: a wrapped line continues indented under its start


@dataclass(frozen=True)
class Run:
    text: str
    style: str = "normal"
    link: str | None = None


def bold(text: str) -> Run:
    return Run(text, "bold")


def small(text: str) -> Run:
    return Run(text, "small")


def link(text: str, target: str) -> Run:
    return Run(text, "link", target)


def sentence_runs(sentence: str, style: str = "normal", **parts: Run | object) -> list[Run]:
    """The runs of one whole (translated) sentence: its words in ``style``, each ``{name}`` replaced
    by ``parts[name]``, a run in its own style (a bold number, a link) or a value formatted with the
    placeholder's spec in ``style``. So ``tr("{unit} at row {row} of 28")`` stays one sentence for the
    translator, who may reorder its placeholders, while its parts keep their styles."""
    runs = []
    for literal, name, spec, _conversion in string.Formatter().parse(sentence):
        if literal:
            runs.append(Run(literal, style))
        if name is not None:
            part = parts[name]
            runs.append(part if isinstance(part, Run) else Run(format(part, spec or ""), style))
    return runs


@dataclass
class _Drawn:
    lines: list[list[Run]]
    pixmap: QtGui.QPixmap
    links: list[tuple[QtCore.QRectF, str]]


class RunText(QtWidgets.QWidget):
    """Lines of runs, painted top to bottom: ``lines`` lines high, taller when the text wraps more."""

    linkActivated = QtCore.pyqtSignal(str)
    keptCleared = QtCore.pyqtSignal()   # a new size or palette: what was kept is gone
    KEPT_BYTES = 48 * 2**20   # about 90 rows' text at 420 × 300 px; fewer on a wide HiDPI panel

    def __init__(self, lines: int, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._kept: OrderedDict[Hashable, _Drawn] = OrderedDict()
        self._kept_bytes = 0   # kept pixmaps' size, counted as they come and go (summing them per new
                               # unit was 0.2 ms of selecting one with ~90 rows kept)
        self._shown: _Drawn | None = None
        self._fonts = self._make_fonts()
        self._widths = {name: TextWidths(font) for name, font in self._fonts.items()}
        self._line_height = max(w.metrics.lineSpacing() for w in self._widths.values())
        self._base_height = int(lines * self._line_height + 6)
        self.setFixedHeight(self._base_height)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)   # the hand cursor over links

    def _make_fonts(self) -> dict[str, QtGui.QFont]:
        normal = QtGui.QFont(self.font())
        strong = QtGui.QFont(normal)
        strong.setBold(True)
        smaller = QtGui.QFont(normal)
        smaller.setPointSizeF(normal.pointSizeF() * 0.85)
        underlined = QtGui.QFont(smaller)
        underlined.setUnderline(True)
        return {"normal": normal, "bold": strong, "small": smaller, "link": underlined}

    # --- what is shown ------------------------------------------------------------------------
    def set_lines(self, lines: list[list[Run]]) -> None:
        """Show these lines (not kept)."""
        shown = self._shown
        if shown is not None and shown.lines == [_merged(line) for line in lines] \
                and shown.pixmap.devicePixelRatio() == self.devicePixelRatioF():
            return   # the same text (a check that stays "= 0", a summary a new selection leaves alone)
        self._shown = self._draw_lines(lines)
        self.update()

    def show_kept(self, key: Hashable, make_lines: Callable[[], list[list[Run]]]) -> None:
        """Show the text kept under ``key``, drawing it from ``make_lines()`` the first time."""
        self._shown = self._drawn(key, make_lines)
        self.update()

    def prerender(self, key: Hashable, make_lines: Callable[[], list[list[Run]]]) -> bool:
        """Draw and keep the text for ``key`` if it is not kept yet and there is room for one more
        drawing as large as the kept ones (drawing ahead must never push out what was drawn: with
        rows too large for the budget, a draw-ahead loop would run forever); True if that took work."""
        if key in self._kept:
            return False
        if self._kept and self._kept_bytes * (len(self._kept) + 1) / len(self._kept) > self.KEPT_BYTES:
            return False
        self._drawn(key, make_lines)
        return True

    def is_kept(self, key: Hashable) -> bool:
        return key in self._kept

    def text(self) -> str:
        """The lines shown, as plain text, one per line."""
        if self._shown is None:
            return ""
        return "\n".join("".join(run.text for run in line) for line in self._shown.lines)

    def links(self) -> list[tuple[QtCore.QRectF, str]]:
        """Where each link of the text shown is drawn, and its target: (rect, target), in order."""
        return list(self._shown.links) if self._shown is not None else []

    def pixmap(self) -> QtGui.QPixmap | None:
        """The drawing shown (None before any text): the same object until the text, the width or
        the palette changes."""
        return self._shown.pixmap if self._shown is not None else None

    def laid_out(self) -> tuple[list[tuple[Run, str, float, float, float]], int]:
        """The text shown as laid out at this width: each piece's (run, text, x, y, width), and the
        height used."""
        return self._layout(self._shown.lines if self._shown is not None else [])

    def line_break(self, text: str, room: float, style: str = "normal") -> tuple[str, str]:
        """``text`` (in ``style``) split at its last line break that fits in ``room`` pixels: the head
        that fits and the rest."""
        return self._split(style, text, room)

    def line_height(self) -> int:
        """One line's height in pixels (the tallest of the styles)."""
        return self._line_height

    def base_height(self) -> int:
        """The widget's height when its text needs no more than the lines it was made for."""
        return self._base_height

    def kept_bytes(self) -> int:
        """The size of the drawings kept for showing again, in bytes."""
        return self._kept_bytes

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(360, self.height())

    # --- drawing ------------------------------------------------------------------------------
    def _drawn(self, key: Hashable, make_lines: Callable[[], list[list[Run]]]) -> _Drawn:
        drawn = self._kept.get(key)
        if drawn is None:
            drawn = self._kept[key] = self._draw_lines(make_lines())
            self._kept_bytes += _bytes(drawn)
            while len(self._kept) > 1 and self._kept_bytes > self.KEPT_BYTES:
                _, dropped = self._kept.popitem(last=False)   # the least recently shown
                self._kept_bytes -= _bytes(dropped)
        else:
            self._kept.move_to_end(key)
        return drawn

    def _forget_kept(self) -> None:
        self._kept.clear()
        self._kept_bytes = 0

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        # Wrapping depends on the width: everything kept was drawn for the old size.
        self._forget_kept()
        if event.size().width() != event.oldSize().width() and self.height() > self._base_height:
            # A new width: start again from the base height (a narrow first layout, before the
            # panel had its width, must not leave the text tall for good); drawing grows it again.
            self.setFixedHeight(self._base_height)
        if self._shown is not None:
            self._shown = self._draw_lines(self._shown.lines)
        super().resizeEvent(event)
        self.keptCleared.emit()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        # The colours are drawn into the kept pixmaps: a new palette (a light/dark switch) draws again.
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            self._forget_kept()
            if self._shown is not None:
                self._shown = self._draw_lines(self._shown.lines)
                self.update()
            self.keptCleared.emit()
        super().changeEvent(event)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if self._shown is not None:
            painter = QtGui.QPainter(self)
            painter.drawPixmap(0, 0, self._shown.pixmap)
            painter.end()

    def _draw_lines(self, lines: list[list[Run]]) -> _Drawn:
        lines = [_merged(line) for line in lines]
        placed, height = self._layout(lines)
        if height > self.height():
            # More lines than room (a narrow panel wraps more): grow; the resize redraws what shows.
            self.setFixedHeight(height)
        ratio = self.devicePixelRatioF()
        pixmap = QtGui.QPixmap(max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        links: list[tuple[QtCore.QRectF, str]] = []
        painter = QtGui.QPainter(pixmap)
        link_colour = self.palette().color(QtGui.QPalette.ColorRole.Link)
        text_colour = self.palette().color(QtGui.QPalette.ColorRole.WindowText)
        descent = self._widths["normal"].metrics.descent()
        style = None
        for run, text, x, y, width in placed:
            if run.style != style:
                style = run.style
                painter.setFont(self._fonts[style])
                painter.setPen(link_colour if style == "link" else text_colour)
            painter.drawText(QtCore.QPointF(x, y + self._line_height - descent - 1.0), text)
            if run.link is not None:
                links.append((QtCore.QRectF(x, y, width, self._line_height), run.link))
        painter.end()
        return _Drawn(lines, pixmap, links)

    def _layout(self, lines: list[list[Run]]) -> tuple[list[tuple[Run, str, float, float, float]], int]:
        """Where each piece of each run goes: (run, text, x, y, width), and the height used.

        A run that does not fit breaks at its last line-break opportunity that does (a space in
        English, between characters in Chinese), the rest continuing on the next line, indented; one
        with no such break moves to the next line whole (or, already at the start of a line, is drawn
        as it is)."""
        right = self.width() - 2.0
        left, indent = 2.0, 2.0 + WRAP_INDENT
        placed = []
        y = 2.0
        for line in lines:
            x = left
            for run in line:
                widths = self._widths[run.style]
                text = run.text
                while text:
                    width = widths.width(text)
                    if x + width > right:
                        head, tail = self._split(run.style, text, right - x)
                        if head:
                            placed.append((run, head, x, y, widths.width(head)))
                            text, x, y = tail.lstrip(" "), indent, y + self._line_height
                            continue
                        if x > indent:
                            text, x, y = text.lstrip(" "), indent, y + self._line_height
                            continue
                    placed.append((run, text, x, y, width))
                    x += width
                    break
            y += self._line_height
        return placed, int(y + 4)

    def _split(self, style: str, text: str, room: float) -> tuple[str, str]:
        """The longest head of ``text`` ending at a line-break opportunity that fits in ``room``, and
        the rest. Opportunities are the script's own (``QTextBoundaryFinder``): after a space in
        English, between two characters in Chinese, which has no spaces to break at."""
        # A longer head is never narrower: binary search over the breaks, a few shapings instead of
        # one per break ("why this class"'s summary wraps every row: 16 per row before).
        breaks = _line_breaks(text)
        metrics = self._widths[style].metrics
        low, high = 0, len(breaks)        # breaks[:low] fit; breaks[high:] do not
        while low < high:
            middle = (low + high) // 2
            if metrics.horizontalAdvance(text[:breaks[middle]].rstrip(" ")) <= room:
                low = middle + 1
            else:
                high = middle
        best = len(text[:breaks[low - 1]].rstrip(" ")) if low else 0
        return text[:best], text[best:]   # the spaces at the break start the rest (dropped there)

    def link_at(self, point: QtCore.QPointF) -> str | None:
        for rect, target in (self._shown.links if self._shown is not None else []):
            if rect.contains(point):
                return target
        return None

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        over = self.link_at(event.position()) is not None
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor if over
                       else QtCore.Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        target = self.link_at(event.position())
        if target is not None and event.button() == QtCore.Qt.MouseButton.LeftButton:
            self.linkActivated.emit(target)


def _line_breaks(text: str) -> list[int]:
    """Where a line may break inside ``text`` (0 < position < len), as the script's rules say."""
    finder = QtCore.QTextBoundaryFinder(QtCore.QTextBoundaryFinder.BoundaryType.Line, text)
    breaks = []
    position = finder.toNextBoundary()
    while 0 < position < len(text):
        breaks.append(position)
        position = finder.toNextBoundary()
    return breaks


def _bytes(drawn: _Drawn) -> int:
    return drawn.pixmap.width() * drawn.pixmap.height() * 4


def _merged(line: list[Run]) -> list[Run]:
    """Neighbouring runs of one style without links joined: one ``drawText`` call each."""
    out: list[Run] = []
    for run in line:
        if out and run.link is None and out[-1].link is None and out[-1].style == run.style:
            out[-1] = Run(out[-1].text + run.text, run.style)
        else:
            out.append(run)
    return out
