"""How the states are stored: h as 16-bit fixed point, ``round(h · 32767)`` in an int16.

An LSTM's h is ``o · tanh(c)`` with both factors in [-1, 1], so |h| ≤ 1 (also in float32) and the
code never overflows. Two bytes a value, like float16, but a better fit for this data and for numpy:

- every value is within 1/65534 ≈ 1.5e-5 of the float32 h (float16 is up to 2.4e-4 off near ±1,
  where a saturated unit lives);
- numpy converts int16 to float32 about 20 times faster than float16 (measured with numpy 2.4 on
  the 2-core VM: 1.1 ms against 22 ms for a 10,000 × 256 slice; its float16 casts are scalar), and
  every query starts with that conversion.

A model's layers may differ in width, so the codes of all layers live in one flat array, layer after
layer, each layer's block laid out (row, digit, unit): ``layer_views`` gives each layer's
(28, n, units) view, in which every (layer, row) slice is one contiguous block.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..core.network import ROWS

DTYPE = np.int16
SCALE = np.float32(32767.0)
STEP = np.float32(1.0) / SCALE      # the value of one code
MAX_ERROR = 0.5 / 32767 + 1e-7      # |decode(encode(h)) - h|: half a step, plus float32 rounding


def encode(h: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """``h`` (float32, |h| ≤ 1) as codes, computed in ``scratch`` (same shape, float32) and returned
    there, rounded to whole numbers: assigning it into an int16 array is then exact."""
    np.multiply(h, SCALE, out=scratch)
    return np.rint(scratch, out=scratch)


def decode(codes: np.ndarray) -> np.ndarray:
    """float32 values of stored codes."""
    values = codes.astype(np.float32)
    values *= STEP
    return values


def size(units: Sequence[int], n: int) -> int:
    """How many codes the states of ``n`` digits take, for layers of widths ``units``."""
    return ROWS * n * sum(units)


def layer_views(flat: np.ndarray, units: Sequence[int], n: int) -> list[np.ndarray]:
    """Each layer's (28, n, units) block of ``flat`` (one 1-D array, the layers one after
    another), as views: no copy, and a memory-mapped ``flat`` stays memory-mapped."""
    views, start = [], 0
    for u in units:
        end = start + ROWS * n * u
        views.append(flat[start:end].reshape(ROWS, n, u))
        start = end
    if start != len(flat):
        raise ValueError(f"{len(flat)} codes are not the states of {n} digits for layers of "
                         f"{list(units)} units")
    return views
