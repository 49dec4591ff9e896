"""Any grayscale picture of a digit -> an MNIST-style (28, 28) float32 in [0, 1].

MNIST's own recipe: the digit is scaled to fit a 20x20 box keeping its aspect ratio (anti-aliasing
gives the grey levels), then placed in 28x28 so that its centre of mass is at the centre. A row-by-row
LSTM is sensitive to vertical position, so drawings and photographs must go through the same.

To show why, the centring can be changed ("box": the bounding box's centre at the centre; "none":
the whole picture scaled to 28x28, no crop) and the result shifted up or down afterwards; the stages
a learner sees come from ``preprocess_steps``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .images import load_image  # noqa: F401  (the CLI and the GUI import it from here)

SIZE = 28
BOX = 20
CENTRE = 14.0     # MNIST test digits' mean centre of mass, in pixel indices (measured: 13.99, 14.01)
INK_FLOOR = 0.1   # after normalising, fainter than this is paper texture or noise, not ink
MIN_CONTRAST = 0.08  # ink stands out from the paper by at least this (about 20 grey levels) ...
GRAIN_SIGMAS = 6.0   # ... and by this many standard deviations of the paper's pixel-to-pixel noise
GRAIN_SAMPLE = 200_000  # neighbour differences the grain is measured on, at most (about)
CENTRINGS = ("mass", "box", "none")
MAX_SHIFT = 6


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields, not steps
class PreprocessSteps:
    """The stages of ``preprocess``, as a learner would see them.

    ``top``, ``left`` and ``centre_of_mass`` describe the centring, before the vertical shift: in
    ``final`` the digit sits ``shift`` rows lower (positive = down), minus what left the field.
    """

    ink: np.ndarray      # the whole picture as ink in [0, 1] (1 = ink, 0 = paper), full size
    crop: np.ndarray     # the ink's bounding box (the whole picture for centring="none")
    fitted: np.ndarray   # crop scaled to fit 20x20 (28x28 for "none"), brightest pixel 1
    final: np.ndarray    # the (28, 28) input the network reads: preprocess(gray, centring, shift)
    top: int             # row of the 28x28 where fitted's first row was placed
    left: int            # column of the 28x28 where fitted's first column was placed
    centre_of_mass: tuple[float, float] | None  # fitted's, as (row, col) in the 28x28; None if blank
    centring: str
    shift: int

    @property
    def blank(self) -> bool:
        return is_blank(self.final)


def to_ink(gray: np.ndarray) -> np.ndarray:
    """Float image where ink is 1 and background 0, whatever the polarity and value range.

    All zeros when nothing stands out from the paper: by less than ``MIN_CONTRAST``, or by less
    than ``GRAIN_SIGMAS`` times the paper's own grain (a noisy or JPEG-speckled blank page).
    """
    img = np.asarray(gray, dtype=np.float32)
    if img.ndim != 2 or img.size == 0:
        raise ValueError(f"expected a non-empty 2-D grayscale image, got shape {img.shape}")
    if img.max() > 1.0:
        img = img / 255.0
    # The background is what most pixels are: if the border is mostly light, the ink is dark.
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    if np.median(border) > 0.5:
        img = 1.0 - img
    background = np.median(img)
    top = img.max()
    if top - background < max(MIN_CONTRAST, GRAIN_SIGMAS * _grain(img)):
        return np.zeros_like(img)
    ink = np.clip((img - background) / (top - background), 0.0, 1.0)
    ink[ink < INK_FLOOR] = 0.0
    return ink


def _grain(img: np.ndarray) -> float:
    """Standard deviation of pixel-to-pixel noise, from neighbours' differences.

    The median ignores the few differences at the ink's edges, and smooth shading hardly changes
    neighbours, so this measures the paper's grain only (exact for Gaussian noise).
    """
    if img.shape[1] < 2:
        return 0.0
    # Every row up to GRAIN_SAMPLE differences, else evenly spaced rows: enough for a median.
    step = max(1, img.shape[0] * (img.shape[1] - 1) // GRAIN_SAMPLE)
    return float(np.median(np.abs(np.diff(img[::step], axis=1)))) * 1.4826 / np.sqrt(2.0)


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """The ink's bounding box (``ink`` must have some)."""
    rows, cols = np.nonzero(ink)
    return ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


def scale_to_fit(image: np.ndarray, box: int) -> np.ndarray:
    """Scale (anti-aliased) so the longer side is ``box`` pixels, keeping the aspect ratio."""
    from PIL import Image

    h, w = image.shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    # Pillow's resampling widens its filter when shrinking, so downscaling averages (anti-aliases).
    resized = Image.fromarray(image.astype(np.float32), mode="F").resize(
        (new_w, new_h), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def mass_centre(digit: np.ndarray) -> tuple[float, float]:
    """Centre of mass (row, col) of a non-blank digit, in its own pixel indices."""
    h, w = digit.shape
    total = digit.sum()
    ys, xs = np.mgrid[0:h, 0:w]
    return (ys * digit).sum() / total, (xs * digit).sum() / total


def mass_offsets(digit: np.ndarray, size: int = SIZE) -> tuple[int, int]:
    """(top, left) that put the digit's centre of mass at MNIST's centre, kept inside the field."""
    h, w = digit.shape
    cy, cx = mass_centre(digit)
    top = int(np.clip(round(CENTRE - cy), 0, size - h))
    left = int(np.clip(round(CENTRE - cx), 0, size - w))
    return top, left


def box_offsets(digit: np.ndarray, size: int = SIZE) -> tuple[int, int]:
    """(top, left) that put the digit's bounding-box centre at the field's centre (rounding up-left)."""
    h, w = digit.shape
    return (size - h) // 2, (size - w) // 2


def place(digit: np.ndarray, top: int, left: int, size: int = SIZE) -> np.ndarray:
    """A size x size field of zeros with ``digit`` at (top, left)."""
    h, w = digit.shape
    out = np.zeros((size, size), dtype=np.float32)
    out[top:top + h, left:left + w] = digit
    return out


def shift_rows(image: np.ndarray, shift: int) -> np.ndarray:
    """Move the rows ``shift`` pixels down (negative: up); rows leaving the field are lost, zeros fill."""
    if shift == 0:
        return image
    out = np.zeros_like(image)
    if shift > 0:
        out[shift:] = image[:-shift]
    else:
        out[:shift] = image[-shift:]
    return out


def preprocess_steps(gray: np.ndarray, centring: str = "mass", shift: int = 0) -> PreprocessSteps:
    """Every stage of preprocessing ``gray`` (see ``PreprocessSteps``); ``final`` is the result.

    centring: "mass" (MNIST's way: crop to the ink, fit 20x20, centre of mass at the centre),
    "box" (the same crop and fit, the bounding box's centre at the centre) or "none" (no crop: the
    whole picture scaled to fit 28x28, centred). shift: -6..6 rows, applied last (positive = down).
    """
    _check_centring(centring)
    _check_shift(shift)
    ink = to_ink(gray)
    if ink.any():
        crop = ink if centring == "none" else crop_to_ink(ink)
        fitted = scale_to_fit(crop, SIZE if centring == "none" else BOX)
    else:
        crop = fitted = np.zeros((0, 0), dtype=np.float32)
    if fitted.sum() <= 0:
        empty = np.zeros((0, 0), dtype=np.float32)
        return PreprocessSteps(ink=ink, crop=crop, fitted=empty,
                               final=np.zeros((SIZE, SIZE), dtype=np.float32),
                               top=0, left=0, centre_of_mass=None, centring=centring, shift=shift)
    fitted = fitted / max(float(fitted.max()), 1e-6)
    top, left = mass_offsets(fitted) if centring == "mass" else box_offsets(fitted)
    cy, cx = mass_centre(fitted)
    final = shift_rows(place(fitted, top, left), shift)
    return PreprocessSteps(ink=ink, crop=crop, fitted=fitted, final=final, top=top, left=left,
                           centre_of_mass=(float(top + cy), float(left + cx)),
                           centring=centring, shift=shift)


def preprocess(gray: np.ndarray, centring: str = "mass", shift: int = 0) -> np.ndarray:
    """MNIST-style (28, 28) float32 in [0, 1] from a grayscale image of any size; blank -> zeros.

    See ``preprocess_steps`` for ``centring`` and ``shift``; the defaults are MNIST's own recipe.
    """
    return preprocess_steps(gray, centring, shift).final


def shifted_batch(image28: np.ndarray, shifts=range(-MAX_SHIFT, MAX_SHIFT + 1)) -> np.ndarray:
    """The (28, 28) input moved by each shift, as one (len(shifts), 28, 28) batch to trace at once."""
    image = np.asarray(image28, dtype=np.float32)
    if image.shape != (SIZE, SIZE):
        raise ValueError(f"expected a ({SIZE}, {SIZE}) image, got shape {image.shape}")
    shifts = list(shifts)
    for shift in shifts:
        _check_shift(shift)
    out = np.empty((len(shifts), SIZE, SIZE), dtype=np.float32)
    for i, shift in enumerate(shifts):
        out[i] = shift_rows(image, shift)
    return out


def is_blank(image28: np.ndarray) -> bool:
    """True when the preprocessed image has no ink at all (nothing for the network to read)."""
    return not np.asarray(image28).any()


def _check_centring(centring: str) -> None:
    if centring not in CENTRINGS:
        raise ValueError(f"centring must be one of 'mass', 'box' or 'none', got {centring!r}")


def _check_shift(shift: int) -> None:
    if isinstance(shift, (bool, np.bool_)) or not isinstance(shift, (int, np.integer)) \
            or not -MAX_SHIFT <= shift <= MAX_SHIFT:
        raise ValueError(f"shift must be a whole number of pixels from -{MAX_SHIFT} to {MAX_SHIFT}, "
                         f"got {shift!r}")
