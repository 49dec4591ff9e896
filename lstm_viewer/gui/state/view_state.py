"""What the window is looking at, in one place, free of Qt (napari's ``Dims`` is the pattern).

One evented dataclass: every field has its own signal (``state.events.row``, ``state.events.trace``,
…) that fires with the new value when the value really changes. Who writes what:

- the session (opening models, inputs, training) writes ``network``, ``image`` and ``trace``;
- views and actions write ``row``, ``selection`` and the view options;
- every view reads what it shows from here when told, and keeps no copy of it.

Traces and images compare by identity: a new trace is a new object, and comparing arrays
element by element on every assignment would cost more than the redraw it decides.
"""
from __future__ import annotations

import contextlib
import dataclasses
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from psygnal import SignalGroupDescriptor

from ...analysis.history import HistoryPass
from ...core.history import TrainingHistory
from ...core.network import ROWS, Network, Trace
from ...core.preprocess import CENTRINGS, MAX_SHIFT

LAST_ROW = ROWS - 1


@dataclass(eq=False)
class ViewState:
    """The network, the input and its trace, the row and unit looked at, and the view options."""

    events: ClassVar[SignalGroupDescriptor] = SignalGroupDescriptor(
        equality_operators={"network": operator.is_, "image": operator.is_, "trace": operator.is_,
                            "pinned": operator.is_, "history": operator.is_,
                            "history_pass": operator.is_})

    network: Network | None = None
    image: np.ndarray | None = None          # the (28, 28) input shown; None: nothing to show
    trace: Trace | None = None               # network.trace(image), or None
    row: int = LAST_ROW                      # 0-based: the state after reading rows 0..row
    selection: tuple[int, int] | None = None  # (layer, unit) in model terms, or None
    show_gates: bool = False                 # layer views show i, f, g, o instead of c, h
    rank_by_magnitude: bool = False          # layer views order units by |h| at the current row
    pinned: Trace | None = None              # input A of an A/B comparison (B is ``trace``)
    blanked_rows: tuple = ()                 # what-if edits: rows of the input set blank (sorted)
    centring: str = "mass"                   # how a drawing is placed: "mass", "box" or "none"
    shift: int = 0                           # rows a drawing is moved down (+) or up (−), −6..6
    history: TrainingHistory | None = None   # the model's training history (None: it has none)
    snapshot: int | None = None              # the history's snapshot shown (None: no history)
    history_pass: HistoryPass | None = None  # every snapshot's reading of ``image`` (or None)

    def __setattr__(self, name: str, value) -> None:
        # Checked here, before psygnal's wrapper emits: a bad value never reaches a view.
        if name == "row":
            value = int(value)
            if not 0 <= value <= LAST_ROW:
                raise ValueError(f"row must be in 0..{LAST_ROW}, got {value}")
        elif name == "selection" and value is not None:
            value = self._checked_selection(value)
        elif name == "centring" and value not in CENTRINGS:
            raise ValueError(f"centring must be one of {', '.join(CENTRINGS)}, got {value!r}")
        elif name == "shift":
            value = int(value)
            if not -MAX_SHIFT <= value <= MAX_SHIFT:
                raise ValueError(f"shift must be in -{MAX_SHIFT}..{MAX_SHIFT} rows, got {value}")
        super().__setattr__(name, value)

    def _checked_selection(self, value) -> tuple[int, int]:
        try:
            layer, unit = (int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"selection must be a (layer, unit) pair of whole numbers, "
                             f"got {value!r}") from None
        if layer < 0 or unit < 0:
            raise ValueError(f"selection must count layers and units from 0, got {value!r}")
        network = self.network
        if network is not None:
            if not 0 <= layer < len(network.units):
                raise ValueError(f"layer {layer} does not exist: the model has "
                                 f"{len(network.units)} layers (0-based)")
            if not 0 <= unit < network.units[layer]:
                raise ValueError(f"unit {unit} does not exist: layer {layer} has "
                                 f"{network.units[layer]} units (0-based)")
        return layer, unit

    def set_network(self, network: Network, keep_pinned: bool = False) -> None:
        """A new model: keep the selection only if that unit exists in it (the session calls this).
        ``keep_pinned``: A stays (another snapshot of one history: A/B compares then and now)."""
        with published_together(self):
            self.network = network
            if not keep_pinned:
                self.pinned = None   # A was read by the old model: comparing across models is not A/B
            if self.selection is not None:
                layer, unit = self.selection
                if layer >= len(network.units) or unit >= network.units[layer]:
                    self.selection = None


@contextlib.contextmanager
def published_together(state: ViewState) -> Iterator[None]:
    """Hold back every field's signal until the block ends, then send them in field order
    (network before image before trace): each view then reads a consistent state.

    ``state.events.paused()`` is not enough: psygnal pauses only the group's combined ``all``
    signal with it, and each field's own signal (what the views listen to) fires at once.
    Nested use is fine (an inner block leaves an outer pause alone).
    """
    with contextlib.ExitStack() as stack:
        # Resumed in the reverse order of pausing: pause the last field first.
        for field in reversed(dataclasses.fields(state)):
            stack.enter_context(getattr(state.events, field.name).paused())
        yield
