"""The batched pass: every digit's h at every row of every layer, on all cores, into a 16-bit array.

The digits are cut into chunks that worker threads run through the network. numpy releases the GIL
inside matrix products and ufuncs, so two threads keep two cores busy even though each step's
elementwise work is single-threaded. Each step is the trace's arithmetic: the weights of
``LstmWeights.scaled()`` and the core's ``cell_step``; only the product is arranged for a batch:

- ``z = [x_t, h_{t-1}] @ [W; U] + b``: one product per step on the stacked weights, so no
  (rows × digits × 4u) array of input projections is ever held (it was the largest thing here).
- Rows above a digit's first ink give every digit the same state (the network has read only zeros),
  so those rows are the empty digit's trace (``Network._blank_start``) and the loop starts at the
  first inked row. Digits are sorted by that row before they are cut into chunks, so each chunk skips
  nearly as much as each of its digits could (MNIST: 4.8 of 28 rows on average).
- Arrays are time-major (row, digit, unit): a row's states are one contiguous block.

The first layer reads the digits as the network scales them (``Network.scale_input``), as a trace
does. Each chunk writes its states into the caller's per-layer ``(28, n, units)`` arrays
(``storage``'s int16 codes; every ``(layer, row)`` slice contiguous; layers may differ in width)
and returns its predictions and per-layer
moments for the principal axes: nothing else of the array's size is ever held.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from ..core.blas import one_thread, worker_threads
from ..core.network import Network, Trace, _softmax, cell_step
from ..core.priority import lower_this_thread
from . import storage
from .pca import Moments

CHUNK = 256   # digits per task: large enough for efficient products, small enough to stay lean


@dataclass
class PassResult:
    predictions: np.ndarray      # (n,) the final argmax
    moments: list[Moments]       # one per layer, h pooled over all rows and digits


@dataclass(frozen=True)
class _Layer:
    stacked: np.ndarray   # [W; U] (inputs + u, 4u), i/f/o columns halved as in ``scaled()``
    bias: np.ndarray      # (4u,)
    inputs: int
    units: int


def hidden_states(network: Network, images: np.ndarray, out: Sequence[np.ndarray], *,
                  chunk: int = CHUNK, threads: int | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  check: Callable[[], None] | None = None,
                  background: bool = False) -> PassResult:
    """Fill ``out[k]`` (28, n, units of layer k) with every digit's h; ``images`` (n, 28, 28)
    uint8 or in [0, 1], the picture (the network's input scaling is applied here).

    ``progress(done, total)`` (digits) is called from this thread after each chunk. ``check()``
    is called before each new chunk starts; once it raises (``core.cancel.Cancelled``), the chunks
    already running (one per thread) finish and its exception goes on: the pass stops within one batch.
    ``background``: the worker threads run at a lower priority (``core.priority``):
    the pass takes both cores, and the window's thread, drawing or stepping meanwhile, must still get
    one at once (a stroke drawn during a build lost its shape: mouse moves were merged while it waited).
    """
    n = len(images)
    first_ink = _first_inked_rows(images)
    order = np.argsort(first_ink, kind="stable")
    chunks = [np.sort(order[lo:lo + chunk]) for lo in range(0, n, chunk)]
    layers = [_Layer(np.concatenate(w.scaled()[:2]), w.scaled()[2], w.kernel.shape[0], w.units)
              for w in network.layers]
    blank = network._blank_start()
    threads = threads or worker_threads()
    finished: dict[int, tuple[np.ndarray, list[Moments]]] = {}
    predictions = np.empty(n, dtype=np.int64)
    moments = [Moments.empty(u) for u in network.units]
    merged = done = 0
    with one_thread(), \
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="statespace",
                               initializer=lower_this_thread if background else None) as pool:
        running: dict[Future, int] = {}
        submitted = 0
        while merged < len(chunks):
            while submitted < len(chunks) and len(running) < threads:
                if check is not None:
                    try:
                        check()
                    except BaseException:
                        wait(running)
                        raise
                digits = chunks[submitted]
                start = int(first_ink[digits].min())
                future = pool.submit(_run_chunk, network, layers, images, digits, start, blank, out)
                running[future] = submitted
                submitted += 1
            ready, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(ready, key=running.get):
                index = running.pop(future)
                finished[index] = future.result()   # a worker's exception is raised here
                done += len(chunks[index])
                if progress is not None:
                    progress(done, n)
            # Merge in chunk order, whichever thread finished first: the same axes every time.
            while merged in finished:
                chunk_predictions, chunk_moments = finished.pop(merged)
                predictions[chunks[merged]] = chunk_predictions
                moments = [total.merge(part) for total, part in zip(moments, chunk_moments, strict=True)]
                merged += 1
    return PassResult(predictions, moments)


def _run_chunk(network: Network, layers: list[_Layer], images: np.ndarray, digits: np.ndarray,
               start: int, blank: Trace, out: Sequence[np.ndarray]) -> tuple[np.ndarray, list[Moments]]:
    """The digits ``digits`` (indices, increasing) through every layer, into ``out[k][:, digits]``.

    Their rows before ``start`` are all blank: those states are the empty digit's (blank paper
    scales to one value, so the empty digit's trace holds them for a scaled model too).
    """
    x = network.scale_input(_as_inputs(images[digits])).transpose(1, 0, 2)   # (28, m, 28): time-major
    moments = []
    for k, layer in enumerate(layers):
        x = _layer_states(layer, x, start, blank.c[k], blank.h[k])     # (28, m, u) float32
        scratch = np.empty_like(x[0])
        for row, h in enumerate(x):
            out[k][row, digits] = storage.encode(h, scratch)
        moments.append(Moments.of(x.reshape(-1, layer.units)))
    probs = _softmax(x[-1] @ network.dense_kernel + network.dense_bias)
    return np.argmax(probs, axis=1), moments


def _layer_states(layer: _Layer, x: np.ndarray, start: int, blank_c: np.ndarray,
                  blank_h: np.ndarray) -> np.ndarray:
    """One layer's h (steps, m, u) for inputs ``x`` (steps, m, inputs), time-major.

    Rows before ``start`` are the empty digit's (``blank_c``, ``blank_h``: (steps, u)); the loop
    starts from its state there.
    """
    steps, m, _ = x.shape
    u = layer.units
    h = np.empty((steps, m, u), dtype=np.float32)
    h[:start] = blank_h[:start, None, :]
    c = np.zeros((m, u), dtype=np.float32)
    joined = np.zeros((m, layer.inputs + u), dtype=np.float32)   # [x_t, h_{t-1}]; h_{-1} = 0
    if start:
        c[:] = blank_c[start - 1]
        joined[:, layer.inputs:] = blank_h[start - 1]
    z = np.empty((m, 4, u), dtype=np.float32)
    flat_z = z.reshape(m, 4 * u)
    product = np.empty((m, u), dtype=np.float32)
    for t in range(start, steps):
        joined[:, :layer.inputs] = x[t]
        np.matmul(joined, layer.stacked, out=flat_z)
        flat_z += layer.bias
        cell_step(z, c, z, c, h[t], product)             # gates over z; c updated in place
        joined[:, layer.inputs:] = h[t]
    return h


def _first_inked_rows(images: np.ndarray) -> np.ndarray:
    """(n,) each digit's first row with any ink (28 for an empty digit)."""
    inked = images.any(axis=2)                           # (n, 28)
    return np.where(inked.any(axis=1), inked.argmax(axis=1), images.shape[1])


def _as_inputs(images: np.ndarray) -> np.ndarray:
    """uint8 digits as published (0..255) or floats already in [0, 1] -> float32 in [0, 1]."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return np.asarray(images, dtype=np.float32)
