"""Text widths without shaping the same text twice.

``QFontMetricsF.horizontalAdvance`` shapes its text (HarfBuzz) on every call: about 30 µs for a
20-character run on the project's machine, as much again as drawing it. The unit inspector measures
about a hundred runs for each new unit, most of them numbers that never repeat ("+0.123",
"(+0.12×-0.34)") and the rest labels that repeat every time (" recurrent", " bias").

``TextWidths`` gives the same widths cheaper: a run made only of characters that the font does not
kern against each other (checked once per font: digits, signs, brackets, the point...) is the sum of
its characters' widths, exactly what shaping gives; any other run is measured once and remembered.
"""
from __future__ import annotations

from collections import OrderedDict

from PyQt6 import QtGui

# Characters of the numbers the panels print. A font that kerns any pair of them (checked when it is
# first used) gets no shortcut: its runs are measured whole, as before.
NUMERIC = frozenset("0123456789+-−.,×()·=: u")
REMEMBERED = 4096   # labels kept per font (a unit's title, a row's note): a few hundred in practice


class TextWidths:
    """``width(text)``: ``QFontMetricsF(font).horizontalAdvance(text)``, cheaper for repeated calls."""

    def __init__(self, font: QtGui.QFont) -> None:
        self.metrics = QtGui.QFontMetricsF(font)
        self._chars: dict[str, float] = {}
        self._remembered: OrderedDict[str, float] = OrderedDict()
        self._kerns_numbers: bool | None = None   # asked on first use

    def width(self, text: str) -> float:
        if NUMERIC.issuperset(text) and not self._numbers_kern():
            chars = self._chars
            total = 0.0
            for char in text:
                advance = chars.get(char)
                if advance is None:
                    advance = chars[char] = self.metrics.horizontalAdvance(char)
                total += advance
            return total
        remembered = self._remembered
        width = remembered.get(text)
        if width is None:
            width = remembered[text] = self.metrics.horizontalAdvance(text)
            if len(remembered) > REMEMBERED:
                remembered.popitem(last=False)
        return width

    def _numbers_kern(self) -> bool:
        """Whether the font shapes any pair of NUMERIC characters other than side by side."""
        if self._kerns_numbers is None:
            # Every ordered pair of the characters appears in this one string: a kerned pair, or a
            # ligature, makes its shaped width differ from the sum of its characters' widths.
            ordered = sorted(NUMERIC)
            every_pair = "".join(a + b for a in ordered for b in ordered)
            for char in ordered:
                self._chars[char] = self.metrics.horizontalAdvance(char)
            summed = sum(self._chars[char] for char in every_pair)
            self._kerns_numbers = abs(self.metrics.horizontalAdvance(every_pair) - summed) > 1e-3
        return self._kerns_numbers
