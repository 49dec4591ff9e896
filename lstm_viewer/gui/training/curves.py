"""Live training curves: loss and accuracy per batch, and the test accuracy after each epoch.

The fast pyqtgraph way: the curve items are created once; new batches only go into preallocated
arrays, and ``redraw`` (called by the panel's 10 Hz timer) hands the filled part to ``setData``.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ...core.i18n import tr
from ...ml.training import Progress
from ..plots import style
from ..plots.light_items import without_si_prefixes


class TrainingCurves(pg.GraphicsLayoutWidget):
    """Two plots over training time in epochs: loss above, accuracy (with test points) below."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("trainCurves")
        self.setMinimumHeight(220)
        self.setToolTip(tr("Keras reports the loss and accuracy as running means over the epoch so far;\n"
                           "the dots are the accuracy on the 10,000 test digits after each epoch"))
        self.loss_plot = without_si_prefixes(self.addPlot(row=0, col=0))
        self.accuracy_plot = without_si_prefixes(self.addPlot(row=1, col=0))
        self.accuracy_plot.setXLink(self.loss_plot)
        for plot, title in ((self.loss_plot, tr("loss")), (self.accuracy_plot, tr("accuracy"))):
            plot.setTitle(title, size="9pt")
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.showGrid(x=True, y=True, alpha=0.2)
        self.accuracy_plot.setLabel("bottom", tr("epochs"))
        self.accuracy_plot.setYRange(0.0, 1.0, padding=0.02)
        self.accuracy_plot.enableAutoRange(y=False)
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen(style.C_COLOUR, width=1.5))
        self.accuracy_curve = self.accuracy_plot.plot(pen=pg.mkPen(style.H_COLOUR, width=1.5))
        self.test_scatter = pg.ScatterPlotItem(size=9, symbol="o", pen=pg.mkPen("w"),
                                               brush=pg.mkBrush(style.ACCENT))
        self.accuracy_plot.addItem(self.test_scatter)
        self._tests: list[tuple[int, float]] = []
        self.reset(1)

    def reset(self, epochs: int) -> None:
        """Empty curves for a new run of ``epochs`` epochs (x runs from 0 to ``epochs``)."""
        self._x = self._loss = self._accuracy = np.zeros(0)
        self._count = 0
        self._tests = []
        self._dirty = True
        self.loss_plot.setXRange(0, max(1, epochs), padding=0.01)
        self.redraw()

    def add_batch(self, p: Progress) -> None:
        """Store one batch's numbers (cheap: called for every batch, on the GUI thread)."""
        if len(self._x) != p.epochs * p.batches:
            size = p.epochs * p.batches   # known from the first report: allocate once
            self._x, self._loss, self._accuracy = (np.full(size, np.nan) for _ in range(3))
            self._count = 0
        i = (p.epoch - 1) * p.batches + p.batch - 1
        if not 0 <= i < len(self._x):
            return
        self._x[i] = p.epoch - 1 + p.batch / p.batches
        self._loss[i] = p.loss
        self._accuracy[i] = p.accuracy
        self._count = max(self._count, i + 1)
        self._dirty = True

    def add_test_accuracy(self, epoch: int, accuracy: float) -> None:
        self._tests.append((epoch, accuracy))
        self._dirty = True

    def test_points(self) -> list[tuple[int, float]]:
        return list(self._tests)

    def batches_shown(self) -> int:
        """How many batches the curves hold (for tests)."""
        return self._count

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        n = self._count
        # connect="finite": a batch not yet reported (NaN) leaves a gap instead of a bogus line
        self.loss_curve.setData(self._x[:n], self._loss[:n], connect="finite")
        self.accuracy_curve.setData(self._x[:n], self._accuracy[:n], connect="finite")
        self.test_scatter.setData([float(e) for e, _ in self._tests], [a for _, a in self._tests])
