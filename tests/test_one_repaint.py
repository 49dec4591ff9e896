"""A state change is painted in one pass of the window, and nothing it changed is left unpainted."""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtWidgets

from gui_support import close_window, open_window, random_network
from lstm_viewer.gui.window.one_repaint import OneRepaint


class _Counter(QtCore.QObject):
    def __init__(self, kind: QtCore.QEvent.Type) -> None:
        super().__init__()
        self.kind, self.count = kind, 0

    def eventFilter(self, watched, event) -> bool:
        if event.type() == self.kind:
            self.count += 1
        return False


def test_a_row_step_paints_every_changed_view_in_one_window_pass(qtbot):
    window = open_window(qtbot, random_network([16, 16]), size=(1400, 900))
    window.show_input(np.full((28, 28), 0.5, np.float32))
    QtWidgets.QApplication.processEvents()
    views = [window.layers.views[0].states.viewport(), window.layers.views[1].states.viewport()]
    paints = [_Counter(QtCore.QEvent.Type.Paint) for _ in views]
    for view, counter in zip(views, paints, strict=True):
        view.installEventFilter(counter)
    requests = _Counter(QtCore.QEvent.Type.UpdateRequest)
    window.installEventFilter(requests)
    one = window.findChild(OneRepaint)
    window.removeEventFilter(one)
    window.installEventFilter(one)   # the last installed filter runs first: the counter sees what passes
    window.state.row = 9
    QtWidgets.QApplication.processEvents()
    assert all(counter.count >= 1 for counter in paints), "every changed view is painted"
    assert requests.count == 1, "in one pass of the window"
    assert not one.is_holding()
    close_window(window)
