"""The Help menu's windows (issue #25, point 7): the main views' notes, the keyboard shortcuts read from
the window's own actions, About with the state-space cache's size and its Clear button."""
from __future__ import annotations

import os
import time

import pytest
from PyQt6 import QtCore, QtGui, QtWidgets

from gui_support import close_window, open_window, random_network
from lstm_viewer import load_network
from lstm_viewer.core.i18n import tr
from lstm_viewer.core.readers import describe_model
from lstm_viewer.gui.help import (
    MAIN_VIEWS,
    explain_main_view,
    main_view_title,
    shortcut_conflicts,
    show_about,
    show_shortcuts,
)
from lstm_viewer.gui.help import cache as help_cache
from lstm_viewer.gui.help.about import size_text
from lstm_viewer.gui.help.main_views import main_view_help
from lstm_viewer.gui.panels import PANELS


@pytest.fixture
def win(qtbot):
    window = open_window(qtbot, random_network([16, 12]), size=(1400, 900))
    window.show_first_sample()
    yield window
    close_window(window)


def _plain(text: str) -> str:
    return text.replace("&", "")


def _native(keys: str) -> str:
    return QtGui.QKeySequence(keys).toString(QtGui.QKeySequence.SequenceFormat.NativeText)


# --- keyboard shortcuts ---------------------------------------------------------------------------
def test_the_shortcuts_list_every_key_the_window_answers_to(win, qtbot):
    dialog = show_shortcuts(win)
    qtbot.waitExposed(dialog)
    listed = dialog.listed()
    by_text = {(text, keys) for _group, text, keys in listed}
    # The menus' named actions (the automation surface) with their keys, each once.
    for name, action in win.window_actions.actions.items():
        if not action.shortcut().isEmpty():
            keys = ", ".join(k.toString(QtGui.QKeySequence.SequenceFormat.NativeText)
                             for k in action.shortcuts())
            assert (_plain(action.text()), keys) in by_text, name
    assert ("Clear drawing", f"{_native('Delete')}, {_native('Backspace')}") in by_text
    # Every analysis panel's key from the panel table, under the Explain menu.
    explain = _plain(tr("E&xplain"))
    for spec in PANELS:
        assert (explain, _plain(tr(spec.menu_text)), _native(spec.shortcut)) in listed, spec.key
    # Keys that live in no menu: the layers' unit stepping, and a button's (Random, R).
    assert (tr("Next unit"), _native("]")) in by_text
    assert (tr("Clear the unit selection"), _native("Esc")) in by_text
    assert (tr("Random"), _native("R")) in by_text
    # The Step menu's keys, in its order.
    step = [text for group, text, _keys in listed if group == _plain(tr("&Step"))]
    assert step[:3] == [tr("Previous row"), tr("Next row"), tr("First row")]
    assert len(listed) == len({(g, t) for g, t, _k in listed})     # each once
    # Read from the window, not from a list: a key added now is listed when the window shows again.
    added = QtGui.QAction("Frobnicate", win)
    added.setShortcut(QtGui.QKeySequence("Ctrl+Alt+J"))
    win.addAction(added)
    assert show_shortcuts(win) is dialog
    assert ("Frobnicate", _native("Ctrl+Alt+J")) in {(t, k) for _g, t, k in dialog.listed()}


def test_no_two_actions_of_the_window_share_a_key(win):
    assert win.findChild(QtGui.QAction, "showShortcutsAction") is not None   # the Help menu's too
    assert shortcut_conflicts(win) == {}
    twin = QtGui.QAction("Another undo", win)
    twin.setShortcut(QtGui.QKeySequence("Ctrl+Z"))
    win.addAction(twin)
    assert shortcut_conflicts(win) == {"Ctrl+Z": ["Undo stroke", "Another undo"]}


# --- what am I looking at -------------------------------------------------------------------------
def test_each_main_view_has_its_note_and_is_brought_into_sight(win, qtbot):
    win.input_dock.hide()
    note = None
    for key in MAIN_VIEWS:
        note = explain_main_view(win, key)
        qtbot.waitExposed(note)
        assert note.key == key and main_view_title(key) in note.windowTitle()
        assert note.text.text() == main_view_help(key) and len(note.text.text()) > 400
    assert explain_main_view(win, "input") is note           # one note window, its text replaced
    assert win.input_dock.isVisible()                         # the view explained is on screen
    assert "state[−1].h = outputs[:, −1]" in main_view_help("state")
    with pytest.raises(KeyError):
        explain_main_view(win, "nonsense")


def test_the_help_menu_actions_open_the_windows(win, qtbot):
    actions = win.window_actions.actions   # the window's own Help menu
    assert actions["lessonsAction"] in win.window_actions.help_menu.actions()
    actions["explainLayersAction"].trigger()
    note = win.findChild(QtWidgets.QDialog, "mainViewHelp")
    assert note.isVisible() and note.key == "layers"
    actions["showShortcutsAction"].trigger()
    assert win.findChild(QtWidgets.QDialog, "shortcutsDialog").isVisible()
    actions["aboutAction"].trigger()
    assert win.findChild(QtWidgets.QDialog, "aboutDialog").isVisible()
    # The Help menu's own key is listed with the others.
    assert (tr("Keyboard shortcuts"), _native("Ctrl+/")) in {(t, k) for _g, t, k in
                                                            show_shortcuts(win).listed()}


# --- about and the cache --------------------------------------------------------------------------
@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    """A state-space cache of its own (the session's cache folder is shared with other tests)."""
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setattr(help_cache, "cache_dir", lambda: folder)
    return folder


def _write(path, size: int, age_s: float = 0.0):
    path.write_bytes(b"\0" * size)
    if age_s:
        then = time.time() - age_s
        os.utime(path, (then, then))
    return path


def test_about_names_the_version_model_data_and_cache_and_clears_it(win, qtbot, cache_folder, tmp_path,
                                                                      monkeypatch):
    import lstm_viewer
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    monkeypatch.setenv("LSTM_VIEWER_MNIST", str(mnist))
    key = "0123abcd"
    _write(cache_folder / f"statespace-{key}.npy", 3_000_000)
    _write(cache_folder / f"statespace-{key}.npz", 200_000)
    _write(cache_folder / "history-statespace-feed.npz", 400_000)
    _write(cache_folder / f".statespace-{key}-dead.npy", 1_000, age_s=3 * 24 * 3600)   # a crash's
    writing = _write(cache_folder / f".statespace-{key}-beef.npy", 5_000)                # being written
    other = _write(cache_folder / "notes.txt", 10)                                       # not ours
    dialog = show_about(win)
    qtbot.waitExposed(dialog)
    text = dialog.text.text()
    assert str(lstm_viewer.__version__) in text
    assert win.session.model_name in text and describe_model(win.network) in text   # name, architecture
    assert "Not read from a file" in text                           # a Network built in Python
    assert str(mnist) in text and "LSTM_VIEWER_MNIST" in text
    assert dialog.cache_text.text() == tr(
        "<b>State-space cache</b>: {size} in {count} files, in {folder}", size="3.6 MB", count=4,
        folder=str(cache_folder))
    assert dialog.clear_button.isEnabled()
    dialog.clear_button.click()
    assert dialog.cleared.text() == tr("Freed {size}.", size="3.6 MB")
    assert sorted(p.name for p in cache_folder.iterdir()) == sorted([writing.name, other.name])
    assert "empty" in dialog.cache_text.text() and not dialog.clear_button.isEnabled()


def test_about_follows_the_model_and_the_data(win, qtbot, cache_folder, tmp_path, monkeypatch):
    from gui_support import write_keras_file
    monkeypatch.delenv("LSTM_VIEWER_MNIST", raising=False)
    monkeypatch.setattr("lstm_viewer.gui.help.about.test_set_source", lambda: None)
    path = write_keras_file(tmp_path / "mine.keras", random_network([8], seed=2))
    win.session.set_network(load_network(path))
    dialog = show_about(win)
    assert str(path) in dialog.text.text() and "mine.keras" in dialog.text.text()
    assert "none found" in dialog.text.text()
    assert "empty" in dialog.cache_text.text()
    monkeypatch.setenv("LSTM_VIEWER_MNIST", str(tmp_path / "missing"))
    assert show_about(win) is dialog and "does not exist" in dialog.text.text()


def test_sizes_read_as_people_say_them():
    assert size_text(430_080_000) == "430 MB"
    assert size_text(3_600_000) == "3.6 MB"
    assert size_text(1_290_000_000) == "1.3 GB"
    assert size_text(12_400) == "12 kB"
    assert size_text(1) == "1 byte" and size_text(0) == "0 bytes"


def test_a_real_state_space_entry_is_found_and_cleared(cache_folder, monkeypatch):
    """The patterns match what the state space writes (statespace.cache.save), not a guess."""
    import numpy as np

    from lstm_viewer.statespace import cache as space_cache
    monkeypatch.setattr(space_cache, "cache_dir", lambda: cache_folder)
    assert space_cache.save("k" * 32, np.zeros((4, 28, 8), space_cache.storage.DTYPE),
                            {"labels": np.arange(4)})
    usage = help_cache.cache_usage()
    assert usage.files == 2 and usage.size == sum(p.stat().st_size for p in cache_folder.iterdir())
    freed, kept = help_cache.clear_cache()
    assert (freed, kept) == (usage.size, 0) and not list(cache_folder.iterdir())
    QtCore.QCoreApplication.processEvents()
