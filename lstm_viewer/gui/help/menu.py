"""The Help menu's entries, for the window's menus to add in one call (``add_help_actions``)."""
from __future__ import annotations

from PyQt6 import QtGui, QtWidgets

from ...core.i18n import tr
from .about import show_about
from .main_views import MAIN_VIEWS, explain_main_view, main_view_title
from .shortcuts import show_shortcuts

# objectNames of the actions added (the automation surface), by what they show.
EXPLAIN_ACTION_NAMES = {key: f"explain{key.capitalize()}Action" for key in MAIN_VIEWS}
SHORTCUTS_ACTION_NAME = "showShortcutsAction"
ABOUT_ACTION_NAME = "aboutAction"


def add_help_actions(window: QtWidgets.QMainWindow, menu: QtWidgets.QMenu) -> dict[str, QtGui.QAction]:
    """Add to ``menu``: What am I looking at? ▸ one entry per main view, Keyboard shortcuts (Ctrl+/),
    About. The actions, by objectName."""
    actions: dict[str, QtGui.QAction] = {}
    explain = menu.addMenu(tr("&What am I looking at?"))
    for key in MAIN_VIEWS:
        action = _action(window, main_view_title(key), EXPLAIN_ACTION_NAMES[key],
                         lambda _=False, key=key: explain_main_view(window, key))
        explain.addAction(action)
        actions[action.objectName()] = action
    shortcuts = _action(window, tr("&Keyboard shortcuts"), SHORTCUTS_ACTION_NAME,
                        lambda: show_shortcuts(window))
    shortcuts.setShortcut(QtGui.QKeySequence("Ctrl+/"))
    about = _action(window, tr("&About lstm-viewer"), ABOUT_ACTION_NAME, lambda: show_about(window))
    about.setMenuRole(QtGui.QAction.MenuRole.AboutRole)
    menu.addSeparator()
    for action in (shortcuts, about):
        menu.addAction(action)
        actions[action.objectName()] = action
    return actions


def _action(window, text: str, name: str, slot) -> QtGui.QAction:
    action = QtGui.QAction(text, window)
    action.setObjectName(name)
    action.triggered.connect(slot)
    window.addAction(action)
    return action
