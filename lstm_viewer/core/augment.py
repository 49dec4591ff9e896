"""Random shifts of the training digits: augmentation that keeps MNIST's centring roughly but not exactly."""
from __future__ import annotations

import numpy as np


def shift_images(images: np.ndarray, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Shift each (28, 28) image by (dy, dx) pixels, filling with zeros (MNIST's black background)."""
    n, rows, cols = images.shape
    out = np.zeros_like(images)
    for k in range(n):
        y0, x0 = int(dy[k]), int(dx[k])
        src = images[k, max(0, -y0):rows - max(0, y0), max(0, -x0):cols - max(0, x0)]
        out[k, max(0, y0):max(0, y0) + src.shape[0], max(0, x0):max(0, x0) + src.shape[1]] = src
    return out
