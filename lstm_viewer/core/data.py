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
from .i18n import ntr, tr

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
    return tr("pass --data PATH (a folder with the four MNIST IDX files, or mnist.npz) or set "
              "{variable}=PATH", variable=ENV_VAR)


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
        raise UserError(tr("no MNIST data given: {how_to_supply}", how_to_supply=how_to_supply()))
    if not source.exists():
        raise UserError(tr("MNIST data not found at {source}: {how_to_supply}", source=source,
                           how_to_supply=how_to_supply()))
    if not source.is_dir() and not source.is_file():  # a pipe or a device would wait forever, or never end
        raise UserError(tr("{source}: not a regular file or folder; {how_to_supply}", source=source,
                           how_to_supply=how_to_supply()))
    return source, _load_idx_folder(source, splits) if source.is_dir() else _load_npz(source, splits)


def _load_npz(path: Path, splits) -> dict[str, np.ndarray]:
    """The ``splits`` ("train", "test") of an MNIST npz, checked (members not asked for are not read)."""
    keys = [f"{kind}_{split}" for split in splits for kind in ("x", "y")]
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):  # a .npy: one array, no names
            raise UserError(tr("{path}: a single numpy array, not an MNIST npz (needs {keys})", path=path,
                               keys=", ".join(_NPZ_KEYS)))
        with loaded as archive:
            if not all(k in archive.files for k in _NPZ_KEYS):
                raise UserError(tr("{path}: not an MNIST npz (needs {keys}; it holds {files})", path=path,
                                   keys=", ".join(_NPZ_KEYS), files=", ".join(archive.files) or "nothing"))
            arrays = {k: archive[k] for k in keys}
    except UserError:
        raise
    except Exception as exc:  # not a zip, a damaged member, object arrays (allow_pickle=False)...
        raise UserError(tr("{path}: cannot read as an MNIST npz ({error_type}: {exc})", path=path,
                           error_type=type(exc).__name__, exc=exc)) from None
    checked = {}
    for split in splits:
        checked[f"x_{split}"], checked[f"y_{split}"] = _check_pair(
            path, split, arrays[f"x_{split}"], arrays[f"y_{split}"])
    return checked


def _check_pair(path: Path, split: str, images: np.ndarray, labels: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """One split's images and labels, checked and in the published form (uint8 pixels, uint8 digits)."""
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise UserError(tr("{path}: {split} images have shape {shape}, expected (n, 28, 28)", path=path,
                           split=split, shape=images.shape))
    if labels.ndim != 1:
        raise UserError(tr("{path}: {split} labels have shape {shape}, expected (n,)", path=path, split=split,
                           shape=labels.shape))
    if len(labels) != len(images):
        raise UserError(ntr("{path}: {count} label for {images} images in the {split} set",
                            "{path}: {count} labels for {images} images in the {split} set", len(labels),
                            path=path, images=len(images), split=split))
    if len(images) == 0:
        raise UserError(tr("{path}: the {split} set is empty", path=path, split=split))
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
            raise UserError(tr("{path}: {split} images hold values {low}..{high}; pixels must be 0..255",
                               path=path, split=split, low=low, high=high))
        return images.astype(np.uint8)
    if images.dtype.kind != "f":
        raise UserError(tr("{path}: {split} images are {dtype} values, not pixel numbers", path=path,
                           split=split, dtype=images.dtype))
    if not np.isfinite(images).all():
        raise UserError(tr("{path}: {split} images hold NaN or infinite values", path=path, split=split))
    low, high = float(images.min()), float(images.max())
    if low < 0 or high > 255:
        raise UserError(tr("{path}: {split} images hold values {low:g}..{high:g}; float pixels must be "
                           "in [0, 1] or [0, 255]", path=path, split=split, low=low, high=high))
    scale = 255.0 if high <= 1.0 else 1.0
    return np.rint(images.astype(np.float64) * scale).astype(np.uint8)


def _as_digits(path: Path, split: str, labels: np.ndarray) -> np.ndarray:
    """uint8 digits 0..9; whole-number floats are accepted as the digits they are."""
    if labels.dtype.kind == "f" and np.isfinite(labels).all() and (labels == np.rint(labels)).all():
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise UserError(tr("{path}: {split} labels are {dtype} values, not the digits 0..9", path=path,
                           split=split, dtype=labels.dtype))
    outside = labels[(labels < 0) | (labels > 9)]
    if outside.size:
        raise UserError(ntr("{path}: {split} labels must be the digits 0..9; found {outside} ({count} label "
                            "outside)",
                            "{path}: {split} labels must be the digits 0..9; found {outside} ({count} "
                            "labels outside)", outside.size, path=path, split=split, outside=outside[0]))
    return labels.astype(np.uint8)


def _find_idx(folder: Path, stem: str) -> Path:
    """Accept both spellings (``train-images-idx3-ubyte`` and ``train-images.idx3-ubyte``), gzipped or not."""
    kind = "idx3" if "images" in stem else "idx1"
    for sep in ("-", "."):
        for suffix in ("", ".gz"):
            candidate = folder / f"{stem}{sep}{kind}-ubyte{suffix}"
            if candidate.is_file():
                return candidate
    raise UserError(tr("{folder}: no {stem}-{kind}-ubyte[.gz] file; {how_to_supply}", folder=folder,
                       stem=stem, kind=kind, how_to_supply=how_to_supply()))


def read_idx(path: Path, expected_magic: int) -> np.ndarray:
    """Read one IDX file, checking its magic number and that its size matches its header."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise UserError(tr("{path}: cannot read ({exc})", path=path, exc=exc)) from exc
    except zlib.error:  # a gzip file whose compressed data is damaged (its header was fine)
        raise UserError(tr("{path}: the compressed data is damaged; download the file again",
                           path=path)) from None
    if len(raw) < 8:
        raise UserError(tr("{path}: too short to be an IDX file", path=path))
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        if expected_magic == _IMAGE_MAGIC:
            raise UserError(tr("{path}: magic number {magic}, expected {expected} (images)", path=path,
                               magic=magic, expected=expected_magic))
        raise UserError(tr("{path}: magic number {magic}, expected {expected} (labels)", path=path,
                           magic=magic, expected=expected_magic))
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise UserError(tr("{path}: holds {size} bytes of data, header says {expected} (truncated or "
                           "corrupt)", path=path, size=len(raw) - header, expected=expected))
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
