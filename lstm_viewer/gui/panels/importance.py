"""Which rows and pixels carried the answer: occlusion bars per row and the saliency overlay.

Beside the 28 × 28 input, one bar per row: how much the final probability of the chosen class drops
when that row (or a band of 1–4 rows from it) is blank paper (``analysis.occlusion``, one batched
pass). On a toggle, the input is overlaid with gradient × input (``analysis.saliency`` times the
pixels), in diverging colours with its own colour bar. The class defaults to the prediction; any
class can be chosen ("why not 7?"). Both are computed in a job after the input settles (throttled
while drawing), never on the GUI thread, and not at all while the panel is hidden.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets
from superqt.utils import qdebounced

from ...core.i18n import N_, tr
from ..plots import style
from ..plots.heatmap import heatmap
from ..plots.light_items import steady_plot
from ..state.jobs import JobRunner, describe_error
from ..state.view_state import ViewState
from ..widgets.help_note import help_note
from ..widgets.numbers import plain_p
from ..widgets.refresh_when_shown import RefreshWhenShown
from ..widgets.steady_label import steady

if TYPE_CHECKING:
    from . import PanelContext

SETTLE_MS = 150   # recompute this long after the input stops changing (live drawing: ~30 traces/s)

HELP = N_("""<p><b>Bars</b>: for each row, the network reads the digit again with that row blank
(paper, 0) and we note how much the final probability of the chosen class falls. A long bar: that row
mattered for this answer. With a band of n rows, row r's bar blanks rows r … r+n−1. A bar pointing left
means the class became <i>more</i> likely without that row.</p>
<p><b>Gradient × input</b>: the exact derivative of the class's score (its logit, before the softmax)
with respect to each pixel, times the pixel. Red pixels push the class up, blue ones down; blank pixels
are 0 whatever their gradient. Choose another class to ask "why not 7?".</p>
<p>Both speak of the picture as drawn (pixels 0 to 1), also for a model that reads its pixels scaled,
such as (x − 0.1307) / 0.3081: blank paper is then what the model reads for a 0 pixel.</p>""")


class ImportancePanel(RefreshWhenShown):
    """Occlusion bars per row beside the input, and a gradient × input overlay, for one class."""

    def __init__(self, state: ViewState, runner: JobRunner, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.state, self.runner = state, runner
        self.setObjectName("importancePanel")
        self.drops: np.ndarray | None = None        # (28,) shown: p_clean[cls] − p_occluded[r, cls]
        self.saliency_map: np.ndarray | None = None  # (28, 28) gradient × input shown
        self.shown_for = None                       # (trace, cls, band) the numbers belong to
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        controls = QtWidgets.QHBoxLayout()
        controls.addWidget(QtWidgets.QLabel(tr("Class")))
        self.class_combo = QtWidgets.QComboBox()
        self.class_combo.setObjectName("importanceClassCombo")
        self.class_combo.addItems([tr("the prediction")] + [str(k) for k in range(10)])
        self.class_combo.setToolTip(tr("Whose probability the bars and the overlay explain"))
        controls.addWidget(self.class_combo)
        controls.addWidget(QtWidgets.QLabel(tr("band")))
        self.band_spin = QtWidgets.QSpinBox()
        self.band_spin.setObjectName("importanceBandSpin")
        self.band_spin.setRange(1, 4)
        self.band_spin.setToolTip(tr("How many rows to blank at a time, from each row down"))
        controls.addWidget(self.band_spin)
        self.overlay_check = QtWidgets.QCheckBox(tr("gradient × input"))
        self.overlay_check.setObjectName("saliencyCheck")
        self.overlay_check.setToolTip(tr("Overlay each pixel's gradient × value for the chosen class"))
        controls.addWidget(self.overlay_check)
        controls.addStretch(1)
        layout.addLayout(controls)
        layout.addWidget(help_note(tr("What am I looking at?"), tr(HELP)))
        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("importanceSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(steady(self.summary, lines=3))

        self.plots = pg.GraphicsLayoutWidget()
        style.tune_view(self.plots)
        self.plots.setMinimumHeight(300)
        self.plots.setMaximumHeight(460)
        layout.addWidget(self.plots, 1)
        self.image_plot = steady_plot(self.plots)
        style.rows_plot(self.image_plot, tr("input"), "")
        self.image = heatmap(self.image_plot, style.INK, (0.0, 1.0))
        self.image_plot.setRange(xRange=(0, 28), yRange=(0, 28), padding=0)
        self.overlay_bar = style.colour_bar(style.DIVERGING, (-1.0, 1.0), tr("grad × input"))
        self.plots.addItem(self.overlay_bar)
        self.bar_plot = steady_plot(self.plots)
        style.rows_plot(self.bar_plot, tr("drop in p when the row is blank"), "")
        self.bar_plot.setYRange(0, 28, padding=0)   # the same rows as the input: each bar beside its row
        self.bar_plot.addLine(x=0, pen=pg.mkPen(style.MUTED))
        self.bars = pg.BarGraphItem(x0=np.zeros(28), y=np.arange(28) + 0.5, height=0.8, width=np.zeros(28),
                                    brush=style.ACCENT, pen=pg.mkPen(None))

        self.bar_plot.addItem(self.bars)
        self.bar_plot.setXRange(-0.2, 1.0)
        grid = self.plots.ci.layout
        grid.setColumnStretchFactor(0, 3)   # the input gets the room; the bars beside it
        grid.setColumnStretchFactor(2, 2)
        layout.addStretch(1)
        self.row_mark = QtWidgets.QGraphicsRectItem(0, 0, 28, 1)
        self.row_mark.setPen(pg.mkPen(style.ACCENT, width=2, cosmetic=True))
        self.image_plot.addItem(self.row_mark)
        style.settle_scene(self.plots)

        # The job starts once the input has settled for SETTLE_MS (each change restarts the wait).
        self._compute_when_settled = qdebounced(self.compute, timeout=SETTLE_MS, parent=self)
        for signal in (state.events.trace, state.events.network):
            signal.connect(self.changed)
        state.events.row.connect(self._on_row)
        self.class_combo.currentIndexChanged.connect(self.changed)
        self.band_spin.valueChanged.connect(self.changed)
        self.overlay_check.toggled.connect(self.changed)
        self.changed()

    def chosen_class(self) -> int | None:
        trace = self.state.trace
        if trace is None:
            return None
        index = self.class_combo.currentIndex()
        return trace.prediction if index == 0 else index - 1

    # --- scheduling (RefreshWhenShown: nothing while hidden, caught up when shown) -------------
    def refresh(self) -> None:
        """The input at once; the bars and the overlay in a job once the input settles (``compute``
        clears the stale mark when it starts)."""
        self._show_image()
        self._compute_when_settled()

    def _on_row(self, *_args) -> None:
        self.row_mark.setRect(0, self.state.row, 28, 1)

    def compute(self) -> None:
        """Start the occlusion (and saliency) job for the input shown now; a newer one supersedes."""
        trace, network = self.state.trace, self.state.network
        self._stale = False
        if trace is None:
            self.drops, self.saliency_map, self.shown_for = None, None, None
            self.bars.setOpts(width=np.zeros(28))
            self.summary.setText(tr("Draw or pick a digit to see which rows and pixels carry its answer."))
            return
        cls, band, overlay = self.chosen_class(), self.band_spin.value(), self.overlay_check.isChecked()
        self.summary.setText(tr("Working out which rows matter…"))

        def work(ctx):
            from ...analysis import occlusion
            from ...analysis.importance import gradient_times_input
            from ...core.blas import all_cores
            # A cancel (a new input, closing the window) ends it between layers: on a busy machine
            # one pass could outlast the window's wait for its jobs.
            with all_cores():   # 28 variants per step: the one computation here that two threads speed up
                probs = occlusion(network, trace.image, band=band, trace=trace, check=ctx.check)
            ctx.check()
            drops = trace.probs[-1, cls] - probs[:, cls]
            # Gradient × picture: the pixels' importance as drawn (importance.gradient_times_input).
            grad = gradient_times_input(network, trace.image, cls, trace=trace) if overlay else None
            return drops, grad

        def done(result) -> None:
            if self.state.trace is not trace:
                return   # the input moved on; its own job is on the way
            self.show_result(trace, cls, band, *result)

        def failed(error: BaseException) -> None:
            self.summary.setText(tr("Could not compute: {reason}", reason=describe_error(error)))

        self.runner.run(work, key="importance", on_done=done, on_error=failed)

    # --- drawing ------------------------------------------------------------------------------
    def _show_image(self) -> None:
        trace = self.state.trace
        image = np.zeros((28, 28), np.float32) if trace is None else trace.image
        if not self.overlay_check.isChecked() or self.saliency_map is None or self.shown_for is None \
                or self.shown_for[0] is not trace:
            self.image.setLookupTable(style.INK.getLookupTable(nPts=256))
            self.image.setImage(image, autoLevels=False)
            self.image.setLevels((0.0, 1.0))
            self.overlay_bar.setVisible(False)
        self._on_row()

    def show_result(self, trace, cls: int, band: int, drops: np.ndarray, grad: np.ndarray | None) -> None:
        self.drops, self.saliency_map, self.shown_for = drops, grad, (trace, cls, band)
        widths = drops.astype(np.float32)
        self.bars.setOpts(width=widths, brushes=[pg.mkBrush(style.ACCENT if w >= 0 else style.H_COLOUR)
                                                 for w in widths])
        # Scaled to the largest change, whatever its size: a confident answer moves by thousandths.
        span = max(float(np.abs(widths).max()), 1e-4)
        self.bar_plot.setXRange(min(0.0, float(widths.min())) - 0.05 * span,
                                float(widths.max()) + 0.05 * span, padding=0)
        if grad is not None:
            limit = max(float(np.abs(grad).max()), 1e-6)
            self.image.setLookupTable(style.DIVERGING.getLookupTable(nPts=256))
            self.image.setImage(grad.astype(np.float32), autoLevels=False)
            self.image.setLevels((-limit, limit))
            self.overlay_bar.setLevels((-limit, limit))
            self.overlay_bar.setVisible(True)
        else:
            self._show_image()
        top = int(np.argmax(drops))
        p = float(trace.probs[-1, cls])
        values = dict(cls=cls, p=plain_p(p), first=top + 1, last=min(28, top + band),
                      drop=plain_p(drops[top]), left=plain_p(p - drops[top]))
        if drops[top] > 0 and band == 1:
            sentence = tr("Class {cls}: p = {p} after row 28. Blanking row {first} lowers it most, by {drop} "
                          "(to {left}).", **values)
        elif drops[top] > 0:
            sentence = tr("Class {cls}: p = {p} after row 28. Blanking rows {first}–{last} lowers it most, "
                          "by {drop} (to {left}).", **values)
        elif band == 1:
            sentence = tr("Class {cls}: p = {p} after row 28; no single blank row lowers it.", **values)
        else:
            sentence = tr("Class {cls}: p = {p} after row 28; no single blank band lowers it.", **values)
        self.summary.setText(sentence)


def build_panel(context: PanelContext) -> ImportancePanel:
    return ImportancePanel(context.state, context.jobs)
