"""The inspector's equations text: runs wrap at spaces within the width, the widget grows to hold
every line, and a link is clicked where it is drawn."""
from __future__ import annotations

import pytest
from PyQt6 import QtCore, QtGui, QtWidgets
from PyQt6.QtTest import QTest

from lstm_viewer.gui.widgets.run_text import Run, RunText, link, small


def test_long_runs_wrap_within_the_width_and_the_widget_grows(qtbot):
    text = RunText(lines=2)
    qtbot.addWidget(text)
    text.resize(160, text.height())
    text.show()
    long = "from pixels of the row: column 5 (+0.12×+0.98), column 6 (-0.10×+0.50), column 7 (+0.01×+1.00)"
    lines = [[small(long)], [Run("c₁₄ = f·c₁₃ + i·g = 0.499·(-0.129) + 0.429·(+0.495) ="), Run(" +0.1479")]]
    text.set_lines(lines)
    placed, height = text.laid_out()
    assert all(x + width <= text.width() - 2.0 + 1e-6 for _run, _text, x, _y, width in placed
               if " " in _text)   # every piece that could break fits
    assert height > 2 * text.line_height()   # it wrapped
    assert text.height() >= height          # and the widget grew to hold every line
    drawn = "".join(piece for _run, piece, *_ in placed).replace(" ", "")
    assert drawn == "".join(run.text for line in lines for run in line).replace(" ", "")   # nothing lost


def test_a_wrapped_link_is_clicked_where_it_is_drawn(qtbot):
    text = RunText(lines=3)
    qtbot.addWidget(text)
    text.resize(120, text.height())
    text.show()
    clicked = []
    text.linkActivated.connect(clicked.append)
    text.set_lines([[small("recurrent:"), small(" "), link("u24", "unit:2:24"), small(" (+0.10×+0.53),"),
                     small(" "), link("u218", "unit:2:218"), small(" (-0.07×-0.80)")]])
    rects = {target: rect for rect, target in text.links()}
    assert set(rects) == {"unit:2:24", "unit:2:218"}
    assert rects["unit:2:218"].top() > rects["unit:2:24"].top()   # on a later line
    QTest.mouseClick(text, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier,
                     rects["unit:2:218"].center().toPoint())
    assert clicked == ["unit:2:218"]
    QtWidgets.QApplication.processEvents()


def test_a_wider_panel_gives_back_the_height_a_narrow_one_needed(qtbot):
    text = RunText(lines=2)
    qtbot.addWidget(text)
    text.resize(60, text.height())           # a first layout before the panel has its width
    text.show()
    text.set_lines([[small("from pixels of the row: column 5 (+0.12×+0.98), column 6 (-0.10×+0.50)")]])
    tall = text.height()
    assert tall > text.base_height()
    text.resize(900, text.height())
    QtWidgets.QApplication.processEvents()
    assert text.height() == text.base_height()   # one line fits now: back to the base height


def test_text_widths_are_the_shaped_widths(qtbot, monkeypatch):
    """Numbers are summed from their characters' widths and labels measured once: both must be
    exactly what shaping the whole run gives, or the runs would overlap or leave gaps."""
    from lstm_viewer.gui.widgets import text_widths
    font = QtWidgets.QApplication.font()
    metrics = QtGui.QFontMetricsF(font)
    widths = text_widths.TextWidths(font)
    runs = [" (+0.12×-0.34)", " 0.951·(+0.123)", "-1.000", " u218", " recurrent", "    z = +0.011",
            "c₆ = f·c₅ + i·g = 0.748·(+0.058) =", " recurrent"]
    for run in runs:
        assert widths.width(run) == metrics.horizontalAdvance(run), run
    assert widths.is_remembered(" recurrent") and not widths.is_remembered("-1.000")

    # A font that kerns a pair of the "numeric" characters gets no shortcut.
    if metrics.horizontalAdvance("AV") == metrics.horizontalAdvance("A") + metrics.horizontalAdvance("V"):
        return   # this machine's font does not kern AV: nothing to show
    monkeypatch.setattr(text_widths, "NUMERIC", frozenset("AVTo."))
    kerning = text_widths.TextWidths(font)
    assert kerning.width("AV.To") == metrics.horizontalAdvance("AV.To")


def _line_breaks(text: str) -> list[int]:
    finder = QtCore.QTextBoundaryFinder(QtCore.QTextBoundaryFinder.BoundaryType.Line, text)
    positions, position = [], finder.toNextBoundary()
    while 0 < position < len(text):
        positions.append(position)
        position = finder.toNextBoundary()
    return positions


@pytest.mark.parametrize("sample", [
    "Class 7 after row 28: logit = +8.123 (top 12 units) +1.234 (the other 244) -0.321 (bias)",
    "第 7 类在第 28 行之后：logit = +8.123（前 12 个单元）+1.234（其余 244 个）−0.321（偏置）",
])
def test_a_run_breaks_at_its_last_line_break_that_fits(qtbot, sample):
    """The break is found by a binary search over the script's line breaks (spaces in English,
    between characters in Chinese): the same as trying every one."""
    text = RunText(lines=1)
    qtbot.addWidget(text)
    metrics = QtGui.QFontMetricsF(text.font())   # the normal style's
    for room in range(0, 700, 7):
        head, tail = text.line_break(sample, room)
        assert head + tail == sample
        fitting = [len(sample[:k].rstrip(" ")) for k in _line_breaks(sample)
                   if metrics.horizontalAdvance(sample[:k].rstrip(" ")) <= room]
        assert len(head) == (fitting[-1] if fitting else 0), room


def test_a_chinese_sentence_wraps_within_the_width(qtbot):
    """Chinese has no spaces: before, such a sentence never wrapped and ran off the panel."""
    text = RunText(lines=1)
    qtbot.addWidget(text)
    text.resize(200, text.height())
    sentence = "遗忘门决定细胞状态中保留多少旧的记忆，输入门决定写入多少新的内容，输出门决定显示多少。"
    text.set_lines([[Run(sentence)]])
    lines_high = text.height() // text.fontMetrics().lineSpacing()
    assert lines_high >= 3   # wrapped onto several lines at 200 px
    assert text.text() == sentence   # nothing lost


def test_the_same_lines_again_are_not_drawn_again(qtbot):
    """The cell check shows the same text row after row, "why this class" the same summary when only
    the selection changes: nothing to lay out or draw then."""
    text = RunText(lines=1)
    qtbot.addWidget(text)
    text.resize(300, text.height())
    text.set_lines([[Run("max |h − o·tanh(c)| = "), Run("0")]])
    drawn = text.pixmap()
    text.set_lines([[Run("max |h − o·tanh(c)| = 0")]])   # the same text, runs merged alike
    assert text.pixmap() is drawn
    text.set_lines([[Run("max |h − o·tanh(c)| = 6.0e-08")]])
    assert text.pixmap() is not drawn and text.text() == "max |h − o·tanh(c)| = 6.0e-08"


def test_a_new_palette_draws_the_text_again(qtbot):
    """The colours are drawn into the kept pixmaps: after a light/dark switch the same text must not
    keep the old colours (nor a pixmap kept for another row)."""
    text = RunText(lines=1)
    qtbot.addWidget(text)
    text.resize(300, text.height())
    lines = [[Run("max |h − o·tanh(c)| = 0")]]
    text.set_lines(lines)
    text.show_kept("row 1", lambda: [[Run("row one")]])
    text.set_lines(lines)
    before = text.pixmap().toImage()
    palette = text.palette()
    palette.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor("#ff0000"))
    text.setPalette(palette)
    assert not text.is_kept("row 1")
    text.set_lines(lines)
    after = text.pixmap().toImage()
    assert after != before
    colours = {after.pixelColor(x, y).name() for x in range(after.width()) for y in range(after.height())
               if after.pixelColor(x, y).alpha() == 255}
    assert "#ff0000" in colours


def test_kept_text_stays_within_its_byte_limit_least_recent_first(qtbot, monkeypatch):
    text = RunText(lines=2)
    qtbot.addWidget(text)
    text.resize(200, text.height())
    text.show()
    one = text.width() * text.height() * 4            # one kept pixmap at this size (ratio 1 offscreen)
    monkeypatch.setattr(RunText, "KEPT_BYTES", 3 * one)
    for key in range(5):
        text.show_kept(key, lambda key=key: [[Run(f"row {key}")]])
    assert [text.is_kept(key) for key in range(5)] == [False, False, True, True, True]
    text.show_kept(2, lambda: [[Run("row 2")]])       # shown again: now the most recent
    text.show_kept(5, lambda: [[Run("row 5")]])
    assert [text.is_kept(key) for key in range(6)] == [False, False, True, False, True, True]
    assert text.kept_bytes() == 3 * one
    text.resize(220, text.height())                   # a new width forgets what was kept
    assert not any(text.is_kept(key) for key in range(6)) and text.kept_bytes() == 0


def test_drawing_ahead_stops_when_the_budget_is_full(qtbot, monkeypatch):
    """Drawing ahead never pushes out what is kept: with room for three drawings, a draw-ahead loop
    (the unit inspector's) draws three and then finds nothing to do, instead of running forever."""
    text = RunText(lines=2)
    qtbot.addWidget(text)
    text.resize(200, text.height())
    text.show()
    one = text.width() * text.height() * 4
    monkeypatch.setattr(RunText, "KEPT_BYTES", 3 * one)
    drawn = [key for key in range(28) if text.prerender(key, lambda key=key: [[Run(f"row {key}")]])]
    assert drawn == [0, 1, 2] and text.kept_bytes() == 3 * one
    text.show_kept(9, lambda: [[Run("row 9")]])        # shown: kept, the oldest drawing makes room
    assert text.is_kept(9) and not text.is_kept(0)
