"""Polish a new-user review found (issue #25, point 8): legends beside the data, never over it (the unit
inspector's "over the rows", the comparison's distances), and a comparison with nothing to compare
shows its message at the top instead of floating it between empty areas."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from gui_support import blotch_digit, build_panel, random_network
from lstm_viewer.core.i18n import tr


def _settle(qtbot) -> None:
    qtbot.wait(1)
    QtWidgets.QApplication.processEvents()


def _outside(legend: pg.LegendItem, plot: pg.PlotItem) -> None:
    """The legend is on screen, holds its entries, and shares no pixel with the plot's data area."""
    box = legend.sceneBoundingRect()
    data = plot.vb.sceneBoundingRect()
    assert legend.isVisible() and box.width() > 0 and box.height() > 0
    assert not box.intersects(data), (box, data)
    assert box.top() >= plot.getAxis("bottom").label.sceneBoundingRect().bottom() - 1   # under the plot
    assert legend.parentItem() is not plot and legend.parentItem() is not plot.vb


def test_the_unit_inspectors_legend_is_above_its_curves(qtbot):
    unit = build_panel(qtbot, "unit", random_network([16, 12], seed=5), blotch_digit(1))
    unit.state.selection = (1, 3)
    unit.state.row = 20
    inspector = unit.panel
    _settle(qtbot)
    legend = inspector.curve_plot.legend
    assert [label.text for _sample, label in legend.items] == ["i", "f", "g", "o", "c", "h"]
    _outside(legend, inspector.curve_plot)
    # One line, centred under the plot, above the next plot's title.
    heights = {round(label.sceneBoundingRect().center().y()) for _sample, label in legend.items}
    assert len(heights) == 1
    data, centre = inspector.curve_plot.vb.sceneBoundingRect(), legend.sceneBoundingRect().center().x()
    assert data.left() < centre < data.right()
    next_title = inspector.memory_plot.titleLabel.sceneBoundingRect()
    assert legend.sceneBoundingRect().bottom() <= next_title.top() + 1
    # No headroom kept for a legend inside the plot: the curves' range is the values' 1-2-5 range.
    low, high = inspector.curve_plot.vb.viewRange()[1]
    story = inspector.story
    values = np.concatenate([story.gates.ravel(), story.c, story.h])
    assert high - max(1.0, float(values.max())) <= 0.1 * (high - low) + 1e-9


def test_the_comparisons_legend_is_above_its_distances_and_names_every_layer(qtbot):
    compare = build_panel(qtbot, "compare", random_network([16, 12, 8], seed=6), blotch_digit(1),
                          size=(440, 1200))
    compare.state.pinned = compare.trace
    compare.show_input(blotch_digit(2))
    panel = compare.panel
    _settle(qtbot)
    assert panel.plots.isVisible()
    legend = panel.distance_plot.legend
    names = [tr("layer {layer}", layer=k) for k in (1, 2, 3)]
    assert [label.text for _sample, label in legend.items] == names
    _outside(legend, panel.distance_plot)
    first_layer = panel.heats["h"][0].getViewBox().parentItem()
    assert legend.sceneBoundingRect().bottom() <= first_layer.sceneBoundingRect().top() + 1
    # Each layer's curve is still the distance between the two h vectors after each row.
    for k, curve in enumerate(panel.distance_curves):
        np.testing.assert_allclose(curve.getData()[1], panel.distances[k])


def _top_of(widget: QtWidgets.QWidget, panel: QtWidgets.QWidget) -> int:
    return widget.mapTo(panel, widget.rect().topLeft()).y()


def test_with_nothing_to_compare_the_message_is_at_the_top_and_no_empty_plot_shows(qtbot):
    compare = build_panel(qtbot, "compare", random_network([16, 12], seed=7), blotch_digit(1),
                          size=(440, 900))
    panel = compare.panel
    _settle(qtbot)
    note = panel.findChild(QtWidgets.QWidget, "helpNote")

    def compact(sentence: str) -> None:
        assert sentence in panel.summary.text()
        assert not panel.plots.isVisible()
        assert _top_of(panel.summary, panel) < 20          # the message at the top ...
        assert _top_of(note, panel) < 120                  # ... the note right beneath it
        assert panel.summary.height() < 100

    compact(tr("Nothing pinned yet."))
    compare.state.pinned = compare.trace                   # just pinned: B is still A
    _settle(qtbot)
    compact(tr("The two readings are the same at every row"))
    compare.show_input(blotch_digit(3))                    # another digit: everything to compare
    _settle(qtbot)
    assert panel.plots.isVisible() and panel.plots.height() > 600
    compare.state.pinned = None                            # unpinned: compact again
    _settle(qtbot)
    compact(tr("Nothing pinned yet."))
