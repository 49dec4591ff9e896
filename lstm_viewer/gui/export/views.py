"""Which views a figure or an animation can show, by key, without Qt (the command line's --view).

"window" (the whole window), the main views always on screen ("layers", "softmax", "state",
"input"), and the analysis panels by their keys in ``panels.PANELS`` ("unit", "why"…).
"""
from __future__ import annotations

import os
from pathlib import Path

from ...core.errors import UserError
from ...core.i18n import tr
from ..panels import PANELS

WINDOW = "window"
# The views always on screen: key -> the window's attribute. The analysis panels follow (their keys
# are PANELS').
MAIN_VIEWS: dict[str, str] = {"layers": "layers", "softmax": "softmax", "state": "stack_state",
                              "input": "input_view"}
ANIMATION_FORMATS = {".gif": "gif", ".mp4": "mp4"}


def view_keys() -> tuple[str, ...]:
    """Every view a figure or an animation can show: the window, the main views, the panels."""
    return (WINDOW, *MAIN_VIEWS, *(spec.key for spec in PANELS))


def view_title(key: str, window=None) -> str:
    """The view's name as the window shows it (translated); an analysis panel's is its dock's title
    in ``window`` (its key without a window)."""
    titles = {WINDOW: tr("The whole window"), "layers": tr("Inside the LSTM"), "softmax": tr("Softmax"),
              "state": tr("The state of the stack"), "input": tr("Input (28 × 28)")}
    if key in titles:
        return titles[key]
    dock = panel_dock_name(key)
    return window.dock(dock).windowTitle() if window is not None else key


def panel_dock_name(key: str) -> str | None:
    """The dock of an analysis panel's key (None for the window and the main views)."""
    return None if key == WINDOW or key in MAIN_VIEWS else _spec(key).object_name


def format_of(path: str | os.PathLike) -> str:
    """"gif" or "mp4" from an animation file's suffix; any other suffix is a ``UserError``."""
    suffix = Path(path).suffix.lower()
    if suffix not in ANIMATION_FORMATS:
        raise UserError(tr("{path}: an animation is written as .gif or .mp4, not {suffix}", path=path,
                           suffix=suffix or tr("a name without a suffix")))
    return ANIMATION_FORMATS[suffix]


def _spec(key: str):
    for spec in PANELS:
        if spec.key == key:
            return spec
    raise KeyError(key)
