"""A plot's legend in a row of its own under the plot: it never covers the data.

pyqtgraph's ``addLegend`` floats the legend inside the view box, over whatever is drawn at that corner
(the unit inspector's curves of a unit near 1, the comparison's distance curves), and the headroom kept
for it squeezed the curves. Here the legend is an item of the plot's grid, a single centred line of
entries in the row beneath the plot (under its axis label); the plot keeps its title. ``plot.legend``
is this legend, so curves added with a ``name`` join it, and a click on an entry still hides its curve.
"""
from __future__ import annotations

import pyqtgraph as pg
from PyQt6 import QtCore


def legend_below(layout: pg.GraphicsLayout, plot: pg.PlotItem, row: int, col: int = 0, colspan: int = 1,
                 entries: int = 6, size: str = "8pt") -> pg.LegendItem:
    """A legend of up to ``entries`` entries on one line in ``layout`` at ``row`` (the row under
    ``plot``), over ``col .. col + colspan - 1``; call ``fit_legend`` once its entries are in."""
    legend = pg.LegendItem(colCount=entries, labelTextSize=size, horSpacing=4)
    legend.layout.setContentsMargins(0, 0, 0, 0)
    layout.addItem(legend, row=row, col=col, colspan=colspan)
    layout.layout.setAlignment(legend, QtCore.Qt.AlignmentFlag.AlignHCenter)
    plot.legend = legend
    return legend


def fit_legend(legend: pg.LegendItem) -> None:
    """Hold the legend at the size of its entries (the grid would otherwise stretch it over the row,
    and its entries would not be centred)."""
    legend.updateSize()
    hint = legend.layout.preferredSize()
    legend.setMinimumSize(hint)
    legend.setMaximumSize(hint)
