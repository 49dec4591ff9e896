"""The state space across training (issue 24, point 6): one fixed basis (the final snapshot's PCA) for
every snapshot, every snapshot's probe clouds from one background pass (cancellable, cached), and the
state-space panel following the timeline."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from gui_support import build_panel
from lstm_viewer.core.assets import history_model_path
from lstm_viewer.core.cancel import Cancelled, check_event
from lstm_viewer.core.digits import load_samples, offline_test_digits
from lstm_viewer.core.history import load_history
from lstm_viewer.statespace import StateSpace
from lstm_viewer.statespace.cache import cache_dir
from lstm_viewer.statespace.history import PREFIX, HistorySpace, cache_key

PROBE = 120      # digits: enough for the checks, quick to run through 29 snapshots
WAIT_MS = 60_000
STORED = 2e-4    # the states are stored as 16-bit codes (±1.5e-5 each) before they are projected


@pytest.fixture(scope="module")
def history():
    return load_history(history_model_path())


@pytest.fixture(scope="module")
def probe():
    digits = offline_test_digits()
    return digits.replace(images=digits.images[:PROBE], labels=digits.labels[:PROBE],
                          ids=digits.ids[:PROBE])


@pytest.fixture(scope="module")
def space(history, probe):
    return HistorySpace.build(history, probe.images, probe.labels, cache=False)


def test_the_basis_is_the_final_snapshots_for_every_snapshot(history, probe, space):
    final = StateSpace.build(history.network(len(history) - 1), probe.images, probe.labels, cache=False)
    assert space.ready.all() and space.snapshots == len(history) == 29
    for layer in range(space.layers):
        np.testing.assert_allclose(space.mean(layer), final.mean(layer), atol=1e-6)
        np.testing.assert_allclose(space.components(layer), final.components(layer), atol=1e-5)
        np.testing.assert_allclose(space.explained(layer), final.explained(layer), atol=1e-9)
    for i in (0, 3, 14, len(history) - 1):
        network = history.network(i)
        for digit in (0, 17, PROBE - 1):
            trace = network.trace(probe.image(digit))
            for layer in range(space.layers):
                # Brute force: the snapshot's own h, projected on the final snapshot's axes.
                h = trace.h[layer].astype(np.float64)
                expected = (h - final.mean(layer)) @ final.components(layer)[:2].T.astype(np.float64)
                clouds = np.stack([space.cloud(i, layer, row)[digit] for row in range(28)])
                np.testing.assert_allclose(clouds, expected, atol=STORED, rtol=0)
                np.testing.assert_allclose(space.project(trace, layer), expected, atol=1e-5, rtol=0)
            assert space.predictions[i, digit] == int(np.argmax(trace.probs[-1]))


def test_an_early_snapshot_is_not_refitted(history, probe, space):
    """Snapshot 0's own principal axes differ from the final ones: the fixed basis is not a refit."""
    own = StateSpace.build(history.network(0), probe.images, probe.labels, cache=False)
    layer = space.layers - 1
    overlap = np.abs(own.components(layer)[:2] @ space.components(layer)[:2].T)
    assert overlap.max() < 0.99
    # ... and its clouds are those of its own states on the final axes.
    row = 20
    h = own.hidden(layer, row)
    np.testing.assert_allclose(space.cloud(0, layer, row),
                               (h - space.mean(layer)) @ space.components(layer)[:2].T, atol=STORED)


def test_class_means_and_answers_are_each_snapshots_own(history, probe, space):
    i, layer, row = 7, 0, 18
    traces = [history.network(i).trace(probe.image(d)) for d in range(PROBE)]
    h = np.stack([t.h[layer][row] for t in traces])
    means = space.selectivity(i, layer, row)
    for k in range(10):
        members = probe.labels == k
        if members.any():
            np.testing.assert_allclose(means[k], h[members].mean(axis=0), atol=1e-4)
        else:
            assert np.isnan(means[k]).all()
    np.testing.assert_array_equal(space.predictions[i], [int(np.argmax(t.probs[-1])) for t in traces])
    # From chance to trained: the final snapshot reads far more of the probe correctly than step 0.
    right = (space.predictions == probe.labels).mean(axis=1)
    assert right[0] < 0.4 < 0.8 < right[-1]


def test_cancel_stops_the_pass_and_nothing_is_cached(history, probe):
    stop, done = threading.Event(), []

    def progress(count, total):
        done.append(count)
        if count == 2:
            stop.set()

    with pytest.raises(Cancelled):
        HistorySpace.build(history, probe.images, probe.labels, progress=progress, check=check_event(stop))
    assert done == [1, 2]   # stopped before the third snapshot
    key = cache_key(history, probe.images, probe.labels, 10)
    assert not (cache_dir() / f"{PREFIX}{key}.npz").exists()


def test_a_second_build_is_read_from_the_cache(history, probe):
    started = []
    first = HistorySpace.build(history, probe.images, probe.labels, on_start=started.append)
    again = HistorySpace.build(history, probe.images, probe.labels, on_start=started.append)
    assert not first.from_cache and again.from_cache and started == [first, again]
    np.testing.assert_array_equal(again.clouds, first.clouds)
    np.testing.assert_array_equal(again.predictions, first.predictions)
    for layer in range(first.layers):
        np.testing.assert_array_equal(again.components(layer), first.components(layer))
        np.testing.assert_array_equal(again.selectivity(3, layer, 9), first.selectivity(3, layer, 9))


def test_nearest_ready_snapshot():
    space = HistorySpace([4, 4], np.arange(5), np.zeros((3, 28, 28), np.uint8), np.zeros(3, np.int64),
                         [], None, "k", from_cache=False)
    assert space.nearest_ready(2) is None
    space.ready[[0, 4]] = True
    assert [space.nearest_ready(i) for i in range(5)] == [0, 0, 0, 4, 4]   # a tie goes to the earlier


# --- the panel ----------------------------------------------------------------------------------------

@pytest.fixture
def panel(qtbot, history, probe):
    from lstm_viewer.gui.statespace.panel import StateSpacePanel

    samples = load_samples()
    seven = samples.image(int(np.flatnonzero(samples.labels == 7)[0]))
    harness = build_panel(qtbot, lambda ctx: StateSpacePanel(ctx.state, ctx.jobs, ctx.show_digit,
                                                             digits=probe),
                          history.network(len(history) - 1), seven, size=(520, 900))
    harness.session.set_network(history.network(len(history) - 1), history=history)
    qtbot.waitUntil(lambda: harness.panel.history_status == "ready", timeout=WAIT_MS)
    return harness


def shown_cloud(panel) -> np.ndarray:
    return panel.cloud.points.positions()


def test_the_panel_follows_the_timeline_on_one_basis(panel, history, probe):
    view, session = panel.panel, panel.session
    space = view.history_space
    assert space.n == PROBE and space.ready.all()
    assert not panel.jobs.jobs("statespace")   # no single-network build while a history is shown
    layer = view.layer()
    for i in (len(history) - 1, 0, 5, 17):
        session.show_snapshot(i)
        for row in (27, 12):
            panel.state.row = row
            assert view.prepared.space.shown == view.prepared.space.snapshot == i
            np.testing.assert_array_equal(shown_cloud(view), space.cloud(i, layer, row))
            expected = space.project(panel.state.trace, layer)
            np.testing.assert_allclose(view._path, expected, atol=1e-6)
            np.testing.assert_allclose(view.cloud.trail.path, expected[:row + 1], atol=1e-6)
        assert f"Snapshot {i + 1} of {len(history)}" in view.status_label.text()
        # The misread crosses are this snapshot's answers.
        np.testing.assert_array_equal(view.prepared.space.predictions, space.predictions[i])
    # The trace is the snapshot's: the independent projection of its own h.
    trace = history.network(17).trace(panel.state.image)
    independent = (trace.h[layer] - space.mean(layer)) @ space.components(layer)[:2].T
    np.testing.assert_allclose(view._path, independent, atol=1e-5)


def test_the_neighbours_are_the_current_snapshots(panel, qtbot, history, probe):
    view, session = panel.panel, panel.session
    session.show_snapshot(4)
    panel.state.row = 20
    layer = view.layer()
    qtbot.waitUntil(lambda: view.neighbours_found(20) is not None, timeout=WAIT_MS)
    own = StateSpace.build(history.network(4), probe.images, probe.labels, cache=False)
    indices, distances = view.neighbours_found(20)
    expected, expected_distances = own.neighbours(panel.state.trace, layer, 20, k=len(indices),
                                                  return_distances=True)
    np.testing.assert_array_equal(indices, expected)
    np.testing.assert_allclose(distances, expected_distances, atol=1e-6)


def test_a_snapshot_not_ready_shows_the_nearest_ready_one(panel, history):
    view, session = panel.panel, panel.session
    space = view.history_space
    space.ready[10] = False
    try:
        session.show_snapshot(10)
        assert view.prepared.space.snapshot == 10 and view.prepared.space.shown == 9
        np.testing.assert_array_equal(shown_cloud(view), space.cloud(9, view.layer(), panel.state.row))
        assert "Snapshot 11's states are not ready yet: showing snapshot 10" in view.status_label.text()
    finally:
        space.ready[10] = True


def test_a_new_panel_on_the_same_history_reads_the_cache(qtbot, panel, history, probe):
    from lstm_viewer.gui.statespace.panel import StateSpacePanel

    again = build_panel(qtbot, lambda ctx: StateSpacePanel(ctx.state, ctx.jobs, ctx.show_digit, digits=probe),
                        history.network(len(history) - 1), size=(520, 900))
    again.session.set_network(history.network(len(history) - 1), history=history)
    qtbot.waitUntil(lambda: again.panel.history_status == "ready", timeout=WAIT_MS)
    assert again.panel.history_space.from_cache
    np.testing.assert_array_equal(again.panel.history_space.clouds, panel.panel.history_space.clouds)


def test_the_panel_reports_progress_and_cancel_stops_it(qtbot, history, probe):
    from lstm_viewer.gui.statespace.panel import StateSpacePanel

    digits = offline_test_digits()   # 1,000: long enough a pass to catch while it runs
    harness = build_panel(qtbot, lambda ctx: StateSpacePanel(ctx.state, ctx.jobs, ctx.show_digit,
                                                             digits=digits),
                          history.network(len(history) - 1), size=(520, 900))
    view = harness.panel
    shown = []
    original = view._show_history_status

    def spy():
        original()
        shown.append(view.status_label.text())
    view._show_history_status = spy
    harness.session.set_network(history.network(len(history) - 1), history=history)
    qtbot.waitUntil(lambda: view.history_space is not None and view.history_space.ready.sum() >= 2,
                    timeout=WAIT_MS)
    assert view.history_status == "building" and view.progress.isVisible()
    assert any("snapshots done" in text for text in shown)
    view.cancel()
    qtbot.waitUntil(lambda: view.history_status == "cancelled", timeout=WAIT_MS)
    assert not view.history_space.ready.all()
    assert view.build_button.isVisible()
