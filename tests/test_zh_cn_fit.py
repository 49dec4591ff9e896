"""Chinese text that fits (issue #26, point 3): in Simplified Chinese, at 1600 × 1000 and at 1280 × 800,
the row slider keeps room to drag, the state space's status sentence is never cut at its top or bottom,
its legend breaks only between entries, and tabbed panels keep their whole names (the bar scrolls).

Each check measures the text as the window shows it, in the font it is drawn with."""
from __future__ import annotations

import pytest
from PyQt6 import QtCore, QtWidgets

from gui_support import close_window, open_window

WAIT_MS = 60_000


@pytest.fixture
def chinese(qapp):
    from lstm_viewer.gui import install_language
    assert install_language(qapp, "zh_CN")
    yield
    install_language(qapp, "en")


def _history_window(qtbot, size):
    from lstm_viewer.core.assets import history_model_path
    from lstm_viewer.core.readers import read_model
    win = open_window(qtbot, read_model(history_model_path()), size=size)
    assert win.show_first_sample()
    return win


def _text_height(label: QtWidgets.QLabel, width: int) -> int:
    margins = label.contentsMargins()
    inside = QtCore.QRect(0, 0, width - margins.left() - margins.right(), 100_000)
    return label.fontMetrics().boundingRect(inside, QtCore.Qt.TextFlag.TextWordWrap, label.text()).height()


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 800)])
def test_the_row_slider_keeps_room_beside_chinese_labels(qtbot, chinese, size):
    """With an analysis column open (the middle column at its narrowest), the slider is never squeezed
    to its handle: at least 4 pixels a row, and every control beside it whole."""
    from lstm_viewer.gui.views.stepper import ROWS, SLIDER_PIXELS_PER_ROW
    win = _history_window(qtbot, size)
    try:
        for name in ("unitDock", "historyDock"):
            win.show_panel(name)
            qtbot.wait(50)
        qtbot.wait(200)
        bar = win.stepper
        assert bar.slider.width() >= SLIDER_PIXELS_PER_ROW * ROWS
        for button in (bar.prev_button, bar.next_button, bar.play_button):
            assert button.width() >= button.fontMetrics().horizontalAdvance(button.text()) + 8
        widest = bar.row_label.fontMetrics().horizontalAdvance(bar.row_label.text())
        assert bar.row_label.width() >= widest
    finally:
        close_window(win)


def test_the_arrow_buttons_are_as_wide_as_their_arrows_need(qapp, chinese):
    from lstm_viewer.gui.state.view_state import ViewState
    from lstm_viewer.gui.views.stepper import StepperBar
    bar = StepperBar(ViewState())
    try:
        for button in (bar.prev_button, bar.next_button):
            assert button.minimumWidth() == button.maximumWidth() < 80   # not the style's text-button width
            assert button.minimumWidth() >= button.fontMetrics().horizontalAdvance(button.text()) + 8
    finally:
        bar.deleteLater()


def test_the_state_space_status_is_never_cut(qtbot, chinese):
    """The history's status (two Chinese sentences, six lines in a 300-pixel column) gets the lines it
    takes; an English-length one keeps the three lines it had."""
    win = _history_window(qtbot, (1280, 800))
    try:
        for name in ("unitDock", "compareDock", "stateSpaceDock"):
            win.show_panel(name)
            qtbot.wait(50)
        panel = win.panel("stateSpaceDock")
        label, holder = panel.status_label, panel.status_holder
        panel.cancel()   # its sentences are set below; the states themselves are not needed
        qtbot.waitUntil(lambda: holder.width() > 0 and not win.jobs.is_busy(), timeout=WAIT_MS)
        for text in (
                "正在把探测数字送入训练历史的每个快照（已完成 9 个，共 29 个快照，大约还剩 6 秒）。"
                "窗口仍可正常使用。快照 29/29（第 1,876 步）：随程序附带的 1,000 个 MNIST 测试数字"
                "（每类 100 个）的前 1,000 个数字，画在最终快照的坐标轴上；网络正确识别了其中的 96.5%。",
                "显示这个面板时才会构建状态空间。"):
            holder.set_text(text)
            qtbot.wait(20)
            assert label.height() >= _text_height(label, label.width()), text
            assert label.alignment() & QtCore.Qt.AlignmentFlag.AlignTop   # a cut would be at the bottom
        short_height = holder.height()
        assert short_height == holder._height_of(3)
        holder.set_text("长" * 400)
        assert holder.height() > short_height
        holder.set_text("短")
        assert holder.height() == short_height   # back to three lines: the panel does not keep the room
    finally:
        close_window(win)


def test_the_legend_breaks_between_its_entries_only(qapp, chinese):
    """识别错误, 当前数字, 近邻 each stay on one line however narrow the column: word joiners between
    their hanzi, a no-break space after the symbol."""
    from PyQt6 import QtGui

    from lstm_viewer.gui.statespace.panel import WORD_JOINER, _legend_html
    html = _legend_html()
    assert "识" + WORD_JOINER + "别" + WORD_JOINER + "错" + WORD_JOINER + "误" in html
    document = QtGui.QTextDocument()
    document.setHtml(html)
    document.setTextWidth(120)   # narrower than any column: entries one under another
    assert document.size().height() > 0   # (laid out now)
    layout_lines = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            layout_lines.append(block.text()[line.textStart():line.textStart() + line.textLength()])
        block = block.next()
    plain = [line.replace(WORD_JOINER, "") for line in layout_lines]
    for entry in ("识别错误", "当前数字", "近邻"):
        assert any(entry in line for line in plain), (entry, plain)


def test_tabbed_panels_keep_their_whole_names(qtbot, chinese):
    """Five panels in one 300-pixel column at 1280 × 800: every tab as wide as its whole name (the bar
    scrolls), never "单…"."""
    win = _history_window(qtbot, (1280, 800))
    try:
        # (not the lesson: it shares a column split, never as a tab, test_lessons)
        for name in ("unitDock", "compareDock", "importanceDock", "historyDock", "preprocessDock"):
            win.show_panel(name)
            qtbot.wait(50)
        qtbot.wait(200)
        bars = [bar for bar in win.findChildren(QtWidgets.QTabBar)
                if bar.parent() is win and bar.isVisible() and bar.count() >= 5]
        assert bars, "the five panels were expected to share one column as tabs"
        for bar in bars:
            assert bar.elideMode() == QtCore.Qt.TextElideMode.ElideNone and bar.usesScrollButtons()
            for i in range(bar.count()):
                assert bar.tabRect(i).width() >= bar.fontMetrics().horizontalAdvance(bar.tabText(i)), \
                    bar.tabText(i)
    finally:
        close_window(win)
