"""The seed's lesson, checked live: a stack's state is a (c, h) pair per layer, and the top h is the output.

In the TF1 original, ``outputs, state = dynamic_rnn(MultiRNNCell(cells), x)`` returns
``state[k] = (c_k, h_k)`` for each layer k, and ``state[-1].h`` equals ``outputs[:, -1, :]``. Here
both facts are shown on the digit being viewed, as numbers, not as claims.
"""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtWidgets

from ..core.network import Trace
from .run_text import Run, RunText, bold
from .steady_label import steady
from .view_state import ViewState


def largest_output_gap(trace: Trace) -> float:
    """max |top layer's final h − outputs[-1]|: the final state and the output are the same vector."""
    _c_top, h_top = trace.final_state()[-1]
    return float(np.max(np.abs(h_top - trace.outputs[-1])))


def largest_cell_gap(trace: Trace, row: int) -> float:
    """max over layers and units of |h − o·tanh(c)| at ``row``: h really is the gated, squashed c."""
    o = trace.gates[:, row, 3]
    return float(np.max(np.abs(trace.h[:, row] - o * np.tanh(trace.c[:, row]))))


def _number(value: float) -> str:
    return "0" if value == 0.0 else f"{value:.1e}"


class StatePanel(QtWidgets.QFrame):
    """Structure of the state (shapes per layer) and two live equalities on the current input."""

    def __init__(self, state: ViewState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("statePanel")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        title = QtWidgets.QLabel("<b>The state of the stack</b>")
        self.structure = QtWidgets.QLabel()
        self.structure.setTextFormat(QtCore.Qt.TextFormat.RichText)
        # No word wrap: a wrapping label makes every later text change re-lay out the whole
        # column (height-for-width), which repaints the softmax plots: 2 ms per row for nothing.
        self.structure.setWordWrap(False)
        self.structure.setToolTip("outputs, state = dynamic_rnn(MultiRNNCell(cells), x): the state is a "
                                  "tuple with one (c, h) pair per layer;\noutputs holds the top layer's "
                                  "h at every row.")
        self.output_check = QtWidgets.QLabel()
        self.output_check.setObjectName("outputCheckLabel")
        self.output_check.setToolTip("The top layer's final h and the last output are the same vector: "
                                     "the output *is* the state's h.")
        # New numbers every row: plain runs, not a rich-text label (laid out anew per row, ~1 ms).
        self.cell_check = RunText(lines=1)
        self.cell_check.setObjectName("cellCheckLabel")
        self.cell_check.setToolTip("h = o · tanh(c) after the current row, every layer and unit "
                                   "(float32 rounding only).")
        self.output_check.setTextFormat(QtCore.Qt.TextFormat.RichText)
        layout.addWidget(title)
        layout.addWidget(self.structure)
        layout.addWidget(steady(self.output_check))   # new numbers with each digit: held steady
        layout.addWidget(self.cell_check)
        layout.addStretch(1)
        self.output_gap: float | None = None
        self.cell_gap: float | None = None
        self._layers = 0
        state.events.network.connect(self._on_network)
        state.events.trace.connect(self._on_trace)
        state.events.row.connect(self._on_row)
        if state.network is not None:
            self._on_network()
        self._on_trace()

    def _on_network(self) -> None:
        units = self.state.network.units
        self._layers = len(units)
        shown = range(len(units)) if len(units) <= 3 else (0, None, len(units) - 1)
        names = ["…" if k is None else f"(c<sub>{k + 1}</sub>, h<sub>{k + 1}</sub>)" for k in shown]
        # Two pairs a line: the panel does not wrap (see __init__), so keep lines short.
        pairs = (",<br>" + "&nbsp;" * 9).join(", ".join(names[i:i + 2]) for i in range(0, len(names), 2))
        rows = "".join(f"<tr><td>layer {k + 1}:&nbsp;</td><td>c<sub>{k + 1}</sub> (1, {u})&nbsp;&nbsp;"
                       f"h<sub>{k + 1}</sub> (1, {u})</td></tr>" for k, u in enumerate(units))
        self.structure.setText(
            f"<tt>state = ({pairs})</tt><table cellspacing='0'>{rows}"
            f"<tr><td>outputs:&nbsp;</td><td>(1, 28, {units[-1]}): h<sub>{len(units)}</sub> "
            f"at every row</td></tr></table>")

    def _on_trace(self) -> None:
        trace = self.state.trace
        self._on_row()
        top = self._top_name()
        if trace is None:
            self.output_gap = None
            self.output_check.setText(f"max |{top} final − outputs[:, −1]| = –")
            return
        self.output_gap = largest_output_gap(trace)
        self.output_check.setText(f"max |{top} final − outputs[:, −1]| = <b>{_number(self.output_gap)}</b>")

    def _on_row(self) -> None:
        row, trace = self.state.row, self.state.trace
        if trace is None:
            self.cell_gap = None
            self.cell_check.set_lines([[Run("max |h − o·tanh(c)| = –")]])
            return
        self.cell_gap = largest_cell_gap(trace, row)
        # The row is the current one (the tooltip says so): naming it here made a non-zero number,
        # 6.0e-08, wrap to a second line in the 224-px prediction column.
        self.cell_check.set_lines([[Run("max |h − o·tanh(c)| = "), bold(_number(self.cell_gap))]])

    def _top_name(self) -> str:
        return f"h<sub>{self._layers}</sub>" if self._layers else "h<sub>top</sub>"
