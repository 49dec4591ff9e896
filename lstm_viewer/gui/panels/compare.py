"""A/B comparison: the pinned input A against whatever is shown now (B), inside the network.

"Pin as A" keeps the current trace in ``state.pinned``; everything shown afterwards is B. For each
layer the panel shows h_B − h_A and c_B − c_A over rows × units (diverging, symmetric colour range),
the distance ‖h_B(t) − h_A(t)‖ per layer over the rows (where the two readings part), both inputs and
both predictions over time. The differences are exactly the two traces' arrays subtracted, layer by
layer (each at its own width: a model's layers may differ in width).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from ...core.i18n import N_, tr
from ..plots import style
from ..plots.heatmap import heatmap
from ..plots.legend import fit_legend, legend_below
from ..plots.light_items import steady_plot
from ..state.view_state import ViewState
from ..widgets.help_note import help_note
from ..widgets.refresh_when_shown import RefreshWhenShown
from ..widgets.steady_label import steady

if TYPE_CHECKING:
    from . import PanelContext

# Minimum heights in pixels of the grid's rows: the inputs and predictions, the distances, each layer.
INPUTS_HEIGHT, DISTANCE_HEIGHT, LAYER_HEIGHT = 120, 150, 140
DISTANCE_ROW = 1   # the grid's row of the distances; their legend is the next
LAYER_COLOURS = ("#1c7ed6", "#e8590c", "#2b8a3e", "#9c36b5", "#f08c00", "#495057")

HELP = N_("""<p>Pin a digit as <b>A</b> (Compare ▸ Pin as A, or P), then draw or pick another: that is
<b>B</b>. Both are read by the same network; here you see where inside it the two readings differ.
With a training history open, A stays pinned while the timeline moves: A is then the digit as the
snapshot it was pinned at read it, B as the snapshot shown now reads it, the same digit then and now.
Each heatmap is B minus A for one layer (Δh = h_B − h_A, Δc = c_B − c_A), rows read so far × units:
white where the two states agree,
red where B's is larger, blue where A's is. The curves give, for each layer, the distance between the
two h vectors after each row: they stay at 0 while both digits' rows are alike (often the blank rows at
the top) and rise where the readings part. Unpin to go back to one digit.</p>""")


class ComparePanel(RefreshWhenShown):
    """h_B − h_A and c_B − c_A per layer, the distance per layer over rows, both inputs and predictions."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("comparePanel")
        self._built_for = None
        self.diffs: dict[str, list[np.ndarray]] = {}   # "h", "c": per layer (28, units) of B − A shown
        self.distances: np.ndarray | None = None   # (layers, 28)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QtWidgets.QHBoxLayout()
        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("compareSummary")
        self.summary.setWordWrap(True)
        top.addWidget(steady(self.summary, lines=3), 1)
        self.unpin_button = QtWidgets.QPushButton(tr("Unpin A"))
        self.unpin_button.setObjectName("unpinButton")
        self.unpin_button.setToolTip(tr("Stop comparing: back to one digit (Compare ▸ Unpin)"))
        self.unpin_button.clicked.connect(lambda: setattr(state, "pinned", None))
        top.addWidget(self.unpin_button)
        layout.addLayout(top)
        layout.addWidget(help_note(tr("What am I looking at?"), tr(HELP)))
        self.plots = pg.GraphicsLayoutWidget()
        style.tune_view(self.plots)
        layout.addWidget(self.plots, 1)
        # While there is nothing to compare the plots are hidden, and this takes their room: the
        # message and the note stay at the top (they floated in the middle of an empty panel).
        layout.addStretch(0)
        for signal in (state.events.pinned, state.events.trace, state.events.network):
            signal.connect(self.changed)
        state.events.row.connect(self._on_row)
        self.changed()

    # --- building -----------------------------------------------------------------------------
    def _build(self, units: list[int]) -> None:
        self.plots.clear()
        ci = self.plots.ci
        self.inputs, self.predictions = [], []
        # Short titles: the panel must fit a 440-pixel column (a wider grid is cut off on the right).
        for col, (letter, name) in enumerate((("A", tr("A (pinned)")), ("B", tr("B (now)")))):
            plot = steady_plot(ci, row=0, col=col)
            plot.setTitle(name, size="9pt")
            plot.invertY(True)
            plot.setAspectLocked(True)
            plot.hideAxis("bottom")
            plot.hideAxis("left")
            plot.setMouseEnabled(False, False)
            image = heatmap(plot, style.INK, (0.0, 1.0))
            self.inputs.append(image)
            # B's prediction also spans the colour bars' columns (empty in this row).
            pred = steady_plot(ci, row=0, col=2 + col, colspan=1 + 2 * col)
            style.rows_plot(pred, tr("prediction, {which}", which=letter), tr("class"))
            pred.getAxis("bottom").setTicks([[(k + 0.5, str(k)) for k in range(10)]])
            heat = heatmap(pred, style.SEQUENTIAL, (0.0, 1.0))
            pred.setRange(xRange=(0, 10), yRange=(0, 28), padding=0)
            self.predictions.append(heat)
        self.distance_plot = steady_plot(ci, row=DISTANCE_ROW, col=0, colspan=6)
        self.distance_plot.setTitle(tr("‖h_B(t) − h_A(t)‖: where the readings part"), size="9pt")
        # The legend on a line of its own under the plot: inside it, it covered the curves.
        legend = legend_below(ci, self.distance_plot, row=DISTANCE_ROW + 1, colspan=6, entries=len(units))
        self.distance_plot.setLabel("bottom", tr("row"))
        self.distance_plot.setMouseEnabled(False, False)
        self.distance_curves = [self.distance_plot.plot([], [], name=tr("layer {layer}", layer=k + 1),
                                                        pen=pg.mkPen(LAYER_COLOURS[k % 6], width=2))
                                for k in range(len(units))]
        fit_legend(legend)
        self.distance_row = style.row_marker(self.distance_plot, vertical=True)
        self.heats = {"h": [], "c": []}
        first = DISTANCE_ROW + 2   # the first layer's row
        for k, u in enumerate(units):
            for col, name in enumerate(("h", "c")):
                plot = steady_plot(ci, row=first + k, col=2 * col, colspan=2)
                style.rows_plot(plot, tr("layer {layer} · Δ{name}", layer=k + 1, name=name), tr("unit"))
                image = heatmap(plot, style.DIVERGING, (-1.0, 1.0))
                plot.setRange(xRange=(0, u), yRange=(0, 28), padding=0)
                self.heats[name].append(image)
        # One colour bar per kind on the right: every layer's heatmap of a kind shares its range.
        self.bars = {}
        for col, name in enumerate(("h", "c")):
            bar = style.colour_bar(style.DIVERGING, (-1.0, 1.0), f"{name}_B − {name}_A")
            bar.setImageItem(self.heats[name])
            ci.addItem(bar, row=first, col=4 + col, rowspan=len(units))
            self.bars[name] = bar
        # Rooms of their own: squeezed into a half-height dock the heatmaps were 25 px tall with their
        # row ticks on top of each other. A panel shorter than this scrolls.
        grid = ci.layout
        for row, height in ((0, INPUTS_HEIGHT), (DISTANCE_ROW, DISTANCE_HEIGHT),
                            *((first + k, LAYER_HEIGHT) for k in range(len(units)))):
            grid.setRowMinimumHeight(row, height)
        style.settle_scene(self.plots)
        style.hold_layout_width(self.plots, height=True)
        self._built_for = tuple(units)

    # --- updates ------------------------------------------------------------------------------
    def _on_row(self, *_args) -> None:
        if self.isVisible() and not self._stale and self.distances is not None:
            self.distance_row.setPos(self.state.row + 1)

    def refresh(self) -> None:
        self._stale = False
        state = self.state
        a, b = state.pinned, state.trace
        self.unpin_button.setEnabled(a is not None)
        if a is None or b is None or state.network is None:
            self.diffs, self.distances = {}, None
            self.summary.setText(tr("Nothing pinned yet. Compare ▸ Pin as A (P) keeps the digit shown now; "
                                    "then draw or pick another to compare with it.") if a is None else
                                 tr("A is pinned. Draw or pick a digit: it is B."))
            self.plots.setVisible(False)
            return
        units = state.network.units
        if not _same_model(a, b):
            self.summary.setText(tr("A was read by another model; pin again to compare."))
            self.plots.setVisible(False)
            return
        if self._built_for != tuple(units):
            self._build(units)
        self.diffs = {name: [mine - pinned
                             for pinned, mine in zip(getattr(a, name), getattr(b, name), strict=True)]
                      for name in ("h", "c")}
        self.distances = np.stack([np.linalg.norm(d, axis=-1) for d in self.diffs["h"]])   # (layers, 28)
        for k, trace in enumerate((a, b)):
            self.inputs[k].setImage(trace.image, autoLevels=False)
            self.predictions[k].setImage(trace.probs, autoLevels=False)
        for name, diff in self.diffs.items():
            limit = max(style.symmetric_limit(layer) for layer in diff)
            for k, image in enumerate(self.heats[name]):
                image.setImage(diff[k], autoLevels=False)
            self.bars[name].setLevels((-limit, limit))
        rows = np.arange(1, 29)
        for k, curve in enumerate(self.distance_curves):
            curve.setData(rows, self.distances[k])
        self.distance_row.setPos(state.row + 1)
        parted = np.flatnonzero(self.distances.max(axis=0) > 1e-6)
        # The same reading twice (just pinned, B is still A): every plot would be empty; the sentence
        # says so instead.
        self.plots.setVisible(parted.size > 0)
        if parted.size == 0:
            # Every distance is zero: "largest in layer 1" would only name the first of equal zeros.
            where = tr("The two readings are the same at every row: B is the same input as A. "
                       "Draw or pick another digit to compare.")
        else:
            where = tr("The readings part from row {row}; the largest distance after the last row is in "
                       "layer {layer}.", row=parted[0] + 1, layer=int(np.argmax(self.distances[:, -1])) + 1)
        # Rich text: the two classes in bold (the tags kept in the sentence); the second sentence whole.
        self.summary.setText(tr("A reads as <b>{a}</b> (p = {p_a}), B as <b>{b}</b> (p = {p_b}). {where}",
                                a=a.prediction, p_a=f"{a.probs[-1, a.prediction]:.2f}", b=b.prediction,
                                p_b=f"{b.probs[-1, b.prediction]:.2f}", where=where))


def _same_model(a, b) -> bool:
    """Traces of one model: the same widths layer by layer, and the same kind of first-layer input
    (scaled or the picture itself)."""
    return ([h.shape for h in a.h] == [h.shape for h in b.h]
            and (a.x is a.image) == (b.x is b.image))


def build_panel(context: PanelContext) -> ComparePanel:
    return ComparePanel(context.state)
