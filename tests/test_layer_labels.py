"""The layers' unit-axis labels stay inside their columns (issue #25, point 8: "units, ranked by |h| at
this row" ran past its column when Rank units by |h| was switched on)."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6 import QtWidgets

from gui_support import random_network
from lstm_viewer.core.i18n import tr
from lstm_viewer.gui.state.view_state import ViewState
from lstm_viewer.gui.views.layers_panel import LayersPanel


@pytest.fixture
def panel(qtbot):
    state = ViewState()
    state.network = random_network([64, 48, 64], seed=1)
    state.trace = state.network.trace(np.random.default_rng(2).random((28, 28)).astype(np.float32))
    state.row = 15
    widget = LayersPanel(state)
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _labels(panel):
    """(text, label's scene rect, axis's scene rect, the layer's scene width) of every unit axis shown."""
    found = []
    for view in panel.views:
        heats = view.gates if view.gates_visible() else (view.c, view.h)
        scene = (view.gates_widget if view.gates_visible() else view.states).range
        for heat in heats:
            axis = (heat.curve_plot or heat.plot).getAxis("bottom")
            found.append((axis.labelText, axis.label.sceneBoundingRect(), axis.sceneBoundingRect(),
                          scene.width()))
    return found


@pytest.mark.parametrize("gates", [False, True])
def test_the_ranked_label_stays_inside_its_axis_at_every_width(panel, qtbot, gates):
    state = panel.state
    state.show_gates = gates
    for ranked in (False, True, False, True):
        state.rank_by_magnitude = ranked
        for width in (1300, 1000, 860, 760, 640):
            panel.resize(width, 900)
            qtbot.wait(1)
            QtWidgets.QApplication.processEvents()
            for text, label, axis, column in _labels(panel):
                if ranked:
                    assert text in (tr("units, ranked by |h| at this row"), tr("units by |h|"))
                else:
                    assert text == tr("unit")
                assert label.left() >= axis.left() - 1 and label.right() <= axis.right() + 1, (width, text)
                assert abs(label.center().x() - axis.center().x()) <= 2, (width, text)   # centred
                assert label.right() <= column, (width, text)
    # Wide enough, the long label is used; narrow, the short one.
    panel.resize(1600, 900)
    QtWidgets.QApplication.processEvents()
    assert {text for text, *_ in _labels(panel)} == {tr("units, ranked by |h| at this row")}
    panel.resize(640, 900)
    QtWidgets.QApplication.processEvents()
    assert {text for text, *_ in _labels(panel)} == {tr("units by |h|")}
