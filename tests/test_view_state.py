"""The view state: what the window looks at, in one Qt-free object with one signal per field; and
the window's views following it (``window.state.row``, ``window.state.selection``)."""
from __future__ import annotations

import numpy as np
import pytest

from gui_support import SEVEN, close_window, draw, open_window, random_network
from lstm_viewer.gui.state.view_state import ViewState

FIELDS = ("network", "image", "trace", "row", "selection", "show_gates", "rank_by_magnitude",
          "pinned")


class Emitted(list):
    """Every emission of every field's signal, as (field, new value)."""

    def __init__(self, state: ViewState) -> None:
        super().__init__()
        for name in FIELDS:
            getattr(state.events, name).connect(lambda new, *_old, _n=name: self.append((_n, new)))


# --- the state on its own (no Qt) ----------------------------------------------------------------
def test_the_state_starts_empty_at_the_last_row():
    state = ViewState()
    assert (state.network, state.image, state.trace, state.selection, state.pinned) == (None,) * 5
    assert state.row == 27 and not state.show_gates and not state.rank_by_magnitude


@pytest.mark.parametrize("row", [0, 13, 27, np.int64(5)])
def test_a_row_in_range_is_kept_as_an_int(row):
    state = ViewState()
    state.row = row
    assert state.row == int(row) and type(state.row) is int


@pytest.mark.parametrize("row", [-1, 28, 100])
def test_a_row_out_of_range_is_refused_and_nothing_changes(row):
    state = ViewState()
    state.row = 3
    emitted = Emitted(state)
    with pytest.raises(ValueError, match=r"row must be in 0\.\.27"):
        state.row = row
    assert state.row == 3 and emitted == []


def test_the_selection_is_checked_against_the_network():
    state = ViewState()
    state.set_network(random_network([8, 8]))
    state.selection = (1, 7)
    assert state.selection == (1, 7)
    state.selection = [0, np.int64(5)]            # any pair of integers, kept as a tuple of ints
    assert state.selection == (0, 5) and all(type(v) is int for v in state.selection)
    for bad, words in (((2, 0), "layer 2 does not exist"), ((1, 8), "unit 8 does not exist"),
                       ((-1, 0), "count layers and units from 0"),
                       ((0, -1), "count layers and units from 0"),
                       ((1,), r"a \(layer, unit\) pair"), ("ab", r"a \(layer, unit\) pair")):
        with pytest.raises(ValueError, match=words):
            state.selection = bad
        assert state.selection == (0, 5), bad
    state.selection = None
    assert state.selection is None


def test_a_new_network_keeps_a_selection_that_exists_in_it_and_clears_one_that_does_not():
    state = ViewState()
    state.set_network(random_network([16, 16]))
    state.selection = (1, 12)
    state.set_network(random_network([16, 16, 16], seed=1))
    assert state.selection == (1, 12)
    state.set_network(random_network([8, 8], seed=2))       # layer 1 has units 0..7 now
    assert state.selection is None
    state.selection = (0, 3)
    state.set_network(random_network([4], seed=3))
    assert state.selection == (0, 3)
    state.selection = (0, 3)
    state.set_network(random_network([2, 2], seed=4))       # unit 3 of layer 0 is gone
    assert state.selection is None


def test_one_signal_per_field_with_the_new_value_and_only_on_a_change():
    state = ViewState()
    network = random_network([8])
    state.set_network(network)
    emitted = Emitted(state)
    image = np.eye(28, dtype=np.float32)
    trace = network.trace(image)
    changes = [("row", 4), ("selection", (0, 2)), ("show_gates", True), ("rank_by_magnitude", True),
               ("image", image), ("trace", trace), ("pinned", trace)]
    for name, value in changes:
        emitted.clear()
        setattr(state, name, value)
        assert len(emitted) == 1 and emitted[0][0] == name, (name, emitted)
        assert emitted[0][1] is value or emitted[0][1] == value
        emitted.clear()
        setattr(state, name, value)                 # the same value again: no signal
        assert emitted == [], name
    emitted.clear()
    state.trace = network.trace(image)              # an equal trace, but a new one: a new input
    assert [name for name, _ in emitted] == ["trace"]


def test_set_network_signals_the_network_and_a_cleared_selection_once_each():
    state = ViewState()
    state.set_network(random_network([16, 16]))
    state.selection = (1, 12)
    emitted = Emitted(state)
    small = random_network([8, 8], seed=2)
    state.set_network(small)
    assert emitted == [("network", small), ("selection", None)]
    emitted.clear()
    state.set_network(small)                         # the same model: nothing changed
    assert emitted == []


# --- the window follows the state -----------------------------------------------------------------
@pytest.fixture
def window(qtbot):
    win = open_window(qtbot, random_network())
    draw(win.canvas, SEVEN)
    yield win
    close_window(win)


def test_every_view_follows_a_row_set_on_the_state(window):
    from PyQt6 import QtWidgets
    trace = window.trace
    window.state.row = 5
    assert window.stepper.row() == 5
    assert window.findChild(QtWidgets.QSlider, "rowSlider").value() == 5
    assert window.findChild(QtWidgets.QLabel, "rowLabel").text() == "row 6 of 28"
    for k, view in enumerate(window.layers.views):
        for heat, values in ((view.c, trace.c[k]), (view.h, trace.h[k])):
            np.testing.assert_array_equal(heat.image.image[:6], values[:6])
            assert np.isnan(heat.image.image[6:]).all()
            np.testing.assert_array_equal(heat.curve.data()[1], values[5])
    np.testing.assert_array_equal(window.softmax.current_bars.heights(), trace.probs[5])
    np.testing.assert_array_equal(window.softmax.time_image.image[:6], trace.probs[:6])
    assert np.isnan(window.softmax.time_image.image[6:]).all()
    assert window.softmax.row_line.value() == 6
    assert window.prediction_label.text() == (f"So far {int(np.argmax(trace.probs[5]))} · "
                                              f"final {trace.prediction}")
    assert "after row 6 of 28" in window.prediction_detail.text()
    cell_gap = window.stack_state.cell_gap
    gap = "0" if cell_gap == 0.0 else f"{cell_gap:.1e}"   # as the check shows a number
    assert window.stack_state.cell_check.text() == f"max |h − o·tanh(c)| = {gap}"
    gaps = [np.max(np.abs(h[5] - gates[5, 3] * np.tanh(c[5])))
            for gates, c, h in zip(trace.gates, trace.c, trace.h, strict=True)]
    assert window.stack_state.cell_gap == float(max(gaps))
    assert window.trace is trace                 # moving through rows computes nothing new


def test_the_selection_is_set_and_read_back_on_the_window(window):
    assert window.state.selection is None
    window.state.selection = (1, 3)
    assert window.state.selection == (1, 3)
    with pytest.raises(ValueError, match="layer 2 does not exist"):
        window.state.selection = (2, 0)          # the window's model has 2 layers
    with pytest.raises(ValueError, match="unit 16 does not exist"):
        window.state.selection = (0, 16)
    assert window.state.selection == (1, 3)
    window.set_network(random_network([4, 4], seed=3))    # unit 3 of layer 1 still exists
    assert window.state.selection == (1, 3)
    window.set_network(random_network([16], seed=4))      # layer 1 is gone
    assert window.state.selection is None


def test_a_new_model_its_input_and_its_trace_reach_every_view_together(window):
    """Whichever field's signal a view listens to, the state it then reads is consistent: the
    trace was made by the network for the image (a view on ``network`` must not meet the old
    model's trace, a view on ``image`` must not meet the old image's trace)."""
    state, seen = window.state, []

    def consistent(*_args) -> None:
        network, trace, image = state.network, state.trace, state.image
        seen.append(trace is None and image is None or
                    [h.shape for h in trace.h] == [(28, u) for u in network.units]
                    and np.array_equal(trace.image, image))

    for name in ("network", "image", "trace"):
        getattr(state.events, name).connect(consistent)
    window.set_network(random_network([4, 4, 4], seed=5))
    window.show_input(np.eye(28, dtype=np.float32))
    window.set_network(random_network([8], seed=6))
    window.show_trace(window.network.trace(np.flipud(np.eye(28, dtype=np.float32))))
    window.show_input(None)
    assert len(seen) >= 8 and all(seen), seen
