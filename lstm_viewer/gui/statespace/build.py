"""The state-space panel's background work: the pass over the test digits, and what the views need.

``prepare`` runs inside a job (``JobRunner.run(..., key="statespace")``): it reads the digits and
builds the ``StateSpace`` (or loads it from the disk cache), then fixes what must not change from
row to row: each layer's plot frame and the colour range of its class means, from a sample of the
digits over every row (a tenth of a second; the full clouds cost far more, see below). It reports
``Progress`` as it goes and stops at the next chunk when the job is cancelled.

``row_views`` is the second job ("statespace views"): each (layer, row)'s cloud and class means,
computed once in the space's own caches, the row on screen first. Reading every state once costs
seconds for 10,000 digits (float16 to float32 is the slow part), so a launch from the cache does not
wait for it: the row shown is ready after one step. ``Eta`` turns progress into "about 20 s left".
No Qt here: the job's ``check`` raises the core's ``Cancelled`` (``core.cancel``).

With a training history (issue #24, point 6) the panel shows ``HistorySpace``: ``prepare_history`` is
its job ("statespace history"; the probe's states through every snapshot, progress in snapshots), and
``SnapshotSpace`` presents one snapshot of it with ``StateSpace``'s queries, so the panel's drawing
code serves both: clouds, class means and answers are the pass's (on the final snapshot's axes, a
snapshot not ready yet shown through the nearest ready one); neighbours need the full states, which are
kept for no snapshot but computed for the one on screen when first asked (in the neighbours job, after
the timeline rests; ``NeighbourSpaces`` keeps the last few).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ...core.history import TrainingHistory
from ...core.i18n import tr
from ...core.network import CLASSES, ROWS, Network
from ...statespace import Digits, StateSpace, default_digits
from ...statespace.history import HistorySpace, probe
from ..state.jobs import JobContext

SAMPLE = 1000     # digits whose states fix the frames and colour ranges
MARGIN = 0.08     # of the sample's extent, added on each side: the full set reaches a little further


@dataclass(frozen=True)
class Progress:
    """One step of the work: ``phase`` is "digits" (reading them), "states" (the pass, in digits)
    or "frames" (in layers)."""

    phase: str
    done: int
    total: int


Frame = tuple[float, float, float, float]   # x0, x1, y0, y1 in a layer's principal coordinates


@dataclass
class Prepared:
    """A built space and what the panel draws from it, for one network."""

    network: Network
    digits: Digits
    space: StateSpace
    frames: list[Frame]    # per layer: the plot's range at every row
    limits: list[float]    # per layer: colour limit of the class means at every row
    # Hash of a digit's bytes -> its index (index_of); built in the job, not part of what it is.
    _by_image: dict[int, int] | None = field(default=None, init=False, repr=False, compare=False)

    def index_of(self, image: np.ndarray) -> int | None:
        """The digit whose network input (uint8 / 255, as the digit picker makes it) is exactly
        ``image``, or None: so a test digit is left out of its own neighbours however it was loaded."""
        codes = np.rint(np.asarray(image, np.float32) * 255.0)
        if codes.shape != (ROWS, ROWS) or codes.min() < 0 or codes.max() > 255:
            return None
        codes = codes.astype(np.uint8)
        if not np.array_equal(codes.astype(np.float32) / 255.0, image):
            return None   # not a digit of the set (a drawing, an edited row...)
        index = self.digits_by_image().get(hash(codes.tobytes()))
        return index if index is not None and np.array_equal(self.digits.images[index], codes) else None

    def digits_by_image(self) -> dict[int, int]:
        """Hash of each digit's bytes -> its index (the first, for identical digits); built once."""
        if self._by_image is None:
            self._by_image = {}
            for index, digit in enumerate(self.digits.images):
                self._by_image.setdefault(hash(digit.tobytes()), index)
        return self._by_image


def prepare(network: Network, digits: Digits | None, ctx: JobContext) -> Prepared:
    """Build (or load) the state space of ``digits`` (default: ``default_digits()``) for ``network``."""
    if digits is None:
        ctx.report(Progress("digits", 0, 1))
        digits = default_digits()
    ctx.check()
    ctx.report(Progress("states", 0, len(digits.images)))
    space = StateSpace.build(network, digits.images, digits.labels,
                             progress=lambda done, total: ctx.report(Progress("states", done, total)),
                             check=ctx.check, background=True)
    frames, limits = [], []
    for layer in range(space.layers):
        ctx.check()
        ctx.report(Progress("frames", layer, space.layers))
        frame, limit = sample_frame(space, layer)
        frames.append(frame)
        limits.append(limit)
    prepared = Prepared(network, digits, space, frames, limits)
    prepared.digits_by_image()   # built here, off the window's thread
    return prepared


@dataclass(frozen=True)
class HistoryStarted:
    """Reported by ``prepare_history`` once the final snapshot's axes are known: the space (its
    snapshots turn ready one by one) and the probe digits."""

    history: TrainingHistory
    digits: Digits
    space: HistorySpace


def prepare_history(history: TrainingHistory, digits: Digits | None, ctx: JobContext) -> HistoryStarted:
    """Every snapshot's states for the probe (the first ``PROBE_SIZE`` of ``digits``, default
    ``default_digits()``), on the final snapshot's axes; reports ``Progress("snapshots", …)`` and a
    ``HistoryStarted`` as soon as the space can be drawn from."""
    if digits is None:
        ctx.report(Progress("digits", 0, 1))
        digits = default_digits()
    ctx.check()
    images, labels = probe(digits.images, digits.labels)
    digits = digits.replace(images=images, labels=labels, ids=digits.ids[:len(images)])
    ctx.report(Progress("snapshots", 0, len(history)))
    started: list[HistoryStarted] = []

    def on_start(space: HistorySpace) -> None:
        started.append(HistoryStarted(history, digits, space))
        ctx.report(started[0])

    HistorySpace.build(history, images, labels, check=ctx.check, background=True, on_start=on_start,
                       progress=lambda done, total: ctx.report(Progress("snapshots", done, total)))
    return started[0]


class NeighbourSpaces:
    """The full probe states of the last few snapshots looked at (neighbours need them): built on
    first use, in the thread that asks (the neighbours job), one at a time."""

    KEEP = 3

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images, self.labels = images, labels
        self._spaces: OrderedDict[int, tuple[Network, StateSpace]] = OrderedDict()
        self._lock = threading.Lock()

    def space(self, network: Network) -> StateSpace:
        with self._lock:
            key = id(network)
            found = self._spaces.get(key)
            if found is not None and found[0] is network:
                self._spaces.move_to_end(key)
                return found[1]
            space = StateSpace.build(network, self.images, self.labels, cache=False, threads=1,
                                     background=True)
            self._spaces[key] = (network, space)
            while len(self._spaces) > self.KEEP:
                self._spaces.popitem(last=False)
            return space


class SnapshotSpace:
    """Snapshot ``shown`` of a ``HistorySpace`` with ``StateSpace``'s queries, for the panel that shows
    ``network`` (snapshot ``snapshot``): clouds, class means and answers are ``shown``'s (``snapshot``
    itself once ready), paths are projected on the fixed axes, neighbours are ``network``'s."""

    from_cache = False

    def __init__(self, space: HistorySpace, snapshot: int, shown: int, network: Network,
                 neighbour_spaces: NeighbourSpaces) -> None:
        self.history_space, self.snapshot, self.shown, self.network = space, snapshot, shown, network
        self._neighbour_spaces = neighbour_spaces
        self.images, self.labels, self.units = space.images, space.labels, space.units
        self.predictions = space.predictions[shown]
        self.from_cache = space.from_cache

    n = property(lambda self: self.history_space.n)
    layers = property(lambda self: self.history_space.layers)

    def cloud(self, layer: int, row: int) -> np.ndarray:
        return self.history_space.cloud(self.shown, layer, row)

    def selectivity(self, layer: int, row: int) -> np.ndarray:
        return self.history_space.selectivity(self.shown, layer, row)

    def project(self, trace, layer: int) -> np.ndarray:
        return self.history_space.project(trace, layer)

    def explained(self, layer: int) -> np.ndarray:
        return self.history_space.explained(layer)

    def neighbours(self, trace, layer: int, row: int, k: int = 8, **options):
        """In ``network``'s full space of the probe's states (built on first use)."""
        return self._neighbour_spaces.space(self.network).neighbours(trace, layer, row, k, **options)


def sample_frame(space: StateSpace, layer: int, sample: int = SAMPLE) -> tuple[Frame, float]:
    """A layer's frame (the sample's extent on PC1 and PC2 over every row, plus a margin) and the
    colour limit of its class means (the sample's largest, over every row).

    The sample is the first ``sample`` digits: the MNIST test set and the shipped digits are in no
    particular order, and a contiguous block is read from the (memory-mapped) states at once.
    """
    chosen = slice(0, min(sample, space.n))
    labels = space.labels[chosen]
    classes = [labels == k for k in range(CLASSES) if np.any(labels == k)]
    mean, axes = space.mean(layer), space.components(layer)[:2].T
    low, high, top = np.full(2, np.inf), np.full(2, -np.inf), 0.0
    for row in range(ROWS):
        h = space.hidden(layer, row)[chosen].astype(np.float32)
        points = (h - mean) @ axes
        low, high = np.minimum(low, points.min(axis=0)), np.maximum(high, points.max(axis=0))
        top = max(top, max(float(np.abs(h[members].mean(axis=0)).max()) for members in classes))
    pad = MARGIN * np.maximum(high - low, 1e-6)
    low, high = low - pad, high + pad
    return (float(low[0]), float(high[0]), float(low[1]), float(high[1])), colour_limit(top)


def union(frame: Frame, points: np.ndarray) -> Frame:
    """``frame`` grown to hold every one of ``points`` (n, 2)."""
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return (min(frame[0], float(x0)), max(frame[1], float(x1)), min(frame[2], float(y0)),
            max(frame[3], float(y1)))


def row_views(space: StateSpace, order: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """A generator job: for each (layer, row) in ``order``, the cloud and the class means, computed
    into the space's caches; yields each pair when done (an abort point)."""
    for layer, row in order:
        space.cloud(layer, row)
        space.selectivity(layer, row)
        yield layer, row


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
        return tr("about {seconds} s left", seconds=max(1, round(seconds)))
    return tr("about {minutes} min left", minutes=round(seconds / 60))
