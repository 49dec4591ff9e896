"""Why this class: the top layer's units ranked by their share of one class's logit.

``logit_k = Σ_u h_top[u]·W[u, k] + b_k`` exactly, so the bars (the largest shares, the rest summed,
and the bias) add up to the logit shown. The class is the current row's top class, or on a toggle
the runner-up or any chosen class. Clicking a unit's bar selects it (the unit inspector follows).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from ..analysis.unit import class_contributions
from . import style
from .help_note import help_note
from .refresh_when_shown import RefreshWhenShown
from .steady_label import steady
from .view_state import ViewState

SHOWN = 12   # units with the largest |share|; the others are one "rest" bar

HELP = """<p>The network's answer comes from the dense layer: each class's <b>logit</b> (its score
before the softmax) is Σ<sub>u</sub> h<sub>u</sub>·W<sub>u,class</sub> + bias, a sum over the top
layer's units of h (their value after this row) times a weight. Each bar is one unit's share
h<sub>u</sub>·W<sub>u,class</sub>: orange pushes this class up, blue pushes it down. The grey bars are
the other units' shares added together, and the bias. Together they are exactly the logit; the softmax
of the ten logits gives the probabilities. Click a unit's bar to follow it in the unit inspector.</p>"""


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
        top.addWidget(QtWidgets.QLabel("Explain class"))
        self.choice = QtWidgets.QComboBox()
        self.choice.setObjectName("whyClassCombo")
        self.choice.addItems(["top class", "runner-up"] + [str(k) for k in range(10)])
        self.choice.setToolTip("Which class's logit to split into the units' shares")
        top.addWidget(self.choice)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(help_note("What am I looking at?", HELP))
        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("whyClassSummary")
        self.summary.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        layout.addWidget(steady(self.summary, lines=3))   # new text every row: held steady
        self.plot_widget = pg.PlotWidget(enableMenu=False)
        style.tune_view(self.plot_widget)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMouseEnabled(False, False)
        self.plot.setLabel("left", "share of the logit")
        self.plot.addLine(y=0, pen=pg.mkPen(style.MUTED))
        self.bars = pg.BarGraphItem(x=np.arange(SHOWN + 2), height=np.zeros(SHOWN + 2), width=0.75)
        self.plot.addItem(self.bars)
        self.plot.setXRange(-0.6, SHOWN + 1.6, padding=0)
        self.plot.disableAutoRange()
        self._ticks = None
        self._y_range = (0.0, 0.0)
        self.plot_widget.setMinimumHeight(180)
        layout.addWidget(self.plot_widget, 1)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_clicked)
        self.choice.currentIndexChanged.connect(self.changed)
        for signal in (state.events.trace, state.events.row, state.events.network):
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
            self.summary.setText("Draw or pick a digit to see which units make its answer.")
            self.bars.setOpts(height=np.zeros(SHOWN + 2))
            return
        row = self.state.row
        shares = class_contributions(self.state.network, self.state.trace, label, row)
        self.shares = shares
        self.units_shown = shares.ranked(SHOWN)
        rest = float(shares.shares.sum() - shares.shares[self.units_shown].sum())
        heights = np.concatenate([shares.shares[self.units_shown], [rest, shares.bias]])
        brushes = [pg.mkBrush(style.ACCENT if v >= 0 else style.H_COLOUR) for v in heights[:-2]]
        brushes += [pg.mkBrush(style.MUTED)] * 2
        self.bars.setOpts(height=heights, brushes=brushes, pen=pg.mkPen(None))
        others = len(shares.shares) - len(self.units_shown)
        ticks = [(k, f"u{u}") for k, u in enumerate(self.units_shown)]
        ticks += [(len(self.units_shown), f"{others} others"), (len(self.units_shown) + 1, "bias")]
        if ticks != self._ticks:   # new ticks re-lay out the axis: only when the units change
            self._ticks = ticks
            self.plot.getAxis("bottom").setTicks([ticks])
        self._follow_range(heights)
        p = float(self.state.trace.probs[row, label])
        self.summary.setText(
            f"Class <b>{label}</b> after row {row + 1}: logit = {shares.shares[self.units_shown].sum():+.3f} "
            f"(top {len(self.units_shown)} units) {rest:+.3f} (the other {others}) {shares.bias:+.3f} (bias) "
            f"= <b>{shares.logit:+.3f}</b> → p = {p:.3f}")

    def _follow_range(self, heights: np.ndarray) -> None:
        """Rescale only when the bars leave the range or would use under a third of it: an axis
        that rescales every row is re-laid out every row."""
        low, high = min(0.0, float(heights.min())), max(0.0, float(heights.max()))
        shown_low, shown_high = self._y_range
        fits = shown_low <= low and high <= shown_high
        if not fits or (high - low) < (shown_high - shown_low) / 3:
            margin = 0.15 * max(high - low, 1e-6)
            self._y_range = (low - margin if low < 0 else 0.0, high + margin)
            self.plot.setYRange(*self._y_range, padding=0)

    def _on_clicked(self, event) -> None:
        if self.shares is None or event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        point = self.plot.vb.mapSceneToView(event.scenePos())
        k = int(round(point.x()))
        if 0 <= k < len(self.units_shown) and self.plot.sceneBoundingRect().contains(event.scenePos()):
            top = len(self.state.network.units) - 1
            self.state.selection = (top, int(self.units_shown[k]))
