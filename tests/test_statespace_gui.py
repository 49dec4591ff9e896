"""The state-space panel (issue 13.3-13.6): the cloud, the path, the neighbours and the class means on
screen against the space's own queries and an independent float64 recomputation, on the panel alone
with a view state of its own (``PanelHarness``); hover and click with real mouse events; in the window:
the unit inspector following a click in the selectivity map, the build in the background (progress,
cancel, a new model) and nothing done while the dock is hidden."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets
from PyQt6.QtTest import QTest

from gui_support import PanelHarness, close_window, random_network
from lstm_viewer.gui import MainWindow
from lstm_viewer.gui.statespace.build import Eta, colour_limit, describe_seconds
from lstm_viewer.gui.statespace.cloud import PICK_PIXELS
from lstm_viewer.gui.statespace.neighbours import as_unit_image
from lstm_viewer.gui.statespace.panel import NEIGHBOURS, StateSpacePanel
from lstm_viewer.gui.statespace.selectivity import preferred_order
from lstm_viewer.statespace import offline_test_digits

Qt = QtCore.Qt
BUILD_MS = 60000   # the machine is shared: generous, only reached when something is wrong


def wait_for_a_new_move(qtbot, view) -> None:
    """pyqtgraph's scene drops mouse moves closer together than its rate limit: wait until it takes one."""
    qtbot.waitUntil(view.scene()._moveEventIsAllowed, timeout=3000)


@pytest.fixture(scope="module")
def digits():
    shipped = offline_test_digits()
    return shipped.replace(images=shipped.images[::4], labels=shipped.labels[::4], ids=shipped.ids[::4],
                           source="250 of the shipped test digits")


@pytest.fixture(scope="module")
def many_digits():
    """6,000 digits: a build that lasts long enough to be cancelled or superseded part-way."""
    shipped = offline_test_digits()
    return shipped.replace(images=np.concatenate([shipped.images] * 6),
                           labels=np.concatenate([shipped.labels] * 6),
                           ids=np.concatenate([shipped.ids] * 6), source="6,000 digits")


def open_window(network, digits, shown: bool = True):
    """The window with the panel docked as the app docks it: added before the window is shown."""
    window = MainWindow(network)
    # The window's own panel (built when first shown) would read the full test set; this one reads
    # the test's few hundred digits.
    panel = StateSpacePanel(window.state, window.jobs,
                            lambda image28, _sentence: window.session.show_input(image28), digits=digits)
    dock = window.put_panel("stateSpaceDock", panel)
    window.resize(1600, 1000)
    window.show()
    QtWidgets.QApplication.processEvents()
    if shown:
        window.show_panel(dock)
    return window, panel, dock


def wait_until(condition, timeout_ms: int = BUILD_MS) -> None:
    """qtbot.waitUntil for module-scoped fixtures (no qtbot there)."""
    deadline = QtCore.QDeadlineTimer(timeout_ms)
    while not condition():
        assert not deadline.hasExpired(), "timed out"
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)


@pytest.fixture(scope="module")
def built(qapp, digits):
    """One panel on a view state of its own for the tests that read a built space (no window); the
    harness records each test digit the panel loads in ``shown_digits``."""
    harness = PanelHarness(lambda c: StateSpacePanel(c.state, c.jobs, c.show_digit, digits=digits),
                           random_network([12, 12]), size=(900, 1000))
    wait_until(lambda: harness.panel.status == "ready")
    yield harness
    harness.close()


@pytest.fixture
def ready(built, digits):
    """The built panel, reset: shown, top layer, units in their own order, test digit 40, last row."""
    harness, panel = built, built.panel
    harness.state.selection = None
    panel.show()
    panel.layer_combo.setCurrentIndex(panel.layer_combo.count() - 1)
    panel.selectivity.order_combo.setCurrentIndex(0)
    harness.state.row = 27
    harness.show_input(as_unit_image(digits.images[40]))
    wait_until(panel.isVisible, 5000)
    yield harness, panel
    for job in harness.jobs.jobs():   # nothing of this test left running into the next
        job.cancel()
    harness.jobs.wait(5000)


def float64_projection(panel, h: np.ndarray, layer: int) -> np.ndarray:
    space = panel.prepared.space
    return (h.astype(np.float64) - space.mean(layer)) @ space.components(layer)[:2].T.astype(np.float64)


def test_the_cloud_and_the_path_move_together_row_by_row(ready, digits):
    window, panel = ready
    space, trace = panel.prepared.space, window.trace
    layer = panel.layer()
    assert layer == 1   # the top layer first
    for row in (0, 9, 27, 13):
        window.state.row = row
        wait_until(panel.showing_row)
        np.testing.assert_array_equal(panel.cloud.points.positions(), space.cloud(layer, row))
        np.testing.assert_allclose(panel.cloud.trail.path, space.project(trace, layer)[:row + 1], rtol=1e-6)
        assert panel.cloud.trail.text == f"row {row + 1} · reads {int(np.argmax(trace.probs[row]))}"
    # Independently: each digit's own trace, projected in float64, is where its point is drawn
    # (to the float16 precision the states are kept in).
    network = window.network
    for index in (0, 17, 249):
        h = network.trace(as_unit_image(digits.images[index])).h[layer][13]
        np.testing.assert_allclose(space.cloud(layer, 13)[index], float64_projection(panel, h, layer),
                                   atol=5e-3)
    np.testing.assert_allclose(space.project(trace, layer), float64_projection(panel, trace.h[layer], layer),
                               atol=1e-5)
    # Another layer: its own axes, named with their share of the variance.
    panel.layer_combo.setCurrentIndex(0)
    wait_until(panel.showing_row)
    np.testing.assert_array_equal(panel.cloud.points.positions(), space.cloud(0, 13))
    np.testing.assert_allclose(panel.cloud.trail.path, space.project(trace, 0)[:14], rtol=1e-6)
    explained = space.explained(0)
    assert panel.cloud.plot.getAxis("bottom").labelText == f"PC1 ({explained[0]:.0%} of variance)"
    assert panel.cloud.plot.getAxis("left").labelText == f"PC2 ({explained[1]:.0%} of variance)"
    assert panel.cloud.points.renders > 0


def wait_for_neighbours(qtbot, panel, row: int):
    qtbot.waitUntil(lambda: panel.shown_neighbours is not None and panel.state.row == row
                    and panel.showing_row(), timeout=10000)
    return panel.shown_neighbours


def brute_force_nearest(space, h_now: np.ndarray, layer: int, row: int, exclude: int | None = None):
    """Euclidean distances in float64 over the full space, nearest first (ties by index)."""
    difference = space.hidden(layer, row).astype(np.float64) - h_now.astype(np.float64)
    distances = np.sqrt((difference ** 2).sum(axis=1))
    if exclude is not None:
        distances[exclude] = np.inf
    order = np.lexsort((np.arange(len(distances)), distances))[:NEIGHBOURS]
    return order, distances[order]


def test_the_nearest_digits_are_shown_marked_and_loadable(ready, qtbot, digits):
    window, panel = ready
    space, layer = panel.prepared.space, panel.layer()
    shown = panel.prepared.index_of(window.trace.image)
    assert shown == 40   # the input is test digit 40: left out of its own neighbours
    for row in (20, 8):
        window.state.row = row
        indices, distances = wait_for_neighbours(qtbot, panel, row)
        expected, expected_distances = space.neighbours(window.trace, layer, row, k=NEIGHBOURS,
                                                        return_distances=True, exclude=shown)
        np.testing.assert_array_equal(indices, expected)
        np.testing.assert_allclose(distances, expected_distances)
        nearest, nearest_distances = brute_force_nearest(space, window.trace.h[layer][row], layer, row,
                                                         exclude=shown)
        np.testing.assert_array_equal(indices, nearest)
        np.testing.assert_allclose(distances, nearest_distances, rtol=1e-4, atol=1e-6)
        np.testing.assert_array_equal(panel.cloud.trail.rings, space.cloud(layer, row)[indices])
        for button, index, distance in zip(panel.strip.buttons, indices, distances, strict=False):
            assert button.text() == f"{digits.labels[index]} · {distance:.2f}"
    # Clicking a thumbnail loads that digit; the neighbours then leave the digit itself out.
    chosen = int(panel.shown_neighbours[0][2])
    qtbot.mouseClick(panel.strip.buttons[2], Qt.MouseButton.LeftButton)
    assert window.shown_digits[-1][1] == f"Showing test digit {chosen:,} (a {digits.labels[chosen]})."
    np.testing.assert_array_equal(window.trace.image, digits.images[chosen] / np.float32(255))
    indices, _ = wait_for_neighbours(qtbot, panel, 8)
    assert chosen not in indices
    expected, _ = brute_force_nearest(space, window.trace.h[layer][8], layer, 8, exclude=chosen)
    np.testing.assert_array_equal(indices, expected)


def test_class_selectivity_shows_each_class_mean_and_selects_a_unit(ready, digits):
    window, panel = ready
    space, layer, row = panel.prepared.space, panel.layer(), 17
    window.state.row = row
    wait_until(panel.showing_row)
    view = panel.selectivity
    hidden = space.hidden(layer, row).astype(np.float64)
    means = np.stack([hidden[digits.labels == k].mean(axis=0) for k in range(10)])
    np.testing.assert_allclose(view.heat.image, means, atol=1e-6)
    np.testing.assert_array_equal(view.heat.image, space.selectivity(layer, row))
    # Grouped by preferred class: columns sorted by the class each unit prefers, most selective first.
    view.order_combo.setCurrentIndex(1)
    preferred = means.argmax(axis=0)
    others = (means.sum(axis=0) - means.max(axis=0)) / 9
    selectivity = means.max(axis=0) - others
    order = view.order
    assert sorted(order.tolist()) == list(range(12))
    keys = [(preferred[u], -selectivity[u]) for u in order]
    assert keys == sorted(keys)
    np.testing.assert_allclose(view.heat.image, means[:, order], atol=1e-6)
    # A real click on a column selects that unit in model terms (the window's inspector following it:
    # test_a_click_in_the_selectivity_map_is_followed_by_the_unit_inspector).
    unit = int(order[3])
    assert unit != 3   # the grouping really reorders, so the click must be translated
    click_column(view, unit)
    assert window.state.selection == (layer, unit)


def click_column(view, unit: int) -> None:
    point = view.plots.mapFromScene(view.column_centre(unit))
    QTest.mouseClick(view.plots.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def test_a_click_in_the_selectivity_map_is_followed_by_the_unit_inspector(qtbot, digits):
    """Window wiring: the selection the panel writes brings up the unit inspector on that unit."""
    window, panel, _ = open_window(random_network([12, 12]), digits)
    qtbot.addWidget(window)
    try:
        window.session.show_input(as_unit_image(digits.images[40]))
        qtbot.waitUntil(lambda: panel.status == "ready", timeout=BUILD_MS)
        wait_until(panel.showing_row)
        view = panel.selectivity
        view.order_combo.setCurrentIndex(1)
        layer, unit = panel.layer(), int(view.order[3])
        click_column(view, unit)
        assert window.state.selection == (layer, unit)
        qtbot.waitUntil(window.unit_inspector.isVisible, timeout=5000)
        assert window.unit_inspector.story.unit == unit and window.unit_inspector.story.layer == layer
    finally:
        close_window(window)


def test_preferred_order_against_a_loop():
    rng = np.random.default_rng(3)
    means = rng.normal(0, 0.4, (10, 30))
    means[4] = np.nan   # a class with no digits
    order, preferred, selectivity = preferred_order(means)
    for unit in range(30):
        values = {k: means[k, unit] for k in range(10) if k != 4}
        best = max(values, key=values.get)
        assert preferred[unit] == best
        rest = [v for k, v in values.items() if k != best]
        assert selectivity[unit] == pytest.approx(values[best] - sum(rest) / len(rest))
    assert [(preferred[u], -selectivity[u]) for u in order] == sorted((preferred[u], -selectivity[u])
                                                                     for u in order)


def isolated_digit(panel, row: int) -> int:
    """A digit whose point is more than twice the pick radius from every other point on screen."""
    points = panel.prepared.space.cloud(panel.layer(), row)
    box = panel.cloud.plot.getViewBox()
    width, height = box.viewPixelSize()
    pixels = points / np.array([width, height])
    gaps = np.sqrt(((pixels[:, None, :] - pixels[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(gaps, np.inf)
    inside = box.viewRect()
    candidates = [i for i in np.argsort(-gaps.min(axis=1))
                  if inside.contains(QtCore.QPointF(*points[i])) and gaps[i].min() > 2 * PICK_PIXELS]
    assert candidates, "no isolated point to aim at"
    return int(candidates[0])


def test_hover_and_click_on_the_cloud_with_real_mouse_events(ready, qtbot, digits):
    window, panel = ready
    window.state.row = 27
    wait_until(panel.showing_row)
    index = isolated_digit(panel, 27)
    view = panel.cloud
    point = view.mapFromScene(view.scene_point(*panel.prepared.space.cloud(panel.layer(), 27)[index]))
    QTest.mouseMove(view.viewport(), point)
    qtbot.waitUntil(lambda: panel.hovered_index == index, timeout=3000)
    label = int(digits.labels[index])
    assert f"Test digit {index:,}: a <b>{label}</b>" in panel.hover_text.text()
    assert not panel.hover_image.pixmap().isNull()
    # Far from every point: nothing is under the pointer.
    empty = view.mapFromScene(view.plot.getViewBox().sceneBoundingRect().bottomRight()) - QtCore.QPoint(3, 3)
    if view.point_at(view.mapToScene(empty)) is None:
        wait_for_a_new_move(qtbot, view)
        QTest.mouseMove(view.viewport(), empty)
        qtbot.waitUntil(lambda: panel.hovered_index is None, timeout=3000)
    # Pointing at it again, then leaving the plot: the card clears (it used to keep the last digit).
    wait_for_a_new_move(qtbot, view)
    QTest.mouseMove(view.viewport(), point)
    qtbot.waitUntil(lambda: panel.hovered_index == index, timeout=3000)
    QtWidgets.QApplication.sendEvent(view, QtCore.QEvent(QtCore.QEvent.Type.Leave))
    assert panel.hovered_index is None and "Point at a dot" in panel.hover_text.text()
    wait_for_a_new_move(qtbot, view)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert window.shown_digits[-1][1] == f"Showing test digit {index:,} (a {label})."
    np.testing.assert_array_equal(window.trace.image, digits.images[index] / np.float32(255))
    # The digit loaded is drawn where its own point is: its path ends on it.
    np.testing.assert_allclose(view.trail.path[-1], panel.prepared.space.cloud(panel.layer(), 27)[index],
                               atol=5e-3)


def test_a_test_digit_from_the_picker_is_not_its_own_neighbour(ready, qtbot):
    """Test digit 40, shown as the digit picker shows it (not clicked in the cloud): its own state is
    at distance 0, and it must be left out of its neighbours all the same."""
    window, panel = ready
    space = panel.prepared.space
    assert 40 in space.neighbours(window.trace, panel.layer(), 27, k=8)   # what it would show
    qtbot.waitUntil(lambda: panel.shown_neighbours is not None and panel.neighbours_found(27) is not None,
                    timeout=10000)
    indices, distances = panel.neighbours_found(27)
    assert 40 not in indices and len(indices) == 8 and distances.min() > 0
    assert panel.prepared.index_of(window.trace.image) == 40
    drawn = window.trace.image.copy()
    drawn[0, 0] = 0.5 / 255   # not a digit of the set
    assert panel.prepared.index_of(drawn) is None


def test_nothing_is_done_while_hidden_and_a_new_model_is_built_when_shown(qtbot, digits):
    window, panel, dock = open_window(random_network([12, 12], seed=4), digits, shown=False)
    qtbot.addWidget(window)
    try:
        window.session.show_input(as_unit_image(digits.images[3]))
        window.state.row = 10
        qtbot.waitUntil(lambda: not window.jobs.is_busy(), timeout=BUILD_MS)   # what the input started
        assert panel.status == "idle" and panel.prepared is None
        assert not window.jobs.jobs("statespace") and panel.cloud.points.renders == 0
        window.show_panel(dock)
        qtbot.waitUntil(lambda: panel.status == "ready", timeout=BUILD_MS)
        qtbot.waitUntil(lambda: panel.shown_neighbours is not None, timeout=10000)
        first = panel.prepared
        # Hidden again, a new model: its space is not built until the panel is shown.
        dock.hide()
        other = random_network([10, 10, 10], seed=5)
        window.set_network(other)
        qtbot.waitUntil(lambda: not window.jobs.is_busy(), timeout=BUILD_MS)   # what the model started
        assert panel.prepared is None and panel.status == "idle" and not window.jobs.jobs("statespace")
        window.state.row = 20
        window.show_panel(dock)
        qtbot.waitUntil(lambda: panel.status == "ready", timeout=BUILD_MS)
        assert panel.prepared is not first and panel.prepared.network is other
        assert panel.layer_combo.count() == 3 and panel.layer() == 2
        wait_until(panel.showing_row)
        np.testing.assert_array_equal(panel.cloud.points.positions(), panel.prepared.space.cloud(2, 20))
    finally:
        close_window(window)


def test_cancel_stops_the_build_and_a_new_model_supersedes_it(qtbot, many_digits):
    window, panel, _ = open_window(random_network([32, 32], seed=7), many_digits)
    qtbot.addWidget(window)
    try:
        assert panel.status == "building" and panel.cancel_button.isVisible()
        assert "Waiting for" in panel.status_label.text()
        qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=BUILD_MS)
        assert panel.progress.maximum() == 6000
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.status == "cancelled", timeout=BUILD_MS)
        # The job's thread ends a moment after it reports the cancel (seen on a loaded machine).
        qtbot.waitUntil(lambda: not window.jobs.jobs("statespace"), timeout=5000)
        assert panel.prepared is None
        assert panel.build_button.isVisible() and not panel.progress.isVisible()
        assert "Stopped" in panel.status_label.text()
        # Build starts again; a new model while it runs supersedes it (no "cancelled" for the old one).
        qtbot.mouseClick(panel.build_button, Qt.MouseButton.LeftButton)
        assert panel.status == "building"
        qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=BUILD_MS)
        other = random_network([8], seed=8)
        window.set_network(other)
        assert panel.status == "building"
        qtbot.waitUntil(lambda: panel.status == "ready", timeout=BUILD_MS)
        assert panel.prepared.network is other and panel.prepared.space.n == 6000
    finally:
        close_window(window)


def test_eta_and_colour_limits():
    now = [100.0]
    eta = Eta(clock=lambda: now[0])
    assert eta.seconds_left(0, 1000) is None
    now[0] = 110.0
    assert eta.seconds_left(250, 1000) == pytest.approx(30.0)
    assert describe_seconds(30.0) == "about 30 s left"
    assert describe_seconds(150.0) == "about 2 min left"
    assert describe_seconds(None) == ""
    assert colour_limit(0.43) == pytest.approx(0.5) and colour_limit(0.0) == pytest.approx(0.1)
    assert colour_limit(0.7) == pytest.approx(0.7)


def test_the_neighbour_strip_wraps_to_the_width_it_has(qtbot):
    from lstm_viewer.gui.statespace.neighbours import NeighbourStrip

    strip = NeighbourStrip(8)
    qtbot.addWidget(strip)
    step = strip.buttons[0].width() + 2
    for width, columns in ((8 * step + 20, 8), (4 * step + 10, 4), (3 * step, 3)):
        strip.resize(width, 300)
        strip.show()
        qtbot.waitUntil(lambda c=columns: strip.columns() == c)
        # every thumbnail whole, once the grid is laid out again
        qtbot.waitUntil(lambda w=width: max(b.geometry().right() for b in strip.buttons) < w)
        assert strip.minimumSizeHint().width() < width
