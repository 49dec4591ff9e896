"""The headline above the softmax names the guess so far and the final answer (issue #25, point 8: a
room read "Reads as 2" at row 12 of a 3 as the answer)."""
from __future__ import annotations

import numpy as np
import pytest

from gui_support import random_network
from lstm_viewer.core.i18n import tr
from lstm_viewer.gui.state.view_state import LAST_ROW, ViewState
from lstm_viewer.gui.views.prediction_header import PredictionHeader

PREDICTION_COLUMN = 250   # the prediction column's least width (main_window: prediction.setMinimumWidth)


@pytest.fixture
def header(qtbot):
    state = ViewState()
    state.network = random_network([16, 12], seed=3)
    widget = PredictionHeader(state)
    qtbot.addWidget(widget)
    widget.resize(PREDICTION_COLUMN - 8, 120)   # the column's margins
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _a_trace_that_changes_its_mind(network):
    """A digit whose top class before the last row differs from its final answer, and that row."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        image = (rng.random((28, 28)) > 0.7).astype(np.float32)
        trace = network.trace(image)
        rows = np.flatnonzero(trace.probs.argmax(axis=1) != trace.prediction)
        if rows.size:
            return trace, int(rows[-1])
    raise AssertionError("no digit changes its mind")


def test_the_headline_says_so_far_and_final_not_only_the_current_guess(header):
    state = header.state
    assert header.label.text() == tr("Draw a digit")
    trace, row = _a_trace_that_changes_its_mind(state.network)
    state.trace = trace
    state.row = row
    now, final = int(np.argmax(trace.probs[row])), trace.prediction
    assert now != final
    assert header.label.text() == tr("So far {now} · final {final}", now=now, final=final)
    detail = header.detail.text()
    assert f"after row {row + 1} of 28" in detail and f"final {final}" in detail
    assert f"(p = {trace.probs[row, now]:.2f})" in detail
    assert f"on top from row {trace.settled_row() + 1}" in detail
    state.row = LAST_ROW                                  # after the last row: one answer
    assert header.label.text() == tr("Final answer: {final}", final=final)
    assert f"(p = {trace.probs[-1, final]:.2f})" not in header.detail.text()
    assert f"p = {trace.probs[-1, final]:.2f} after all 28 rows" in header.detail.text()
    state.trace = None
    assert header.label.text() == tr("Draw a digit")


def test_the_headline_and_its_detail_fit_the_narrowest_prediction_column(header, qtbot):
    state = header.state
    trace, row = _a_trace_that_changes_its_mind(state.network)
    state.trace, state.row = trace, row
    header.label.setText(tr("So far {now} · final {final}", now=8, final=8))   # the widest digits
    assert header.label.fontMetrics().horizontalAdvance(header.label.text()) <= header.label.width()
    header.detail.setText(tr("So far {now} (p = {p:.2f}) after row {row} of 28; final {final} "
                             "(p = {p_final:.2f}), on top from row {since}.", now=8, p=0.88, row=28,
                             final=8, p_final=0.88, since=28))
    assert header.detail.heightForWidth(header.detail.width()) <= header.detail.height()
