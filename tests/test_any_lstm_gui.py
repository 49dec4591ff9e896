"""A model whose layers differ in width (28 -> 12 -> 7) and that scales its input ((x - 0.1307) /
0.3081), set in the window: every layer laid out at its own width and every analysis panel opened
and working on it, its numbers the model's own."""
from __future__ import annotations

import numpy as np
import pytest

from gui_support import blotch_digit, close_window, open_window, random_network
from lstm_viewer.core.network import LstmWeights, Network
from lstm_viewer.gui.panels import PANELS

WAIT_MS = 60_000   # jobs on a busy machine: a limit, not a timing assertion
SCALING = (0.1307, 0.3081)


def narrowing_scaled_network(seed: int = 0) -> Network:
    rng = np.random.default_rng(seed)
    layers, inputs = [], 28
    for u in (12, 7):
        layers.append(LstmWeights(rng.normal(0, 0.6, (inputs, 4 * u)), rng.normal(0, 0.4, (u, 4 * u)),
                                  rng.normal(0, 0.3, 4 * u)))
        inputs = u
    return Network(layers, rng.normal(0, 0.8, (7, 10)), rng.normal(0, 0.1, 10), name="narrowing",
                   input_scaling=SCALING)


@pytest.fixture
def window(qtbot):
    win = open_window(qtbot, random_network([16, 16]), size=(1600, 1000))
    yield win
    for job in win.jobs.jobs():
        job.cancel()
    close_window(win)


def test_every_panel_opens_on_layers_of_other_widths_with_scaled_input(window, qtbot):
    network = narrowing_scaled_network()
    window.session.set_network(network)
    window.show_input(blotch_digit(1))
    trace = window.trace
    assert [h.shape for h in trace.h] == [(28, 12), (28, 7)] and trace.x is not trace.image

    # The layers, each at its own width.
    window.state.row = 20
    assert [view.units for view in window.layers.views] == [12, 7]
    for k, view in enumerate(window.layers.views):
        assert view.h.image.image.shape == (28, network.units[k])
        np.testing.assert_array_equal(view.h.image.image[:21], trace.h[k][:21])
    window.state.show_gates = True
    for k, view in enumerate(window.layers.views):
        np.testing.assert_array_equal(view.gates[1].image.image[:21], trace.gates[k][:21, 1])
    window.state.show_gates = False

    # Pin A before the panels open, so the comparison has two digits.
    window.pinAction.trigger()
    window.show_input(blotch_digit(2))
    a, b = window.state.pinned, window.trace
    window.state.selection = (0, 11)   # the last unit of the wider layer
    # Every panel in the table, in the order they were opened before there was a table.
    order = ("unitDock", "whyClassDock", "compareDock", "stateSpaceDock", "importanceDock", "preprocessDock")
    assert sorted(order) == sorted(spec.object_name for spec in PANELS)
    for name in order:
        dock = window.dock(name)
        window.show_panel(dock)
        qtbot.waitUntil(dock.isVisible, timeout=5000)
        panel = window.panel(dock)
        if hasattr(panel, "refresh"):
            panel.refresh()

    # The unit inspector: the first layer's input term reads the scaled pixels.
    story = window.unit_inspector.story
    assert (story.layer, story.unit) == (0, 11)
    scaled = (b.image.astype(np.float64) - SCALING[0]) / SCALING[1]
    np.testing.assert_allclose(story.inputs, scaled, rtol=0, atol=1e-6)
    assert "as (x − 0.1307) / 0.3081" in window.unit_inspector.equations.text()
    window.state.selection = (1, 6)    # the last unit of the narrower top layer
    window.unit_inspector.refresh()
    assert window.unit_inspector.story.h[20] == pytest.approx(float(b.h[1][20, 6]))

    # Why this class: one share per unit of the 7-wide top layer.
    assert len(window.why_class.shares.shares) == 7

    # The comparison: per layer, each at its own width.
    compare = window.compare_panel
    assert [d.shape for d in compare.diffs["h"]] == [(28, 12), (28, 7)]
    for k in range(2):
        np.testing.assert_array_equal(compare.diffs["h"][k], b.h[k] - a.h[k])
    assert compare.distances.shape == (2, 28)

    # Rows that matter: blanking a row is the model re-run on the picture with that row at 0.
    importance = window.importance
    importance.overlay_check.setChecked(True)
    qtbot.waitUntil(lambda: importance.shown_for is not None and importance.shown_for[0] is b,
                    timeout=WAIT_MS)
    cls = importance.shown_for[1]
    for r in (6, 15):
        occluded = b.image.copy()
        occluded[r] = 0.0
        expected = b.probs[-1, cls] - network.trace(occluded).probs[-1, cls]
        assert importance.drops[r] == pytest.approx(float(expected), abs=1e-6)
    assert not importance.saliency_map[b.image == 0].any()   # gradient × picture

    # The state space: built for this model, each layer's cloud and class means at its own width.
    space_panel = window.statespace
    qtbot.waitUntil(lambda: space_panel.status == "ready", timeout=WAIT_MS)
    space = space_panel.prepared.space
    assert space.units == [12, 7]
    for layer in range(2):
        assert space.selectivity(layer, 20).shape == (10, network.units[layer])
        np.testing.assert_array_equal(space.project(b, layer),
                                      (b.h[layer] - space.mean(layer)) @ space.components(layer)[:2].T)
