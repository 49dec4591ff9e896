"""The desktop app (PyQt6 + pyqtgraph). Importing this imports Qt but never TensorFlow.

``from lstm_viewer.gui import MainWindow``; ``MainWindow(network)`` builds the window without dialogs.
``install_language(app, "zh_CN")`` before building it shows the window in that language.
"""
from __future__ import annotations


def __getattr__(name: str):
    # Lazy so that ``lstm_viewer.gui.app`` can set Qt up before the views are imported.
    if name == "MainWindow":
        from .window.main_window import MainWindow
        return MainWindow
    if name == "install_language":
        from .window.language import install_language
        return install_language
    raise AttributeError(name)


__all__ = ["MainWindow", "install_language"]
