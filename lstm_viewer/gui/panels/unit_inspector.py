"""The unit inspector: one unit of one layer, at the current row, explained with its own numbers.

Follows ``state.selection`` (the unit), ``state.trace`` and ``state.row``. Every number comes from
``analysis.unit_story`` (the gates' three terms, c and h, the retention along the cell path),
``analysis.logit_contributions`` and ``class_contributions``; the panel computes nothing of its own.
The story is computed once per (trace, unit); a new row only re-slices it. A hidden panel does no
work and catches up when shown.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from ...analysis import logit_contributions, unit_story
from ...analysis.unit import UnitStory, class_contributions
from ...core.i18n import N_, tr
from ...core.network import GATE_NAMES
from ..plots import style
from ..plots.heatmap import heatmap
from ..plots.legend import fit_legend, legend_below
from ..plots.light_items import CurvesItem, SignedBarsItem, steady_plot
from ..state import file_ops
from ..state.view_state import ViewState
from ..widgets.help_note import help_note
from ..widgets.refresh_when_shown import RefreshWhenShown
from ..widgets.run_text import Run, RunText, bold, link, sentence_runs, small

if TYPE_CHECKING:
    from . import PanelContext

GATE_WORDS = {"i": N_("input gate"), "f": N_("forget gate"), "g": N_("candidate"), "o": N_("output gate")}
CURVE_NAMES = ("i", "f", "g", "o", "c", "h")   # the story's gates, then c and h
CURVE_COLOURS = {"i": "#2f9e44", "f": "#1971c2", "g": "#9c36b5", "o": "#f08c00",
                 "c": style.C_COLOUR, "h": style.H_COLOUR}
TOP_K = 3
EXPORT_ABOUT = ("layer is the model's index, from 0 (unit_story's argument); layer_shown is the window's "
                "'Layer N', from 1. Arrays run over the 28 rows, index t being row t + 1 on screen. gates: "
                "i, f, g, o; pre: each gate's input, recurrent and bias terms (their sum is z).")
PRERENDER_PAUSE_MS = 300   # the other rows' equations are drawn after this pause on one unit

HELP = N_("""<p>One LSTM unit is one number of the layer's state: its own <b>c</b> (cell, the memory) and
<b>h</b> (hidden, what it shows the next layer and itself at the next row). At every row t it reads
x<sub>t</sub> (the 28 pixels of row t for layer 1, scaled as the model reads them if it scales its
input; the h of the layer below otherwise) and its own
layer's h<sub>t−1</sub>, and computes four gates. Each gate's input is a sum of three terms:
<i>input</i> x<sub>t</sub>·W, <i>recurrent</i> h<sub>t−1</sub>·U and a <i>bias</i>; σ squashes it to
0…1 for i, f, o and tanh to −1…1 for g. Under each gate, its three largest inputs and recurrent
inputs, written (weight×value): the products that add up to most of z. Then
c<sub>t</sub> = f·c<sub>t−1</sub> + i·g and h<sub>t</sub> = o·tanh(c<sub>t</sub>).</p>
<p><b>Memory</b>: unrolling c gives c<sub>t</sub> = Σ<sub>s≤t</sub> R[s,t]·i<sub>s</sub>·g<sub>s</sub>,
where R[s,t] is the product of the forget gates after row s. The bars split c<sub>t</sub> into what was
written at each earlier row and is still there; the triangle shows R for every pair of rows. This is
retention along the cell path only: h also feeds back through the gates.</p>
<p>For a unit of the top layer, the last plot shows its share h·W of each class's logit (before the
softmax) at the current row: orange pushes that class up, blue pushes it down, as in "why this class";
the dashed outline marks the class on top at this row.</p>""")


class UnitInspector(RefreshWhenShown):
    """The selected unit's gates, state and memory at the current row, with the numbers filled in."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None, *,
                 ask_save_path: AskSavePath | None = None) -> None:

        super().__init__(parent)
        self.state = state
        # The window's save dialog (opening in the folder last answered), when given.
        self._ask_save_path = ask_save_path or _ask_save_path_here(self)
        self.setObjectName("unitInspector")
        self.story: UnitStory | None = None
        self._story_of = None       # (trace, network, selection) the story was computed for
        self._story_serial = 0      # bumped per story: the key of its rows' drawn equations
        # Draws the equations of rows not seen yet while the window is idle, one row per tick.
        self._prerender_timer = QtCore.QTimer(self)
        self._prerender_timer.timeout.connect(self._prerender_next_row)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        # New text every row: plain runs (a rich-text label was laid out anew each row, ~1 ms).
        self.title = RunText(lines=2)
        self.title.setObjectName("unitTitle")
        layout.addWidget(self.title)
        top = QtWidgets.QHBoxLayout()
        top.addStretch(1)
        self.copy_button = QtWidgets.QPushButton(tr("Copy as text"))
        self.copy_button.setObjectName("copyUnitButton")
        self.copy_button.setToolTip(tr("Put the equations with their numbers on the clipboard"))
        self.export_button = QtWidgets.QPushButton(tr("Export…"))
        self.export_button.setObjectName("exportUnitButton")
        self.export_button.setToolTip(tr("Save this unit's story over all 28 rows as .npz or .csv"))
        top.addWidget(self.copy_button)
        top.addWidget(self.export_button)
        layout.addLayout(top)
        layout.addWidget(help_note(tr("What am I looking at?"), tr(HELP)))

        # Plain runs painted directly: as rich text in a QLabel the equations took longer to lay out
        # each row than everything else in a step together (see run_text).
        self.equations = RunText(lines=20)
        self.equations.setObjectName("unitEquations")
        self.equations.setToolTip(tr("The cell at the current row, each number this unit's own. Under each "
                                     "gate z: its three largest inputs and recurrent inputs by "
                                     "|weight × value|, written (weight×value). Click a unit (u…) to "
                                     "follow it."))
        self.equations.linkActivated.connect(self._on_link)
        self.equations.keptCleared.connect(self._draw_ahead_again)
        layout.addWidget(self.equations)

        self.plots = pg.GraphicsLayoutWidget()
        style.tune_view(self.plots)
        self.plots.setMinimumHeight(640)
        layout.addWidget(self.plots, 1)
        self._build_plots()
        style.settle_scene(self.plots)
        self._width_held = False   # held once on screen: before that the layout's margins are not known
        self.copy_button.clicked.connect(self.copy_as_text)
        self.export_button.clicked.connect(self._on_export)
        for signal in (state.events.trace, state.events.selection, state.events.network):
            signal.connect(self.changed)
        state.events.row.connect(self.changed)
        self.changed()

    # --- plots --------------------------------------------------------------------------------
    def _build_plots(self) -> None:
        ci = self.plots.ci
        self.curve_plot = steady_plot(ci, row=0, col=0)
        self.curve_plot.setTitle(tr("over the rows: gates, c and h"), size="9pt")
        # The legend on a line of its own under the plot: inside it, it covered the curves.
        legend = legend_below(ci, self.curve_plot, row=1, entries=len(CURVE_NAMES))
        self.curve_plot.setMouseEnabled(False, False)
        self.curve_plot.setLabel("bottom", tr("row"))
        pens = [pg.mkPen(CURVE_COLOURS[name], width=2.5 if name in ("c", "h") else 1.2)
                for name in CURVE_NAMES]
        # One light item for the six curves, a fixed x range and a y range set once per story:
        # PlotDataItem and auto-range re-measured every curve and re-laid out the axis per unit.
        self.curves = CurvesItem(np.arange(1, 29, dtype=float), pens)
        self.curve_plot.addItem(self.curves)
        for index, (name, pen) in enumerate(zip(CURVE_NAMES, pens, strict=True)):
            # The legend draws its samples from an item's pen; clicking one hides that curve.
            sample = pg.PlotCurveItem(pen=pen)
            sample.visibleChanged.connect(
                lambda sample=sample, index=index: self.curves.set_shown(index, sample.isVisible()))
            legend.addItem(sample, name)
        fit_legend(legend)
        self.curve_plot.setXRange(0.5, 28.5, padding=0)
        self.curve_plot.disableAutoRange()
        self.curve_row = style.row_marker(self.curve_plot, vertical=True)

        self.memory_plot = steady_plot(ci, row=2, col=0)
        # Two-line titles: a title's width is its plot's minimum (one line of this was wider than the
        # panel at 1600 px, and the plots ran off its right edge).
        self.memory_plot.setTitle(tr("memory: what c<sub>t</sub> holds from each row s<br>"
                                     "(the bars sum to c<sub>t</sub>)"), size="9pt")
        self.memory_plot.setMouseEnabled(False, False)
        self.memory_plot.setLabel("bottom", tr("row s written"))
        self.memory_bars = SignedBarsItem(28, 0.8, [style.C_COLOUR], first=1.0)
        self.memory_plot.addItem(self.memory_bars)
        self.memory_plot.addLine(y=0, pen=pg.mkPen(style.MUTED))
        self.memory_plot.setXRange(0.4, 28.6, padding=0)
        self.memory_plot.disableAutoRange()

        self.retention_plot = steady_plot(ci, row=3, col=0)
        self.retention_plot.setTitle(tr("retention R[s, t] (cell path)"), size="9pt")
        self.retention_plot.setMouseEnabled(False, False)
        self.retention_plot.invertY(True)
        self.retention_plot.setLabel("bottom", tr("t (now)"))
        self.retention_plot.setLabel("left", tr("s (written)"))
        self.retention_image = heatmap(self.retention_plot, style.SEQUENTIAL, (0.0, 1.0))
        self.retention_image.setImage(np.zeros((28, 28), np.float32), autoLevels=False)
        self.retention_row = QtWidgets.QGraphicsRectItem(0, 0, 1, 28)
        self.retention_row.setPen(pg.mkPen(style.ACCENT, width=2, cosmetic=True))
        self.retention_plot.addItem(self.retention_row)
        # Rows on both axes, filling the plot (a locked aspect left most of its width empty).
        self.retention_plot.setRange(xRange=(0, 28), yRange=(0, 28), padding=0)
        self.retention_plot.disableAutoRange()

        self.logit_plot = steady_plot(ci, row=4, col=0)
        # One title for every unit: a title that changed between top-layer and other units laid out
        # its HTML and the whole column again (about 1 ms on a change of layer).
        self.logit_plot.setTitle(tr("its share of each class's logit at this row<br>"
                                    "(top-layer units; outlined: the class on top)"), size="9pt")
        self.logit_plot.setMouseEnabled(False, False)
        self.logit_plot.getAxis("bottom").setTicks([[(k, str(k)) for k in range(10)]])
        # Coloured as in "why this class": orange pushes a class up, blue pushes it down.
        self.logit_bars = SignedBarsItem(10, 0.7, [style.ACCENT, style.H_COLOUR])
        self.logit_plot.addItem(self.logit_bars)
        self.logit_plot.addLine(y=0, pen=pg.mkPen(style.MUTED))
        self.top_class_mark = QtWidgets.QGraphicsRectItem(-0.45, -1.0, 0.9, 2.0)
        self.top_class_mark.setPen(pg.mkPen(style.MUTED, width=1.5, style=QtCore.Qt.PenStyle.DashLine))
        self.top_class_mark.hide()
        self.logit_plot.addItem(self.top_class_mark)
        self.logit_plot.setXRange(-0.6, 9.6, padding=0)
        self.lower_layer_note = pg.TextItem(tr("a lower layer's h reaches the answer\n"
                                               "only through the layers above"),
                                            color=style.MUTED, anchor=(0.5, 0.5))
        self.lower_layer_note.setPos(4.5, 0.0)
        self.lower_layer_note.hide()
        self.logit_plot.addItem(self.lower_layer_note)
        self.logit_plot.disableAutoRange()
        # One width for the y axes: tick labels of a new unit's range must not re-lay out the column.
        for plot in (self.curve_plot, self.memory_plot, self.retention_plot, self.logit_plot):
            style.steady_y_axis(plot, 44)
        # The curves and the triangle change per unit, not per row: Qt keeps them as pixmaps while
        # the row marks move over them (the inspector's paint per row: 4.2 -> 3.1 ms here).
        for item in (self.curves, self.retention_image):
            item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # What a unit's story shows over the rows: hidden while no unit is selected.
        self._story_items = (self.curves, self.curve_row, self.retention_image, self.retention_row)

    # --- updates ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring every part up to date with the state (the story only when trace or unit changed)."""
        self._stale = False
        state = self.state
        selection, trace, network = state.selection, state.trace, state.network
        if selection is None or trace is None or network is None:
            self.story = None
            self._story_of = None
            self._prerender_timer.stop()
            self.title.set_lines([sentence_runs(
                tr("{none} Click a cell of any heatmap (c, h or a gate) to follow that unit; [ and ] step "
                   "through the units, Esc clears."), none=bold(tr("No unit selected.")))])
            self.equations.set_lines([])
            self._clear_plots()
            self.copy_button.setEnabled(False)
            self.export_button.setEnabled(False)
            return
        # Compared by identity, not id(): a new trace may reuse a freed one's id.
        of = self._story_of
        if of is None or of[0] is not trace or of[1] is not network or of[2] != selection:
            self.story = unit_story(network, trace, *selection)
            self._story_of = (trace, network, selection)
            self._story_serial += 1
            self._show_story()
            # Begin once the learner has paused on this unit (clicking through units draws nothing
            # ahead), then one row per 20 ms tick.
            self._prerender_timer.start(PRERENDER_PAUSE_MS)
        self.copy_button.setEnabled(True)
        self.export_button.setEnabled(True)
        self._show_row()

    def _clear_plots(self) -> None:
        """No unit: nothing in the plots (a cleared selection must not leave the last unit's curves)."""
        for item in (*self._story_items, self.top_class_mark, self.lower_layer_note):
            item.hide()
        self.memory_bars.set_bars(None)
        self.logit_bars.set_bars(None)

    def _show_story(self) -> None:
        story = self.story
        if not self._width_held:
            style.hold_layout_width(self.plots)
            self._width_held = True
        for item in self._story_items:
            item.show()
        self.curves.set_curves([*story.gates.T, story.c, story.h])
        self.retention_image.setImage(story.retention.astype(np.float32), autoLevels=False)
        top = story.layer == len(self.state.network.units) - 1
        # Kept in the layout for every layer (hiding it re-laid out the whole column per unit).
        self.lower_layer_note.setVisible(not top)
        if not top:
            low, high = self.logit_plot.vb.viewRange()[1]
            self.lower_layer_note.setPos(4.5, (low + high) / 2)
            self.logit_bars.set_bars(None)
            self.top_class_mark.hide()
        # At least −1 … 1 (gates, g and h live there), wider only for a c beyond it. (The legend has a
        # line of its own under the plot: no headroom kept for it.)
        values = np.concatenate([story.gates.ravel(), story.c, story.h, [-1.0, 1.0]])
        self.curves.set_extent(*_set_range(self.curve_plot, values))
        # Fixed ranges per story, from every row's values: an axis that rescales each row is
        # re-laid out each row (the costliest part of a step), and jumping scales mislead.
        every_row = story.retention * (story.gates[:, 0] * story.gates[:, 2])[:, None]   # [s, t]
        self.memory_bars.set_extent(*_set_range(self.memory_plot, every_row))
        if top:
            shares = self.state.trace.h[-1][:, story.unit, None] * self.state.network.dense_kernel[story.unit]
            low, high = _set_range(self.logit_plot, shares)
            self.logit_bars.set_extent(low, high)
            self.top_class_mark.setRect(-0.45, low, 0.9, high - low)

    def _show_row(self) -> None:
        story, t = self.story, self.state.row
        layers = len(self.state.network.units)
        unit = bold(tr("Layer {layer}, unit {unit}", layer=story.layer + 1, unit=story.unit))
        sentence = (tr("{unit} at row {row} of 28 · top layer: its h feeds the softmax")
                    if story.layer == layers - 1 else tr("{unit} at row {row} of 28"))
        self.title.set_lines([sentence_runs(sentence, unit=unit, row=t + 1)])
        self.curve_row.setPos(t + 1)
        memory = story.memory(t)
        self.memory_bars.set_bars(memory)
        self.retention_row.setRect(t, 0, 1, 28)
        if story.layer == layers - 1:
            shares = logit_contributions(self.state.network, self.state.trace, t)[story.unit]
            self.logit_bars.set_bars(shares, (shares < 0).astype(int))
            # The class on top at this row, outlined (a new title per row re-laid out the plots).
            self.top_class_mark.setPos(float(np.argmax(self.state.trace.probs[t])), 0.0)
            self.top_class_mark.show()
        self.equations.show_kept((self._story_serial, t), lambda: self._equation_lines(t))

    def _draw_ahead_again(self) -> None:
        if self.story is not None:
            self._prerender_timer.start(PRERENDER_PAUSE_MS)

    def is_drawing_ahead(self) -> bool:
        """True while rows' equations are still to be drawn ahead (idle work after choosing a unit)."""
        return self._prerender_timer.isActive()

    def rows_drawn(self) -> list[int]:
        """The rows whose equations for the unit shown are drawn and kept (shown again without
        drawing anew)."""
        return [t for t in range(28) if self.equations.is_kept((self._story_serial, t))]

    def _prerender_next_row(self) -> None:
        """Draw the equations of one row not drawn yet (nearest the current row first)."""
        if self.story is None or not self.isVisible():
            self._prerender_timer.stop()
            return
        self._prerender_timer.setInterval(20)
        t0 = self.state.row
        for t in sorted(range(28), key=lambda t: abs(t - t0)):
            if self.equations.prerender((self._story_serial, t), lambda t=t: self._equation_lines(t)):
                return
        self._prerender_timer.stop()   # every row is drawn

    # --- text ---------------------------------------------------------------------------------
    def _equation_lines(self, t: int) -> list[list[Run]]:
        """The cell at row t: each gate's three terms, its largest inputs, then c and h."""
        story = self.story
        source = tr("layer {layer}", layer=story.layer) if story.layer else _pixels_read(self.state.network)
        lines = []
        for k, name in enumerate(GATE_NAMES):
            x, r, b = story.pre[t, k]
            squash = "tanh" if name == "g" else "σ"
            # Each small run a whole phrase of its own (a gate's name, a term's name): the formulas
            # around them are not translated.
            lines.append([bold(name), small(" (" + tr(GATE_WORDS[name]) + ")"), Run(f" = {squash}(z) ="),
                          bold(f" {story.gates[t, k]:.3f}")])
            lines.append([Run(f"    z = {x:+.3f}"), small(" " + tr("input")), Run(f" {r:+.3f}"),
                          small(" " + tr("recurrent")), Run(f" {b:+.3f}"), small(" " + tr("bias")),
                          Run(f" = {x + r + b:+.3f}")])
            inputs = [self._contribution(c, story.layer - 1, pixel=story.layer == 0)
                      for c in story.top_inputs(t, k, TOP_K)]
            lines.append([small("    " + tr("from {source}:", source=source))] + _joined(inputs))
            if t > 0:
                recurrent = [self._contribution(c, story.layer, pixel=False)
                             for c in story.top_recurrent(t, k, TOP_K)]
            else:
                recurrent = [[small(" " + tr("none at row 1"))]]
            lines.append([small("    " + tr("recurrent:"))] + _joined(recurrent))
        i, f, g, o = story.gates[t]
        now, before = _subscript(t + 1), _subscript(t)
        lines.append([Run(f"c{now} = f·c{before} + i·g ="), Run(f" {f:.3f}·({story.c_prev[t]:+.3f})"),
                      Run(f" + {i:.3f}·({g:+.3f}) ="), bold(f" {story.c[t]:+.4f}")])
        lines.append([Run(f"h{now} = o·tanh(c{now}) ="), Run(f" {o:.3f}·tanh({story.c[t]:+.3f}) ="),
                      bold(f" {story.h[t]:+.4f}")])
        share = self._top_class_share(t)
        if share is not None:
            label, weight, part, logit = share
            lines.append(sentence_runs(
                tr("adds h·W = {h}·({weight}) = {share} to class {label}'s logit {total}"),
                h=f"{story.h[t]:+.3f}", weight=f"{weight:+.3f}", share=bold(f"{part:+.4f}"), label=label,
                total=small(tr("({logit} in all; on top at this row)", logit=f"{logit:+.3f}"))))
        return lines

    def _top_class_share(self, t: int) -> tuple[int, float, float, float] | None:
        """For a top-layer unit: the class on top at row t, the unit's dense weight to it, its share
        h·W of that class's logit, and the logit (every share plus the bias); None for other layers."""
        network, trace, story = self.state.network, self.state.trace, self.story
        if story.layer != len(network.units) - 1:
            return None
        # As "why this class" does.
        shares = class_contributions(network, trace, int(np.argmax(trace.probs[t])), t)
        return (shares.label, float(network.dense_kernel[story.unit, shares.label]),
                float(shares.shares[story.unit]), shares.logit)

    @staticmethod
    def _contribution(c, layer: int, pixel: bool) -> list[Run]:
        """One input's share, weight × value: a pixel by its column, a unit as a link to follow it."""
        numbers = small(f" ({c.weight:+.2f}×{c.value:+.2f})")
        if pixel:
            return [small(" " + tr("column {column}", column=c.index + 1)), numbers]
        return [small(" "), link(f"u{c.index}", f"unit:{layer}:{c.index}"), numbers]

    def as_text(self) -> str:
        """The equations at the current row with their numbers, as plain text."""
        if self.story is None:
            return ""
        story, t = self.story, self.state.row
        lines = [tr("layer {layer}, unit {unit}, row {row} of 28", layer=story.layer + 1, unit=story.unit,
                    row=t + 1)]
        for k, name in enumerate(GATE_NAMES):
            x, r, b = story.pre[t, k]
            squash = "tanh" if name == "g" else "sigmoid"
            lines.append(tr("{gate} = {squash}({x} input {r} recurrent {b} bias = {z}) = {value}", gate=name,
                            squash=squash, x=f"{x:+.6f}", r=f"{r:+.6f}", b=f"{b:+.6f}", z=f"{x + r + b:+.6f}",
                            value=f"{story.gates[t, k]:.6f}"))
        i, f, g, o = story.gates[t]
        lines.append(f"c = f*c_prev + i*g = {f:.6f}*({story.c_prev[t]:+.6f}) + {i:.6f}*({g:+.6f}) "
                     f"= {story.c[t]:+.6f}")
        lines.append(f"h = o*tanh(c) = {o:.6f}*tanh({story.c[t]:+.6f}) = {story.h[t]:+.6f}")
        share = self._top_class_share(t)
        if share is not None:
            label, weight, part, logit = share
            lines.append(tr("share of class {label}'s logit (on top at this row) = h*W = {h}*({weight}) = "
                            "{share} of {logit}", label=label, h=f"{story.h[t]:+.6f}",
                            weight=f"{weight:+.6f}", share=f"{part:+.6f}", logit=f"{logit:+.6f}"))
        return "\n".join(lines)

    def copy_as_text(self) -> None:
        QtWidgets.QApplication.clipboard().setText(self.as_text())

    def export(self, path: str | Path) -> Path:
        """The unit's story over all rows as .npz (arrays) or .csv (one line per row), atomically."""
        story = self.story
        if story is None:
            raise ValueError("no unit selected")
        path = Path(path)
        if path.suffix.lower() == ".csv":
            def write(tmp: Path) -> None:
                buffer = io.StringIO()
                out = csv.writer(buffer)
                out.writerow(["row"] + [f"{g}_{part}" for g in GATE_NAMES
                                        for part in ("input", "recurrent", "bias")]
                             + list(GATE_NAMES) + ["c_prev", "c", "h"])
                for t in range(28):
                    out.writerow([t + 1] + [f"{v:.9g}" for v in story.pre[t].ravel()]
                                 + [f"{v:.9g}" for v in story.gates[t]]
                                 + [f"{story.c_prev[t]:.9g}", f"{story.c[t]:.9g}", f"{story.h[t]:.9g}"])
                tmp.write_text(buffer.getvalue())
            return file_ops.write_atomically(path, write)

        def write_npz(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, layer=story.layer, layer_shown=story.layer + 1, unit=story.unit,
                                    gates=story.gates, c_prev=story.c_prev, c=story.c, h=story.h,
                                    pre=story.pre, retention=story.retention, about=np.array(EXPORT_ABOUT))
        return file_ops.write_atomically(file_ops.with_suffix(str(path), ".npz"), write_npz)

    def _on_export(self) -> None:
        suggested = f"unit-{self.story.layer + 1}-{self.story.unit}.npz"
        name, chosen = self._ask_save_path(tr("Export the unit's story"), suggested,
                                           tr("NumPy archives ({patterns})", patterns="*.npz") + ";;"
                                           + tr("CSV tables ({patterns})", patterns="*.csv"))
        if not name:
            return
        if "csv" in chosen and not name.lower().endswith(".csv"):
            name += ".csv"
        try:
            self.export(name)
        except Exception as exc:   # a full disk, a read-only folder: say so, keep everything
            from ..state.jobs import describe_error
            QtWidgets.QMessageBox.critical(self, tr("Could not export"), describe_error(exc))

    def _on_link(self, link: str) -> None:
        _kind, layer, unit = link.split(":")
        self.state.selection = (int(layer), int(unit))


def _set_range(plot: pg.PlotItem, values: np.ndarray) -> tuple[float, float]:
    """Y range from 0 to the extremes of ``values`` (whatever row is shown) in 1-2-5 steps, with a
    margin; returned. Most units then share their plots' ranges: the axes are not re-drawn per unit."""
    low = -style.nice_ceiling(-min(0.0, float(np.min(values))))
    high = style.nice_ceiling(max(0.0, float(np.max(values))))
    margin = 0.05 * max(high - low, 1e-6)
    y_range = (low - margin, high + margin)
    if plot.vb.state["viewRange"][1] != list(y_range):
        plot.setYRange(*y_range, padding=0)
    return y_range


def _pixels_read(network) -> str:
    """What the first layer's input term multiplies: the row's pixels, or those scaled (the values
    written beside the weights are then the scaled ones, as the model reads them)."""
    if network.input_scaling is None:
        return tr("pixels of the row")
    return tr("pixels of the row as {scaling}", scaling=network.describe_scaling())


def _joined(items: list[list[Run]]) -> list[Run]:
    runs = []
    for k, item in enumerate(items):
        runs += item
        if k < len(items) - 1:
            runs.append(small(","))
    return runs


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _subscript(number: int) -> str:
    return str(number).translate(_SUBSCRIPTS)


AskSavePath = Callable[[str, str, str], tuple[str, str]]


def _ask_save_path_here(parent: QtWidgets.QWidget) -> AskSavePath:
    """A plain save dialog, in the current folder (a panel built without a window)."""
    return lambda title, suggested, filters: QtWidgets.QFileDialog.getSaveFileName(
        parent, title, suggested, filters)


def build_panel(context: PanelContext) -> UnitInspector:
    return UnitInspector(context.state, ask_save_path=context.ask_save_path)
