"""The preprocessing made visible: the steps a drawing goes through, and how much the position matters.

A drawing becomes the network's input in steps: the raw ink, its crop to the ink's bounding box, the
crop scaled to fit 20 × 20, and the 28 × 28 field where it is placed (centred by mass, MNIST's way).
The learner can change the centring (by mass, by bounding box, or none: the whole canvas scaled to
28 × 28) and shift the result up or down by up to 6 rows (``state.centring``, ``state.shift``; the
drawing is traced again). A small plot gives the final probability of each class against the vertical
shift, computed as one batch: a row-by-row reader is not shift invariant.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets
from superqt.utils import signals_blocked

from ...core.i18n import N_, ntr, tr
from ...core.preprocess import CENTRINGS, MAX_SHIFT, PreprocessSteps, place, shifted_batch
from ..plots import style
from ..plots.heatmap import heatmap
from ..plots.light_items import without_si_prefixes
from ..state.jobs import JobRunner
from ..state.view_state import ViewState
from ..widgets.help_note import help_note
from ..widgets.refresh_when_shown import RefreshWhenShown
from ..widgets.steady_label import steady

if TYPE_CHECKING:
    from . import PanelContext

# The combo's names, by key (the combo's data; the text shown is translated).
CENTRING_NAMES = {"mass": N_("centre of mass (MNIST)"), "box": N_("bounding box"),
                  "none": N_("none (whole canvas)")}

# The steps' titles: "none" has no crop, and fits the whole canvas to 28 × 28, not to 20 × 20.
STAGE_TITLES = {"mass": (N_("drawing"), N_("crop to the ink"), N_("fit 20 × 20"), N_("28 × 28 input")),
                "none": (N_("drawing"), N_("no crop: the canvas"), N_("fit 28 × 28"), N_("28 × 28 input"))}
SHIFTS = np.arange(-MAX_SHIFT, MAX_SHIFT + 1)

HELP = N_("""<p>MNIST's digits were made in a fixed way: each was cropped to its ink, scaled to fit a
20 × 20 box (keeping its shape), and placed in a 28 × 28 field so that its <b>centre of mass</b> is at
the centre. Your drawing goes through the same steps, shown left to right, so that it looks like what
the network was trained on.</p>
<p>Try the other ways: <i>bounding box</i> centres the box instead of the mass; <i>none</i> scales the
whole canvas, so a small drawing stays small and off-centre. The <b>shift</b> moves the result up or
down. The plot shows, for each shift, the final probability of each class: an LSTM that reads row by
row sees a shifted digit as a different sequence, and its answer can change.</p>""")


class PreprocessPanel(RefreshWhenShown):
    """Steps of the drawing's preprocessing, its options, and the probabilities against the shift."""

    def __init__(self, state: ViewState, runner: JobRunner, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.state, self.runner = state, runner
        self.setObjectName("preprocessPanel")
        self.steps: PreprocessSteps | None = None     # the drawing's, set by DrawingInput
        self.curve: np.ndarray | None = None           # (13, 10) final probabilities per shift
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        controls = QtWidgets.QHBoxLayout()
        controls.addWidget(QtWidgets.QLabel(tr("Centring")))
        self.centring_combo = QtWidgets.QComboBox()
        self.centring_combo.setObjectName("centringCombo")
        for key in CENTRINGS:
            self.centring_combo.addItem(tr(CENTRING_NAMES[key]), key)
        self.centring_combo.setToolTip(tr("How the drawing is placed in the 28 × 28 field"))
        controls.addWidget(self.centring_combo)
        controls.addWidget(QtWidgets.QLabel(tr("shift")))
        self.shift_spin = QtWidgets.QSpinBox()
        self.shift_spin.setObjectName("shiftSpin")
        self.shift_spin.setRange(-MAX_SHIFT, MAX_SHIFT)
        self.shift_spin.setSuffix(tr(" rows"))   # its leading space a translator may drop
        self.shift_spin.setToolTip(tr("Move the 28 × 28 input down (+) or up (−) after centring"))
        controls.addWidget(self.shift_spin)
        controls.addStretch(1)
        layout.addLayout(controls)
        layout.addWidget(help_note(tr("What am I looking at?"), tr(HELP)))
        self.note = QtWidgets.QLabel()
        self.note.setObjectName("preprocessNote")
        self.note.setWordWrap(True)
        layout.addWidget(steady(self.note, lines=3))

        self.plots = pg.GraphicsLayoutWidget()
        style.tune_view(self.plots)
        self.plots.setMinimumHeight(420)
        layout.addWidget(self.plots, 1)
        self.stage_images = []
        for col, title in enumerate(STAGE_TITLES["mass"]):
            plot = without_si_prefixes(self.plots.addPlot(row=0, col=col, enableMenu=False))
            plot.setTitle(tr(title), size="9pt")
            plot.invertY(True)
            plot.setAspectLocked(True)
            plot.setMouseEnabled(False, False)
            plot.hideAxis("bottom")
            plot.hideAxis("left")
            image = heatmap(plot, style.INK, (0.0, 1.0))
            self.stage_images.append((plot, image))
        self.centre_mark = pg.ScatterPlotItem(size=9, symbol="+", pen=pg.mkPen(style.ACCENT, width=2))
        self.stage_images[3][0].addItem(self.centre_mark)
        self.shift_plot = without_si_prefixes(self.plots.addPlot(row=1, col=0, colspan=4, enableMenu=False))
        self.shift_plot.setTitle(tr("final probability of each class against the vertical shift"), size="9pt")
        self.shift_plot.setLabel("bottom", tr("shift (rows; + is down)"))
        self.shift_plot.setMouseEnabled(False, False)
        self.shift_plot.setYRange(0, 1.02, padding=0)
        self.shift_plot.addLegend(offset=(2, 2), colCount=5, labelTextSize="8pt")
        self.shift_curves = [self.shift_plot.plot([], [], name=str(k),
                                                  pen=pg.mkPen(style.CLASS_COLOURS[k], width=2))

                             for k in range(10)]
        self.shift_line = self.shift_plot.addLine(
            x=0, pen=pg.mkPen(style.ACCENT, style=QtCore.Qt.PenStyle.DashLine))

        self.centring_combo.currentIndexChanged.connect(
            lambda _i: setattr(state, "centring", self.centring_combo.currentData()))
        self.shift_spin.valueChanged.connect(lambda value: setattr(state, "shift", int(value)))
        state.events.centring.connect(self._follow_options)
        state.events.shift.connect(self._follow_options)
        for signal in (state.events.trace, state.events.network):
            signal.connect(self.changed)
        self._follow_options()

    def set_steps(self, steps: PreprocessSteps | None) -> None:
        """The drawing's latest steps (None: the input shown is not the drawing)."""
        self.steps = steps
        self.changed()

    # --- updates ------------------------------------------------------------------------------
    def _follow_options(self, *_args) -> None:
        for widget, value in ((self.centring_combo, self.centring_combo.findData(self.state.centring)),
                              (self.shift_spin, self.state.shift)):
            with signals_blocked(widget):
                widget.setCurrentIndex(value) if widget is self.centring_combo else widget.setValue(value)
        self.shift_line.setPos(self.state.shift)

    def unshifted_input(self) -> np.ndarray | None:
        """The 28 × 28 input before the shift (the shift curve moves this)."""
        trace = self.state.trace
        if trace is None:
            return None
        steps = self.steps
        if steps is not None and steps.shift and steps.fitted.size:
            return place(steps.fitted, steps.top, steps.left)   # nothing lost off the edge
        return trace.image

    def refresh(self) -> None:
        self._stale = False
        steps, trace = self.steps, self.state.trace
        drawing = steps is not None and trace is not None   # the drawing clears steps when replaced
        titles = [tr(t) for t in STAGE_TITLES["none" if drawing and steps.centring == "none" else "mass"]]
        for k, (plot, image) in enumerate(self.stage_images):
            if plot.titleLabel.text != titles[k]:
                plot.setTitle(titles[k], size="9pt")
            if k == 3:
                data = None if trace is None else trace.image
            elif drawing:
                data = (steps.ink, steps.crop, steps.fitted)[k]
            else:
                data = None
            image.setImage(np.zeros((1, 1), np.float32) if data is None or data.size == 0 else data,
                           autoLevels=False)
            image.setLevels((0.0, 1.0))
        if drawing and steps.centre_of_mass is not None:
            row, col = steps.centre_of_mass
            self.centre_mark.setData([col + 0.5], [row + steps.shift + 0.5])
        else:
            self.centre_mark.setData([], [])
        if trace is None:
            self.note.setText(tr("Draw a digit to see the steps it goes through."))
        elif drawing:
            # Two whole sentences, the second only when there is ink (a space between them).
            sentences = [_placed(steps.centring, steps.shift)]
            if steps.centre_of_mass is not None:
                sentences.append(tr("Its centre of mass is at row {row:.1f}, column {column:.1f} "
                                    "(the cross).", row=steps.centre_of_mass[0] + steps.shift + 1,
                                    column=steps.centre_of_mass[1] + 1))
            self.note.setText(" ".join(sentences))
        else:
            self.note.setText(tr("This input did not come from the drawing: only its 28 × 28 image is shown "
                                 "(the centring applies to drawings). The shift plot still applies."))
        self._compute_curve()

    def _compute_curve(self) -> None:
        image, network, trace = self.unshifted_input(), self.state.network, self.state.trace
        if image is None:
            self.curve = None
            for curve in self.shift_curves:
                curve.setData([], [])
            return

        def work(_ctx):
            return network.predict(shifted_batch(image, SHIFTS))

        def done(probs: np.ndarray) -> None:
            if self.state.trace is not trace:
                return
            self.curve = probs
            for k, curve in enumerate(self.shift_curves):
                curve.setData(SHIFTS, probs[:, k])

        self.runner.run(work, key="shift curve", on_done=done)


def _placed(centring: str, shift: int) -> str:
    """How the drawing was placed: one whole sentence per centring, its form by the rows shifted."""
    if centring == "mass":
        return ntr("Your drawing, centred by its centre of mass (MNIST's way), shifted {count:+d} rows.",
                   "Your drawing, centred by its centre of mass (MNIST's way), shifted {count:+d} rows.",
                   shift)
    if centring == "box":
        return ntr("Your drawing, centred by its bounding box, shifted {count:+d} rows.",
                   "Your drawing, centred by its bounding box, shifted {count:+d} rows.", shift)
    return ntr("Your drawing, not centred (the whole canvas scaled to 28 × 28), shifted {count:+d} rows.",
               "Your drawing, not centred (the whole canvas scaled to 28 × 28), shifted {count:+d} rows.",
               shift)


def build_panel(context: PanelContext) -> PreprocessPanel:
    panel = PreprocessPanel(context.state, context.jobs)
    panel.set_steps(context.drawing_steps())   # the drawing made before the panel existed
    context.drawing_steps_changed.connect(panel.set_steps)
    return panel
