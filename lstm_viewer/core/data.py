"""MNIST from IDX files (gzipped or not), a Keras-style ``mnist.npz``, or the Keras cache.

Where the data comes from, in order: an explicit path (``--data``), then the ``LSTM_VIEWER_MNIST``
environment variable (``ml.datasets.load_mnist`` adds Keras' download as a last resort).
Every file is checked (magic number, counts, shapes, label range, pixel type and range, no empty
split) so a wrong or truncated file is a clear ``UserError`` rather than a numpy traceback or a
silently wrong training run.
"""
from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import UserError

ENV_VAR = "LSTM_VIEWER_MNIST"
_IMAGE_MAGIC, _LABEL_MAGIC = 2051, 2049
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_SPLITS = {"train": ("train-images", "train-labels"), "test": ("t10k-images", "t10k-labels")}


@dataclass
class Mnist:
    """Images as uint8 (n, 28, 28), white ink on black as published; labels as uint8 (n,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def how_to_supply() -> str:
    return (f"pass --data PATH (a folder with the four MNIST IDX files, or mnist.npz) "
            f"or set {ENV_VAR}=PATH")


def resolve_source(path: str | os.PathLike | None = None) -> Path | None:
    """The data location the user asked for (argument, then environment), or None for Keras."""
    chosen = path if path not in (None, "") else os.environ.get(ENV_VAR) or None
    return Path(chosen).expanduser() if chosen else None


def load_mnist(path: str | os.PathLike | None = None) -> Mnist:
    """Load MNIST from ``path`` or ``$LSTM_VIEWER_MNIST`` (``ml.datasets`` adds Keras' download)."""
    source, arrays = _load_splits(path, _SPLITS)
    return Mnist(**arrays, source=str(source))


def load_test_set(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The test split alone: the training split, six times larger, is not read."""
    _, arrays = _load_splits(path, ("test",))
    return arrays["x_test"], arrays["y_test"]


def _load_splits(path: str | os.PathLike | None, splits) -> tuple[Path, dict[str, np.ndarray]]:
    """The source found for ``path`` and its ``splits`` ("train", "test"), checked."""
    source = resolve_source(path)
    if source is None:
        raise UserError(f"no MNIST data given: {how_to_supply()}")
    if not source.exists():
        raise UserError(f"MNIST data not found at {source}: {how_to_supply()}")
    if not source.is_dir() and not source.is_file():  # a pipe or a device would wait forever, or never end
        raise UserError(f"{source}: not a regular file or folder; {how_to_supply()}")
    return source, _load_idx_folder(source, splits) if source.is_dir() else _load_npz(source, splits)


def _load_npz(path: Path, splits) -> dict[str, np.ndarray]:
    """The ``splits`` ("train", "test") of an MNIST npz, checked (members not asked for are not read)."""
    keys = [f"{kind}_{split}" for split in splits for kind in ("x", "y")]
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):  # a .npy: one array, no names
            raise UserError(f"{path}: a single numpy array, not an MNIST npz (needs "
                            f"{', '.join(_NPZ_KEYS)})")
        with loaded as archive:
            if not all(k in archive.files for k in _NPZ_KEYS):
                raise UserError(f"{path}: not an MNIST npz (needs {', '.join(_NPZ_KEYS)}; "
                                f"it holds {', '.join(archive.files) or 'nothing'})")
            arrays = {k: archive[k] for k in keys}
    except UserError:
        raise
    except Exception as exc:  # not a zip, a damaged member, object arrays (allow_pickle=False)...
        raise UserError(f"{path}: cannot read as an MNIST npz ({type(exc).__name__}: {exc})") from None
    checked = {}
    for split in splits:
        checked[f"x_{split}"], checked[f"y_{split}"] = _check_pair(
            path, split, arrays[f"x_{split}"], arrays[f"y_{split}"])
    return checked


def _check_pair(path: Path, split: str, images: np.ndarray, labels: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """One split's images and labels, checked and in the published form (uint8 pixels, uint8 digits)."""
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise UserError(f"{path}: {split} images have shape {images.shape}, expected (n, 28, 28)")
    if labels.ndim != 1:
        raise UserError(f"{path}: {split} labels have shape {labels.shape}, expected (n,)")
    if len(labels) != len(images):
        raise UserError(f"{path}: {len(labels)} labels for {len(images)} images in the {split} set")
    if len(images) == 0:
        raise UserError(f"{path}: the {split} set is empty")
    return _as_pixels(path, split, images), _as_digits(path, split, labels)


def _as_pixels(path: Path, split: str, images: np.ndarray) -> np.ndarray:
    """uint8 in 0..255. Floats are accepted in [0, 1] (scaled by 255) or [0, 255], and rounded.

    The rule reads the whole split: a float set whose brightest pixel is at most 1 is in [0, 1]
    (MNIST at 0..255 always has pixels far above 1). Anything else is refused, never wrapped around.
    """
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind in "iu":
        low, high = int(images.min()), int(images.max())
        if low < 0 or high > 255:
            raise UserError(f"{path}: {split} images hold values {low}..{high}; pixels must be 0..255")
        return images.astype(np.uint8)
    if images.dtype.kind != "f":
        raise UserError(f"{path}: {split} images are {images.dtype} values, not pixel numbers")
    if not np.isfinite(images).all():
        raise UserError(f"{path}: {split} images hold NaN or infinite values")
    low, high = float(images.min()), float(images.max())
    if low < 0 or high > 255:
        raise UserError(f"{path}: {split} images hold values {low:g}..{high:g}; float pixels must be "
                        f"in [0, 1] or [0, 255]")
    scale = 255.0 if high <= 1.0 else 1.0
    return np.rint(images.astype(np.float64) * scale).astype(np.uint8)


def _as_digits(path: Path, split: str, labels: np.ndarray) -> np.ndarray:
    """uint8 digits 0..9; whole-number floats are accepted as the digits they are."""
    if labels.dtype.kind == "f" and np.isfinite(labels).all() and (labels == np.rint(labels)).all():
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise UserError(f"{path}: {split} labels are {labels.dtype} values, not the digits 0..9")
    outside = labels[(labels < 0) | (labels > 9)]
    if outside.size:
        raise UserError(f"{path}: {split} labels must be the digits 0..9; found {outside[0]} "
                        f"({outside.size} labels outside)")
    return labels.astype(np.uint8)


def _find_idx(folder: Path, stem: str) -> Path:
    """Accept both spellings (``train-images-idx3-ubyte`` and ``train-images.idx3-ubyte``), gzipped or not."""
    kind = "idx3" if "images" in stem else "idx1"
    for sep in ("-", "."):
        for suffix in ("", ".gz"):
            candidate = folder / f"{stem}{sep}{kind}-ubyte{suffix}"
            if candidate.is_file():
                return candidate
    raise UserError(f"{folder}: no {stem}-{kind}-ubyte[.gz] file; {how_to_supply()}")


def read_idx(path: Path, expected_magic: int) -> np.ndarray:
    """Read one IDX file, checking its magic number and that its size matches its header."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise UserError(f"{path}: cannot read ({exc})") from exc
    except zlib.error:  # a gzip file whose compressed data is damaged (its header was fine)
        raise UserError(f"{path}: the compressed data is damaged; download the file again") from None
    if len(raw) < 8:
        raise UserError(f"{path}: too short to be an IDX file")
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        raise UserError(f"{path}: magic number {magic}, expected {expected_magic} "
                        f"({'images' if expected_magic == _IMAGE_MAGIC else 'labels'})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise UserError(f"{path}: holds {len(raw) - header} bytes of data, header says {expected} "
                        f"(truncated or corrupt)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _load_idx_folder(folder: Path, splits) -> dict[str, np.ndarray]:
    """The ``splits`` ("train", "test") from a folder of IDX files, checked."""
    arrays = {}
    for split in splits:
        image_stem, label_stem = _SPLITS[split]
        images = read_idx(_find_idx(folder, image_stem), _IMAGE_MAGIC)
        labels = read_idx(_find_idx(folder, label_stem), _LABEL_MAGIC)
        arrays[f"x_{split}"], arrays[f"y_{split}"] = _check_pair(folder, split, images, labels)
    return arrays
