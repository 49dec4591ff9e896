"""The numbers a lesson's text shows with ``{{name}}`` (``core.lessons.LIVE_FIELDS``), from the
view state: each the model's own computation of the digit shown, never a figure written in the file.

``final_h`` and ``outputs_last`` are the seed's identity computed two ways (as the state panel does):
the whole stack stepped one row at a time, against each layer run over all rows before the next;
``gap`` is their largest difference, so the lesson's claim is checked, not asserted.
"""
from __future__ import annotations

import numpy as np

from ...core.i18n import tr
from ...core.network import ROWS
from ..state.view_state import ViewState

SHOWN = 3   # the first values of a vector


def vector(values: np.ndarray) -> str:
    shown = ", ".join(f"{v:+.3f}".replace("-", "−") for v in values[:SHOWN])
    return f"[{shown}{', …' if len(values) > SHOWN else ''}]"


def _gap(value: float) -> str:
    return "0" if value == 0.0 else f"{value:.1e}"


def live_values(state: ViewState, stepped: list | None = None) -> dict[str, str]:
    """Every field the state can fill now (the others are left out: the text shows a dash).
    ``stepped``: ``network.step_through_rows(image)`` when the caller has it (it costs a trace)."""
    network, trace, row = state.network, state.trace, state.row
    values: dict[str, str] = {"row": str(row + 1)}
    if network is not None:
        units = network.units
        values["layers"] = str(len(units))
        values["units"] = str(units[0]) if len(set(units)) == 1 else " / ".join(map(str, units))
        values["top_units"] = str(units[-1])
    if trace is None or network is None:
        return values
    final = trace.probs[-1]
    values["prediction"] = str(int(np.argmax(final)))
    values["probability"] = f"{float(final.max()):.1%}"
    values["so_far"] = str(int(np.argmax(trace.probs[row])))
    values["state_h"] = vector(trace.h[-1][row])
    values["outputs_last"] = vector(trace.outputs[ROWS - 1])
    if stepped is None:
        stepped = network.step_through_rows(trace.image)
    final_h = stepped[-1][1]
    values["final_h"] = vector(final_h)
    values["gap"] = _gap(float(np.max(np.abs(final_h - trace.outputs[ROWS - 1]))))
    if state.selection is not None:
        layer, unit = state.selection
        if layer < len(trace.h) and unit < trace.h[layer].shape[1]:
            values["selected"] = tr("layer {layer}, unit {unit}", layer=layer + 1, unit=unit)
            values["selected_h"] = f"{trace.h[layer][row, unit]:+.3f}".replace("-", "−")
            values["selected_c"] = f"{trace.c[layer][row, unit]:+.3f}".replace("-", "−")
    return values
