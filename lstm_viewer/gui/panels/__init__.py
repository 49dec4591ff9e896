"""The analysis panels, each docked and built when first shown; ``PANELS`` is their one table.

From ``PANELS`` the window builds the docks and places them, the Explain menu (one key per panel),
the panel columns (widths, heights, shared tabs: ``window.panel_columns``) and the screenshot tool's
``--panels`` names. Adding a panel is one module with a ``build_panel(context)`` function and one
``PanelSpec`` here (README: "Adding a panel").

A panel is given a ``PanelContext``: the view state and a few named callables and signals, never the
window. Its module is imported when the panel is first shown (the modules import the analyses, and
launching the window pays for none of them).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ...core.i18n import N_

if TYPE_CHECKING:
    import numpy as np
    from PyQt6 import QtCore, QtWidgets

    from ...core.preprocess import PreprocessSteps
    from ..state.jobs import JobRunner
    from ..state.view_state import ViewState

DEFAULT_WIDTH = 440   # a panel's column width unless its spec says otherwise


@dataclass(frozen=True)
class PanelContext:
    """What a panel may use: the view state, the job runner and narrow callables, never the window."""

    state: ViewState
    jobs: JobRunner
    show_digit: Callable[[np.ndarray, str], None]
    """A digit picked in a panel becomes the input: ``show_digit(image28, tr("Showing test digit …"))``,
    the sentence for the status bar."""
    ask_save_path: Callable[[str, str, str], tuple[str, str]]
    """``ask_save_path(title, suggested_name, filters)`` -> (path or "", chosen filter): a save
    dialog opening in the folder the last file dialog was answered in (and remembering this one)."""
    drawing_steps: Callable[[], PreprocessSteps | None]
    """The drawing's latest preprocessing steps (None: the input shown is not the drawing)."""
    drawing_steps_changed: QtCore.pyqtBoundSignal
    """Emitted with the drawing's new steps (or None)."""
    show_snapshot: Callable[[int], None] | None = None
    """Make snapshot i of the model's training history (``state.history``) the model of every view."""
    show_panel: Callable[[str], None] | None = None
    """Open another panel by its dock's objectName (a lesson step's ``@panel``)."""
    panel_open: Callable[[str], bool] | None = None
    """Whether the panel of that dock is on screen."""
    highlight: Callable[[list[tuple]], None] | None = None
    """Frame these views (``core.lessons`` targets: ("input",), ("layer", 2), ("unit",) …); [] clears."""
    pin: Callable[[], None] | None = None
    """Pin the digit shown as A (Compare)."""
    ask_open_path: Callable[[str, str], str] | None = None
    """``ask_open_path(title, filters)`` -> a path or "": an open dialog in the last folder used."""


@dataclass(frozen=True)
class Placement:
    """Where a panel's dock first stands: ``beside`` another dock (a column of its own, further from
    the layers' edge), ``below`` one (sharing its column; several below the same dock stand in table
    order), or in a ``tab`` with one. Placed in that order: every split before any tab."""

    how: Literal["beside", "below", "tab"]
    dock: str   # the other dock's objectName


@dataclass(frozen=True)
class PanelSpec:
    """One analysis panel. Its texts (title, menu_text, help_text) are marked with ``N_`` and shown
    through ``tr``, in the language of the moment."""

    key: str                  # its short name (the screenshot tool's --panels)
    title: str                # the dock's title and its View ▸ Panels entry
    object_name: str          # the dock's objectName: saved layouts find it by this (never change it)
    module: str               # the module with ``build_panel(context) -> QWidget``, relative to here
    area: Literal["left", "right"]   # the side of the layers it docks on
    placement: Placement
    menu_text: str            # its Explain menu entry (with its & accelerator)
    shortcut: str
    action_name: str          # the Explain action's objectName (the automation surface)
    help_text: str            # the Explain action's status tip and tooltip
    preferred_width: int = DEFAULT_WIDTH   # its column's width when it opens one
    height_share: float | None = None      # its share of the window's height when below another
    shares_tab_with: str | None = None     # opened while this one stands below the same dock: a tab
    scrolling: bool = True                 # wrapped in a scroll area (plots keep their least width)

    def build(self, context: PanelContext) -> QtWidgets.QWidget:
        """The panel, built now (its module imported now)."""
        return importlib.import_module(self.module, __name__).build_panel(context)


RIGHT_OF_PREDICTION = Placement("beside", "predictionDock")

# In the Explain menu's order.
PANELS: tuple[PanelSpec, ...] = (
    # A lesson walks through the other views: beside the input, where no other panel opens over it.
    PanelSpec("lesson", N_("Lesson"), "lessonDock", "..lessons.panel", "left",
              Placement("beside", "inputDock"), N_("&Lesson"), "L", "showLessonAction",
              N_("A guided walk through the window, step by step: the seed's lesson and yours"),
              preferred_width=360, scrolling=False),
    PanelSpec("unit", N_("Unit inspector"), "unitDock", ".unit_inspector", "right", RIGHT_OF_PREDICTION,
              N_("&Unit inspector"), "U", "showUnitInspectorAction",
              N_("What the selected unit does with this digit, row by row")),
    # Below the inspector, above the state space: clicking one of its bars opens that unit in the
    # inspector, and both stay on screen.
    PanelSpec("why", N_("Why this class"), "whyClassDock", ".why_class", "right",
              Placement("below", "unitDock"), N_("&Why this class"), "Y", "showWhyClassAction",
              N_("Which units of the top layer pushed the answer toward its class"),
              height_share=0.4, shares_tab_with="stateSpaceDock", scrolling=False),
    # Which rows and pixels matter, and the preprocessing: beside the input.
    PanelSpec("importance", N_("Rows and pixels that matter"), "importanceDock", ".importance", "left",
              Placement("beside", "inputDock"), N_("&Rows and pixels that matter"), "W",
              "showImportanceAction", N_("Which rows and pixels the answer depends on"), preferred_width=380),
    PanelSpec("preprocess", N_("Preprocessing"), "preprocessDock", ".preprocessing", "left",
              Placement("tab", "importanceDock"), N_("&Preprocessing steps"), "Shift+W",
              "showPreprocessAction",
              N_("How a drawing becomes the 28 × 28 input"), preferred_width=380),
    # The training history's timeline: beside the input (the layers it drives stay whole), tabbed with
    # the rows that matter.
    PanelSpec("history", N_("Training history"), "historyDock", ".history", "left",
              Placement("tab", "importanceDock"), N_("Training &history"), "H", "showHistoryAction",
              N_("Every view as the network was at each moment of its training"), preferred_width=400),
    PanelSpec("compare", N_("Compare A/B"), "compareDock", ".compare", "right", Placement("tab", "unitDock"),
              N_("&Compare A/B"), "C", "showCompareAction", N_("The pinned digit A beside the one shown, B")),
    # Below the inspector: both can be seen at once (choosing a unit in its selectivity map opens
    # the inspector without hiding it). The cloud, neighbours and map need more than half the column.
    PanelSpec("statespace", N_("State space"), "stateSpaceDock", "..statespace.panel", "right",
              Placement("below", "unitDock"), N_("&State space"), "S", "showStateSpaceAction",
              N_("Where this digit's hidden state stands among the test set's"), preferred_width=540,
              height_share=0.6, shares_tab_with="whyClassDock"),
)


def panel_spec(object_name: str) -> PanelSpec:
    """The spec of the panel whose dock is named ``object_name``."""
    for spec in PANELS:
        if spec.object_name == object_name:
            return spec
    raise KeyError(object_name)
