"""The state panel: the seed's identity computed two independent ways, a check that can fail, and the
state's values at the current row, each against a float64 recomputation from the weights."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gui_support import build_panel, random_network
from lstm_viewer.gui.views.stack_state import StackStatePanel, largest_output_gap

ROWS = 28


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def multi_rnn_cell_state(network, image):
    """TF1's MultiRNNCell.call in float64: every layer steps once per row, row after row."""
    x_rows = np.asarray(image, np.float64)
    if network.input_scaling is not None:
        mean, std = network.input_scaling
        x_rows = (x_rows - mean) / std
    states = [(np.zeros(w.units), np.zeros(w.units)) for w in network.layers]
    for t in range(ROWS):
        x = x_rows[t]
        for k, w in enumerate(network.layers):
            c, h = states[k]
            z = x @ w.kernel.astype(np.float64) + h @ w.recurrent_kernel.astype(np.float64) + w.bias
            i, f, g, o = np.split(z, 4)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            states[k] = (c, h)
            x = h
    return states


@pytest.fixture
def digit():
    with np.load("assets/samples.npz") as f:
        return f["images"][3].astype(np.float32) / 255.0


@pytest.mark.parametrize("units, scaling", [([16, 16], None), ([12, 7, 9], (0.1307, 0.3081))])
def test_stepping_the_stack_row_by_row_is_multi_rnn_cell(digit, units, scaling):
    network = random_network(units, seed=3).with_input_scaling(scaling)
    expected = multi_rnn_cell_state(network, digit)
    for (c, h), (c64, h64) in zip(network.step_through_rows(digit), expected, strict=True):
        np.testing.assert_allclose(c, c64, atol=1e-5)
        np.testing.assert_allclose(h, h64, atol=1e-5)
    trace = network.trace(digit)
    assert largest_output_gap(network, trace) < 1e-5   # the two orders agree up to float32 rounding


def test_the_output_check_fails_when_the_outputs_are_not_the_state(digit):
    network = random_network([16, 16], seed=1)
    trace = network.trace(digit)
    wired_wrong = dataclasses.replace(trace, h=(trace.h[0], trace.h[0] * 0.5))   # not layer 2's h
    assert largest_output_gap(network, wired_wrong) > 1e-3


def test_the_panel_shows_the_gap_the_values_and_says_when_they_differ(qtbot, digit):
    # The stack's panel is a view of the state: built on a view state alone, no window.
    stack = build_panel(qtbot, lambda context: StackStatePanel(context.state),
                        random_network([16, 16], seed=2), size=(300, 200))
    panel = stack.panel
    stack.session.show_input(digit)
    qtbot.waitUntil(lambda: panel.output_gap is not None, timeout=3000)   # after its short delay
    assert panel.output_gap < 1e-5 and "differ" not in panel.output_check.text()
    stack.state.row = 13                  # what the stepper does
    trace = stack.state.trace
    shown = panel.values.text()
    for k in range(2):
        assert f"{trace.c[k][13, 0]:+.2f}".replace("-", "−") in shown
        assert f"{trace.h[k][13, 1]:+.2f}".replace("-", "−") in shown
    # A trace the stack's stepping does not reproduce is flagged, not shown as agreeing.
    stack.state.trace = dataclasses.replace(trace, h=(trace.h[0], trace.h[1] + 0.01))
    panel.check_output_now()
    assert panel.output_gap == pytest.approx(0.01, rel=1e-3)
    assert "they differ" in panel.output_check.text()
