"""Why this answer, in the window (issue 12): A/B comparison, rows and pixels that matter, what-if
edits and the preprocessing panel; every number checked against separate traces of the same network."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets
from PyQt6.QtTest import QTest

from gui_support import SEVEN, blotch_digit, build_panel, close_window, draw, open_window, random_network

Qt = QtCore.Qt
WAIT_MS = 60_000   # jobs on a busy machine: a limit, not a timing assertion


@pytest.fixture
def window(qtbot):
    win = open_window(qtbot, random_network([10, 10]))
    yield win
    close_window(win)


def test_pin_and_compare_show_exactly_the_difference_of_the_two_traces(qtbot):
    compare = build_panel(qtbot, "compare", random_network([10, 10]), blotch_digit(1))
    a = compare.trace
    compare.state.pinned = a          # what Pin A does (its action: test_pin_unpin_and_a_new_model)
    compare.show_input(blotch_digit(2))
    b = compare.trace
    panel = compare.panel
    qtbot.waitUntil(panel.isVisible, timeout=5000)
    panel.refresh()
    # per row
    parted = np.stack([np.abs(hb - ha).max(axis=1) for ha, hb in zip(a.h, b.h, strict=True)]).max(axis=0)
    first = int(np.flatnonzero(parted > 0)[0])
    assert f"part from row {first + 1};" in panel.summary.text()
    for k in range(2):
        np.testing.assert_array_equal(panel.diffs["h"][k], b.h[k] - a.h[k])
        np.testing.assert_array_equal(panel.diffs["c"][k], b.c[k] - a.c[k])
        np.testing.assert_allclose(panel.distances[k],
                                   np.sqrt(((b.h[k].astype(np.float64) - a.h[k]) ** 2).sum(-1)),
                                   rtol=1e-5, atol=1e-6)
    shown = panel.heats["h"][1].image
    np.testing.assert_array_equal(shown, b.h[1] - a.h[1])
    compare.state.pinned = None       # what Unpin does
    assert not panel.plots.isVisible()


def test_comparing_a_digit_with_itself_says_so(qtbot):
    """All distances zero: no "largest distance in layer 1" (the first of equal zeros)."""
    compare = build_panel(qtbot, "compare", random_network([10, 10]), blotch_digit(1))
    compare.state.pinned = compare.trace
    panel = compare.panel
    qtbot.waitUntil(panel.isVisible, timeout=5000)
    panel.refresh()
    assert "same at every row" in panel.summary.text() and "layer" not in panel.summary.text()


def test_pin_unpin_and_a_new_model(window):
    """Pin A pins the trace shown, Unpin clears it, and a new model unpins."""
    window.show_input(blotch_digit(1))
    a = window.trace
    window.pinAction.trigger()
    assert window.state.pinned is a
    window.unpinAction.trigger()
    assert window.state.pinned is None
    window.pinAction.trigger()
    window.set_network(random_network([10, 10], seed=4))
    assert window.state.pinned is None


def test_importance_bars_are_the_drops_of_separate_traces(qtbot):
    image = blotch_digit(3)
    importance = build_panel(qtbot, "importance", random_network([10, 10]), image)
    panel = importance.panel
    panel.band_spin.setValue(2)
    panel.class_combo.setCurrentIndex(1 + 4)   # class 4, not necessarily the prediction
    panel.overlay_check.setChecked(True)
    qtbot.waitUntil(lambda: panel.shown_for is not None and panel.shown_for[1:] == (4, 2), timeout=WAIT_MS)
    net = importance.network
    p_clean = net.trace(image).probs[-1, 4]
    for r in (0, 6, 15, 27):
        occluded = image.copy()
        occluded[r:r + 2] = 0.0
        expected = p_clean - net.trace(occluded).probs[-1, 4]
        assert panel.drops[r] == pytest.approx(float(expected), abs=1e-6)
    np.testing.assert_allclose(panel.bars.opts["width"], panel.drops.astype(np.float32))
    # The overlay is gradient × input: zero wherever the input is blank, and a finite difference
    # of the class's logit elsewhere.
    assert not panel.saliency_map[image == 0].any()
    r, c = 10, 12

    def logit(img):
        h = net.trace(img).h[-1][-1].astype(np.float64)
        return float(h @ net.dense_kernel[:, 4] + net.dense_bias[4])
    eps = 1e-2
    up, down = image.copy(), image.copy()
    up[r, c] += eps
    down[r, c] -= eps
    slope = (logit(up) - logit(down)) / (2 * eps)
    assert panel.saliency_map[r, c] == pytest.approx(slope * image[r, c], rel=2e-2, abs=1e-4)


def test_preprocess_panel_shift_curve_is_one_trace_per_shift(qtbot):
    preprocessing = build_panel(qtbot, "preprocess", random_network([10, 10]), drawing=True)
    qtbot.waitExposed(preprocessing.canvas)
    draw(preprocessing.canvas, SEVEN)
    panel = preprocessing.panel
    qtbot.waitUntil(lambda: panel.curve is not None, timeout=WAIT_MS)
    assert panel.steps is not None and panel.steps.final is preprocessing.session.original
    from lstm_viewer.core.preprocess import shift_rows
    for row, shift in enumerate(range(-6, 7)):
        expected = preprocessing.network.trace(shift_rows(preprocessing.trace.image, shift)).probs[-1]
        np.testing.assert_allclose(panel.curve[row], expected, atol=1e-5)
    # The steps' titles and note say what each centring does ("none": no crop, a 28 × 28 fit).
    def titles():
        return [plot.titleLabel.text for plot, _image in panel.stage_images]

    assert titles()[1:3] == ["crop to the ink", "fit 20 × 20"] and "centre of mass" in panel.note.text()
    preprocessing.state.centring = "none"
    panel.refresh()
    assert titles()[1:3] == ["no crop: the canvas", "fit 28 × 28"] and "not centred" in panel.note.text()
    assert panel.steps.fitted.shape == (28, 28)


def test_centring_and_shift_re_trace_the_drawing(window, qtbot):
    draw(window.canvas, SEVEN)
    before = window.trace.image.copy()
    window.state.shift = 3
    moved = window.trace.image
    np.testing.assert_array_equal(moved[3:], before[:-3])
    assert not moved[:3].any()
    window.state.centring = "none"
    from lstm_viewer.core.preprocess import preprocess
    expected = preprocess(window.canvas.to_array(), centring="none", shift=3)
    np.testing.assert_array_equal(window.trace.image, expected)
    window.state.shift = 0
    window.state.centring = "mass"
    np.testing.assert_array_equal(window.trace.image, before)


def _click_input_row(window, row: int) -> None:
    view = window.input_view
    scene = view.plot.vb.mapViewToScene(QtCore.QPointF(14.0, row + 0.5))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(scene))


def test_clicking_an_input_row_blanks_it_and_again_restores_it(window, qtbot):
    original = blotch_digit(5)
    window.show_input(original)
    _click_input_row(window, 12)
    edited = window.trace.image
    assert not edited[12].any() and window.state.blanked_rows == (12,)
    np.testing.assert_array_equal(np.delete(edited, 12, axis=0), np.delete(original, 12, axis=0))
    expected = original.copy()
    expected[12] = 0
    np.testing.assert_allclose(window.trace.probs, window.network.trace(expected).probs, atol=1e-7)
    _click_input_row(window, 12)
    np.testing.assert_array_equal(window.trace.image, original)
    assert window.state.blanked_rows == ()
    _click_input_row(window, 7)
    _click_input_row(window, 20)
    assert window.state.blanked_rows == (7, 20)
    window.restoreInputAction.trigger()
    np.testing.assert_array_equal(window.trace.image, original)
    assert window.state.blanked_rows == ()


def test_probabilities_are_written_plainly():
    from lstm_viewer.gui.widgets.numbers import plain_p
    assert plain_p(0.99976) == "0.9998"          # not "1" (3 significant digits rounded it up)
    assert plain_p(0.00034) == "0.0003"          # not "0.000"
    assert plain_p(7.5e-5) == "less than 0.0001"  # not "7.5e-05"
    assert plain_p(0.0) == "0.0000" and plain_p(1.0) == "1.0000"


def test_no_axis_in_the_window_rescales_by_an_si_prefix(window, qtbot):
    """An axis with pyqtgraph's SI prefix on lays its label out as HTML on every range change, shown
    or hidden (four or five times a row step once it was found): every plot is made without it."""
    import pyqtgraph as pg
    window.state.pinned = window.state.trace
    window.state.selection = (1, 3)
    docks = (window.unit_dock, window.why_dock, window.compare_dock, window.importance_dock,
             window.preprocess_dock, window.statespace_dock)
    for dock in docks:
        window.show_panel(dock)
    qtbot.waitUntil(lambda: all(dock.widget() is not None and dock.isVisible() for dock in docks))
    axes = [item for view in window.findChildren(pg.GraphicsView) for item in view.scene().items()
            if isinstance(item, pg.AxisItem)]
    assert len(axes) > 60
    assert [axis for axis in axes if axis.autoSIPrefix] == []


def test_the_comparison_keeps_room_for_its_plots_and_scrolls_in_a_short_dock(qtbot):
    """Tabbed with the inspector above "why this class", the panel is half the window's height:
    its heatmaps were squeezed to a few pixels each; now each row of plots keeps its room and the
    panel scrolls."""
    window = open_window(qtbot, random_network([10, 10, 10]), size=(1600, 1000))   # three layers' rows
    window.state.selection = (0, 1)
    window.show_panel(window.unit_dock)
    window.show_panel(window.why_dock)
    window.show_input(blotch_digit(1))
    window.pinAction.trigger()
    window.show_input(blotch_digit(2))
    panel = window.compare_panel
    window.show_panel(window.compare_dock)
    qtbot.waitUntil(panel.plots.isVisible, timeout=5000)
    QtWidgets.QApplication.processEvents()
    area = panel.parentWidget().parentWidget()
    assert area.viewport().height() < panel.plots.minimumHeight()       # a short dock: it scrolls
    assert area.verticalScrollBar().isVisible()
    assert not area.horizontalScrollBar().isVisible()                   # and still fits the column
    for image in panel.heats["h"] + panel.heats["c"]:
        box = image.getViewBox().sceneBoundingRect()
        assert box.height() >= 60                  # of its row, less the title and the axis below it
    assert panel.distance_plot.getViewBox().sceneBoundingRect().height() >= 60
    close_window(window)
