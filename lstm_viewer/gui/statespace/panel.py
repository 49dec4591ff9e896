"""The state-space panel: this digit's state travelling among the test digits' states as rows arrive.

Follows ``state.network`` (a new model: a new space), ``state.trace`` (the path and the neighbours),
``state.row`` (the cloud, the path so far, the neighbours and the class means at that row) and
``state.selection`` (the unit framed in the selectivity heatmap); writes ``state.selection`` when a
unit is clicked and makes a test digit current through ``show_input`` when one is clicked.

The pass over the test digits (``statespace_build.prepare``) runs in the job runner under the key
"statespace", with progress, ETA and Cancel; it starts the first time the panel is shown, never
at launch, and the disk cache makes the next launch quick. Two more jobs keep stepping cheap: each
(layer, row)'s cloud and class means are computed once ("statespace views", the row on screen
first), and each trace's neighbours for all 28 rows ("statespace neighbours", the current row
first); a new row then only looks numbers up and repaints. A hidden panel starts no work and
catches up when shown.

With a training history (``state.history``) the panel shows the history's state space instead
(issue #24, point 6): one job ("statespace history") runs the probe (the first 1,000 of the digits)
through every snapshot once, on the final snapshot's axes, and moving the timeline then only swaps
which snapshot's clouds are drawn (``SnapshotSpace``): the classes pull apart under one projection.
A snapshot not ready yet is drawn through the nearest ready one, and the status line says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets
from superqt.utils import qdebounced, signals_blocked

from ...core.i18n import N_, ntr, tr
from ...core.network import ROWS, Trace
from ...statespace import Digits
from ..plots import style
from ..state.jobs import JobRunner, describe_error
from ..state.view_state import ViewState
from ..widgets.help_note import help_note
from ..widgets.refresh_when_shown import RefreshWhenShown
from ..widgets.steady_label import steady
from .build import (
    Eta,
    HistoryStarted,
    NeighbourSpaces,
    Prepared,
    Progress,
    SnapshotSpace,
    describe_seconds,
    prepare,
    prepare_history,
    row_views,
    union,
)
from .cloud import CloudView
from .neighbours import NeighbourStrip, as_unit_image, thumbnail
from .selectivity import SelectivityView

if TYPE_CHECKING:
    from ..panels import PanelContext

NEIGHBOURS = 8
SETTLE_MS = 120    # look for neighbours this long after the input stops changing (live drawing)

ShowInput = Callable[[np.ndarray, str], object]   # (image28 in [0, 1], a description) -> anything

HELP = N_("""<p><b>Each dot is one test digit</b>: the state h of the chosen layer after the network has
read its first rows, up to the current row. That state is a point in a space with one direction per
unit (256 for the default model). To draw it on a flat screen, every state is projected onto the two
directions along which the test digits' states vary most, over all rows (the principal components
PC1 and PC2; each axis says how much of the variation it carries). The axes stay the same at every
row: when you step, the dots move because the states change. Watch the colours (the true digits)
gather into groups as more rows are read. A cross marks a digit the network gets wrong in the end.</p>
<p><b>The black path is your digit</b>: its state after row 1, 2, … up to now (the large dot). The
rings mark its nearest neighbours, shown below with their distance; they are found in the full
space, not in this picture. Point at a dot to see that digit; click it to load it.</p>
<p><b>What a flat projection can show</b>: the broad layout. Two dots far apart here are at least that
far apart in the full space, and the path shows when your digit heads towards a group. <b>What it
cannot show</b>: dots that overlap here may be far apart in the full space, because every other
direction is flattened away (the more so when PC1 and PC2 carry little of the variation). So distances
and neighbours seen in the picture are not the real ones, and classes that overlap here may still be
told apart by the network's last layer, which uses every direction at once.</p>
<p><b>Class selectivity</b>: for each class (rows) and unit (columns), the mean h of the test digits
of that class at this row. A column red for one class and pale for the others is a unit that responds
to that class. Group the units by the class they prefer, and click a column to open that unit in the
unit inspector.</p>""")


class StateSpacePanel(RefreshWhenShown):
    """The cloud with this digit's path, its nearest test digits, and class selectivity."""

    def __init__(self, state: ViewState, runner: JobRunner, show_input: ShowInput,
                 digits: Digits | None = None, parent: QtWidgets.QWidget | None = None) -> None:

        super().__init__(parent)
        self.setObjectName("stateSpacePanel")
        self.state, self.runner, self.show_input = state, runner, show_input
        self._digits = digits                        # None: default_digits(), read in the job
        self.prepared: Prepared | None = None        # the space of ``state.network`` once built
        self.status = "idle"                         # idle, building, cancelled, failed, ready
        self._build_for = None                       # the network of the last build started
        self._eta = Eta()
        self._stale = True
        self._path_for: tuple[Trace, int] | None = None
        self._path: np.ndarray | None = None         # (28, 2) the trace's projection on this layer
        self._neighbours_for: tuple[Trace, int] | None = None
        self._neighbours: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._views: set[tuple[int, int]] = set()      # (layer, row) whose cloud and means are computed
        self._views_first: tuple[int, int] | None = None   # what the running views job does first
        self._frames: list = []                       # per layer: the plot's range (may grow once)
        self._loaded: tuple[int, np.ndarray] | None = None   # the test digit last loaded from here
        self.shown_neighbours: tuple[np.ndarray, np.ndarray] | None = None   # (indices, distances)
        self.hovered_index: int | None = None
        # The training history's space (issue #24, point 6): see the module's note.
        self.history_space = None                    # HistorySpace of ``_history_for`` once started
        self.history_status = "idle"                 # idle, building, cancelled, failed, ready
        self._history_for = None                     # the TrainingHistory of the last pass started
        self._history_digits: Digits | None = None
        self._neighbour_spaces: NeighbourSpaces | None = None
        self._build_widgets()
        # Neighbours are looked for once the input has settled for SETTLE_MS.
        self._settle = qdebounced(self._find_neighbours, timeout=SETTLE_MS, parent=self)
        state.events.network.connect(self._on_network)
        state.events.history.connect(self._on_network)   # the same network, now with its history
        state.events.trace.connect(self._on_trace)
        state.events.row.connect(self._on_row)
        state.events.selection.connect(self._on_selection)
        self._show_status()

    # --- widgets ------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel(tr("Layer")))
        self.layer_combo = QtWidgets.QComboBox()
        self.layer_combo.setObjectName("stateSpaceLayerCombo")
        self.layer_combo.setToolTip(tr("Whose states to show: each layer has its own axes"))
        self.layer_combo.currentIndexChanged.connect(self._on_layer)
        top.addWidget(self.layer_combo)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("stateSpaceProgress")
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        top.addWidget(self.progress, 1)
        self.cancel_button = QtWidgets.QPushButton(tr("Cancel"))
        self.cancel_button.setObjectName("stateSpaceCancelButton")
        self.cancel_button.setToolTip(tr("Stop running the test digits through the model"))
        self.cancel_button.clicked.connect(self.cancel)
        top.addWidget(self.cancel_button)
        self.build_button = QtWidgets.QPushButton(tr("Build"))
        self.build_button.setObjectName("stateSpaceBuildButton")
        self.build_button.setToolTip(tr("Run the test digits through the model to record their states"))
        self.build_button.clicked.connect(self.start_build)
        top.addWidget(self.build_button)
        top.addStretch(0)
        layout.addLayout(top)
        self.status_label = QtWidgets.QLabel()
        self.status_label.setObjectName("stateSpaceStatus")
        self.status_label.setWordWrap(True)
        # Three lines, or as many as the sentence shown takes at the column's width: a long data
        # folder's path, or Chinese in a narrow column (five lines at 300 pixels), is never cut.
        self.status_holder = _FittingHolder(self.status_label, lines=3)
        layout.addWidget(self.status_holder)
        layout.addWidget(help_note(tr("What am I looking at?"), tr(HELP)))
        self.legend = QtWidgets.QLabel(_legend_html())
        self.legend.setObjectName("stateSpaceLegend")
        self.legend.setToolTip(tr("Dots are coloured by the digit they really are"))
        self.legend.setWordWrap(True)   # one line wants 522 px: in a narrower column it takes two
        layout.addWidget(self.legend)

        self.cloud = CloudView()
        self.cloud.setMinimumHeight(340)
        self.cloud.hovered.connect(self._on_hovered)
        self.cloud.clicked.connect(self.load_digit)
        layout.addWidget(self.cloud, 1)

        card = QtWidgets.QHBoxLayout()
        self.hover_image = QtWidgets.QLabel()
        self.hover_image.setObjectName("stateSpaceHoverImage")
        self.hover_image.setFixedSize(44, 44)   # empty until a dot is pointed at
        card.addWidget(self.hover_image)
        self.hover_text = QtWidgets.QLabel()
        self.hover_text.setObjectName("stateSpaceHoverText")
        self.hover_text.setWordWrap(True)
        card.addWidget(steady(self.hover_text, lines=2), 1)
        layout.addLayout(card)

        self.neighbours_title = QtWidgets.QLabel()
        self.neighbours_title.setObjectName("neighboursTitle")
        layout.addWidget(steady(self.neighbours_title))
        self.strip = NeighbourStrip(NEIGHBOURS)
        self.strip.clicked.connect(self.load_digit)
        layout.addWidget(self.strip)

        self.selectivity = SelectivityView()
        self.selectivity.unitClicked.connect(self._on_unit_clicked)
        self.selectivity.order_combo.currentIndexChanged.connect(lambda _: self.changed())
        layout.addWidget(self.selectivity)
        self._clear_views()

    # --- what the panel follows ---------------------------------------------------------------
    def layer(self) -> int:
        return max(0, self.layer_combo.currentIndex())

    def showing_row(self) -> bool:
        """True when the cloud and class means on screen are those of the current layer and row."""
        return (self.prepared is not None and self.prepared.network is self.state.network
                and not self._stale and (self.layer(), self.state.row) in self._views)

    def _history_mode(self) -> bool:
        return self.state.history is not None

    def _on_network(self, *_args) -> None:
        if self._history_mode() and self.state.history is self._history_for:
            # Another snapshot of the history whose pass is running or done: no new build, and the
            # picture stays until the next one is drawn (scrubbing must not flicker).
            self._path_for = self._neighbours_for = None
            for job in self.runner.jobs("statespace neighbours"):
                job.cancel()
            if self.state.trace is None:
                self.changed()   # else the new snapshot's trace follows at once (and redraws)
            return
        for job in self.runner.jobs("statespace history"):
            job.cancel()
        self.history_space, self._history_for, self.history_status = None, None, "idle"
        self._neighbour_spaces = None
        self.prepared = None        # the old model's space: its memory goes back now
        self._path_for = self._neighbours_for = None
        self._fill_layer_combo()
        self._clear_views()
        self._stale = True
        # The old space's views and neighbours are of no use now (and would keep it in memory).
        keys = ("statespace views", "statespace neighbours") + (() if self.isVisible() else ("statespace",))
        for key in keys:
            for job in self.runner.jobs(key):
                job.cancel()
        if self.isVisible():
            self.refresh()          # a new build supersedes the old one
        else:
            self.status = "idle"    # built when the panel is shown again
            self._show_status()

    def _on_trace(self, *_args) -> None:
        self._find_loaded()
        self.changed()

    def _find_loaded(self) -> None:
        """Which test digit the input is, if it is one: left out of its own neighbours."""
        trace, loaded = self.state.trace, self._loaded
        if trace is None or loaded is None or not np.array_equal(trace.image, loaded[1]):
            # Not the test digit loaded from the cloud; perhaps one loaded from the digit picker.
            index = None if trace is None or self.prepared is None else self.prepared.index_of(trace.image)
            self._loaded = None if index is None else (index, trace.image)

    def _on_row(self, *_args) -> None:
        self.changed()

    def _on_layer(self, *_args) -> None:
        self.changed()

    def _on_selection(self, *_args) -> None:
        if self.isVisible() and self.prepared is not None:
            self.selectivity.show_selection(self._selected_unit())
        else:
            self._stale = True

    # --- building -----------------------------------------------------------------------------
    def start_build(self) -> None:
        """Run the test digits through the current model (or load them from the cache) in a job;
        with a training history, the probe through every snapshot."""
        network = self.state.network
        if network is None:
            return
        if self._history_mode():
            self.start_history_build()
            return
        self._build_for = network
        self.status = "building"
        self._eta.reset()
        self._progress = Progress("digits", 0, 1)
        digits = self._digits

        def work(ctx):
            return prepare(network, digits, ctx)

        self.runner.run(work, key="statespace", on_done=self._on_built,
                        on_progress=lambda item, n=network: self._on_progress(n, item),
                        on_error=lambda error, n=network: self._on_failed(n, error),
                        on_cancelled=lambda n=network: self._on_cancelled(n))
        self._show_status()

    def cancel(self) -> None:
        """Stop the build (it stops within one batch of digits)."""
        for key in ("statespace", "statespace history"):
            for job in self.runner.jobs(key):
                job.cancel()

    # --- the training history's space ---------------------------------------------------------
    def start_history_build(self) -> None:
        """Run the probe through every snapshot of ``state.history`` (or load it from the cache)."""
        history = self.state.history
        if history is None:
            return
        self._history_for, self.history_space, self.history_status = history, None, "building"
        self._build_for = None
        self._eta.reset()
        self._progress = Progress("snapshots", 0, len(history))
        for job in self.runner.jobs("statespace"):
            job.cancel()   # the single network's space is not what this panel shows now
        digits = self._digits

        def work(ctx):
            return prepare_history(history, digits, ctx)

        self.runner.run(work, key="statespace history",
                        on_progress=lambda item, h=history: self._on_history_progress(h, item),
                        on_done=lambda started, h=history: self._on_history_done(h, started),
                        on_error=lambda error, h=history: self._on_history_failed(h, error),
                        on_cancelled=lambda h=history: self._on_history_cancelled(h))
        self._show_status()

    def _on_history_progress(self, history, item) -> None:
        if history is not self._history_for:
            return
        if isinstance(item, HistoryStarted):
            self._history_started(item)
            return
        self._progress = item
        if item.phase != "snapshots":
            self._eta.reset()
        if self.history_space is not None and item.phase == "snapshots":
            self.changed()   # a snapshot nearer the one asked for may be ready, the frames may grow
        else:
            self._show_status()

    def _history_started(self, started: HistoryStarted) -> None:
        self.history_space = started.space
        self._history_digits = started.digits
        self._neighbour_spaces = NeighbourSpaces(started.space.images, started.space.labels)
        self.changed()

    def _on_history_done(self, history, started: HistoryStarted) -> None:
        if history is not self._history_for:
            return
        if self.history_space is not started.space:
            self._history_started(started)
        self.history_status = "ready"
        self.changed()
        self._show_status()

    def _on_history_failed(self, history, error: BaseException) -> None:
        if history is self._history_for:
            self.history_status, self._failure = "failed", error
            self._show_status()

    def _on_history_cancelled(self, history) -> None:
        if history is self._history_for:
            self.history_status = "cancelled"
            self._show_status()

    def _snapshot(self) -> int:
        snapshot = self.state.snapshot
        return len(self.state.history) - 1 if snapshot is None else int(snapshot)

    def _history_prepared(self) -> Prepared | None:
        """The snapshot shown (or the nearest ready one) as the panel's ``Prepared``, or None."""
        space = self.history_space
        if space is None or self.state.network is None:
            return None
        wanted = self._snapshot()
        shown = space.nearest_ready(wanted)
        if shown is None:
            return None
        view = SnapshotSpace(space, wanted, shown, self.state.network, self._neighbour_spaces)
        return Prepared(self.state.network, self._history_digits, view, space.frames(), space.limits())

    def _refresh_history(self) -> bool:
        """Bring the history's space up to date; False while there is nothing to draw yet."""
        history = self.state.history
        if self._history_for is not history or self.history_status == "idle" or (
                self.history_status == "building" and not self.runner.jobs("statespace history")
                and self.history_space is None):
            self.start_history_build()
        old, space = self.prepared, self.history_space
        if space is None:
            return False
        if old is not None and old.network is self.state.network and isinstance(old.space, SnapshotSpace) \
                and old.space.history_space is space and old.frames is space.frames() \
                and old.space.shown == space.nearest_ready(self._snapshot()):
            return True   # nothing new: the same snapshot, and no snapshot landed since
        prepared = self._history_prepared()
        if prepared is None:
            return False
        if old is not None and old.digits is prepared.digits:
            prepared._by_image = old._by_image   # the digits' index (index_of) is the same
        self.prepared = prepared
        space = prepared.space
        if old is None or not isinstance(old.space, SnapshotSpace) \
                or old.space.history_space is not space.history_space or old.space.shown != space.shown:
            self.cloud.points.set_digits(space.labels, space.predictions != space.labels)
        if list(prepared.frames) != self._frames:
            self._frames = list(prepared.frames)
            self._path_for = None   # the frame is set with the path
        self._views = {(layer, row) for layer in range(space.layers) for row in range(ROWS)}
        self._views_first = None
        self._find_loaded()
        return True

    def _on_progress(self, network, progress: Progress) -> None:
        if network is not self.state.network:
            return
        self._progress = progress
        if progress.phase != "states":
            self._eta.reset()
        self._show_status()

    def _on_built(self, prepared: Prepared) -> None:
        if prepared.network is not self.state.network or self._history_mode():
            return    # a model that has since been replaced (its successor is being built)
        self.prepared = prepared
        self.status = "ready"
        self._digits = prepared.digits      # read once: the next model uses the same digits
        space = prepared.space
        self.cloud.points.set_digits(space.labels, space.predictions != space.labels)
        self._path_for = self._neighbours_for = None
        self._views, self._views_first = set(), None
        self._frames = list(prepared.frames)
        self._find_loaded()   # a test digit picked while the space was being built
        self._show_status()
        self._show_hover(None)
        self.changed()

    def _on_failed(self, network, error: BaseException) -> None:
        if network is self.state.network:
            self.status = "failed"
            self._failure = error
            self._show_status()

    def _on_cancelled(self, network) -> None:
        if network is self.state.network:
            self.status = "cancelled"
            self._show_status()

    def _show_status(self) -> None:
        if self._history_mode():
            self._show_history_status()
            return
        building = self.status == "building"
        self.progress.setVisible(building)
        self.cancel_button.setVisible(building)
        self.build_button.setVisible(self.status in ("cancelled", "failed"))
        if building:
            progress = self._progress
            self.progress.setRange(0, max(1, progress.total))
            self.progress.setValue(progress.done)
            if progress.phase == "digits":
                text = tr("Waiting for the test digits: reading them…")
            elif progress.phase == "states":
                left = describe_seconds(self._eta.seconds_left(progress.done, progress.total))
                if left:
                    text = ntr("Waiting for the states: running the {count:,} test digit through the model "
                               "({done:,} done, {left}). The window keeps working.",
                               "Waiting for the states: running the {count:,} test digits through the model "
                               "({done:,} done, {left}). The window keeps working.",
                               progress.total, done=progress.done, left=left)
                else:
                    text = ntr("Waiting for the states: running the {count:,} test digit through the model "
                               "({done:,} done). The window keeps working.",
                               "Waiting for the states: running the {count:,} test digits through the model "
                               "({done:,} done). The window keeps working.",
                               progress.total, done=progress.done)
            else:
                text = tr("Waiting for the axes: fitting each layer's plot to its states "
                          "(layer {layer} of {layers})…", layer=progress.done + 1, layers=progress.total)
        elif self.status == "cancelled":
            text = tr("Stopped. The cloud needs every test digit's state: Build runs them again.")
        elif self.status == "failed":
            failure = getattr(self, "_failure", None)
            text = tr("Could not build the state space: {reason}",
                      reason=describe_error(failure) if failure else "")
        elif self.status == "ready" and self.prepared is not None \
                and (self.layer(), self.state.row) not in self._views:
            text = tr("Waiting for row {row}: projecting every test digit's state onto layer {layer}'s axes…",
                      row=self.state.row + 1, layer=self.layer() + 1)
        elif self.status == "ready" and self.prepared is not None:
            space, digits = self.prepared.space, self.prepared.digits
            right = float(np.mean(space.predictions == space.labels))
            source = f"{digits.source[:1].upper()}{digits.source[1:]}"   # a sentence's start
            if space.from_cache:
                text = tr("{source}. The network reads {share:.1%} of them correctly (states loaded from "
                          "the cache).", source=source, share=right)
            else:
                text = tr("{source}. The network reads {share:.1%} of them correctly.", source=source,
                          share=right)
        else:
            text = tr("The state space is built when this panel is shown.")
        self.status_holder.set_text(text)

    def _show_history_status(self) -> None:
        building = self.history_status == "building"
        self.progress.setVisible(building)
        self.cancel_button.setVisible(building)
        self.build_button.setVisible(self.history_status in ("cancelled", "failed"))
        history, space, prepared = self.state.history, self.history_space, self.prepared
        lines = []
        if building:
            progress = self._progress
            self.progress.setRange(0, max(1, progress.total))
            self.progress.setValue(progress.done)
            if progress.phase == "digits":
                lines.append(tr("Waiting for the test digits: reading them…"))
            else:
                left = describe_seconds(self._eta.seconds_left(progress.done, progress.total))
                if left:
                    lines.append(tr("Running the probe digits through every snapshot of the training "
                                    "history ({done} of {total} snapshots done, {left}). The window "
                                    "keeps working.", done=progress.done, total=progress.total, left=left))
                else:
                    lines.append(tr("Running the probe digits through every snapshot of the training "
                                    "history ({done} of {total} snapshots done). The window keeps "
                                    "working.", done=progress.done, total=progress.total))
        elif self.history_status == "cancelled":
            lines.append(tr("Stopped. Snapshots not run yet show the nearest one that was: Build runs "
                            "the rest."))
        elif self.history_status == "failed":
            failure = getattr(self, "_failure", None)
            lines.append(tr("Could not build the state space: {reason}",
                            reason=describe_error(failure) if failure else ""))
        if space is not None and prepared is not None and isinstance(prepared.space, SnapshotSpace) \
                and history is not None:
            view, digits = prepared.space, prepared.digits
            right = float(np.mean(view.predictions == view.labels))
            if view.shown != view.snapshot:
                lines.append(tr("Snapshot {wanted}'s states are not ready yet: showing snapshot {shown} "
                                "(step {step:,}) meanwhile.", wanted=view.snapshot + 1, shown=view.shown + 1,
                                step=int(history.steps[view.shown])))
            lines.append(ntr("Snapshot {snapshot} of {snapshots} (step {step:,}): the first {count:,} "
                             "digit of {source}, on the final snapshot's axes; the network reads "
                             "{share:.1%} of them correctly.",
                             "Snapshot {snapshot} of {snapshots} (step {step:,}): the first {count:,} "
                             "digits of {source}, on the final snapshot's axes; the network reads "
                             "{share:.1%} of them correctly.", view.n, snapshot=view.shown + 1,
                             snapshots=len(history), step=int(history.steps[view.shown]),
                             source=digits.source, share=right))
        elif not lines:
            lines.append(tr("The state space is built when this panel is shown."))
        self.status_holder.set_text("".join(lines) if _wraps_anywhere(lines) else " ".join(lines))

    # --- drawing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring everything up to date with the state; start the build when there is no space yet."""
        self._stale = False
        network = self.state.network
        if network is None:
            return
        if self.layer_combo.count() != len(network.units):
            self._fill_layer_combo()
        prepared = self.prepared
        if self._history_mode():
            if not self._refresh_history():
                self._show_status()
                return
            prepared = self.prepared
        elif prepared is None or prepared.network is not network:
            if self._build_for is not network or self.status == "idle" or (
                    self.status == "building" and not self.runner.jobs("statespace")):
                self.start_build()
            return
        layer, row, trace = self.layer(), self.state.row, self.state.trace
        space = prepared.space
        if not _same(self._path_for, (trace, layer)):
            self._new_path(trace, layer)
        if self._path is None:
            self.cloud.show_path(None)
        else:
            read = int(np.argmax(trace.probs[row]))
            self.cloud.show_path(self._path[:row + 1],
                                 tr("row {row} · reads {digit}", row=row + 1, digit=read))
        ready = (layer, row) in self._views
        points = space.cloud(layer, row) if ready else None
        self.cloud.points.set_positions(np.zeros((0, 2), np.float32) if points is None else points)
        self._show_neighbours(points)
        if ready:
            self.selectivity.show_means(space.selectivity(layer, row), prepared.limits[layer],
                                        tr("<b>Class selectivity</b>, row {row}: mean h per class",
                                           row=row + 1))
            self.selectivity.show_selection(self._selected_unit())
        else:
            self.selectivity.clear(tr("<b>Class selectivity</b>: working out row {row}…", row=row + 1))
            self._start_views()
        self._show_status()

    def _start_views(self) -> None:
        """Compute the clouds and class means not yet computed, the row on screen first."""
        first = (self.layer(), self.state.row)
        if first == self._views_first and self.runner.jobs("statespace views"):
            return   # already on it
        prepared, layers = self.prepared, self.prepared.space.layers
        order = [first] + [(first[0], r) for r in range(ROWS) if r != first[1]] + [
            (layer, r) for layer in range(layers) if layer != first[0] for r in range(ROWS)]
        order = [pair for pair in order if pair not in self._views]
        self._views_first = first
        space = prepared.space

        def work():
            yield from row_views(space, order)

        self.runner.run(work, key="statespace views",
                        on_progress=lambda pair, p=prepared: self._on_view_ready(p, pair))

    def _on_view_ready(self, prepared: Prepared, pair: tuple[int, int]) -> None:
        if prepared is not self.prepared:
            return
        self._views.add(pair)
        layer = pair[0]
        if all((layer, r) in self._views for r in range(ROWS)):
            # Every row of this layer is known: grow its frame if the sample's margin fell short.
            grown = self._frames[layer]
            for r in range(ROWS):
                grown = union(grown, prepared.space.cloud(layer, r))
            if grown != self._frames[layer]:
                self._frames[layer] = grown
                if layer == self.layer():
                    self._path_for = None   # the frame is set with the path
                    self.changed()
                    return
        if pair == (self.layer(), self.state.row):
            self.changed()

    def _new_path(self, trace: Trace | None, layer: int) -> None:
        """A new digit or layer: its path, the plot's frame, and a neighbour search."""
        prepared = self.prepared
        self._path_for = (trace, layer)
        self._path = None if trace is None else prepared.space.project(trace, layer)
        x0, x1, y0, y1 = self._frames[layer]
        if self._path is not None:   # a drawn digit may leave the test digits' cloud: keep it in view
            (px0, py0), (px1, py1) = self._path.min(axis=0), self._path.max(axis=0)
            x0, x1, y0, y1 = min(x0, px0), max(x1, px1), min(y0, py0), max(y1, py1)
        explained = prepared.space.explained(layer)
        self.cloud.set_frame((float(x0), float(x1)), (float(y0), float(y1)),
                             tr("{component} ({share:.0%} of variance)", component="PC1", share=explained[0]),
                             tr("{component} ({share:.0%} of variance)", component="PC2", share=explained[1]))
        self._neighbours_for, self._neighbours = None, {}
        if trace is None:
            self._settle.cancel()
        else:
            self._settle()

    def _find_neighbours(self) -> None:
        """All 28 rows' nearest test digits for the current trace and layer, the current row first."""
        prepared, trace, layer = self.prepared, self.state.trace, self.layer()
        if prepared is None or trace is None or not _same(self._path_for, (trace, layer)) \
                or not self.isVisible():
            self._stale = True
            return
        space, key = prepared.space, (trace, layer)
        exclude = None if self._loaded is None else self._loaded[0]
        rows = [self.state.row] + [r for r in range(ROWS) if r != self.state.row]
        self._neighbours_for, self._neighbours = key, {}

        def work():
            for row in rows:
                indices, distances = space.neighbours(trace, layer, row, k=NEIGHBOURS,
                                                      return_distances=True, exclude=exclude)
                yield row, indices, distances

        self.runner.run(work, key="statespace neighbours",
                        on_progress=lambda found, k=key: self._on_neighbours_found(k, found))

    def neighbours_found(self, row: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The nearest test digits found for ``row`` of the digit shown (indices, distances), or None
        while they are still to be found."""
        return self._neighbours.get(row)

    def _on_neighbours_found(self, key, found) -> None:
        if not _same(key, self._neighbours_for) or self.prepared is None:
            return
        row, indices, distances = found
        self._neighbours[row] = (indices, distances)
        if row == self.state.row and self.isVisible():
            ready = (self.layer(), row) in self._views
            self._show_neighbours(self.prepared.space.cloud(self.layer(), row) if ready else None)

    def _show_neighbours(self, points: np.ndarray | None) -> None:
        """The strip, and rings in the cloud when its ``points`` at this row are known."""
        row, layer, space = self.state.row, self.layer(), self.prepared.space
        found = self._neighbours.get(row) if _same(self._neighbours_for, self._path_for) else None
        if self.state.trace is None:
            self.neighbours_title.setText(tr("Draw or pick a digit: its nearest test digits appear here."))
        elif found is None:
            self.neighbours_title.setText(tr("Finding this digit's nearest test digits…"))
        else:
            self.neighbours_title.setText(ntr(
                "<b>Nearest {nearest}</b> at row {row}, layer {layer} "
                "(distance over its {count} unit of h):",
                "<b>Nearest {nearest}</b> at row {row}, layer {layer} "
                "(distance over all {count} units of h):",
                space.units[layer], nearest=len(found[0]), row=row + 1, layer=layer + 1))
        self.shown_neighbours = found
        if found is None:
            self.cloud.show_rings(None)
            self.strip.clear()
            return
        indices, distances = found
        self.cloud.show_rings(None if points is None else points[indices])
        self.strip.show_digits(indices, distances, space.images, space.labels, space.predictions,
                               (row, layer))

    def _clear_views(self) -> None:
        self.cloud.points.set_positions(np.zeros((0, 2), np.float32))
        self.cloud.show_path(None)
        self.cloud.show_rings(None)
        self.strip.clear()
        self.shown_neighbours = None
        self.selectivity.clear(tr("<b>Class selectivity</b>: waiting for the states"))
        self.neighbours_title.setText("")
        self._show_hover(None)

    def _fill_layer_combo(self) -> None:
        network = self.state.network
        layers = 0 if network is None else len(network.units)
        if self.layer_combo.count() == layers:
            return
        with signals_blocked(self.layer_combo):
            self.layer_combo.clear()
            for k in range(layers):
                self.layer_combo.addItem(tr("{layer} (top)", layer=k + 1) if k == layers - 1 and layers > 1
                                         else f"{k + 1}")
            self.layer_combo.setCurrentIndex(layers - 1)   # the top layer: the one the answer is read from

    # --- pointer and clicks -------------------------------------------------------------------
    def _on_hovered(self, index: int) -> None:
        self._show_hover(None if index < 0 else index)

    def _show_hover(self, index: int | None) -> None:
        self.hovered_index = index
        if index is None or self.prepared is None:
            self.hover_image.clear()
            self.hover_text.setText(tr("Point at a dot to see its digit; click it to load it.")
                                    if self.prepared is not None else "")
            return
        space = self.prepared.space
        label, read = int(space.labels[index]), int(space.predictions[index])
        self.hover_image.setPixmap(thumbnail(space.images[index], 40))
        if read == label:
            text = tr("Test digit {index:,}: a <b>{label}</b>, which the network reads correctly. "
                      "Click to load it.", index=index, label=label)
        else:
            text = tr("Test digit {index:,}: a <b>{label}</b>, which the network reads as {read}. "
                      "Click to load it.", index=index, label=label, read=read)
        self.hover_text.setText(text)

    def load_digit(self, index: int) -> None:
        """Make test digit ``index`` the current input (through ``show_input``)."""
        if self.prepared is None:
            return
        space = self.prepared.space
        image = as_unit_image(space.images[index])
        self._loaded = (int(index), image)
        self.show_input(image, tr("Showing test digit {index:,} (a {label}).", index=index,
                                  label=int(space.labels[index])))

    def _on_unit_clicked(self, unit: int) -> None:
        self.state.selection = (self.layer(), unit)

    def _selected_unit(self) -> int | None:
        selection = self.state.selection
        return selection[1] if selection is not None and selection[0] == self.layer() else None


def _same(a: tuple[Trace | None, int] | None, b: tuple[Trace | None, int] | None) -> bool:
    """Two (trace, layer) keys for the same trace object and layer (traces compare by identity)."""
    return a is not None and b is not None and a[0] is b[0] and a[1] == b[1]


def _legend_html() -> str:
    """The legend, wrapping only between its entries: a Chinese entry (识别错误) is not split, as a
    line may break between any two hanzi (word joiners hold them together)."""
    swatches = " ".join(f"<span style='color:{colour}'>■</span>&nbsp;{k}"
                        for k, colour in enumerate(style.CLASS_COLOURS))
    legend = tr("{swatches} &nbsp; <b>×</b> read wrongly &nbsp; <b>●─</b> this digit &nbsp; <b>○</b> nearest",
                swatches=swatches)
    return HANZI_PAIR.sub(WORD_JOINER, legend)


# Between two hanzi a line may break; a word joiner (U+2060, no width) forbids it there.
HANZI_PAIR = re.compile("(?<=[\u3400-\u4dbf\u4e00-\u9fff])(?=[\u3400-\u4dbf\u4e00-\u9fff])")
WORD_JOINER = "\u2060"


def _wraps_anywhere(sentences: list[str]) -> bool:
    """Whether ``sentences`` are written without spaces between them (Chinese: "。" ends one and the
    next follows at once), rather than with one (English)."""
    return any(sentence.endswith(("。", "！", "？")) for sentence in sentences[:-1])


class _FittingHolder(QtWidgets.QWidget):
    """Holds a word-wrapped ``label`` at the height of at least ``lines`` lines, or of as many as its
    text takes at the width it is given. Like ``steady``, a new text of as many lines does not lay the
    panel out again (the label's size is pinned); a text that needs more or fewer lines does, once."""

    def __init__(self, label: QtWidgets.QLabel, lines: int) -> None:
        super().__init__()
        self.label = label
        label.setParent(self)
        label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        label.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        self._least = self._height_of(lines)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self._least)
        label.setFixedSize(label.sizeHint().width(), self._least)

    def _height_of(self, lines: int) -> int:
        margins = self.label.contentsMargins()
        return lines * self.label.fontMetrics().lineSpacing() + margins.top() + margins.bottom() + 4

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.label.setToolTip(text)   # whole, should it be cut all the same
        self._fit(self.width())

    def _fit(self, width: int) -> None:
        if width <= 0:
            return
        label = self.label
        margins = label.contentsMargins()
        inside = QtCore.QRect(0, 0, max(1, width - margins.left() - margins.right()), 100_000)
        # The label draws plain text as this measures it (QLabel.heightForWidth answered up to half
        # as much again here, a wrapped label's guess).
        needed = label.fontMetrics().boundingRect(inside, QtCore.Qt.TextFlag.TextWordWrap,
                                                  label.text()).height() if label.text() else 0
        height = max(self._least, needed + margins.top() + margins.bottom() + 4)
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        self.label.setFixedSize(event.size())
        if event.size().width() != event.oldSize().width():
            self._fit(event.size().width())
        super().resizeEvent(event)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(self.label.sizeHint().width(), self.height())


def build_panel(context: PanelContext) -> StateSpacePanel:
    return StateSpacePanel(context.state, context.jobs, context.show_digit)
