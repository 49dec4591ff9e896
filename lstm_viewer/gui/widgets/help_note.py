"""A "what am I looking at" note: collapsed by default, one click to read (superqt's QCollapsible)."""
from __future__ import annotations

from PyQt6 import QtCore, QtWidgets
from superqt import QCollapsible


def help_note(title: str, html: str) -> QCollapsible:
    """A collapsible block holding ``html`` as wrapped rich text."""
    note = QCollapsible(title)
    note.setObjectName("helpNote")
    text = QtWidgets.QLabel(html)
    text.setWordWrap(True)
    text.setTextFormat(QtCore.Qt.TextFormat.RichText)
    text.setStyleSheet("padding: 2px 6px;")
    note.addWidget(text)
    note.setDuration(0)   # no animation: a note should simply open
    return note
