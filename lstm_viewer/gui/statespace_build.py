"""The state-space panel's background work: the pass over the test digits, and what the views need.

``prepare`` runs inside a job (``JobRunner.run(..., key="statespace")``): it reads the digits, builds
the ``StateSpace`` (or loads it from the disk cache), then computes every (layer, row)'s cloud and
class means once, so that stepping through rows on the GUI thread only looks numbers up. It reports
``Progress`` as it goes and stops at the next chunk when the job is cancelled. ``Eta`` turns that
progress into "about 20 s left". No Qt here beyond the job's own ``Cancelled``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..core.network import ROWS, Network
from ..statespace import Cancelled as PassCancelled
from ..statespace import Digits, StateSpace, default_digits
from .jobs import Cancelled, JobContext


@dataclass(frozen=True)
class Progress:
    """One step of the work: ``phase`` is "digits" (reading them), "states" (the pass, in digits)
    or "views" (clouds and class means, in (layer, row) pairs)."""

    phase: str
    done: int
    total: int


@dataclass
class Prepared:
    """A built space and what the panel draws from it, for one network."""

    network: Network
    digits: Digits
    space: StateSpace
    frames: list[tuple[float, float, float, float]]   # per layer: x0, x1, y0, y1 of the cloud over every row
    limits: list[float]                               # per layer: colour limit of the class means (all rows)


def prepare(network: Network, digits: Digits | None, ctx: JobContext) -> Prepared:
    """Build (or load) the state space of ``digits`` (default: ``default_digits()``) for ``network``."""
    if digits is None:
        ctx.report(Progress("digits", 0, 1))
        digits = default_digits()
    ctx.check()
    ctx.report(Progress("states", 0, len(digits.images)))
    try:
        space = StateSpace.build(network, digits.images, digits.labels,
                                 progress=lambda done, total: ctx.report(Progress("states", done, total)),
                                 should_stop=ctx.should_stop)
    except PassCancelled:
        raise Cancelled() from None
    frames, limits = [], []
    total = space.layers * ROWS
    for layer in range(space.layers):
        low, high, top = np.full(2, np.inf), np.full(2, -np.inf), 0.0
        for row in range(ROWS):
            ctx.check()
            points = space.cloud(layer, row)          # cached in the space: stepping looks it up
            low, high = np.minimum(low, points.min(axis=0)), np.maximum(high, points.max(axis=0))
            top = max(top, float(np.nanmax(np.abs(space.selectivity(layer, row)))))
            ctx.report(Progress("views", layer * ROWS + row + 1, total))
        frames.append((float(low[0]), float(high[0]), float(low[1]), float(high[1])))
        limits.append(colour_limit(top))
    return Prepared(network, digits, space, frames, limits)


def colour_limit(top: float) -> float:
    """A symmetric colour limit just above ``top``, in steps of 0.1 (at least 0.1)."""
    return max(0.1, float(np.ceil(top * 10.0 - 1e-9)) / 10.0)


class Eta:
    """Time left for a count of work done so far, from the rate since the first report."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._start: tuple[float, int] | None = None

    def reset(self) -> None:
        self._start = None

    def seconds_left(self, done: int, total: int) -> float | None:
        """None until the rate is known (two reports with work done in between)."""
        now = self._clock()
        if self._start is None or done < self._start[1]:
            self._start = (now, done)
            return None
        elapsed, work = now - self._start[0], done - self._start[1]
        if work <= 0 or elapsed <= 0:
            return None
        return (total - done) * elapsed / work


def describe_seconds(seconds: float | None) -> str:
    """'about 40 s left', 'about 3 min left', or '' when not known yet."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    return f"about {round(seconds / 60)} min left"
