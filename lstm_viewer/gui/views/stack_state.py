"""The seed's lesson, checked live: a stack's state is a (c, h) pair per layer, and the top h is the output.

In the TF1 original, ``outputs, state = dynamic_rnn(MultiRNNCell(cells), x)`` returns
``state[k] = (c_k, h_k)`` for each layer k, and ``state[-1].h`` equals ``outputs[:, -1, :]``. The
seed's two programs compute the two sides two ways, and so does this panel: ``outputs`` from the
trace (each layer run over all 28 rows before the next, as ``dynamic_rnn``), the final ``state``
by stepping the whole stack one row at a time (``Network.step_through_rows``, as
``MultiRNNCell.call``). The difference shown is between those two computations, so it could fail.
"""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtWidgets
from superqt.utils import qdebounced

from ...core.i18n import tr
from ...core.network import Network, Trace
from ..state.view_state import ViewState
from ..widgets.run_text import Run, RunText, bold, sentence_runs, small

SHOWN_VALUES = 2        # the first values of each layer's c and h at the current row
CHECK_DELAY_MS = 120    # the row-by-row stepping costs about a trace: not on every stroke of a drawing
AGREES = 1e-4           # float32 rounding of two orders of the same sums stays far below this

# Code the learner meets in the seed's programs: shown as it is in every language (the sentences around
# it go through tr, with these as placeholders).
OUTPUT_GAP = "max |state[−1].h − outputs[:, −1]| = "
CELL_GAP = "max |h − o·tanh(c)| = "
STRUCTURE = ("<tt>state = ({pairs})</tt><table cellspacing='0'>{rows}"
             "<tr><td>outputs:&nbsp;</td><td>{outputs}</td></tr></table>")


def largest_output_gap(network: Network, trace: Trace) -> float:
    """max |state[-1].h − outputs[:, −1]|: the top layer's final h stepped row by row through the
    whole stack, against the trace's last output computed layer by layer."""
    _c_top, h_top = network.step_through_rows(trace.image)[-1]
    return float(np.max(np.abs(h_top - trace.outputs[-1])))


def largest_cell_gap(trace: Trace, row: int) -> float:
    """max over layers and units of |h − o·tanh(c)| at ``row``: h really is the gated, squashed c."""
    return max(float(np.max(np.abs(h[row] - gates[row, 3] * np.tanh(c[row]))))
               for gates, c, h in zip(trace.gates, trace.c, trace.h, strict=True))


def _number(value: float) -> str:
    return "0" if value == 0.0 else f"{value:.1e}"


def _first_values(values: np.ndarray) -> str:
    shown = " ".join(f"{v:+.2f}".replace("-", "−") for v in values[:SHOWN_VALUES])
    return f"{shown}{' …' if len(values) > SHOWN_VALUES else ''}"


class StackStatePanel(QtWidgets.QFrame):
    """The state's structure, its values at the current row, and two live equalities."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("statePanel")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        title = QtWidgets.QLabel(tr("<b>The state of the stack</b>"))
        self.structure = QtWidgets.QLabel()
        self.structure.setTextFormat(QtCore.Qt.TextFormat.RichText)
        # No word wrap: a wrapping label makes every later text change re-lay out the whole
        # column (height-for-width), which repaints the softmax plots: 2 ms per row for nothing.
        self.structure.setWordWrap(False)
        self.structure.setToolTip(tr("{call}: the state is a tuple with one (c, h) pair per layer;\n"
                                     "{outputs} holds the top layer's h at every row.",
                                     call="outputs, state = dynamic_rnn(MultiRNNCell(cells), x)",
                                     outputs="outputs"))
        # New numbers every row: plain runs, not a rich-text label (laid out anew per row, ~1 ms).
        self.values = RunText(lines=3)
        self.values.setObjectName("stateValuesText")
        self.values.setToolTip(tr("{state} of each layer k after the current row: the first two of its "
                                  "values (the layer views show them all).", state="state[k] = (c, h)"))
        # Runs that wrap within the column (a second panel column narrows it to ~220 px).
        self.output_check = RunText(lines=1)
        self.output_check.setObjectName("outputCheckLabel")
        self.output_check.setToolTip(tr(
            "Two computations of the same vector, as the seed's two programs make them:\n"
            "{state}: the whole stack stepped one row at a time ({call});\n"
            "{outputs}: each layer run over all 28 rows before the next ({dynamic_rnn}).\n"
            "They agree up to float32 rounding: the output *is* the state's h.",
            state="state[−1].h", call="MultiRNNCell.call", outputs="outputs[:, −1]",
            dynamic_rnn="dynamic_rnn"))
        self.cell_check = RunText(lines=1)
        self.cell_check.setObjectName("cellCheckLabel")
        self.cell_check.setToolTip(tr("{formula} after the current row, every layer and unit (float32 "
                                      "rounding only).", formula="h = o · tanh(c)"))
        layout.addWidget(title)
        layout.addWidget(self.structure)
        layout.addWidget(self.values)
        layout.addWidget(self.output_check)
        layout.addWidget(self.cell_check)
        layout.addStretch(1)
        self.output_gap: float | None = None
        self.cell_gap: float | None = None
        self._check_later = qdebounced(self._check_output, timeout=CHECK_DELAY_MS)
        state.events.network.connect(self._on_network)
        state.events.trace.connect(self._on_trace)
        state.events.row.connect(self._on_row)
        if state.network is not None:
            self._on_network()
        self._on_trace()

    def _on_network(self) -> None:
        units = self.state.network.units
        shown = range(len(units)) if len(units) <= 3 else (0, None, len(units) - 1)
        names = ["…" if k is None else f"(c<sub>{k + 1}</sub>, h<sub>{k + 1}</sub>)" for k in shown]
        # Two pairs a line: the panel does not wrap (see __init__), so keep lines short.
        pairs = (",<br>" + "&nbsp;" * 9).join(", ".join(names[i:i + 2]) for i in range(0, len(names), 2))
        # The markup and the code (state, outputs, the shapes) as they are; the words through tr.
        labels = [tr("layer {layer}:", layer=k + 1) for k in range(len(units))]
        rows = "".join(f"<tr><td>{label}&nbsp;</td><td>c<sub>{k + 1}</sub> (1, {u})&nbsp;&nbsp;"
                       f"h<sub>{k + 1}</sub> (1, {u})</td></tr>"
                       for k, (label, u) in enumerate(zip(labels, units, strict=True)))
        outputs = tr("{shape}: {h} at every row", shape=f"(1, 28, {units[-1]})",
                     h=f"h<sub>{len(units)}</sub>")
        self.structure.setText(STRUCTURE.format(pairs=pairs, rows=rows, outputs=outputs))

    def _on_trace(self) -> None:
        self._on_row()
        self.output_gap = None
        self._show_output_check("–" if self.state.trace is None else "…")
        if self.state.trace is not None:
            self._check_later()

    def _show_output_check(self, value: str, verdict: str = "") -> None:
        """``max |…| = value``; ``verdict``: a translated sentence saying so in full, with ``{gap}`` (the
        formula) and ``{value}`` (bold) in it, its words bold."""
        if verdict:
            runs = sentence_runs(verdict, "bold", gap=Run(OUTPUT_GAP), value=bold(value))
        else:
            runs = [Run(OUTPUT_GAP), bold(value)]
        self.output_check.set_lines([runs])

    def check_output_now(self) -> None:
        """Compute the output check at once (tests and scripts; the panel waits CHECK_DELAY_MS)."""
        self._check_output()

    def _check_output(self) -> None:
        trace, network = self.state.trace, self.state.network
        if trace is None or network is None or self.output_gap is not None:
            return
        self.output_gap = largest_output_gap(network, trace)
        self._show_output_check(_number(self.output_gap),
                                "" if self.output_gap < AGREES else tr("{gap}{value}  — they differ!"))

    def _on_row(self) -> None:
        row, trace = self.state.row, self.state.trace
        if trace is None:
            self.cell_gap = None
            self.values.set_lines([[small(tr("draw or pick a digit to see the state's values"))]])
            self.cell_check.set_lines([[Run(CELL_GAP + "–")]])
            return
        self.values.set_lines([[small(f"state[{k}]  "), Run(f"c {_first_values(c[row])}   "
                                                              f"h {_first_values(h[row])}")]
                               for k, (c, h) in enumerate(zip(trace.c, trace.h, strict=True))])
        self.cell_gap = largest_cell_gap(trace, row)
        # The row is the current one (the tooltip says so): naming it here made a non-zero number,
        # 6.0e-08, wrap to a second line in the 224-px prediction column.
        self.cell_check.set_lines([[Run(CELL_GAP), bold(_number(self.cell_gap))]])
