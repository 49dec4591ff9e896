"""Help ▸ Keyboard shortcuts: every key the window answers to, read from the window itself.

Nothing here is a list of keys: the rows are the window's actions that have a shortcut, found in its
menus (grouped by menu, in menu order: File, Edit, …, Explain with the panel table's keys, Step), then
the actions that live in no menu (the layers' [ ] and Esc, a panel's own keys) and the buttons with a
key (Random, R). A key added anywhere shows up here by itself.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.i18n import tr

NATIVE = QtGui.QKeySequence.SequenceFormat.NativeText
DIRECT = QtCore.Qt.FindChildOption.FindDirectChildrenOnly   # the window's own, not a panel's


@dataclass(frozen=True)
class Shortcut:
    group: str        # the menu it is in (its title as shown), or where it lives
    text: str         # what it does: the action's text, without its & accelerator
    keys: str         # as the system writes them ("Ctrl+O", "Delete, Backspace")
    tip: str          # the action's tooltip, when it has one
    action: QtGui.QAction | None = None
    sequences: tuple[str, ...] = ()   # each key sequence, portable text ("Ctrl+O")


def window_shortcuts(window: QtWidgets.QMainWindow) -> list[Shortcut]:
    """Every shortcut of ``window``: its menus' actions in menu order, then the actions in no menu,
    then buttons with a key. An action in two menus is listed once, under the first."""
    rows: list[Shortcut] = []
    seen: set[int] = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        if menu is None:
            continue
        for action in _menu_actions(menu):
            if id(action) not in seen and _keys(action):
                seen.add(id(action))
                rows.append(_row(_plain(top.text()), action))
    elsewhere = tr("Elsewhere in the window")
    for action in window.findChildren(QtGui.QAction):
        if id(action) not in seen and _keys(action) and action.text():
            seen.add(id(action))
            rows.append(_row(elsewhere, action))
    buttons = tr("Buttons")
    for button in window.findChildren(QtWidgets.QAbstractButton):
        if isinstance(button, QtWidgets.QToolButton) and button.defaultAction() is not None:
            continue   # its action is listed already
        if not button.shortcut().isEmpty() and button.text():
            rows.append(Shortcut(buttons, _plain(button.text()), button.shortcut().toString(NATIVE),
                                 button.toolTip(), None, (button.shortcut().toString(),)))
    return rows


def shortcut_conflicts(window: QtWidgets.QMainWindow) -> dict[str, list[str]]:
    """Key sequences that two or more enabled window-wide actions answer to: Qt then runs neither
    ("ambiguous shortcut"). {keys: [what each does]}."""
    users: dict[str, list[str]] = {}
    for row in window_shortcuts(window):
        action = row.action
        if action is not None and (not action.isEnabled() or action.shortcutContext()
                                   == QtCore.Qt.ShortcutContext.WidgetShortcut):
            continue
        for keys in row.sequences:
            users.setdefault(keys, []).append(row.text)
    return {keys: texts for keys, texts in users.items() if len(texts) > 1}


def show_shortcuts(window: QtWidgets.QMainWindow) -> QtWidgets.QDialog:
    """Help ▸ Keyboard shortcuts: a window listing every shortcut (objectName ``shortcutsDialog``;
    one per main window, filled again each time it is shown)."""
    dialog = window.findChild(ShortcutsDialog, "shortcutsDialog", DIRECT)
    if dialog is None:
        dialog = ShortcutsDialog(window)
    dialog.fill(window_shortcuts(window))
    dialog.show()
    dialog.raise_()
    return dialog


class ShortcutsDialog(QtWidgets.QDialog):
    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle(tr("Keyboard shortcuts"))
        self.setModal(False)
        layout = QtWidgets.QVBoxLayout(self)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setObjectName("shortcutsTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([tr("Action"), tr("Keys")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.tree, 1)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(520, 640)

    def fill(self, rows: list[Shortcut]) -> None:
        self.tree.clear()
        groups: dict[str, QtWidgets.QTreeWidgetItem] = {}
        for row in rows:
            group = groups.get(row.group)
            if group is None:
                group = groups[row.group] = QtWidgets.QTreeWidgetItem(self.tree, [row.group])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
                group.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled)
            item = QtWidgets.QTreeWidgetItem(group, [row.text, row.keys])
            if row.tip:
                item.setToolTip(0, row.tip)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)

    def listed(self) -> list[tuple[str, str, str]]:
        """(group, action, keys) of every row shown, in order (for scripts and tests)."""
        rows = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for k in range(group.childCount()):
                item = group.child(k)
                rows.append((group.text(0), item.text(0), item.text(1)))
        return rows


def _menu_actions(menu: QtWidgets.QMenu) -> list[QtGui.QAction]:
    """A menu's actions, submenus' actions in place (View ▸ Panels …)."""
    found = []
    for action in menu.actions():
        if action.menu() is not None:
            found.extend(_menu_actions(action.menu()))
        elif not action.isSeparator():
            found.append(action)
    return found


def _keys(action: QtGui.QAction) -> list[QtGui.QKeySequence]:
    return [keys for keys in action.shortcuts() if not keys.isEmpty()]


def _row(group: str, action: QtGui.QAction) -> Shortcut:
    keys = _keys(action)
    tip = action.toolTip()
    text = _plain(action.text())
    return Shortcut(group, text, ", ".join(k.toString(NATIVE) for k in keys),
                    tip if tip and tip != text else "", action, tuple(k.toString() for k in keys))


def _plain(text: str) -> str:
    """A menu text without its accelerator mark (``&Open model…`` -> ``Open model…``; ``&&`` is ``&``;
    the Chinese convention's ``打开模型(&O)…`` -> ``打开模型…``)."""
    text = re.sub(r"[(（]&[^&\s][)）]", "", text)
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")
