"""Lessons: the file format (every directive, every mistake named with its line), the seed's lesson
walked through in the window, its numbers against a float64 recomputation, tasks that tick, slow motion."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets
from test_stack_state import multi_rnn_cell_state

from gui_support import blotch_digit, close_window, open_window
from lstm_viewer import load_network
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.lessons import builtin_lessons, load_lesson, parse_lesson

GOOD = """# A lesson
## One
@input digit 7
@row 3
@highlight layer 2
@select 1 5
Text with {{row}} and {{prediction}}.
## Two
@panel unit
@gates on
@task row 10
More.
"""


def test_a_lesson_file_becomes_steps_with_directives():
    lesson = parse_lesson(GOOD, "a.md")
    assert lesson.title == "A lesson" and [s.title for s in lesson.steps] == ["One", "Two"]
    one = lesson.steps[0]
    assert [(d.name, d.args) for d in one.directives] == [
        ("input", ("digit", 7)), ("row", (3,)), ("highlight", ("layer", 2)), ("select", (1, 5))]
    assert one.text == "Text with {{row}} and {{prediction}}."   # directives are not text
    assert lesson.steps[1].first("task").args == ("row", 10)


@pytest.mark.parametrize("line, words", [
    ("@row 29", "line 3: N must be between 1 and 28, got 29"),
    ("@row x", "line 3: N must be a whole number"),
    ("@panel nope", "line 3: unknown panel “nope”"),
    ("@highlight sky", "line 3: unknown view “sky”"),
    ("@frobnicate", "line 3: unknown directive “@frobnicate”"),
    ("@input test", "line 3: expected “@input test N | @input digit D”"),
    ("@task dance 3", "line 3: expected"),
    ("{{nonsense}}", "line 3: unknown number “{{nonsense}}”"),
])
def test_a_mistake_names_its_line(line, words):
    with pytest.raises(UserError, match=re.escape(words)):
        parse_lesson(f"# T\n## S\n{line}\n", "bad.md")


def test_files_that_are_not_lessons(tmp_path):
    with pytest.raises(UserError, match="no steps"):
        parse_lesson("just text\n", "x.md")
    with pytest.raises(UserError, match="before the first step"):
        parse_lesson("@row 3\n## S\n", "x.md")
    binary = tmp_path / "b.md"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(UserError, match="UTF-8"):
        load_lesson(binary)
    with pytest.raises(UserError, match="cannot read the lesson"):
        load_lesson(tmp_path / "missing.md")


def test_the_seed_lesson_is_shipped_and_long_enough():
    paths = builtin_lessons("en")
    assert [p.name for p in paths] == ["seed.md"]
    lesson = load_lesson(paths[0])
    assert len(lesson.steps) >= 8
    text = " ".join(s.text for s in lesson.steps)
    for claim in ("outputs[:, -1, :]", "state[-1].h", "LSTMStateTuple(c, h)", "{{gap}}", "{{final_h}}"):
        assert claim in text


@pytest.fixture
def window(qtbot):
    win = open_window(qtbot, load_network(), size=(1600, 1000))
    yield win
    close_window(win)


def _numbers(text: str) -> np.ndarray:
    return np.array([float(v.replace("−", "-")) for v in re.findall(r"[+−-]\d+\.\d+", text)])


def test_help_lessons_walks_the_seed_lesson(window, qtbot):
    window.lessonsAction.trigger()
    panel = window.findChild(QtWidgets.QWidget, "lessonPanel")
    assert panel is not None and panel.isVisible()
    back = panel.findChild(QtWidgets.QPushButton, "lessonBackButton")
    forward = panel.findChild(QtWidgets.QPushButton, "lessonNextButton")
    state = window.state
    # Step 1: the first MNIST test digit (a 7), row 1, the input framed.
    assert panel.step_index == 0 and not back.isEnabled()
    assert state.trace is not None and state.trace.prediction == 7 and state.row == 0
    assert window.highlighter.targets == [window.input_view]
    assert "read rows until row 8" in panel.text.toPlainText()
    assert "Your turn: step to row 8" in panel.task.text()
    state.row = 7                                   # the learner does it: the task ticks
    assert "Done" in panel.task.text()

    qtbot.mouseClick(forward, QtCore.Qt.MouseButton.LeftButton)   # 2: the layers
    assert state.row == 7 and window.highlighter.targets == [window.layers]
    assert "stacks 3 layers of 256 units" in panel.text.toPlainText()

    panel.go_to(4)                                  # 5: the seed's identity, with the numbers
    assert state.row == 27
    text = panel.text.toPlainText()
    network, image = state.network, state.trace.image
    final_h = multi_rnn_cell_state(network, image)[-1][1]       # float64, independent of the engine
    shown = text.split("state[-1].h =")[1].split("\n")[0]
    assert np.allclose(_numbers(shown), final_h[:3], atol=6e-4)
    shown = text.split("outputs[:, -1, :] =")[1].split("\n")[0]
    assert np.allclose(_numbers(shown), final_h[:3], atol=6e-4)
    gap = float(text.split("Largest difference over all 256 units:")[1].split()[0].rstrip("."))
    assert gap < 1e-5

    panel.go_to(5)                                  # 6: probabilities; the task: back to row 10
    assert "reads this digit as 7" in panel.text.toPlainText()
    state.row = 9
    qtbot.waitUntil(lambda: "(Now: " in panel.text.toPlainText())
    assert "Done" in panel.task.text()

    panel.go_to(6)                                  # 7: gates on
    assert state.show_gates
    panel.go_to(7)                                  # 8: the strongest unit of layer 3, inspected
    assert not state.show_gates and state.selection[0] == 2
    strongest = int(np.argmax(np.abs(state.trace.h[2][27])))
    assert state.selection == (2, strongest) and window.unit_dock.isVisible()
    lesson = window.dock("lessonDock")   # the lesson shares the inspector's column, never as a tab
    qtbot.waitUntil(lambda: not lesson.visibleRegion().isEmpty())
    assert window.tabifiedDockWidgets(lesson) == [] and not window.unit_dock.visibleRegion().isEmpty()
    assert window.layers.width_missing() <= 0                  # and the layers stay whole
    assert window.highlighter.targets == [window.unit_dock]
    # the last: the state space open (a stand-in panel: the real one's pass over 1,000 digits is
    # tested in test_statespace_gui, and would only slow this walk down)
    window.put_panel("stateSpaceDock", QtWidgets.QLabel("state space"))
    panel.go_to(9)
    assert window.statespace_dock.isVisible() and not forward.isEnabled()


def test_a_model_without_the_steps_layer_says_so(qtbot):
    from gui_support import random_network
    win = open_window(qtbot, random_network([8]))
    try:
        win.show_lessons()
        panel = win.lesson_panel
        panel.go_to(7)   # selects a unit of layer 3
        assert panel.notice.isVisible() and "1 layers" in panel.notice.text()
    finally:
        close_window(win)


def test_open_lesson_reports_a_bad_file_and_keeps_the_lesson(window, tmp_path, monkeypatch):
    bad = tmp_path / "bad.md"
    bad.write_text("# T\n## S\n@row 40\n", encoding="utf-8")
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "critical", lambda *args: shown.append(args[2]))
    window.show_lessons()
    before = window.lesson_panel.lesson
    assert not window.open_lesson(bad)
    assert shown and "bad.md, line 3" in shown[0]
    assert window.lesson_panel.lesson is before
    good = tmp_path / "mine.md"
    good.write_text(GOOD, encoding="utf-8")
    assert window.open_lesson(good, step=1)
    assert window.lesson_panel.step_index == 1 and window.unit_dock.isVisible()
    assert window.lesson_panel.chooser.currentText() == "A lesson"


def test_slow_motion_frames_each_part_of_the_stack_in_order(window, qtbot):
    window.show_lessons()
    panel = window.lesson_panel
    panel.slow_motion._timer.setInterval(5)
    window.state.row = 3
    seen = []
    original = window.highlight_views
    window.highlight_views = lambda targets: (seen.append((window.state.row, tuple(targets))),
                                              original(targets))
    panel.slow_motion.highlight = window.highlight_views
    panel.play_button.setChecked(True)
    qtbot.waitUntil(lambda: window.state.row >= 5)
    panel.play_button.setChecked(False)
    row4 = [t[0] for r, t in seen if r == 4]
    assert row4 == [("input",), ("layer", 1), ("layer", 2), ("layer", 3), ("softmax",), ("state",)]


def test_the_chinese_lesson_sets_the_window_as_the_english_one_does():
    english, = builtin_lessons("en")
    chinese, = builtin_lessons("zh_CN")
    assert chinese.name == "seed.zh_CN.md"
    steps_en, steps_zh = load_lesson(english).steps, load_lesson(chinese).steps
    assert [[(d.name, d.args) for d in s.directives] for s in steps_zh] == \
           [[(d.name, d.args) for d in s.directives] for s in steps_en]
    live = re.compile(r"\{\{\s*\w+\s*\}\}")
    assert [sorted(live.findall(s.text)) for s in steps_zh] == \
           [sorted(live.findall(s.text)) for s in steps_en]


def test_presentation_mode_shows_what_the_step_needs_and_comes_back(window, qtbot):
    window.show_panel("compareDock")
    window.show_panel("importanceDock")
    window.show_lessons()
    window.lesson_panel.go_to(7)            # opens the unit inspector
    window.presentationAction.trigger()
    assert window.isFullScreen() and window.presentationAction.isChecked()
    assert window.unit_dock.isVisible() and window.dock("lessonDock").isVisible()
    assert not window.compare_dock.isVisible() and not window.importance_dock.isVisible()
    # The room's text size leaves no column for the lesson: it stands below the input (the samples
    # make way), and a step's panel takes the prediction's column, in front.
    lesson = window.dock("lessonDock")
    assert window.dockWidgetArea(lesson) == QtCore.Qt.DockWidgetArea.LeftDockWidgetArea
    assert not window.samples.isVisible()
    assert window.unit_dock in window.tabifiedDockWidgets(window.prediction_dock)
    window.lesson_panel.go_to(8)            # Next: its own panels, and no others
    assert window.why_dock.isVisible() and not window.unit_dock.isVisible()
    assert window.why_dock in window.tabifiedDockWidgets(window.prediction_dock)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Escape)
    assert not window.isFullScreen() and not window.presentationAction.isChecked()
    qtbot.waitUntil(lambda: window.compare_dock.isVisible() and window.importance_dock.isVisible())
    assert window.samples.isVisible()


def test_no_tab_bar_stands_over_the_views_for_closed_panels(window, qtbot):
    """Qt left the tab bar of the closed Unit inspector | Compare group shown, over the softmax."""
    qtbot.wait(50)
    shown = {d.windowTitle() for d in window.findChildren(QtWidgets.QDockWidget) if d.isVisible()}
    for bar in window.findChildren(QtWidgets.QTabBar):
        if bar.isVisible() and bar.parent() is window and bar.count():   # (Qt's spare bars are empty)
            assert any(bar.tabText(i) in shown for i in range(bar.count())), \
                (bar.count(), bar.tabText(0), bar.geometry().getRect())


def test_panels_opened_beside_the_lesson_keep_the_layers_whole(window, qtbot):
    """Found by a teacher's review: the lesson open, pin a digit (Compare opens), show another, click
    a unit: the inspector opened a second column and pushed layer 3 behind a scroll bar."""
    window.show_lessons()
    window.show_first_sample()
    window.pinAction.trigger()
    window.show_input(blotch_digit(1))        # B
    window.state.selection = (1, 40)          # a click in layer 2: the inspector opens
    qtbot.waitUntil(window.unit_dock.isVisible)
    qtbot.wait(50)
    assert window.layers.width_missing() <= 0
    assert window.dock("lessonDock").isVisible() and not window.dock("lessonDock").visibleRegion().isEmpty()
