"""The Help menu's windows: "What am I looking at?" for the main views, the keyboard shortcuts (read
from the window's own actions), and About (version, model, data, the state-space cache).

Each takes the main window and shows (or brings up to date) one small window of its own::

    explain_main_view(window, "layers")   # one of MAIN_VIEWS: "input", "layers", "softmax", "state"
    show_shortcuts(window)
    show_about(window)

``add_help_actions(window, menu)`` puts all of them in a menu (objectNames for scripts and tests).
"""
from __future__ import annotations

from .about import show_about
from .main_views import MAIN_VIEWS, explain_main_view, main_view_title
from .menu import add_help_actions
from .shortcuts import shortcut_conflicts, show_shortcuts, window_shortcuts

__all__ = ["MAIN_VIEWS", "add_help_actions", "explain_main_view", "main_view_title", "show_about",
           "show_shortcuts", "shortcut_conflicts", "window_shortcuts"]
