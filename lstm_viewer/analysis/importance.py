"""Which rows and pixels carried the answer: occlusion (blank rows and re-run) and saliency (the gradient).

``occlusion`` re-runs the network with each row (or band of rows) replaced by blank paper and keeps
the final probabilities; ``saliency`` is the exact gradient of one class's logit with respect to every
pixel, by backpropagation through time in numpy. Both use the network's own weights and arithmetic.

Both speak of the picture (pixels in [0, 1], what the input view shows), also for a model whose first
layer reads scaled pixels ``x' = (x - mean) / std``: blank paper is picture value 0, which the
network scales like any pixel, and the gradient with respect to the picture is the one with respect
to x' divided by std (chain rule).
"""
from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from ..core.blas import blas_threads
from ..core.errors import UserError
from ..core.i18n import tr
from ..core.network import CLASSES, COLUMNS, ROWS, LstmWeights, Network, Trace, cell_step
from .unit import check_trace_of


def occlusion(network: Network, image: np.ndarray, band: int = 1, baseline: float = 0.0, *,
              trace: Trace | None = None, check: Callable[[], None] | None = None) -> np.ndarray:
    """Final probabilities (28, 10): row r with rows r .. r+band-1 (clipped at 27) set to ``baseline``.

    Row r equals ``network.trace(occluded_image).probs[-1]``. The 28 variants run as one batch that
    reuses the clean reading: rows above a variant's band are unchanged, so it starts at its band
    from the clean trace's state (``trace``, computed here when not given). ``check()`` is called
    before each layer and may raise to stop (the app's jobs raise when cancelled).
    """
    image = _checked_image(image)
    band = _checked_band(band)
    baseline = _checked_baseline(baseline)
    clean = _clean_trace(network, image, trace)
    occluded = np.repeat(image[None], ROWS, axis=0)
    for r in range(ROWS):
        occluded[r, r:r + band] = baseline
    # A variant departs from the clean reading at the first row its band really changes; a band
    # that is already blank changes nothing and keeps the clean answer.
    differs = (occluded != image).any(axis=2)                      # (variant, row)
    result = np.tile(clean.probs[-1], (ROWS, 1))
    changed = np.flatnonzero(differs.any(axis=1))
    if changed.size:
        starts = differs[changed].argmax(axis=1)
        order = np.argsort(starts, kind="stable")
        changed, starts = changed[order], starts[order]
        # The first layer reads the occluded pictures as the network scales any picture.
        result[changed] = _final_probs(network, clean, network.scale_input(occluded[changed]), starts, check)
    return result


def occlusion_drop(network: Network, image: np.ndarray, cls: int, band: int = 1,
                   baseline: float = 0.0, *, trace: Trace | None = None) -> np.ndarray:
    """How much class ``cls``'s final probability falls (28,) when each row's band is blanked."""
    cls = _checked_class(cls)
    image = _checked_image(image)
    clean = _clean_trace(network, image, trace)
    return clean.probs[-1, cls] - occlusion(network, image, band, baseline, trace=clean)[:, cls]


def saliency(network: Network, image: np.ndarray, cls: int, *,
             trace: Trace | None = None) -> np.ndarray:
    """The gradient (28, 28) of class ``cls``'s logit after the last row with respect to each pixel
    of the picture (values in [0, 1], as the input view shows them).

    The logit is the dense head before the softmax, ``h_top[27] @ W[:, cls] + b[cls]``; the gradient
    runs back through every layer and row (the standard LSTM backward, float32 like the forward) to
    what the first layer reads, x' = (x - mean) / std, and then to the picture: d/dx = (d/dx') / std.
    """
    cls = _checked_class(cls)
    image = _checked_image(image)
    clean = _clean_trace(network, image, trace)
    # What reaches each row's h from above: for the top layer only the head, at the last row.
    grad_h = np.zeros((ROWS, network.units[-1]), np.float32)
    grad_h[-1] = network.dense_kernel[:, cls]
    for k in reversed(range(len(network.layers))):
        grad_h = _backward_layer(network.layers[k], clean.gates[k], clean.c[k], grad_h)
    if network.input_scaling is not None:
        grad_h /= np.float32(network.input_scaling[1])   # from x' to the picture x
    return grad_h


def gradient_times_input(network: Network, image: np.ndarray, cls: int, *,
                         trace: Trace | None = None) -> np.ndarray:
    """Saliency times the picture's pixel values (28, 28): each pixel's first-order share of the
    logit's change from blank paper.

    Gradient x picture, both in picture units, whatever the model's input scaling: the picture's
    difference from blank paper (value 0, occlusion's baseline) is what the pixel's ink adds. The
    gradient with respect to x' times x' would instead measure from x' = 0, a grey page at the
    scaling's mean, which is no picture anyone drew.
    """
    image = _checked_image(image)
    return saliency(network, image, cls, trace=trace) * image


# --- occlusion: the batched continuation ------------------------------------------------------------

def _final_probs(network: Network, clean: Trace, images: np.ndarray, starts: np.ndarray,
                 check: Callable[[], None] | None = None) -> np.ndarray:
    """Final probabilities of ``images`` (V, 28, 28), each equal to the clean digit above its row in
    ``starts`` (V,), sorted ascending. Variant v runs from row ``starts[v]`` on, from the clean state.

    Since the starts are sorted, the variants running at row t are always the first ``running[t]``:
    every step works on a prefix of the batch. A layer's inputs are stored packed, step after step
    (step t's rows are the running variants' row t), so its input projection for every step and
    variant is one matrix product; only the recurrent product goes step by step.
    """
    running = np.searchsorted(starts, np.arange(ROWS), side="right")   # variants started by row t
    first = int(starts[0])
    x = np.concatenate([images[:running[t], t] for t in range(first, ROWS)])   # packed layer-0 input
    for k, weights in enumerate(network.layers):
        if check is not None:
            check()
        x, h_final = _run_packed(weights, x, running, first, clean.c[k], clean.h[k])
    # The head in float64: the trace's own head (float32) rounds its logits by up to ~2e-6, which
    # near a 50/50 answer moves a probability by ~5e-7; here only the trace's rounding remains.
    logits = h_final.astype(np.float64) @ network.dense_kernel.astype(np.float64) + network.dense_bias
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _run_packed(weights: LstmWeights, x: np.ndarray, running: np.ndarray, first: int,
                clean_c: np.ndarray, clean_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One layer over the packed inputs ``x``; returns the packed h sequence and every variant's
    final h. A variant that starts at row t takes the clean c and h of row t-1 (zero at row 0)."""
    kernel, recurrent, bias = weights.scaled()
    u = weights.units
    count = int(running[-1])
    # OpenBLAS computes batches of 4 rows together: a product on 5..7 rows costs more than on 8
    # (measured here: 2 rows 0.44 ms, 4 rows 0.37 ms, 6 rows 0.58 ms, 8 rows 0.49 ms for 256 x 1024).
    # So the recurrent product runs on the running rows rounded up to a multiple of 4 (of 8 with
    # two or more threads, which split the rows: 4.4 instead of 4.7 traces' time on 2 cores); the
    # extra rows are variants not started yet, whose state is reset when they start.
    multiple = 8 if (blas_threads() or 1) > 1 else 4
    padded = -(-count // multiple) * multiple
    projected = x @ kernel
    projected += bias
    h_state = np.zeros((padded, u), np.float32)
    c_state = np.zeros((count, u), np.float32)
    z = np.empty((padded, 4 * u), np.float32)
    product = np.empty((count, u), np.float32)
    h_out = np.empty((len(x), u), np.float32)
    row = 0                                    # where step t's rows begin in the packed arrays
    started = 0
    for t in range(first, ROWS):
        n = int(running[t])
        if n > started and t > 0:
            h_state[started:n] = clean_h[t - 1]
            c_state[started:n] = clean_c[t - 1]
        started = n
        rows = n if n == 1 else min(padded, -(-n // multiple) * multiple)
        np.matmul(h_state[:rows], recurrent, out=z[:rows])
        step_z = z[:n]
        step_z += projected[row:row + n]
        step_z = step_z.reshape(n, 4, u)
        h = h_out[row:row + n]
        cell_step(step_z, c_state[:n], step_z, c_state[:n], h, product[:n])
        h_state[:n] = h
        row += n
    return h_out, h_state[:count]


# --- saliency: backpropagation through time --------------------------------------------------------

def _backward_layer(weights: LstmWeights, gates: np.ndarray, c: np.ndarray,
                    grad_h: np.ndarray) -> np.ndarray:
    """Back through one layer: from the gradient reaching each row's h from above (28, u) to the
    gradient of each row's input (28, inputs).

    Keras' cell: z = x W + h_{t-1} U + b split into i, f, g, o; c = f c_{t-1} + i g; h = o tanh(c).
    Going back: dc_t = dc_{t+1} f_{t+1} + dh_t o_t (1 - tanh² c_t); dz_i = dc i(1-i) g,
    dz_f = dc f(1-f) c_{t-1}, dz_g = dc i (1-g²), dz_o = dh o(1-o) tanh c; dh_{t-1} gets dz Uᵀ and
    the input dz Wᵀ.
    """
    i, f, g, o = (gates[:, j] for j in range(4))
    c_prev = np.concatenate([np.zeros_like(c[:1]), c[:-1]])
    tanh_c = np.tanh(c)
    # Everything that does not depend on the gradient itself, for all rows at once.
    dc_per_dh = o * (1 - tanh_c * tanh_c)
    dz_per_dc = np.stack([i * (1 - i) * g, f * (1 - f) * c_prev, i * (1 - g * g)], axis=1)
    dzo_per_dh = o * (1 - o) * tanh_c
    recurrent_t = weights.recurrent_kernel.T
    u = weights.units
    dz = np.empty((ROWS, 4, u), np.float32)
    dh_from_next = np.zeros(u, np.float32)
    dc_from_next = np.zeros(u, np.float32)
    for t in reversed(range(ROWS)):
        dh = grad_h[t] + dh_from_next
        dc = dc_from_next + dh * dc_per_dh[t]
        np.multiply(dc, dz_per_dc[t], out=dz[t, :3])
        np.multiply(dh, dzo_per_dh[t], out=dz[t, 3])
        dh_from_next = dz[t].reshape(4 * u) @ recurrent_t
        dc_from_next = dc * f[t]
    return dz.reshape(ROWS, 4 * u) @ weights.kernel.T


# --- checks -----------------------------------------------------------------------------------------

def _clean_trace(network: Network, image: np.ndarray, trace: Trace | None) -> Trace:
    if trace is None:
        return network.trace(image)
    if not np.array_equal(trace.image, image):
        raise ValueError("the trace given is not the trace of this image")
    check_trace_of(network, trace)
    return trace


def _checked_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (ROWS, COLUMNS):
        raise UserError(tr("Expected a 28 × 28 image, got shape {shape}.", shape=image.shape))
    if not np.isfinite(image).all():
        raise UserError(tr("The image has pixels that are not numbers (NaN or infinite)."))
    return image


def _checked_band(band: int) -> int:
    if isinstance(band, bool) or not isinstance(band, numbers.Integral) or not 1 <= band <= ROWS:
        raise UserError(tr("The occlusion band must be a whole number of rows from 1 to {rows}, not "
                           "{band!r}.", rows=ROWS, band=band))
    return int(band)


def _checked_baseline(baseline: float) -> np.float32:
    if not isinstance(baseline, numbers.Real) or not np.isfinite(baseline):
        raise UserError(tr("The occlusion baseline must be a pixel value such as 0.0, not {baseline!r}.",
                           baseline=baseline))
    return np.float32(baseline)


def _checked_class(cls: int) -> int:
    if isinstance(cls, bool) or not isinstance(cls, numbers.Integral) or not 0 <= cls < CLASSES:
        raise UserError(tr("The class must be a digit from 0 to {last}, not {cls!r}.", last=CLASSES - 1,
                           cls=cls))
    return int(cls)
