"""Any grayscale picture of a digit -> an MNIST-style (28, 28) float32 in [0, 1].

MNIST's own recipe: the digit is scaled to fit a 20x20 box keeping its aspect ratio (anti-aliasing
gives the grey levels), then placed in 28x28 so that its centre of mass is at the centre. A row-by-row
LSTM is sensitive to vertical position, so drawings and photographs must go through the same.
"""
from __future__ import annotations

import os

import numpy as np

from .errors import UserError

SIZE = 28
BOX = 20
CENTRE = 14.0     # MNIST test digits' mean centre of mass, in pixel indices (measured: 13.99, 14.01)
INK_FLOOR = 0.1   # after normalising, fainter than this is paper texture or noise, not ink


def to_ink(gray: np.ndarray) -> np.ndarray:
    """Float image where ink is 1 and background 0, whatever the polarity and value range."""
    img = np.asarray(gray, dtype=np.float32)
    if img.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale image, got shape {img.shape}")
    if img.size and img.max() > 1.0:
        img = img / 255.0
    # The background is what most pixels are: if the border is mostly light, the ink is dark.
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    if np.median(border) > 0.5:
        img = 1.0 - img
    background = np.median(img)
    top = img.max() if img.size else 0.0
    if top - background < 1e-3:
        return np.zeros_like(img)
    ink = np.clip((img - background) / (top - background), 0.0, 1.0)
    ink[ink < INK_FLOOR] = 0.0
    return ink


def fit_box(ink: np.ndarray, box: int = BOX) -> np.ndarray:
    """Crop to the ink and scale (anti-aliased) so the longer side is ``box`` pixels."""
    from PIL import Image

    rows, cols = np.nonzero(ink)
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    # Pillow's resampling widens its filter when shrinking, so downscaling averages (anti-aliases).
    resized = Image.fromarray(crop.astype(np.float32), mode="F").resize(
        (new_w, new_h), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def centre_by_mass(digit: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Place ``digit`` in a size x size field with its centre of mass at the centre."""
    h, w = digit.shape
    total = digit.sum()
    ys, xs = np.mgrid[0:h, 0:w]
    cy, cx = (ys * digit).sum() / total, (xs * digit).sum() / total
    top = int(np.clip(round(CENTRE - cy), 0, size - h))
    left = int(np.clip(round(CENTRE - cx), 0, size - w))
    out = np.zeros((size, size), dtype=np.float32)
    out[top:top + h, left:left + w] = digit
    return out


def preprocess(gray: np.ndarray) -> np.ndarray:
    """MNIST-style (28, 28) float32 in [0, 1] from a grayscale image of any size; blank -> zeros."""
    ink = to_ink(gray)
    if not ink.any():
        return np.zeros((SIZE, SIZE), dtype=np.float32)
    digit = fit_box(ink)
    if digit.sum() <= 0:
        return np.zeros((SIZE, SIZE), dtype=np.float32)
    return centre_by_mass(digit / max(float(digit.max()), 1e-6))


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Read a PNG/JPEG (or anything Pillow reads) as a float32 grayscale array in [0, 1].

    Transparent areas count as white paper.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                paper = Image.new("RGBA", img.size, (255, 255, 255, 255))
                img = Image.alpha_composite(paper, img.convert("RGBA"))
            gray = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable image ({type(exc).__name__})") from None
    if gray.size == 0:
        raise UserError(f"{path}: the image is empty")
    return gray
