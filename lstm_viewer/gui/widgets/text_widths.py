"""Text widths without shaping the same text twice.

``QFontMetricsF.horizontalAdvance`` shapes its text (HarfBuzz) on every call: about 30 µs for a
20-character run on the project's machine, as much again as drawing it. The unit inspector measures
about a hundred runs for each new unit, most of them numbers that never repeat ("+0.123",
"(+0.12×-0.34)") and the rest labels that repeat every time (" recurrent", " bias").

``TextWidths`` gives the same widths cheaper: a run made only of characters that the font does not
kern against each other (checked once per font: digits, signs, brackets, the point...) is the sum of
its characters' widths, exactly what shaping gives (a font with contextual substitutions across
three or more of those characters would defeat this; none of the fonts installed here has any); any
other run is measured once and remembered.
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
                remembered.popitem(last=False)   # the least recently used
        else:
            remembered.move_to_end(text)
        return width

    def is_remembered(self, text: str) -> bool:
        """Whether ``text``'s width was measured whole and kept (numbers are summed, never kept)."""
        return text in self._remembered

    def _numbers_kern(self) -> bool:
        """Whether the font shapes pairs of NUMERIC characters other than side by side.

        Every ordered pair appears in one string, shaped once (measuring the 529 pairs one by one took
        65 ms per font here, on the window's thread): a kerned pair or a ligature makes its width
        differ from the sum of its characters' widths. Kerns that cancel exactly (+x for one pair,
        −x for another) would pass; in such a font a number's width is off by a kern, a fraction of a
        pixel. The fonts installed here kern none of these pairs.
        """
        if self._kerns_numbers is None:
            ordered = sorted(NUMERIC)
            every_pair = "".join(a + b for a in ordered for b in ordered)
            for char in ordered:
                self._chars[char] = self.metrics.horizontalAdvance(char)
            summed = sum(self._chars[char] for char in every_pair)
            self._kerns_numbers = abs(self.metrics.horizontalAdvance(every_pair) - summed) > 1e-3
        return self._kerns_numbers
