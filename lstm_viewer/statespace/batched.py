"""The batched pass: every digit's h at every row of every layer, on all cores, into a float16 array.

The digits are cut into chunks that worker threads run through the network with the core's own
layer loop (``core.network._run_layer``, the arithmetic ``Network.trace`` uses). numpy releases the
GIL inside matrix products and ufuncs, so two threads keep two cores busy even though each step's
elementwise work is single-threaded. Each chunk writes its states straight into the caller's
``(layers, 28, n, units)`` float16 array (every ``(layer, row)`` slice contiguous) and returns the
chunk's predictions and per-layer moments for the principal axes: nothing else of the array's size is
ever held.
"""
from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core.network import Network, _run_layer, _softmax
from .pca import Moments

CHUNK = 256   # digits per task: large enough for efficient products, small enough to stay lean


class Cancelled(Exception):
    """The pass stopped because ``should_stop()`` returned true."""


@dataclass
class PassResult:
    predictions: np.ndarray      # (n,) the final argmax
    moments: list[Moments]       # one per layer, h pooled over all rows and digits


def default_threads() -> int:
    """One thread per core this process may use, at most four (beyond that the products dominate)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def hidden_states(network: Network, images: np.ndarray, out: np.ndarray, *,
                  chunk: int = CHUNK, threads: int | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  should_stop: Callable[[], bool] | None = None) -> PassResult:
    """Fill ``out`` (layers, 28, n, units) with every digit's h; ``images`` (n, 28, 28).

    ``progress(done, total)`` (digits) is called from this thread after each chunk. ``should_stop()``
    is asked before each new chunk starts; once true, the chunks already running (one per thread)
    finish and ``Cancelled`` is raised: the pass stops within one batch.
    """
    n = len(images)
    spans = [(lo, min(lo + chunk, n)) for lo in range(0, n, chunk)]
    threads = threads or default_threads()
    finished: dict[int, tuple[np.ndarray, list[Moments]]] = {}
    predictions = np.empty(n, dtype=np.int64)
    moments = [Moments.empty(u) for u in network.units]
    merged = done = 0
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="statespace") as pool:
        running: dict[Future, int] = {}
        submitted = 0
        while merged < len(spans):
            while submitted < len(spans) and len(running) < threads:
                if should_stop is not None and should_stop():
                    wait(running)
                    raise Cancelled("the state-space build was cancelled")
                lo, hi = spans[submitted]
                running[pool.submit(_run_chunk, network, images, lo, hi, out)] = submitted
                submitted += 1
            ready, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(ready, key=running.get):
                index = running.pop(future)
                finished[index] = future.result()   # a worker's exception is raised here
                lo, hi = spans[index]
                done += hi - lo
                if progress is not None:
                    progress(done, n)
            # Merge in chunk order, whichever thread finished first: the same axes every time.
            while merged in finished:
                chunk_predictions, chunk_moments = finished.pop(merged)
                lo, hi = spans[merged]
                predictions[lo:hi] = chunk_predictions
                moments = [total.merge(part) for total, part in zip(moments, chunk_moments)]
                merged += 1
    return PassResult(predictions, moments)


def _run_chunk(network: Network, images: np.ndarray, lo: int, hi: int,
               out: np.ndarray) -> tuple[np.ndarray, list[Moments]]:
    """Digits ``lo:hi`` through every layer; their h written into ``out[:, :, lo:hi]``."""
    x = _as_inputs(images[lo:hi])
    moments = []
    for k, weights in enumerate(network.layers):
        x = _run_layer(weights, x, record=False)         # (m, 28, u) float32
        out[k, :, lo:hi] = x.transpose(1, 0, 2)          # rounded to float16 on the way in
        moments.append(Moments.of(x.reshape(-1, x.shape[-1])))
    probs = _softmax(x[:, -1] @ network.dense_kernel + network.dense_bias)
    return np.argmax(probs, axis=1), moments


def _as_inputs(images: np.ndarray) -> np.ndarray:
    """uint8 digits as published (0..255) or floats already in [0, 1] -> float32 in [0, 1]."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return np.asarray(images, dtype=np.float32)
