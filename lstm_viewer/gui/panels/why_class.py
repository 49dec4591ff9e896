"""Why this class: the top layer's units ranked by their share of one class's logit.

``logit_k = Σ_u h_top[u]·W[u, k] + b_k`` exactly, so the bars (the largest shares, the rest summed,
and the bias) add up to the logit shown. The class is the current row's top class, or on a toggle
the runner-up or any chosen class. Clicking a unit's bar selects it (the unit inspector follows).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from ...analysis.unit import class_contributions
from ...core.i18n import N_, ntr, tr
from ..plots import style
from ..plots.light_items import SignedBarsItem, steady_axes, without_si_prefixes
from ..state.view_state import ViewState
from ..widgets.help_note import help_note
from ..widgets.numbers import plain_p
from ..widgets.refresh_when_shown import RefreshWhenShown
from ..widgets.run_text import Run, RunText, bold, sentence_runs

if TYPE_CHECKING:
    from . import PanelContext

SHOWN = 12   # units with the largest |share|; the others are one "rest" bar
RESTS_IN_SCALE = 2.0   # the rest bar sets the scale up to this many times the largest other bar

HELP = N_("""<p>The network's answer comes from the dense layer: each class's <b>logit</b> (its score
before the softmax) is Σ<sub>u</sub> h<sub>u</sub>·W<sub>u,class</sub> + bias, a sum over the top
layer's units of h (their value after this row) times a weight. Each bar is one unit's share
h<sub>u</sub>·W<sub>u,class</sub>: orange pushes this class up, blue pushes it down. The grey bars are
the other units' shares added together, and the bias. Together they are exactly the logit; the softmax
of the ten logits gives the probabilities. The scale fits the named units and the bias: when the other
units together reach beyond it (a logit is usually spread over many units), their bar is drawn broken
with its value written on it. Click a unit's bar to follow it in the unit inspector (its
bar turns darker).</p>""")


SELECTED_UP, SELECTED_DOWN = "#a13c00", "#0b4a85"   # ACCENT and H_COLOUR, darker


class WhyClassPanel(RefreshWhenShown):
    """Bars of per-unit shares of one class's logit at the current row; click a bar to select it."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("whyClassPanel")
        self.shares = None          # the ClassShares shown
        self.units_shown: np.ndarray = np.zeros(0, int)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel(tr("Explain class")))
        self.choice = QtWidgets.QComboBox()
        self.choice.setObjectName("whyClassCombo")
        # Read by index (currentIndex), never by the text shown.
        self.choice.addItems([tr("top class"), tr("runner-up")] + [str(k) for k in range(10)])
        self.choice.setToolTip(tr("Which class's logit to split into the units' shares"))
        top.addWidget(self.choice)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(help_note(tr("What am I looking at?"), tr(HELP)))
        # New text every row: plain runs (a rich-text label was laid out anew each row, ~1 ms).
        self.summary = RunText(lines=3)
        self.summary.setObjectName("whyClassSummary")
        layout.addWidget(self.summary)
        self.plot_widget = pg.PlotWidget(enableMenu=False, axisItems=steady_axes())
        style.tune_view(self.plot_widget)
        self.plot = without_si_prefixes(self.plot_widget.getPlotItem())
        self.plot.setMouseEnabled(False, False)
        self.plot.setLabel("left", tr("share of the logit"))
        style.steady_y_axis(self.plot, 48)
        # The units' names are drawn by the bars item beside each bar: as axis ticks they would
        # re-lay out the axis every row (the ranking changes with the row).
        self.plot.hideAxis("bottom")
        self.plot.addLine(y=0, pen=pg.mkPen(style.MUTED))
        # Up, down, the rest and bias; then up and down darker for the unit selected (followed in the
        # inspector), so a clicked bar stays found.
        self.bars = SignedBarsItem(SHOWN + 2, 0.75, [style.ACCENT, style.H_COLOUR, style.MUTED,
                                                     SELECTED_UP, SELECTED_DOWN])

        self.plot.addItem(self.bars)
        self.plot.setXRange(-0.6, SHOWN + 1.6, padding=0)
        self.plot.disableAutoRange()
        self._extremes_of = None   # (trace, network, lowest bar, highest bar), each (rows, classes)
        self._levels = None   # the 1-2-5 levels below and above zero shown
        style.settle_scene(self.plot_widget)
        self.plot_widget.setMinimumHeight(180)
        layout.addWidget(self.plot_widget, 1)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_clicked)
        self.choice.currentIndexChanged.connect(self.changed)
        for signal in (state.events.trace, state.events.row, state.events.network, state.events.selection):
            signal.connect(self.changed)
        self.changed()

    def chosen_class(self) -> int | None:
        trace = self.state.trace
        if trace is None:
            return None
        probs = trace.probs[self.state.row]
        index = self.choice.currentIndex()
        if index == 0:
            return int(np.argmax(probs))
        if index == 1:
            return int(np.argsort(-probs, kind="stable")[1])
        return index - 2

    def refresh(self) -> None:
        self._stale = False
        label = self.chosen_class()
        if label is None:
            self.shares = None
            self.summary.set_lines([[Run(tr("Draw or pick a digit to see which units make its answer."))]])
            self.bars.set_bars(None)
            return
        row = self.state.row
        shares = class_contributions(self.state.network, self.state.trace, label, row)
        self.shares = shares
        self.units_shown = shares.ranked(SHOWN)
        rest = float(shares.shares.sum() - shares.shares[self.units_shown].sum())
        heights = np.concatenate([shares.shares[self.units_shown], [rest, shares.bias]])
        colours = np.where(heights >= 0, 0, 1)
        colours[-2:] = 2
        selection, top = self.state.selection, len(self.state.network.units) - 1
        if selection is not None and selection[0] == top:
            colours[:len(self.units_shown)][self.units_shown == selection[1]] += 3
        others = len(shares.shares) - len(self.units_shown)
        labels = [f"u{u}" for u in self.units_shown] + [tr("rest"), tr("bias")]
        self._hold_range(label)
        self.bars.set_bars(heights, colours, labels)
        p = float(self.state.trace.probs[row, label])
        # One sentence, its form chosen by the other units' count (ntr fills {count}; the other
        # placeholders are kept for sentence_runs, which fills them with runs: class and logit in bold).
        sentence = ntr("Class {label} after row {row}: logit = {top} (top {shown} units) {rest} (the other "
                       "{count}) {bias} (bias) = {logit} → p = {p}",
                       "Class {label} after row {row}: logit = {top} (top {shown} units) {rest} (the other "
                       "{count}) {bias} (bias) = {logit} → p = {p}", others,
                       label="{label}", row="{row}", top="{top}", shown="{shown}", rest="{rest}",
                       bias="{bias}", logit="{logit}", p="{p}")
        self.summary.set_lines([sentence_runs(
            sentence, label=bold(str(label)), row=row + 1,
            top=f"{shares.shares[self.units_shown].sum():+.3f}", shown=len(self.units_shown),
            rest=f"{rest:+.3f}", bias=f"{shares.bias:+.3f}",
            logit=bold(f"{shares.logit:+.3f}"), p=plain_p(p))])

    def _hold_range(self, label: int) -> None:
        """A y range for this row's bars of the class shown, in steps of 1-2-5, kept while the bars fit it
        and fill at least a third of it: stepping changes it now and then (about ten times in 28
        rows), not every row. A new range re-draws the axis, and a scale that jumps every row
        misleads; one scale for all rows would leave the early rows' bars flat."""
        trace, network = self.state.trace, self.state.network
        held = self._extremes_of
        if held is None or held[0] is not trace or held[1] is not network:   # identity: ids are reused
            lows, highs = _bar_extremes(trace.h[-1].astype(np.float64),
                                        network.dense_kernel.astype(np.float64),
                                        network.dense_bias.astype(np.float64))
            self._extremes_of = (trace, network, lows, highs)
            self._levels = None
        lows, highs = self._extremes_of[2:]
        lowest, highest = float(lows[self.state.row, label]), float(highs[self.state.row, label])
        if self._levels is not None:
            low, high = self._levels
            if low <= lowest and highest <= high and 3 * (highest - lowest) >= high - low:
                return
        low, high = -style.nice_ceiling(-lowest), style.nice_ceiling(highest)
        self._levels = (low, high)
        margin = 0.2 * max(high - low, 1e-6)   # room for the units' names beside the bars' bases
        self.plot.setYRange(low - margin, high + margin, padding=0)
        self.bars.set_extent(low - margin, high + margin)

    def _on_clicked(self, event) -> None:
        if self.shares is None or event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        point = self.plot.vb.mapSceneToView(event.scenePos())
        k = int(round(point.x()))
        if 0 <= k < len(self.units_shown) and self.plot.sceneBoundingRect().contains(event.scenePos()):
            top = len(self.state.network.units) - 1
            self.state.selection = (top, int(self.units_shown[k]))


def _bar_extremes(h_top: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest bar (0 included) for each row and class (28, 10), as ``refresh`` draws
    them: the SHOWN largest shares, the bias, and the rest (the other units' sum) when it is at most
    RESTS_IN_SCALE times the largest of those. The rest is often far larger (a logit is spread over
    many units), and a scale fitted to it left the named units' bars flat: it is drawn broken then,
    its value written on it, with room on its side of zero."""
    rows, units = h_top.shape
    classes = kernel.shape[1]
    shares = h_top[:, :, None] * kernel[None]             # (rows, units, classes)
    shares = np.moveaxis(shares, 1, 2).reshape(-1, units)  # (rows × classes, units)
    shown_count = min(SHOWN, units)
    top = np.argpartition(-np.abs(shares), shown_count - 1, axis=1)[:, :shown_count]
    shown = np.take_along_axis(shares, top, axis=1)
    named = np.concatenate([shown, np.tile(bias, rows)[:, None]], axis=1)
    rest = shares.sum(axis=1) - shown.sum(axis=1)
    largest = np.abs(named).max(axis=1)
    # A rest beyond the scale is drawn broken; its side of zero keeps room for it (as much as the
    # largest named bar): with every named bar below zero it was a stub in the margin.
    rest = np.where(np.abs(rest) <= RESTS_IN_SCALE * largest, rest, np.sign(rest) * largest)
    bars = np.concatenate([named, rest[:, None], np.zeros((len(shown), 1))], axis=1)
    return bars.min(axis=1).reshape(rows, classes), bars.max(axis=1).reshape(rows, classes)


def build_panel(context: PanelContext) -> WhyClassPanel:
    return WhyClassPanel(context.state)
