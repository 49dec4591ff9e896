"""The state space across training: every snapshot of a history, on one fixed basis (the final snapshot's).

    space = HistorySpace.build(history, probe.images, probe.labels, progress=print)
    space.cloud(i, layer, row)        # (n, 2) the probe digits at that row, as snapshot i reads them
    space.project(trace, layer)       # (28, 2) a digit's path (any snapshot's trace) on the same axes

Why one basis: fitting PCA again for each snapshot would rotate, flip and rescale the picture from step
to step (t-SNE and UMAP jump between epochs for the same reason; the Grand Tour's argument). With the
final snapshot's axes, per layer, a dot that moves moved because the network's state moved. The final
snapshot is the trained network, whose directions are the ones the classes end up separated along:
earlier snapshots are seen as "how far along those directions the network has come".

The probe is the first ``PROBE_SIZE`` (1,000) of the state space's digits: the first 1,000 MNIST test
digits when the test set is at hand (the history's own accuracy probe), else the 1,000 shipped test
digits (``core.digits.offline_test_digits``). What is kept per snapshot is only what the panel draws
without the full states: each (layer, row)'s cloud on the fixed axes (float32), the final answers
(the misread crosses) and the class means (selectivity): for the shipped 2 × 64 history 29 × 0.6 MB.
The full states (what neighbours need) are not kept for every snapshot: the panel computes the shown
snapshot's states for the probe on demand (``StateSpace.build`` of 1,000 digits, tens of milliseconds)
once the timeline rests. The basis comes from the final snapshot's pass, so it runs first; then
step 0 and the rest in order, each marked ``ready`` as it lands (a caller may draw those meanwhile).
Cached in the user's cache folder like the state space (``history-statespace-<key>.npz``; the key
hashes every snapshot's weights, the digits and the labels).
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..core.atomic import write_atomically
from ..core.errors import UserError
from ..core.history import PROBE_SIZE, TrainingHistory
from ..core.i18n import tr
from ..core.network import CLASSES, ROWS, Trace
from . import storage
from .batched import hidden_states
from .cache import STALE_SECONDS, cache_dir
from .pca import Axes, principal_axes
from .space import COMPONENTS, _check_digits

FORMAT = 1
KEEP = 3           # cache entries kept (most recently used first)
PREFIX = "history-statespace-"
MARGIN = 0.08      # of the clouds' extent, added on each side of a layer's frame

__all__ = ["HistorySpace", "PROBE_SIZE", "probe"]


def probe(images: np.ndarray, labels: np.ndarray, size: int = PROBE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """The history's probe: the first ``size`` digits (and labels) of a digit set."""
    return images[:size], labels[:size]


class HistorySpace:
    """Every snapshot's probe clouds on the final snapshot's axes. Build with ``HistorySpace.build``.

    ``ready`` (k,) bool says which snapshots are filled in (all of them once ``build`` returns; while
    it runs, a caller given the space through ``on_start`` may read the ready ones). Layers, rows and
    snapshots are 0-based.
    """

    def __init__(self, units: list[int], steps: np.ndarray, images: np.ndarray, labels: np.ndarray,
                 axes: list[Axes], arrays: dict[str, np.ndarray] | None, key: str, from_cache: bool) -> None:
        k, n, layers = len(steps), len(labels), len(units)
        self.units, self.steps, self.images, self.labels = list(units), steps, images, labels
        self.key, self.from_cache = key, from_cache
        self.axes = [Axes(a.mean.astype(np.float32), a.components.astype(np.float32), a.explained)
                     for a in axes]
        if arrays is None:
            arrays = {"clouds": np.zeros((k, layers, ROWS, n, 2), np.float32),
                      "predictions": np.zeros((k, n), np.int64),
                      **{f"selectivity_{layer}": np.full((k, ROWS, CLASSES, u), np.nan, np.float32)
                         for layer, u in enumerate(units)}}
            self.ready = np.zeros(k, bool)
        else:
            self.ready = np.ones(k, bool)
        self.clouds = arrays["clouds"]
        self.predictions = arrays["predictions"]
        self._selectivity = [arrays[f"selectivity_{layer}"] for layer in range(layers)]
        self._lock = threading.Lock()
        self._summary: tuple[int, list, list] | None = None   # (ready count, frames, limits)

    @property
    def snapshots(self) -> int:
        return len(self.steps)

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def layers(self) -> int:
        return len(self.units)

    # --- the fixed basis ------------------------------------------------------------------------
    def mean(self, layer: int) -> np.ndarray:
        """(units,) the final snapshot's mean h of ``layer`` over the probe's rows and digits."""
        return self.axes[layer].mean

    def components(self, layer: int) -> np.ndarray:
        """(k, units) the final snapshot's principal axes of ``layer``."""
        return self.axes[layer].components

    def explained(self, layer: int) -> np.ndarray:
        """(k,) each axis's share of the final snapshot's variance."""
        return self.axes[layer].explained

    def project(self, trace: Trace, layer: int) -> np.ndarray:
        """(28, 2): the trace's h (read by any snapshot) on the final snapshot's first two axes."""
        return (trace.h[layer] - self.mean(layer)) @ self.components(layer)[:2].T

    # --- per snapshot -----------------------------------------------------------------------------
    def cloud(self, snapshot: int, layer: int, row: int) -> np.ndarray:
        """(n, 2) float32: every probe digit's h at (layer, row) as snapshot ``snapshot`` reads it,
        on the fixed axes."""
        return self.clouds[snapshot, layer, row]

    def selectivity(self, snapshot: int, layer: int, row: int) -> np.ndarray:
        """(10, units) each true class's mean h at (layer, row) for snapshot ``snapshot``."""
        return self._selectivity[layer][snapshot, row]

    def nearest_ready(self, snapshot: int) -> int | None:
        """The ready snapshot nearest ``snapshot`` (itself when ready; the earlier one on a tie), or None."""
        ready = np.flatnonzero(self.ready)
        if not len(ready):
            return None
        return int(ready[np.argmin(np.abs(ready - snapshot))])

    def frames(self) -> list[tuple[float, float, float, float]]:
        """Per layer, the plot's (x0, x1, y0, y1): every ready snapshot's clouds at every row, plus a
        margin: one frame for the whole history, so movement on screen is movement of the states."""
        return self._summarise()[1]

    def limits(self) -> list[float]:
        """Per layer, the largest |class mean| of any ready snapshot at any row (the colour range)."""
        return self._summarise()[2]

    def _summarise(self) -> tuple[int, list, list]:
        with self._lock:
            ready = np.flatnonzero(self.ready)
            if self._summary is not None and self._summary[0] == len(ready):
                return self._summary
            frames, limits = [], []
            for layer in range(self.layers):
                points = self.clouds[ready, layer] if len(ready) else np.zeros((1, 2), np.float32)
                points = points.reshape(-1, 2)
                low, high = points.min(axis=0), points.max(axis=0)
                pad = MARGIN * np.maximum(high - low, 1e-6)
                low, high = low - pad, high + pad
                frames.append((float(low[0]), float(high[0]), float(low[1]), float(high[1])))
                means = self._selectivity[layer][ready] if len(ready) else np.zeros(1)
                top = float(np.nanmax(np.abs(means))) if np.isfinite(means).any() else 0.0
                limits.append(max(0.1, float(np.ceil(top * 10.0 - 1e-9)) / 10.0))
            self._summary = (len(ready), frames, limits)
            return self._summary

    # --- building -------------------------------------------------------------------------------
    @classmethod
    def build(cls, history: TrainingHistory, images: np.ndarray, labels: np.ndarray,
              progress: Callable[[int, int], None] | None = None,
              check: Callable[[], None] | None = None, cache: bool = True,
              components: int = COMPONENTS, *, threads: int | None = None, background: bool = False,
              on_start: Callable[[HistorySpace], None] | None = None) -> HistorySpace:
        """Run ``images`` (n, 28, 28; the probe) through every snapshot of ``history``.

        ``progress(done, total)`` counts snapshots. ``on_start(space)`` is called once the final
        snapshot's axes are known, before the other snapshots run (their ``ready`` flags turn True
        one by one). ``check`` and ``background`` as for ``StateSpace.build``: a cancelled pass stops
        within one batch of one snapshot, raises on, and caches nothing.
        """
        labels = _check_digits(images, labels)
        final = history.network(len(history) - 1)
        units, n, count = list(final.units), len(images), len(history)
        k = min(components, *units)
        if k < 2:
            raise UserError(tr("the state space needs at least 2 components; got {components} "
                               "for layers of {units} units", components=components, units=units))
        key = cache_key(history, images, labels, k)
        if cache:
            found = _load(key, units, count, n, k)
            if found is not None:
                axes, arrays = found
                space = cls(units, history.steps, images, labels, axes, arrays, key, from_cache=True)
                if on_start is not None:
                    on_start(space)
                return space
        codes = np.empty(storage.size(units, n), dtype=storage.DTYPE)   # one snapshot's states, reused
        per_layer = storage.layer_views(codes, units, n)
        one_hot = (labels[None, :] == np.arange(CLASSES)[:, None]).astype(np.float32)   # (10, n)
        counts = one_hot.sum(axis=1)
        present = counts > 0
        order = [count - 1] + list(range(count - 1))
        space: HistorySpace | None = None
        for done, index in enumerate(order):
            if check is not None:
                check()
            result = hidden_states(history.network(index), images, per_layer, threads=threads,
                                   check=check, background=background)
            if space is None:
                axes = [principal_axes(m, k) for m in result.moments]
                space = cls(units, history.steps, images, labels, axes, None, key, from_cache=False)
                if on_start is not None:
                    on_start(space)
            for layer, layer_codes in enumerate(per_layer):
                h = storage.decode(layer_codes)                             # (28, n, u)
                means = np.full((ROWS, CLASSES, h.shape[2]), np.nan, np.float32)
                means[:, present] = (one_hot[present] @ h) / counts[present, None]
                space._selectivity[layer][index] = means
                h -= space.mean(layer)
                space.clouds[index, layer] = h @ space.components(layer)[:2].T
            space.predictions[index] = result.predictions
            space.ready[index] = True
            if progress is not None:
                progress(done + 1, count)
        if cache:
            _save(key, space)
        return space

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"clouds": self.clouds, "predictions": self.predictions,
               "explained": np.stack([a.explained for a in self.axes])}
        for layer, axes in enumerate(self.axes):
            out[f"mean_{layer}"], out[f"components_{layer}"] = axes.mean, axes.components
            out[f"selectivity_{layer}"] = self._selectivity[layer]
        return out


def cache_key(history: TrainingHistory, images: np.ndarray, labels: np.ndarray, components: int) -> str:
    """A hash of every snapshot's weights, the input scaling, the digits and the labels."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"history statespace format {FORMAT}, {components} components".encode())
    digest.update(f"input scaling {history.input_scaling!r}".encode())
    arrays = [a for layer in history.lstm for a in layer] + [*history.dense, images, labels]
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.data)
    return digest.hexdigest()


def _path(key: str) -> Path:
    return cache_dir() / f"{PREFIX}{key}.npz"


def _layout(units: list[int], count: int, n: int, k: int) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    layout = {"clouds": ((count, len(units), ROWS, n, 2), np.dtype(np.float32)),
              "predictions": ((count, n), np.dtype(np.int64)),
              "explained": ((len(units), k), np.dtype(np.float64))}
    for layer, u in enumerate(units):
        layout[f"mean_{layer}"] = ((u,), np.dtype(np.float32))
        layout[f"components_{layer}"] = ((k, u), np.dtype(np.float32))
        layout[f"selectivity_{layer}"] = ((count, ROWS, CLASSES, u), np.dtype(np.float32))
    return layout


def _load(key: str, units: list[int], count: int, n: int, k: int
          ) -> tuple[list[Axes], dict[str, np.ndarray]] | None:
    """The cached entry for ``key``, or None (anything unreadable or of another shape: rebuilt)."""
    path = _path(key)
    expected = _layout(units, count, n, k)
    try:
        with np.load(path, allow_pickle=False) as stored:   # members are CRC-checked
            if str(stored["key"]) != key or int(stored["format"]) != FORMAT:
                return None
            arrays = {name: stored[name] for name in expected}
    except Exception:  # noqa: BLE001  (whatever is wrong with a cache file, it is rebuilt)
        return None
    if any(arrays[name].shape != shape or arrays[name].dtype != dtype
           for name, (shape, dtype) in expected.items()):
        return None
    try:
        path.touch()
    except OSError:
        pass
    axes = [Axes(arrays[f"mean_{layer}"], arrays[f"components_{layer}"], arrays["explained"][layer])
            for layer in range(len(units))]
    return axes, arrays


def _save(key: str, space: HistorySpace) -> bool:
    path = _path(key)
    arrays = {"key": np.array(key), "format": np.array(FORMAT), **space.arrays()}

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, write)
    except (OSError, UserError):
        return False
    _prune()
    return True


def _prune() -> None:
    folder = cache_dir()
    try:
        entries = sorted(folder.glob(f"{PREFIX}*.npz"), key=_mtime, reverse=True)
        for path in entries[KEEP:]:
            path.unlink(missing_ok=True)
        for path in folder.glob(f".{PREFIX}*"):
            if time.time() - _mtime(path) > STALE_SECONDS:
                path.unlink(missing_ok=True)
    except OSError:
        pass


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
