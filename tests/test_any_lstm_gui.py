"""A model whose layers differ in width (28 -> 12 -> 7) and that scales its input ((x - 0.1307) /
0.3081): set in the window, every layer laid out at its own width and every analysis panel opened on
it; each panel alone (on a view state, no window), its numbers the model's own."""
from __future__ import annotations

import numpy as np
import pytest

from gui_support import blotch_digit, build_panel, close_window, open_window, random_network
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
    assert window.state.pinned is not None and window.state.pinned is not window.trace   # A and B
    window.state.selection = (0, 11)   # the last unit of the wider layer
    # Every panel in the table, in the order they were opened before there was a table.
    order = ("unitDock", "whyClassDock", "compareDock", "stateSpaceDock", "importanceDock", "preprocessDock",
             "historyDock", "lessonDock")
    assert sorted(order) == sorted(spec.object_name for spec in PANELS)
    for name in order:
        dock = window.dock(name)
        window.show_panel(dock)
        qtbot.waitUntil(dock.isVisible, timeout=5000)
        panel = window.panel(dock)
        if hasattr(panel, "refresh"):
            panel.refresh()


# Each panel's numbers on this model, the panel alone on a view state (the window above opens them all).
@pytest.fixture
def network():
    return narrowing_scaled_network()


def test_the_inspector_reads_the_scaled_input(qtbot, network):
    unit = build_panel(qtbot, "unit", network, blotch_digit(2))
    b = unit.trace
    assert [h.shape for h in b.h] == [(28, 12), (28, 7)] and b.x is not b.image
    unit.state.row = 20
    unit.state.selection = (0, 11)   # the last unit of the wider layer
    unit.panel.refresh()
    # The first layer's input term reads the scaled pixels.
    story = unit.panel.story
    assert (story.layer, story.unit) == (0, 11)
    scaled = (b.image.astype(np.float64) - SCALING[0]) / SCALING[1]
    np.testing.assert_allclose(story.inputs, scaled, rtol=0, atol=1e-6)
    assert "as (x − 0.1307) / 0.3081" in unit.panel.equations.text()
    unit.state.selection = (1, 6)    # the last unit of the narrower top layer
    unit.panel.refresh()
    assert unit.panel.story.h[20] == pytest.approx(float(b.h[1][20, 6]))


def test_why_this_class_has_one_share_per_top_layer_unit(qtbot, network):
    why = build_panel(qtbot, "why", network, blotch_digit(2))
    why.state.row = 20
    why.panel.refresh()
    assert len(why.panel.shares.shares) == 7


def test_the_comparison_is_per_layer_each_at_its_own_width(qtbot, network):
    compare = build_panel(qtbot, "compare", network, blotch_digit(1))
    compare.state.pinned = a = compare.trace
    compare.show_input(blotch_digit(2))
    b = compare.trace
    compare.panel.refresh()
    assert [d.shape for d in compare.panel.diffs["h"]] == [(28, 12), (28, 7)]
    for k in range(2):
        np.testing.assert_array_equal(compare.panel.diffs["h"][k], b.h[k] - a.h[k])
    assert compare.panel.distances.shape == (2, 28)


def test_rows_that_matter_re_run_the_model_on_the_blanked_picture(qtbot, network):
    harness = build_panel(qtbot, "importance", network, blotch_digit(2))
    b, importance = harness.trace, harness.panel
    # Blanking a row is the model re-run on the picture with that row at 0.
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


def test_the_state_space_is_built_at_each_layers_width(qtbot, network):
    harness = build_panel(qtbot, "statespace", network, blotch_digit(2), size=(540, 900))
    b, space_panel = harness.trace, harness.panel
    # Built for this model, each layer's cloud and class means at its own width.
    qtbot.waitUntil(lambda: space_panel.status == "ready", timeout=WAIT_MS)
    space = space_panel.prepared.space
    assert space.units == [12, 7]
    for layer in range(2):
        assert space.selectivity(layer, 20).shape == (10, network.units[layer])
        np.testing.assert_array_equal(space.project(b, layer),
                                      (b.h[layer] - space.mean(layer)) @ space.components(layer)[:2].T)
