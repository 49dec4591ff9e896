"""``StateSpace``: the test digits' hidden states at every row, their principal axes, and the queries on them.

Every layer gets one principal-component basis, fitted on h pooled over all rows and digits, so the
cloud at row t and a digit's trajectory are honest linear projections onto the same axes at every
row. Neighbours are found in the full space (Euclidean, brute force), not in the 2-D picture. Each
layer is a space of its own width: a model's layers may differ in width.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.errors import UserError
from ..core.i18n import ntr, tr
from ..core.network import CLASSES, COLUMNS, ROWS, Network, Trace
from . import cache as disk
from . import storage
from .batched import hidden_states
from .pca import Axes, principal_axes

COMPONENTS = 10   # principal axes kept per layer: the panel shows two; the rest say how much is hidden


class StateSpace:
    """Build with ``StateSpace.build``; then every query is cheap: the clouds and class means of every
    (layer, row) are computed once, at build time, and cached with the states.

    Attributes: ``images`` and ``labels`` as given, ``predictions`` (n,) the network's final answers,
    ``n``, ``layers``, ``units`` (each layer's width, a list), ``key`` (the cache key), ``from_cache``
    (loaded rather than computed). Layers and rows are 0-based.
    """

    def __init__(self, states: np.ndarray, units: list[int], arrays: dict[str, np.ndarray],
                 images: np.ndarray, labels: np.ndarray, key: str, from_cache: bool) -> None:
        self._states = _read_only(states)     # int16 codes (``storage``), every layer's, one after another
        self.labels = _read_only(labels)
        self.units = list(units)
        self._layer_states = storage.layer_views(self._states, self.units, len(self.labels))
        self._arrays = {name: _read_only(a) for name, a in arrays.items()}   # see _summarise
        self.images = images
        self.predictions = self._arrays["predictions"]
        self.key = key
        self.from_cache = from_cache

    @classmethod
    def build(cls, network: Network, images: np.ndarray, labels: np.ndarray,
              progress: Callable[[int, int], None] | None = None,
              check: Callable[[], None] | None = None, cache: bool = True,
              components: int = COMPONENTS, *, threads: int | None = None,
              background: bool = False) -> StateSpace:
        """Run every digit through ``network`` and fit each layer's principal axes.

        ``images`` (n, 28, 28): uint8 as MNIST publishes them, or floats in [0, 1]; ``labels`` (n,)
        the true digits. ``progress(done, total)`` is called (in this thread) as digits are done.
        ``check()`` is called between chunks; once it raises (``core.cancel.Cancelled``) the build
        stops within one batch and the exception goes on (nothing is cached). With ``cache`` the user's
        cache folder is looked at first (no progress is reported then) and written afterwards.
        May run in a worker thread; it starts its own threads to use every core. With
        ``background`` those threads run at a lower priority (an app's window thread comes first).
        """
        labels = _check_digits(images, labels)
        units, n = list(network.units), len(images)
        k = min(components, *units)   # one number of axes for every layer: the narrowest bounds it
        if k < 2:
            raise UserError(tr("the state space needs at least 2 components; got {components} "
                               "for layers of {units} units", components=components, units=units))
        key = disk.cache_key(network, images, labels, k)
        shape = (storage.size(units, n),)
        expected = _summary_layout(units, n, k)
        if cache:
            found = disk.load(key, shape, expected)
            if found is not None:
                return cls(found[0], units, found[1], images, labels, key, from_cache=True)
        states = _allocate(shape, n)
        per_layer = storage.layer_views(states, units, n)
        result = hidden_states(network, images, per_layer, threads=threads, progress=progress,
                               check=check, background=background)
        arrays = _summarise(per_layer, [principal_axes(m, k) for m in result.moments], labels)
        arrays["predictions"] = result.predictions
        if cache and disk.save(key, states, arrays):
            # Swap the states in memory for the file just written, memory-mapped: the same
            # numbers, and the memory goes back to the system until rows are looked at.
            found = disk.load(key, shape, expected)
            if found is not None:
                states = found[0]
        return cls(states, units, arrays, images, labels, key, from_cache=False)

    # --- sizes and axes -------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def layers(self) -> int:
        return len(self.units)

    def mean(self, layer: int) -> np.ndarray:
        """(units,) float32: the mean h of ``layer`` over all rows and digits."""
        return self._arrays[f"mean_{self._layer(layer)}"]

    def components(self, layer: int) -> np.ndarray:
        """(k, units) float32: orthonormal principal axes, largest variance first."""
        return self._arrays[f"components_{self._layer(layer)}"]

    def explained(self, layer: int) -> np.ndarray:
        """(k,) each component's fraction of the layer's total variance."""
        return self._arrays["explained"][self._layer(layer)]

    # --- queries ---------------------------------------------------------------------------------

    def hidden(self, layer: int, row: int) -> np.ndarray:
        """(n, units) float32: every digit's h at (layer, row), as stored (within
        ``storage.MAX_ERROR`` of the computed value); a new array each call."""
        return storage.decode(self._layer_states[self._layer(layer)][self._row(row)])

    def cloud(self, layer: int, row: int) -> np.ndarray:
        """(n, 2) float32: every digit's h at (layer, row) on the first two axes (computed at build)."""
        return self._arrays["clouds"][self._layer(layer), self._row(row)]

    def project(self, trace: Trace, layer: int) -> np.ndarray:
        """(28, 2): the trace's h at every row of ``layer``, exactly ``(h - mean) @ components[:2].T``."""
        h = self._trace_h(trace, layer)
        return (h - self.mean(layer)) @ self.components(layer)[:2].T

    def neighbours(self, trace: Trace, layer: int, row: int, k: int = 8, *,
                   return_distances: bool = False, exclude: int | None = None):
        """Indices of the ``k`` digits whose h at (layer, row) is nearest the trace's (Euclidean, in
        the layer's full ``units``-dimensional space), nearest first; ties go to the lower index.

        ``exclude``: a digit's index to leave out (the trace's own, when it is one of these digits).
        With ``return_distances``, ``(indices, distances)``.
        """
        layer, row = self._layer(layer), self._row(row)
        query = np.asarray(self._trace_h(trace, layer)[row], dtype=np.float32)
        stored = self.hidden(layer, row)
        k = max(0, min(k, self.n - (exclude is not None)))
        candidates = np.arange(self.n)
        difference = stored
        if 0 < k < self.n:
            near = _near_candidates(stored, self._arrays["norms"][layer, row], query, k, exclude)
            if 4 * len(near) < self.n:   # not a row where most digits share one state (blank top rows)
                candidates, difference = near, stored[near]
        difference -= query
        squared = np.einsum("ij,ij->i", difference, difference)
        if exclude is not None:
            squared[candidates == exclude] = np.inf
        if 0 < k < len(candidates):
            # Everything as near as the k-th: digits whose first rows are blank share their state
            # exactly, and a tie at the boundary must also go to the lower index.
            keep = squared <= np.partition(squared, k - 1)[k - 1]
            candidates, squared = candidates[keep], squared[keep]
        order = np.lexsort((candidates, squared))[:k]
        nearest = candidates[order]
        if return_distances:
            return nearest, np.sqrt(squared[order].astype(np.float64))
        return nearest

    def selectivity(self, layer: int, row: int) -> np.ndarray:
        """(10, units) float32: each true class's mean h at (layer, row) (NaN for a class with no
        digits; computed at build)."""
        return self._arrays[f"selectivity_{self._layer(layer)}"][self._row(row)]

    # --- checks ----------------------------------------------------------------------------------

    def _layer(self, layer: int) -> int:
        if not 0 <= layer < self.layers:
            raise IndexError(f"layer {layer} out of range: this space has {self.layers} layers")
        return int(layer)

    def _row(self, row: int) -> int:
        if not 0 <= row < ROWS:
            raise IndexError(f"row {row} out of range 0..{ROWS - 1}")
        return int(row)

    def _trace_h(self, trace: Trace, layer: int) -> np.ndarray:
        layer = self._layer(layer)
        if layer >= trace.layers or trace.h[layer].shape != (ROWS, self.units[layer]):
            found = "no such layer" if layer >= trace.layers else f"shape {trace.h[layer].shape}"
            raise ValueError(f"the trace's layer {layer} has {found}; this space's states "
                             f"are ({ROWS}, {self.units[layer]}): a trace of another model")
        return trace.h[layer]


def _near_candidates(stored: np.ndarray, norms: np.ndarray, query: np.ndarray, k: int,
                     exclude: int | None) -> np.ndarray:
    """The digits (indices, increasing) that may be among the ``k`` nearest to ``query``: a superset.

    ``|x − q|² = |x|² − 2 x·q + |q|²`` is one matrix-vector product instead of a difference per
    digit (9.7 → 3.8 ms p50 for 10,000 × 256 here, in one run), but near neighbours cancel in it, so
    it only picks candidates: each estimate is within ``bound`` of the true squared distance (float32
    rounding of sums of ``units`` terms, doubled), so every digit whose estimate minus its bound is
    at most the k-th smallest estimate plus bound can be among the k nearest or tie with the k-th.
    The caller measures those by their differences, as exactly as before.
    """
    units = stored.shape[1]
    query_norm = float(query @ query)
    estimate = norms - 2.0 * (stored @ query) + query_norm
    rounding = 2.0 * units * np.finfo(np.float32).eps   # 2 γ_units, a margin over the textbook bound
    bound = rounding * (np.sqrt(np.maximum(norms, 0.0)) + np.sqrt(query_norm)) ** 2 + 1e-6
    low, high = estimate - bound, estimate + bound
    if exclude is not None:
        low[exclude] = high[exclude] = np.inf
    return np.flatnonzero(low <= np.partition(high, k - 1)[k - 1])


def _summary_layout(units: list[int], n: int, k: int) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """What a space holds beside its states: each array's shape and dtype (the cache checks them).
    Arrays as wide as a layer are one per layer (``mean_0``, ``mean_1``, …): widths may differ."""
    layers = len(units)
    layout = {"explained": ((layers, k), np.dtype(np.float64)),
              "predictions": ((n,), np.dtype(np.int64)),
              "clouds": ((layers, ROWS, n, 2), np.dtype(np.float32)),
              "norms": ((layers, ROWS, n), np.dtype(np.float32))}
    for layer, u in enumerate(units):
        layout[f"mean_{layer}"] = ((u,), np.dtype(np.float32))
        layout[f"components_{layer}"] = ((k, u), np.dtype(np.float32))
        layout[f"selectivity_{layer}"] = ((ROWS, CLASSES, u), np.dtype(np.float32))
    return layout


def _summarise(states: list[np.ndarray], axes: list[Axes], labels: np.ndarray) -> dict[str, np.ndarray]:
    """The axes, and every (layer, row)'s cloud and class means, from the stored states (one
    (28, n, units) array of codes per layer).

    About a second for 10,000 digits of a 3 × 256 model, once: afterwards stepping through rows
    costs nothing, also when the states come memory-mapped from the cache (a first look at a row
    there would cost page faults).
    """
    layers, (rows, n, _) = len(states), states[0].shape
    one_hot = (labels[None, :] == np.arange(CLASSES)[:, None]).astype(np.float32)   # (10, n)
    counts = one_hot.sum(axis=1)[:, None]
    present = counts[:, 0] > 0                           # a class with no digits keeps NaN
    arrays = {"explained": np.stack([a.explained for a in axes]),
              "clouds": np.empty((layers, rows, n, 2), dtype=np.float32),
              "norms": np.empty((layers, rows, n), dtype=np.float32)}   # |h|², for the neighbours' estimates
    for layer, (codes, layer_axes) in enumerate(zip(states, axes, strict=True)):
        mean = layer_axes.mean.astype(np.float32)
        components = layer_axes.components.astype(np.float32)
        selectivity = np.full((rows, CLASSES, codes.shape[2]), np.nan, dtype=np.float32)
        for row in range(rows):
            h = storage.decode(codes[row])
            sums = one_hot @ h                            # one product: ~1 ms for 10,000 × 256
            selectivity[row, present] = sums[present] / counts[present]
            arrays["norms"][layer, row] = np.einsum("ij,ij->i", h, h)
            h -= mean
            arrays["clouds"][layer, row] = h @ components[:2].T
        arrays.update({f"mean_{layer}": mean, f"components_{layer}": components,
                       f"selectivity_{layer}": selectivity})
    return arrays


def _check_digits(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Bad digits are the user's data: one plain sentence. Returns the labels as int64."""
    if not isinstance(images, np.ndarray) or images.ndim != 3 or images.shape[1:] != (ROWS, COLUMNS):
        raise UserError(tr("the state space needs digits of shape (n, 28, 28); got {shape}",
                           shape=getattr(images, "shape", type(images).__name__)))
    if len(images) < 2:
        raise UserError(tr("the state space needs at least 2 digits; got {count}", count=len(images)))
    if images.dtype != np.uint8:
        if images.dtype.kind != "f" or not (np.all(np.isfinite(images)) and images.min() >= 0
                                            and images.max() <= 1):
            raise UserError(tr("the state space needs digits as uint8 (0-255) or floats in [0, 1]"))
    labels = np.asarray(labels)
    if labels.shape != (len(images),) or labels.dtype.kind not in "iu":
        raise UserError(ntr("the state space needs one integer label per digit; got {shape} {dtype} labels "
                            "for {count} digit",
                            "the state space needs one integer label per digit; got {shape} {dtype} labels "
                            "for {count} digits", len(images), shape=labels.shape, dtype=labels.dtype))
    if labels.size and (labels.min() < 0 or labels.max() >= CLASSES):
        raise UserError(tr("labels must be digits 0-9; found {min}..{max}", min=labels.min(),
                           max=labels.max()))
    return labels.astype(np.int64)


def _allocate(shape: tuple[int, ...], n: int) -> np.ndarray:
    try:
        return np.empty(shape, dtype=storage.DTYPE)
    except MemoryError:
        size = np.prod(shape) * 2 / 1e6
        raise UserError(ntr("not enough memory for the state space ({size:.0f} MB for {count} digit); use "
                            "fewer digits",
                            "not enough memory for the state space ({size:.0f} MB for {count} digits); use "
                            "fewer digits", n, size=size)) from None


def _read_only(array: np.ndarray) -> np.ndarray:
    if not isinstance(array, np.ndarray):   # (a memory-mapped array stays one)
        array = np.asarray(array)
    array.flags.writeable = False
    return array


