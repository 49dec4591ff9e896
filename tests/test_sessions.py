"""Session files: what the window shows, saved and restored exactly; a missing or changed model said
in plain words; a file that is not a session changes nothing; the command line opens one."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PyQt6 import QtWidgets

from gui_support import close_window, open_window, random_network, write_keras_file
from lstm_viewer import load_network
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.session_file import read_session


@pytest.fixture
def model_file(tmp_path):
    return write_keras_file(tmp_path / "small.keras", random_network([16, 12], seed=3))


@pytest.fixture
def window(qtbot, model_file):
    win = open_window(qtbot, load_network(model_file), size=(1400, 900))
    yield win
    close_window(win)


def _arrange(win):
    """A view worth keeping: a sample, a what-if edit, a pinned A, a row, a unit, gates, two panels."""
    state = win.state
    win.show_first_sample()
    win.pin()
    image = win.session.original.copy()
    image[20:] = 0.0
    win.show_input(image)
    win.session.toggle_row(9)
    state.row, state.selection, state.show_gates = 12, (1, 5), True
    win.show_panel("whyClassDock")
    return state


def test_a_session_round_trips_what_is_on_screen(window, qtbot, tmp_path, monkeypatch):
    window.show_lessons()
    window.lesson_panel.go_to(3)
    state = _arrange(window)
    pinned = state.pinned.image.copy()
    path = window.save_session(tmp_path / "class")
    assert path.name == "class.lstmview"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "lstm-viewer session" and data["row"] == 13
    assert data["selection"] == {"layer": 2, "unit": 5} and data["blanked_rows"] == [10]
    assert data["lesson"] == {"path": None, "builtin": "seed.md", "step": 4}
    assert sorted(data["panels"]) == ["compare", "lesson", "unit", "why"]

    shown, trace = state.image.copy(), state.trace
    # Change everything, then open the session: all of it comes back, exactly.
    window.show_first_sample()
    state.row, state.selection, state.show_gates, state.pinned = 3, None, False, None
    for name in ("whyClassDock", "compareDock", "unitDock", "lessonDock"):
        window.dock(name).hide()
    monkeypatch.setattr(QtWidgets.QMessageBox, "information", lambda *a: pytest.fail(a[2]))
    assert window.open_session(path)
    assert state.row == 12 and state.selection == (1, 5) and state.show_gates
    assert np.array_equal(state.image, shown) and state.blanked_rows == (9,)
    assert np.array_equal(state.trace.h[1], trace.h[1])
    assert np.array_equal(state.pinned.image, pinned)
    assert window.why_dock.isVisible() and window.compare_dock.isVisible()
    assert window.lesson_panel.step_index == 3 and window.highlighter.targets == [window.stack_state]


def test_a_session_reopens_its_model(window, qtbot, tmp_path, model_file):
    window.show_first_sample()
    path = window.save_session(tmp_path / "s.lstmview")
    window.set_network(random_network([8]))
    assert window.open_session(path)
    assert window.state.network.units == [16, 12]
    assert window.session.model_source and window.session.model_source.endswith("small.keras")


def test_a_missing_or_changed_model_is_said_and_the_rest_opens(window, tmp_path, model_file, monkeypatch):
    window.show_first_sample()
    window.state.row = 5
    path = window.save_session(tmp_path / "s.lstmview")
    said = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "information", lambda *a: said.append(a[2]))
    # changed: another network written over the file
    write_keras_file(model_file, random_network([16, 12], seed=9))
    window.state.row = 20
    assert window.open_session(path)
    assert "has changed since the session was saved" in said[-1] and window.state.row == 5
    # missing
    moved = tmp_path / "elsewhere.keras"
    shutil.move(model_file, moved)
    window.state.row = 20
    assert window.open_session(path)
    assert "is not there any more" in said[-1] and window.state.row == 5


def test_not_a_session_changes_nothing(window, tmp_path, monkeypatch):
    window.show_first_sample()
    window.state.row = 7
    failures = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "critical", lambda *a: failures.append(a[2]))
    for name, text in (("a.lstmview", "{not json"), ("b.lstmview", '{"format": "other"}'),
                       ("c.lstmview", '{"format": "lstm-viewer session", "version": 1, "row": 40}')):
        bad = tmp_path / name
        bad.write_text(text, encoding="utf-8")
        assert not window.open_session(bad)
    assert window.state.row == 7
    assert "not JSON" in failures[0] and "not an lstm-viewer session" in failures[1]
    assert "“row” should be a whole number from 1 to 28" in failures[2]


@pytest.mark.parametrize("field, value, words", [
    ("input", [[0.5] * 28] * 27, "“input” should be 28 rows"),
    ("input", [[2.0] * 28] * 28, "“input” should be 28 rows"),
    ("selection", {"layer": 0, "unit": 1}, "“selection.layer” should be"),
    ("options", {"show_gates": "yes"}, "“options.show_gates” should be true or false"),
    ("zoom", 100, "“zoom” should be a number from 0.25 to 4"),
    ("row", True, "“row” should be a whole number"),
])
def test_each_field_is_checked(tmp_path, field, value, words):
    path = tmp_path / "x.lstmview"
    path.write_text(json.dumps({"format": "lstm-viewer session", "version": 1, field: value}))
    with pytest.raises(UserError, match=words):
        read_session(path)


def test_the_command_line_opens_a_session(tmp_path, monkeypatch):
    from lstm_viewer import cli
    opened = {}
    monkeypatch.setattr("lstm_viewer.gui.app.run_app", lambda *a, **k: opened.update(k) or 0)
    path = tmp_path / "class.lstmview"
    path.write_text("{}", encoding="utf-8")
    assert cli.main([str(path), "--lang", "en"]) == 0
    assert opened["session"] == str(path) and opened["language"] == "en"


def test_the_command_line_refuses_a_missing_session(tmp_path, capsys):
    from lstm_viewer import cli
    assert cli.main([str(tmp_path / "gone.lstmview")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such session file" in err


def test_a_session_shared_with_its_model_opens_on_another_machine(window, tmp_path, model_file):
    """Saved here, the session and its model copied together to another folder (another machine:
    the saved path is not there): the model beside the session is opened, the same view shown."""
    window.show_first_sample()
    window.state.row, window.state.selection = 9, (0, 3)
    saved = window.save_session(tmp_path / "class.lstmview")
    trace = window.state.trace
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    shutil.copy(saved, elsewhere / "class.lstmview")
    shutil.copy(model_file, elsewhere / "small.keras")
    model_file.unlink()
    window.set_network(random_network([8]))
    assert window.open_session(elsewhere / "class.lstmview")
    assert window.session.model_source.endswith("usb/small.keras")
    assert window.state.row == 9 and window.state.selection == (0, 3)
    assert np.array_equal(window.state.trace.h[1], trace.h[1])


def test_the_shipped_model_is_found_wherever_the_app_is_installed(qtbot, tmp_path):
    win = open_window(qtbot, load_network())
    try:
        win.show_first_sample()
        path = win.save_session(tmp_path / "s.lstmview")
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["model"]["asset"] == "default.keras"
        data["model"]["path"] = "/nowhere/site-packages/lstm_viewer/assets/default.keras"
        path.write_text(json.dumps(data), encoding="utf-8")
        win.set_network(random_network([8]))
        assert win.open_session(path) and win.state.network.units == [256, 256, 256]
    finally:
        close_window(win)
