"""Sets of real MNIST digits, and where each comes from: one type, one loader per source.

- ``load_samples()``: the 200 test digits shipped in ``assets/samples.npz`` (the digit picker's);
- ``offline_test_digits()``: the 1,000 shipped in ``assets/testdigits.npz`` (100 per class);
- ``load_mnist_test_set(source)``: the full 10,000 from IDX files or ``mnist.npz``;
- ``default_test_digits(path)``: the full set when it can be read, else the shipped 1,000 (the
  state space's).

No Qt and no TensorFlow: these run in worker threads and notebooks.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .assets import asset_path, samples_path
from .data import load_test_set, resolve_source
from .errors import UserError
from .i18n import N_, ntr, tr
from .network import Network


@dataclass
class DigitSet:
    """Digits with their true labels; ``predicted`` is filled in for the current model."""

    name: str                     # short, for a list of sets ("samples", "MNIST test set"): N_-marked,
    #                               a key, shown through tr
    images: np.ndarray            # uint8 (n, 28, 28), white ink on black as published
    labels: np.ndarray            # (n,)
    ids: np.ndarray               # (n,) index into the MNIST test set
    source: str = ""              # where they come from, in words for a panel
    predicted: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def image(self, k: int) -> np.ndarray:
        """Digit ``k`` as the network's (28, 28) float32 input in [0, 1]."""
        return self.images[k].astype(np.float32) / 255.0

    def replace(self, **changes) -> DigitSet:
        return dataclasses.replace(self, **changes)


def _shipped(path: Path, name: str, source: str) -> DigitSet:
    try:
        with np.load(path, allow_pickle=False) as archive:
            images, labels = archive["images"], archive["labels"]
            ids = archive["indices"] if "indices" in archive.files else np.arange(len(labels))
    except Exception as exc:   # a damaged asset: zipfile, numpy and OS errors alike
        raise UserError(tr("{path}: cannot read the shipped digits ({error_type})", path=path,
                           error_type=type(exc).__name__)) from None
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(labels) != len(images):
        raise UserError(tr("{path}: shipped digits have shape {shape}, expected (n, 28, 28)", path=path,
                           shape=images.shape))
    return DigitSet(name, images.astype(np.uint8), labels.astype(int), ids.astype(int), source)


def load_samples(path: str | os.PathLike | None = None) -> DigitSet | None:
    """The bundled samples, or None when the file isn't there (a source checkout without assets)."""
    path = samples_path() if path is None else Path(path)
    if not path.is_file():
        return None
    return _shipped(path, N_("samples"), tr("the {file} digits shipped with the app", file=path.name))


def offline_test_digits() -> DigitSet:
    """The 1,000 MNIST test digits shipped with the app (100 of each class)."""
    digits = _shipped(asset_path("testdigits.npz"), N_("shipped test digits"), "")
    return digits.replace(source=ntr("{count:,} MNIST test digit shipped with the app (100 of each class)",
                                     "{count:,} MNIST test digits shipped with the app (100 of each class)",
                                     len(digits)))


def load_mnist_test_set(source: str | os.PathLike | None = None) -> DigitSet:
    """The full MNIST test set from ``source`` (a folder of IDX files or ``mnist.npz``)."""
    images, labels = load_test_set(source)
    return DigitSet(N_("MNIST test set"), images, labels.astype(int), np.arange(len(labels)),
                    ntr("the MNIST test set ({count:,} digit, from {source})",
                        "the MNIST test set ({count:,} digits, from {source})", len(images),
                        source=resolve_source(source)))


def default_test_digits(path: str | os.PathLike | None = None) -> DigitSet:
    """The MNIST test set from ``path`` or ``$LSTM_VIEWER_MNIST``; else the shipped 1,000.

    A data location that is given but unreadable falls back too, and the description says why.
    """
    if resolve_source(path) is not None:
        try:
            return load_mnist_test_set(path)
        except UserError as exc:
            offline = offline_test_digits()
            return offline.replace(source=tr("{source}; the MNIST data could not be read: {reason}",
                                             source=offline.source, reason=exc))
    return offline_test_digits()


def test_set_source() -> Path | None:
    """Where the full test set can be read without TensorFlow, or None."""
    chosen = resolve_source(None)
    if chosen is not None:
        return chosen if chosen.exists() else None
    cache = Path.home() / ".keras" / "datasets" / "mnist.npz"
    return cache if cache.is_file() else None


def predict_all(network: Network, digits: DigitSet) -> np.ndarray:
    """The model's answer for every digit (batched numpy, no trace kept)."""
    return network.predict(digits.images.astype(np.float32) / 255.0).argmax(axis=1)
