"""The sample grid highlights the digit shown, and only it (issue #25, point 8: after a model change it
highlighted a sample that was no longer the input)."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6 import QtCore

from gui_support import blotch_digit, random_network
from lstm_viewer.core.digits import DigitSet
from lstm_viewer.gui.input.digit_library import DigitLibrary
from lstm_viewer.gui.input.digit_picker import DigitPicker
from lstm_viewer.gui.state.jobs import JobRunner
from lstm_viewer.gui.state.session import Session
from lstm_viewer.gui.state.view_state import ViewState


class Grid:
    """The picker and its library on a session of their own (no window)."""

    def __init__(self, qtbot):
        self.state = ViewState()
        self.jobs = JobRunner()
        self.session = Session(self.state, self.jobs)
        self.session.set_network(random_network([12], seed=1))
        self.picker = DigitPicker()
        qtbot.addWidget(self.picker, before_close_func=lambda _w: self.jobs.shutdown(5000))
        self.library = DigitLibrary(self.picker, self.session)
        rng = np.random.default_rng(3)
        images = (rng.random((12, 28, 28)) * 255 * (rng.random((12, 28, 28)) > 0.6)).astype(np.uint8)
        self.digits = DigitSet("test digits", images, np.arange(12) % 10, np.arange(12))
        self.picker.add_set(self.digits)
        self.picker.resize(300, 400)
        self.picker.show()
        qtbot.waitExposed(self.picker)
        self.qtbot = qtbot

    def highlighted(self) -> list[int]:
        """The digits the grid marks as selected (what the learner sees highlighted)."""
        return sorted(index.data(QtCore.Qt.ItemDataRole.UserRole)
                      for index in self.picker.view.selectionModel().selectedIndexes())

    def choose(self, k: int) -> None:
        self.picker.view.setCurrentIndex(self.picker.model.index(k))

    def new_model(self, seed: int) -> None:
        """Another model; waits for the grid's "model says" column to be rescored."""
        network = random_network([12], seed=seed)
        self.session.set_network(network)
        expected = [int(network.trace(self.digits.image(k)).probs[-1].argmax()) for k in range(12)]
        self.qtbot.waitUntil(lambda: self.digits.predicted is not None
                             and self.digits.predicted.tolist() == expected, timeout=10_000)


@pytest.fixture
def grid(qtbot):
    return Grid(qtbot)


def test_a_model_change_keeps_the_highlight_on_the_digit_shown(grid):
    grid.choose(4)
    assert grid.highlighted() == [4]
    np.testing.assert_array_equal(grid.state.image, grid.digits.image(4))
    grid.new_model(seed=2)
    assert grid.highlighted() == [4]                     # still the input: still highlighted
    np.testing.assert_array_equal(grid.state.image, grid.digits.image(4))


def test_a_model_change_does_not_highlight_a_sample_that_is_no_longer_the_input(grid):
    grid.choose(4)
    grid.session.show_input(blotch_digit(1))             # a drawing, a file, a state-space digit …
    assert grid.highlighted() == []
    grid.new_model(seed=2)
    assert grid.highlighted() == []                      # the grid does not claim to show it
    grid.new_model(seed=3)
    assert grid.highlighted() == []
    grid.choose(6)                                       # picking again shows and highlights it
    assert grid.highlighted() == [6]
    np.testing.assert_array_equal(grid.state.image, grid.digits.image(6))


def test_what_if_edits_keep_the_highlight_on_the_sample_they_edit(grid):
    grid.choose(5)
    grid.session.toggle_row(14)                          # what if row 15 were blank: still sample 5
    grid.new_model(seed=4)
    assert grid.highlighted() == [5]
